package streamkap

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Client talks to the Streamkap API. Build it with [NewClient]; it is safe
// for concurrent use by many goroutines, and meant to be built once and
// shared: it holds the token cache and the connection pool.
type Client struct {
	// ProjectKeys manages Project Keys.
	ProjectKeys *ProjectKeysService
	// Roles lists the roles a key's API credentials can be granted.
	Roles *RolesService

	baseURL          string // scheme://host[/prefix], no trailing slash
	userAgent        []string
	adminTenantID    []string // nil when not set
	adminServiceID   []string
	maxRetryAfter    time.Duration
	minWait, maxWait time.Duration
	maxResponseBytes int64
	logger           *slog.Logger // nil when events are discarded

	// wire returns the retry loop, the transport and the token cache. They
	// sit behind a func so that reflection-based printers (go-spew, testify's
	// diffs) cannot walk into them: the token cache holds credentials, and
	// the connection pool's write buffers hold the last requests sent,
	// bearer header included.
	wire func() *clientWire
}

// clientWire is the part of a Client that talks to the network.
type clientWire struct {
	retry     *retryablehttp.Client
	transport *authTransport
	tokens    tokenSource
	buffers   sync.Pool // *[]byte for response bodies
	gate      rateGate  // closed while the API asks the client to wait
	redact    atomic.Pointer[cachedRedactor]
}

// NewClient builds a client from options. It does no I/O: credentials are
// exchanged for a token when the first call needs one. Every problem with
// the options is reported at once in a [*ConfigError].
//
// With no base URL option the client talks to [DefaultBaseURL]; exactly one
// credential option is required ([WithClientCredentials],
// [WithCredentialFile], [WithCredentialFileData], [WithToken], or
// [WithEnvironment] with the variables set).
func NewClient(opts ...Option) (*Client, error) {
	cfg := newConfig(opts)
	base, err := parseBaseURL(cfg.baseURL)
	if err != nil {
		cfg.problems = append(cfg.problems, err.Error())
	}
	if len(cfg.problems) > 0 {
		return nil, &ConfigError{Problems: cfg.problems, noCredentials: cfg.noCredentials}
	}

	c := &Client{
		baseURL:          base.String(),
		userAgent:        []string{userAgent(cfg.userAgentSuffix)},
		maxRetryAfter:    cfg.maxRetryAfter,
		minWait:          cfg.minWait,
		maxWait:          cfg.maxWait,
		maxResponseBytes: cfg.maxResponseBytes,
	}
	w := &clientWire{}
	c.wire = func() *clientWire { return w }
	if cfg.logger != nil && cfg.logger.Handler() != slog.DiscardHandler {
		c.logger = cfg.logger
	}

	// The inner client is ours, even when the caller gave one: a shallow
	// copy of what matters (transport, cookie jar), never the caller's
	// redirect policy, and no Client.Timeout. The per-attempt timeout is a
	// context deadline set by authTransport, because Client.Timeout over a
	// wrapped transport sends net/http down its legacy cancellation path
	// (a timer and two goroutines per attempt).
	inner := &http.Client{CheckRedirect: refuseRedirect}
	var rt http.RoundTripper = defaultTransport()
	attemptTimeout := DefaultAttemptTimeout
	if hc := cfg.httpClient; hc != nil {
		inner.Jar = hc.Jar
		rt = hc.Transport
		if rt == nil {
			rt = http.DefaultTransport
		}
		if hc.Timeout > 0 {
			attemptTimeout = hc.Timeout
		}
	}
	if cfg.attemptTimeout > 0 {
		attemptTimeout = cfg.attemptTimeout
	}
	w.tokens = newTokenSource(c, cfg.credentials[0], &w.gate)
	if cfg.adminTenantID != "" {
		c.adminTenantID = []string{cfg.adminTenantID}
	}
	if cfg.adminServiceID != "" {
		c.adminServiceID = []string{cfg.adminServiceID}
	}
	_, boundsBodies := rt.(*http.Transport)
	w.transport = &authTransport{
		base: rt, scheme: base.Scheme, host: base.Host, tokens: w.tokens,
		attemptTimeout: attemptTimeout, boundsBodies: boundsBodies,
	}
	inner.Transport = w.transport

	w.retry = &retryablehttp.Client{
		HTTPClient:     inner,
		Logger:         nil, // its logger prints full URLs to stderr; ours is slog
		RetryWaitMin:   cfg.minWait,
		RetryWaitMax:   cfg.maxWait,
		RetryMax:       cfg.maxAttempts - 1,
		CheckRetry:     c.checkRetry,
		Backoff:        noBackoff,
		PrepareRetry:   c.waitBeforeRetry,
		ErrorHandler:   keepLastResponse,
		RequestLogHook: c.logAttempt,
	}
	c.ProjectKeys = &ProjectKeysService{client: c}
	c.Roles = &RolesService{client: c}
	return c, nil
}

// defaultTransport is a private pool, so that closing idle connections or
// tuning never touches http.DefaultTransport's users.
func defaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

// CloseIdleConnections closes the idle connections of the client's
// transport. The client stays usable.
func (c *Client) CloseIdleConnections() {
	if ci, ok := c.wire().transport.base.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// BaseURL returns the API address the client talks to.
func (c *Client) BaseURL() string { return c.baseURL }

// String describes the client without any credential.
func (c *Client) String() string {
	if c == nil || c.wire == nil {
		return "streamkap.Client{} (not built by NewClient)"
	}
	return fmt.Sprintf("streamkap.Client{BaseURL: %q, Auth: %s}", c.baseURL, c.wire().tokens.describe())
}

// GoString is String: a client's %#v shows no credential either.
func (c *Client) GoString() string { return c.String() }

// Format prints String under every verb, for a Client and a *Client alike,
// so that fmt never walks into the client's internals (the token cache).
func (c Client) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// Version is the SDK's version, sent in the User-Agent header: a
// development version until the first release is tagged (CHANGELOG.md).
const Version = "0.1.0-dev"

func userAgent(suffix string) string {
	ua := "streamkap-go/" + Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	if suffix != "" {
		ua += " " + suffix
	}
	return ua
}
