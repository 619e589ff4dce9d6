package streamkap

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"
)

const (
	// tokenRenewMargin is how long before expiry a token is renewed, at most;
	// short-lived tokens are renewed when a quarter of their life remains.
	tokenRenewMargin = 60 * time.Second
	// defaultTokenLifetime is assumed when the token response gives no expiry.
	defaultTokenLifetime = 5 * time.Minute
	// tokenFetchTimeout bounds one exchange, retries included. The exchange
	// runs detached from the caller that started it, because other callers
	// may be waiting for it too.
	tokenFetchTimeout = 2 * time.Minute
)

// accessToken is a bearer token and when to stop using it.
type accessToken struct {
	value   Secret
	renewAt time.Time
	// header is the Authorization header value, built once per token
	// rather than once per request. It is reachable only from the client,
	// which never lets fmt walk into itself.
	header []string
}

func newAccessToken(value Secret, renewAt time.Time) accessToken {
	return accessToken{value: value, renewAt: renewAt, header: []string{"Bearer " + value.Reveal()}}
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
	// secrets lists the plaintexts the source holds (credentials, the
	// current token), to be blanked from server text in errors.
	secrets() []string
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

func newTokenSource(c *Client, cr credentials) tokenSource {
	if !cr.token.IsZero() {
		return staticToken{tok: newAccessToken(cr.token, time.Time{})}
	}
	ex := &exchanger{client: c, clientID: cr.clientID, secret: cr.secret, filePath: cr.filePath}
	return &tokenCache{fetch: ex.exchange, credentials: ex.secrets, kind: cr.kind}
}

// staticToken is a bearer token given by the caller; it cannot be renewed.
type staticToken struct{ tok accessToken }

func (s staticToken) token(context.Context) (accessToken, error) { return s.tok, nil }
func (s staticToken) invalidate(accessToken) bool                { return false }
func (s staticToken) describe() string                           { return "static token" }
func (s staticToken) secrets() []string                          { return []string{s.tok.value.Reveal()} }

// tokenCache holds the current token and makes sure that however many
// goroutines find it missing or due for renewal, one exchange runs.
type tokenCache struct {
	fetch       func(ctx context.Context) (accessToken, error)
	credentials func() []string // the plaintexts fetch sends
	kind        string

	mu       sync.Mutex
	current  accessToken
	inflight *tokenFetch
}

// tokenFetch is one exchange in progress; waiters block on done.
type tokenFetch struct {
	done chan struct{}
	tok  accessToken
	err  error
}

func (c *tokenCache) describe() string { return "exchanged token (" + c.kind + ")" }

func (c *tokenCache) secrets() []string {
	out := c.credentials()
	c.mu.Lock()
	if tok := c.current.value.Reveal(); tok != "" {
		out = append(out, tok)
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
		f = &tokenFetch{done: make(chan struct{})}
		c.inflight = f
		go c.run(context.WithoutCancel(ctx), f)
	}
	c.mu.Unlock()

	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return accessToken{}, ctx.Err()
	}
}

func (c *tokenCache) run(ctx context.Context, f *tokenFetch) {
	ctx, cancel := context.WithTimeout(ctx, tokenFetchTimeout)
	defer cancel()
	tok, err := c.fetch(ctx)
	c.mu.Lock()
	if err == nil {
		c.current = tok
	}
	c.inflight = nil
	c.mu.Unlock()
	f.tok, f.err = tok, err
	close(f.done)
}

func (c *tokenCache) invalidate(stale accessToken) bool {
	c.mu.Lock()
	if c.current.value.p == stale.value.p {
		c.current = accessToken{}
	}
	c.mu.Unlock()
	return true
}

// exchanger trades client credentials for a token at POST /auth/access-token.
type exchanger struct {
	client   *Client
	clientID string
	secret   Secret
	filePath string // read at each exchange when set, so a rotated file is picked up
}

func (e *exchanger) secrets() []string {
	if e.secret.IsZero() {
		return nil
	}
	return []string{e.secret.Reveal()}
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
		if clientID, secret, err = readCredentialFile(e.filePath); err != nil {
			return accessToken{}, err
		}
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
	return resp.token(requested)
}

// token turns the answer into an accessToken, timing its renewal from when
// the exchange was requested, so network delays shorten its life, never extend it.
func (r *tokenResponse) token(requested time.Time) (accessToken, error) {
	value := r.AccessToken
	if value.IsZero() {
		value = r.AccessTokenSnake
	}
	if value.IsZero() {
		return accessToken{}, fmt.Errorf("%w: the token response has no accessToken", ErrMalformedResponse)
	}
	lifetime := defaultTokenLifetime
	switch {
	case r.ExpiresIn != nil && *r.ExpiresIn > 0:
		lifetime = time.Duration(*r.ExpiresIn * float64(time.Second))
	case r.ExpiresInSnake != nil && *r.ExpiresInSnake > 0:
		lifetime = time.Duration(*r.ExpiresInSnake * float64(time.Second))
	case r.Expires != "":
		var ts Timestamp
		_ = ts.UnmarshalJSON([]byte(`"` + r.Expires + `"`))
		if d := ts.Sub(requested); !ts.IsZero() && d > 0 {
			lifetime = d
		}
	}
	margin := min(tokenRenewMargin, lifetime/4)
	return newAccessToken(value, requested.Add(lifetime-margin)), nil
}

// readCredentialFile reads a credential file's API credentials from disk.
func readCredentialFile(path string) (clientID string, secret Secret, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", Secret{}, fmt.Errorf("streamkap: reading the credential file: %w", err)
	}
	defer clear(data)
	f, err := ParseCredentialFile(data)
	if err != nil {
		return "", Secret{}, fmt.Errorf("streamkap: credential file %s: %w", path, err)
	}
	if f.API == nil || f.API.ClientID == "" || f.API.ClientSecret.IsZero() {
		return "", Secret{}, fmt.Errorf("streamkap: credential file %s has no API credentials (a Kafka-only key cannot call the API)", path)
	}
	return f.API.ClientID, f.API.ClientSecret, nil
}
