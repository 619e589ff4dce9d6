package streamkap

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is the Streamkap API's address.
const DefaultBaseURL = "https://api.streamkap.com"

// Defaults of the client options.
const (
	DefaultMaxAttempts      = 4
	DefaultMinRetryWait     = 500 * time.Millisecond
	DefaultMaxRetryWait     = 10 * time.Second
	DefaultMaxRetryAfter    = 60 * time.Second
	DefaultAttemptTimeout   = 30 * time.Second
	DefaultMaxResponseBytes = 8 << 20
)

// Environment variables read by [WithEnvironment].
const (
	EnvClientID       = "STREAMKAP_CLIENT_ID"
	EnvSecret         = "STREAMKAP_SECRET"
	EnvHost           = "STREAMKAP_HOST"
	EnvAdminTenantID  = "STREAMKAP_ADMIN_TENANT_ID"
	EnvAdminServiceID = "STREAMKAP_ADMIN_SERVICE_ID"
)

// An Option configures a [Client]. Options are checked by [NewClient], which
// reports every problem at once in a [*ConfigError].
type Option func(*config)

// config is what the options build; NewClient validates it as a whole.
type config struct {
	baseURL          string
	noCredentials    bool // no credential option was given
	httpClient       *http.Client
	userAgentSuffix  string
	maxAttempts      int
	minWait, maxWait time.Duration
	maxRetryAfter    time.Duration
	maxResponseBytes int64
	attemptTimeout   time.Duration // 0: the caller's Client.Timeout, or the default
	logger           *slog.Logger
	adminTenantID    string
	adminServiceID   string
	useEnv           bool
	getenv           func(string) string

	credentials []credentials // more than one is an error
	problems    []string
}

func (c *config) problemf(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// WithBaseURL sets the API's address (default [DefaultBaseURL]). It must be
// https, except for a loopback host (localhost, 127.0.0.0/8, ::1), which may
// use http for tests. A path prefix is kept; a query, a fragment or user
// information in the URL is refused.
func WithBaseURL(rawURL string) Option {
	return func(c *config) { c.baseURL = rawURL }
}

// WithHTTPClient makes the client send its requests through hc's transport,
// inside the SDK's retry loop, so that tracing (otelhttp), proxies and
// custom TLS keep working and see every attempt. hc's Timeout, when set,
// becomes the per-attempt timeout (unless [WithAttemptTimeout] sets one);
// when it is zero, as in &http.Client{Transport: otelhttp.NewTransport(...)},
// the default per-attempt timeout still applies. hc's Jar is kept; its
// CheckRedirect is not: the client never follows a redirect. hc itself is
// not modified.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) {
		if hc == nil {
			c.problemf("WithHTTPClient: the *http.Client is nil")
			return
		}
		c.httpClient = hc
	}
}

// WithAttemptTimeout bounds each attempt of a call, from sending the
// request to reading the last byte of the answer (default
// [DefaultAttemptTimeout], or the Timeout of the client given to
// [WithHTTPClient]). The context of the call bounds the whole call,
// retries and waits included.
func WithAttemptTimeout(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.problemf("WithAttemptTimeout: %v is not positive", d)
			return
		}
		c.attemptTimeout = d
	}
}

// WithUserAgent appends suffix (for example "my-app/1.2") to the SDK's
// User-Agent header. A suffix with a control character (a line break
// would split the header) is refused.
func WithUserAgent(suffix string) Option {
	return func(c *config) {
		if !validHeaderValue(suffix) {
			c.problemf("WithUserAgent: the suffix contains a control character")
			return
		}
		c.userAgentSuffix = strings.TrimSpace(suffix)
	}
}

// WithMaxAttempts sets how many times a call may be sent in all, the first
// attempt included (default [DefaultMaxAttempts]); 1 turns retries off.
// Which calls are retried, and on what, does not change: see the package
// documentation, "Retries".
func WithMaxAttempts(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.problemf("WithMaxAttempts: %d is less than 1", n)
			return
		}
		c.maxAttempts = n
	}
}

// WithRetryWait bounds the jittered exponential backoff between attempts:
// the first retry waits min, each later one up to twice as long, never more
// than max (defaults [DefaultMinRetryWait], [DefaultMaxRetryWait]).
func WithRetryWait(min, max time.Duration) Option {
	return func(c *config) {
		if min < 0 || max < min {
			c.problemf("WithRetryWait: want 0 <= min <= max, got min %v, max %v", min, max)
			return
		}
		c.minWait, c.maxWait = min, max
	}
}

// WithMaxRetryAfter sets the longest Retry-After wait the client honours
// (default [DefaultMaxRetryAfter]). When the server asks for longer, or for
// longer than the context's deadline leaves, the call fails at once with an
// [*APIError] whose RetryAfter holds the wait.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.problemf("WithMaxRetryAfter: %v is negative", d)
			return
		}
		c.maxRetryAfter = d
	}
}

// WithMaxResponseBytes caps the size of a response body the client reads
// (default [DefaultMaxResponseBytes]). A larger body fails the call with
// [ErrResponseTooLarge] instead of filling memory.
func WithMaxResponseBytes(n int64) Option {
	return func(c *config) {
		if n < 1024 {
			c.problemf("WithMaxResponseBytes: %d is less than 1024", n)
			return
		}
		c.maxResponseBytes = n
	}
}

// WithLogger sends the client's events (request, retry, done: method, path
// template, status, attempt, request id, duration) to l. Headers, bodies,
// query strings and secrets are never logged. The default discards events.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithAdminTenant sends X-Admin-Tenant-Id on every request, for
// cross-tenant administration by Streamkap staff. An id with a control
// character is refused.
func WithAdminTenant(tenantID string) Option {
	return func(c *config) { c.adminTenantID = tenantID }
}

// WithAdminService sends X-Admin-Service-Id on every request, for
// cross-service administration by Streamkap staff. An id with a control
// character is refused.
func WithAdminService(serviceID string) Option {
	return func(c *config) { c.adminServiceID = serviceID }
}

// WithToken authenticates with a bearer token obtained elsewhere. The client
// cannot renew it: once it expires, calls fail with [ErrUnauthorized]. A
// token that cannot be sent in a header (empty, or with spaces or control
// characters, such as a trailing newline read from a file) is refused.
func WithToken(token string) Option {
	return func(c *config) {
		if !validToken(token) {
			c.problemf("WithToken: the token is empty or contains spaces or control characters")
			return
		}
		c.credentials = append(c.credentials, credentials{kind: "WithToken", token: NewSecret(token)})
	}
}

// WithClientCredentials authenticates with an API client id and secret,
// exchanged for an access token at POST /auth/access-token when first
// needed, cached, and renewed before it expires.
func WithClientCredentials(clientID, secret string) Option {
	return func(c *config) {
		if clientID == "" || secret == "" {
			c.problemf("WithClientCredentials: the client id and the secret must both be non-empty")
			return
		}
		c.credentials = append(c.credentials, credentials{kind: "WithClientCredentials", clientID: clientID, secret: NewSecret(secret)})
	}
}

// WithCredentialFile authenticates with the API credentials of a Project Key
// credential file (the .json the API returns when a key is created), read
// from path when the first token is needed. Only its client id and secret
// are sent, to the client's base URL; the file's own URLs are not trusted.
func WithCredentialFile(path string) Option {
	return func(c *config) {
		if path == "" {
			c.problemf("WithCredentialFile: the path is empty")
			return
		}
		c.credentials = append(c.credentials, credentials{kind: "WithCredentialFile", filePath: path})
	}
}

// WithCredentialFileData is [WithCredentialFile] for a credential file held
// in memory, as raw JSON or base64-encoded JSON. It is parsed by NewClient.
func WithCredentialFileData(data []byte) Option {
	return func(c *config) {
		f, err := ParseCredentialFile(data)
		if err != nil {
			c.problemf("WithCredentialFileData: %v", err)
			return
		}
		if f.API == nil || f.API.ClientID == "" || f.API.ClientSecret.IsZero() {
			c.problemf("WithCredentialFileData: the credential file has no API credentials (a Kafka-only key cannot call the API)")
			return
		}
		c.credentials = append(c.credentials, credentials{kind: "WithCredentialFileData", clientID: f.API.ClientID, secret: f.API.ClientSecret})
	}
}

// WithEnvironment reads the environment: STREAMKAP_CLIENT_ID and
// STREAMKAP_SECRET (client credentials), STREAMKAP_HOST (base URL),
// STREAMKAP_ADMIN_TENANT_ID and STREAMKAP_ADMIN_SERVICE_ID. A value from
// the environment is used only where no other option sets one, whatever
// the order of the options.
func WithEnvironment() Option {
	return func(c *config) { c.useEnv = true }
}

// credentials is one source of authentication, from one option.
type credentials struct {
	kind     string // the option that made it, for error messages
	token    Secret
	clientID string
	secret   Secret
	filePath string
}

func newConfig(opts []Option) *config {
	c := &config{
		maxAttempts:      DefaultMaxAttempts,
		minWait:          DefaultMinRetryWait,
		maxWait:          DefaultMaxRetryWait,
		maxRetryAfter:    DefaultMaxRetryAfter,
		maxResponseBytes: DefaultMaxResponseBytes,
		getenv:           os.Getenv,
	}
	for _, opt := range opts {
		if opt == nil {
			c.problemf("an Option is nil")
			continue
		}
		opt(c)
	}
	if c.useEnv {
		c.applyEnvironment()
	}
	if c.baseURL == "" {
		c.baseURL = DefaultBaseURL
	}
	if !validHeaderValue(c.adminTenantID) {
		c.problemf("the admin tenant id contains a control character")
	}
	if !validHeaderValue(c.adminServiceID) {
		c.problemf("the admin service id contains a control character")
	}
	switch len(c.credentials) {
	case 0:
		c.noCredentials = true
		c.problemf("no credentials: use WithClientCredentials, WithCredentialFile, WithCredentialFileData, WithToken, or WithEnvironment with %s and %s set", EnvClientID, EnvSecret)
	case 1:
	default:
		kinds := make([]string, len(c.credentials))
		for i, cr := range c.credentials {
			kinds[i] = cr.kind
		}
		c.problemf("more than one credential option: %s", strings.Join(kinds, ", "))
	}
	return c
}

func (c *config) applyEnvironment() {
	if c.baseURL == "" {
		c.baseURL = strings.TrimSpace(c.getenv(EnvHost))
	}
	if c.adminTenantID == "" {
		c.adminTenantID = c.getenv(EnvAdminTenantID)
	}
	if c.adminServiceID == "" {
		c.adminServiceID = c.getenv(EnvAdminServiceID)
	}
	if len(c.credentials) > 0 {
		return
	}
	id, secret := c.getenv(EnvClientID), c.getenv(EnvSecret)
	switch {
	case id != "" && secret != "":
		c.credentials = append(c.credentials, credentials{kind: "WithEnvironment", clientID: id, secret: NewSecret(secret)})
	case id != "" || secret != "":
		c.problemf("WithEnvironment: %s and %s must be set together", EnvClientID, EnvSecret)
	}
}

// parseBaseURL checks a base URL and returns it without a trailing slash.
// Its errors never quote user information or a query: a URL that does
// not parse is not quoted at all, and others are quoted without them.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, errors.New("the base URL does not parse as a URL (it is not shown: it may hold a password)")
	}
	shown := *u
	shown.User, shown.RawQuery, shown.ForceQuery, shown.Fragment, shown.RawFragment = nil, "", false, "", "" // may hold credentials
	quoted := strconv.Quote(escapeControls(shown.String()))
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("base URL %s: the scheme must be https", quoted)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("base URL %s has no host", quoted)
	case u.User != nil:
		return nil, fmt.Errorf("base URL %s carries user information (not shown); use a credential option", quoted)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("base URL %s has a query or fragment", quoted)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return nil, fmt.Errorf("base URL %s: plain http is allowed only for a loopback host; use https", quoted)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
