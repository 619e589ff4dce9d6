package streamkap

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// tokenRenewMargin is how long before expiry a token is renewed, at most;
	// short-lived tokens are renewed when a quarter of their life remains.
	tokenRenewMargin = 60 * time.Second
	// defaultTokenLifetime is assumed when the token response gives no expiry.
	defaultTokenLifetime = 5 * time.Minute
	// maxTokenLifetime caps what the server says a token lives: a huge
	// expiresIn would overflow time.Duration, and a token kept for days
	// outlives any revocation the client could learn of by renewing.
	maxTokenLifetime = 24 * time.Hour
	// tokenFetchTimeout bounds one exchange, retries included. The exchange
	// runs detached from the caller that started it, because other callers
	// may be waiting for it too; it is cancelled when none is left.
	tokenFetchTimeout = 2 * time.Minute
	// recentSecrets is how many earlier tokens and client secrets the
	// client keeps redacting after it stopped using them: a renewed token
	// stays valid on the server until it expires.
	recentSecrets = 4
)

// accessToken is a bearer token and when to stop using it.
type accessToken struct {
	value   Secret
	renewAt time.Time
	expires time.Time // after this, the server refuses it: no need to redact it any more
	// header returns the Authorization header value, built once per token
	// rather than once per request. It is a func so that reflection-based
	// printers cannot reach the "Bearer ..." text.
	header func() []string
}

func newAccessToken(value Secret, renewAt, expires time.Time) accessToken {
	h := []string{"Bearer " + value.Reveal()}
	return accessToken{value: value, renewAt: renewAt, expires: expires, header: func() []string { return h }}
}

// validToken reports whether a token can be sent as a bearer credential:
// visible ASCII only (RFC 6750's b64token and then some). A token with a
// line break or a space would make every request invalid, or split a header.
func validToken(tok string) bool {
	if tok == "" {
		return false
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] <= ' ' || tok[i] >= 0x7f {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether s can be sent as a header value as it
// is: no control characters (a CR or LF would split the header).
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// tokenSource gives the transport a bearer token.
type tokenSource interface {
	// token returns a token to send.
	token(ctx context.Context) (accessToken, error)
	// invalidate drops tok after the API refused it; it reports whether a
	// new token can be had, so the refused request is worth replaying.
	invalidate(tok accessToken) bool
	// describe names the kind of credentials, never their value.
	describe() string
	// secrets lists the plaintexts the source holds or held that may still
	// be valid (credentials, the current and earlier tokens), to be blanked
	// from server text in errors.
	secrets() []string
	// generation changes whenever secrets may have: a cached redactor built
	// for another generation is built again.
	generation() uint64
}

// tokenError is how the transport reports a token it could not get; the
// retry policy does not retry it (the exchange has its own retries) and the
// pipeline reports its cause.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "getting an access token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// tokenFailure is what a call returns when it could not get a token: the
// call's method and path, then the exchange's own error (an *APIError or
// *RequestError for POST /auth/access-token), which it unwraps to.
type tokenFailure struct {
	method, path string
	err          error
}

func (e *tokenFailure) Error() string {
	return "streamkap: " + e.method + " " + e.path + ": getting an access token" + causeText(e.err)
}

func (e *tokenFailure) Unwrap() error { return e.err }

func newTokenSource(c *Client, cr credentials, gate *rateGate) tokenSource {
	if !cr.token.IsZero() {
		return staticToken{tok: newAccessToken(cr.token, time.Time{}, time.Time{})}
	}
	ex := &exchanger{client: c, clientID: cr.clientID, secret: cr.secret, filePath: cr.filePath}
	return &tokenCache{fetch: ex.exchange, credentials: ex.secrets, kind: cr.kind, gate: gate}
}

// staticToken is a bearer token given by the caller; it cannot be renewed.
type staticToken struct{ tok accessToken }

func (s staticToken) token(context.Context) (accessToken, error) { return s.tok, nil }
func (s staticToken) invalidate(accessToken) bool                { return false }
func (s staticToken) describe() string                           { return "static token" }
func (s staticToken) secrets() []string                          { return []string{s.tok.value.Reveal()} }
func (s staticToken) generation() uint64                         { return 0 }

// tokenCache holds the current token and makes sure that however many
// goroutines find it missing or due for renewal, one exchange runs.
type tokenCache struct {
	fetch       func(ctx context.Context) (accessToken, error)
	credentials func() []string // the plaintexts fetch sends, or sent lately
	kind        string
	// gate is the client's rate gate: an exchange told to wait (a 429 with
	// Retry-After) closes it, and a waiter whose deadline comes first
	// fails at once instead of waiting for the exchange to give up.
	gate *rateGate

	mu       sync.Mutex
	current  accessToken
	previous []accessToken // replaced tokens, until they expire
	inflight *tokenFetch
	gen      atomic.Uint64 // bumped whenever the token or credentials change
}

func (c *tokenCache) generation() uint64 { return c.gen.Load() }

// tokenFetch is one exchange in progress; waiters block on done. When the
// last waiter gives up, the exchange is cancelled: no goroutine keeps
// working for a call that has returned.
type tokenFetch struct {
	done    chan struct{}
	cancel  context.CancelFunc
	waiters int // guarded by tokenCache.mu
	// detached is set, under tokenCache.mu, when the fetch stops being the
	// cache's: abandoned by its waiters, or started before a refusal. Its
	// token never becomes current, so only the newest exchange's can.
	detached bool
	tok      accessToken
	err      error
}

func (c *tokenCache) describe() string { return "exchanged token (" + c.kind + ")" }

func (c *tokenCache) secrets() []string {
	out := c.credentials()
	now := time.Now()
	c.mu.Lock()
	if tok := c.current.value.Reveal(); tok != "" {
		out = append(out, tok)
	}
	for _, old := range c.previous {
		if now.Before(old.expires) {
			out = append(out, old.value.Reveal())
		}
	}
	c.mu.Unlock()
	return out
}

func (c *tokenCache) token(ctx context.Context) (accessToken, error) {
	c.mu.Lock()
	if !c.current.value.IsZero() && time.Now().Before(c.current.renewAt) {
		tok := c.current
		c.mu.Unlock()
		return tok, nil
	}
	f := c.inflight
	if f == nil {
		fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tokenFetchTimeout)
		f = &tokenFetch{done: make(chan struct{}), cancel: cancel}
		c.inflight = f
		go c.run(fetchCtx, f)
	}
	f.waiters++
	c.mu.Unlock()

	for {
		var gateClosed <-chan struct{}
		if c.gate != nil {
			if err := c.gate.tooLateFor(ctx); err != nil {
				c.leave(f)
				return accessToken{}, err
			}
			gateClosed = c.gate.closing()
		}
		select {
		case <-f.done:
			return f.tok, f.err
		case <-gateClosed:
			continue // the exchange was told to wait: is it too long for this caller?
		case <-ctx.Done():
			c.leave(f)
			return accessToken{}, ctx.Err()
		}
	}
}

// leave takes a waiter off f; the last one to leave stops the exchange.
func (c *tokenCache) leave(f *tokenFetch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f.waiters--
	if f.waiters == 0 {
		// Nobody is waiting any more: stop the exchange, and let the
		// next caller start a fresh one rather than join a dying one.
		f.cancel()
		c.detach(f)
	}
}

func (c *tokenCache) run(ctx context.Context, f *tokenFetch) {
	defer f.cancel()
	tok, err := c.fetch(ctx)
	c.mu.Lock()
	if err == nil && !f.detached {
		c.retire(c.current)
		c.current = tok
	}
	c.detach(f)
	c.gen.Add(1) // a new token, or a credential file read again
	c.mu.Unlock()
	f.tok, f.err = tok, err
	close(f.done)
}

// retire keeps a replaced token for the redactor until it expires. The
// caller holds c.mu.
func (c *tokenCache) retire(old accessToken) {
	if old.value.IsZero() {
		return
	}
	now := time.Now()
	kept := c.previous[:0]
	for _, p := range c.previous {
		if now.Before(p.expires) {
			kept = append(kept, p)
		}
	}
	c.previous = append(kept, old)
	if len(c.previous) > recentSecrets {
		c.previous = c.previous[len(c.previous)-recentSecrets:]
	}
}

// invalidate drops a token the API refused, so that the next call to
// token fetches another. A renewal already in flight when the refused
// token was still current started before the refusal, maybe before the
// revocation that caused it, so it is detached: its token could be just as
// dead. Its waiters still get it; the next caller starts a fresh exchange.
func (c *tokenCache) invalidate(stale accessToken) bool {
	c.mu.Lock()
	if c.current.value == stale.value {
		c.retire(c.current)
		c.current = accessToken{}
		if c.inflight != nil {
			c.detach(c.inflight)
		}
		c.gen.Add(1)
	}
	c.mu.Unlock()
	return true
}

// detach makes f no longer the cache's fetch. The caller holds c.mu.
func (c *tokenCache) detach(f *tokenFetch) {
	f.detached = true
	if c.inflight == f {
		c.inflight = nil
	}
}

// exchanger trades client credentials for a token at POST /auth/access-token.
type exchanger struct {
	client   *Client
	clientID string
	secret   Secret
	filePath string // read at each exchange when set, so a rotated file is picked up

	mu       sync.Mutex
	fromFile []Secret // secrets read from filePath lately, newest last
}

func (e *exchanger) secrets() []string {
	var out []string
	if !e.secret.IsZero() {
		out = append(out, e.secret.Reveal())
	}
	e.mu.Lock()
	for _, s := range e.fromFile {
		out = append(out, s.Reveal())
	}
	e.mu.Unlock()
	return out
}

// rememberFileSecret keeps a secret read from the credential file for the
// redactor, even after the file is rotated: the old secret may still work.
func (e *exchanger) rememberFileSecret(s Secret) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, known := range e.fromFile {
		if known.Equal(s) {
			return
		}
	}
	e.fromFile = append(e.fromFile, s)
	if len(e.fromFile) > recentSecrets {
		e.fromFile = e.fromFile[len(e.fromFile)-recentSecrets:]
	}
}

// tokenResponse is the exchange's answer; the API uses camelCase here
// (snake_case is accepted too). The refresh token is not decoded: the
// client renews by exchanging again, so it never holds one.
type tokenResponse struct {
	AccessToken      Secret   `json:"accessToken"`
	AccessTokenSnake Secret   `json:"access_token"`
	ExpiresIn        *float64 `json:"expiresIn"`
	ExpiresInSnake   *float64 `json:"expires_in"`
	Expires          string   `json:"expires"`
}

func (e *exchanger) exchange(ctx context.Context) (accessToken, error) {
	clientID, secret := e.clientID, e.secret
	if e.filePath != "" {
		var err error
		if clientID, secret, err = readCredentialFile(ctx, e.filePath, e.client.warn); err != nil {
			return accessToken{}, err
		}
		e.rememberFileSecret(secret)
	}
	body, err := json.Marshal(struct {
		ClientID string `json:"client_id"`
		Secret   string `json:"secret"`
	}{clientID, secret.Reveal()})
	if err != nil {
		return accessToken{}, err
	}

	requested := time.Now()
	var resp tokenResponse
	err = e.client.do(ctx, &call{
		method:     http.MethodPost,
		route:      "/auth/access-token",
		path:       "/auth/access-token",
		body:       body,
		idempotent: true, // a second exchange only issues a second token
		noAuth:     true,
		readOnly:   true,
		secrets:    []string{secret.Reveal()},
		out:        &resp,
	})
	if err != nil {
		return accessToken{}, err
	}
	return resp.token(requested), nil
}

// value is the access token, under either spelling.
func (r *tokenResponse) value() Secret {
	if !r.AccessToken.IsZero() {
		return r.AccessToken
	}
	return r.AccessTokenSnake
}

// checkAnswer refuses an answer without a token that can be sent in a header.
func (r *tokenResponse) checkAnswer() error {
	v := r.value()
	switch {
	case v.IsZero():
		return fmt.Errorf("%w: the token response has no accessToken", ErrMalformedResponse)
	case !validToken(v.Reveal()):
		return fmt.Errorf("%w: the access token contains characters a header cannot carry", ErrMalformedResponse)
	}
	return nil
}

// token turns the answer into an accessToken, timing its renewal from when
// the exchange was requested, so network delays shorten its life, never
// extend it. The lifetime is clamped to maxTokenLifetime.
func (r *tokenResponse) token(requested time.Time) accessToken {
	lifetime := defaultTokenLifetime
	switch {
	case r.ExpiresIn != nil && *r.ExpiresIn > 0:
		lifetime = secondsToDuration(*r.ExpiresIn)
	case r.ExpiresInSnake != nil && *r.ExpiresInSnake > 0:
		lifetime = secondsToDuration(*r.ExpiresInSnake)
	case r.Expires != "":
		var ts Timestamp
		_ = ts.UnmarshalJSON([]byte(`"` + r.Expires + `"`))
		if d := ts.Sub(requested); !ts.IsZero() && d > 0 {
			lifetime = d
		}
	}
	lifetime = min(lifetime, maxTokenLifetime)
	margin := min(tokenRenewMargin, lifetime/4)
	return newAccessToken(r.value(), requested.Add(lifetime-margin), requested.Add(lifetime))
}

// secondsToDuration converts a positive number of seconds, saturating at
// maxTokenLifetime instead of overflowing.
func secondsToDuration(secs float64) time.Duration {
	if secs >= maxTokenLifetime.Seconds() {
		return maxTokenLifetime
	}
	return time.Duration(secs * float64(time.Second))
}

// readCredentialFile reads a credential file's API credentials from disk.
// It refuses anything but a regular file (a FIFO or a device would block
// or never end), checks the size before reading, and warns when the file
// is readable by others.
func readCredentialFile(ctx context.Context, path string, warn func(msg string, attrs ...slog.Attr)) (clientID string, secret Secret, err error) {
	if err := ctx.Err(); err != nil {
		return "", Secret{}, err
	}
	data, mode, err := readRegularFile(path, maxCredentialFileBytes)
	if err != nil {
		return "", Secret{}, &ConfigError{Problems: []string{"reading the credential file: " + err.Error()}, Err: err}
	}
	defer clear(data)
	if mode&0o077 != 0 && runtime.GOOS != "windows" {
		warn("streamkap credential file is readable by other users; restrict it with chmod 600",
			slog.String("mode", mode.Perm().String()))
	}
	f, err := ParseCredentialFile(data)
	if err != nil {
		return "", Secret{}, &ConfigError{Problems: []string{"credential file " + path + ": " + err.Error()}, Err: err}
	}
	if f.API == nil || f.API.ClientID == "" || f.API.ClientSecret.IsZero() {
		return "", Secret{}, &ConfigError{Problems: []string{"credential file " + path + " has no API credentials (a Kafka-only key cannot call the API)"}}
	}
	return f.API.ClientID, f.API.ClientSecret, nil
}

// readRegularFile reads a regular file of at most limit bytes. It opens
// without blocking (a FIFO would otherwise wait for a writer), then checks
// the type and size of what it opened before reading any of it.
func readRegularFile(path string, limit int64) ([]byte, os.FileMode, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNonBlocking, 0)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	switch {
	case !info.Mode().IsRegular():
		return nil, 0, fmt.Errorf("%s is not a regular file (%s)", path, info.Mode().Type())
	case info.Size() > limit:
		return nil, 0, fmt.Errorf("%s is %d bytes, more than a credential file's %d", path, info.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, 0, err
	}
	if int64(len(data)) > limit {
		clear(data)
		return nil, 0, fmt.Errorf("%s grew past %d bytes while being read", path, limit)
	}
	return data, info.Mode(), nil
}
