package streamkap

import (
	"net/http"
	"strings"
)

// authTransport runs inside the retry loop, once per attempt: it adds the
// bearer token and the admin headers to requests for the configured host
// (never to another host, redirects included), counts what it sends, and
// after a 401 renews the token once and replays the request once.
type authTransport struct {
	base           http.RoundTripper // the caller's transport, or ours
	scheme, host   string
	tokens         tokenSource
	adminTenantID  string
	adminServiceID string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st := stateFrom(req.Context())
	if !t.ownHost(req) {
		t.countSend(st)
		return t.base.RoundTrip(req)
	}
	noAuth := st != nil && st.call.noAuth
	var tok accessToken
	if !noAuth {
		var err error
		if tok, err = t.tokens.token(req.Context()); err != nil {
			return nil, &tokenError{err: err}
		}
	}
	resp, err := t.send(req, st, tok)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || noAuth {
		return resp, err
	}

	// 401: the token expired early or was revoked. A request the API
	// refused for its token was not acted on, so replaying it is safe, once.
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil // cannot rewind the body
	}
	if !t.tokens.invalidate(tok) {
		return resp, nil
	}
	// Release the connection before renewing: the exchange may need it
	// (with a bounded pool, holding it while waiting can deadlock).
	drain(resp.Body)
	resp.Body.Close()
	fresh, err := t.tokens.token(req.Context())
	if err != nil {
		// The request was refused, so nothing was applied; why the token
		// could not be renewed is what the caller needs to know.
		return nil, &tokenError{err: err}
	}
	replay := *req
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		replay.Body = body
	}
	return t.send(&replay, st, fresh)
}

// send sends a copy of req carrying the credentials; the RoundTripper
// contract forbids changing the caller's request.
func (t *authTransport) send(req *http.Request, st *callState, tok accessToken) (*http.Response, error) {
	out := *req
	out.Header = make(http.Header, len(req.Header)+3)
	for k, v := range req.Header {
		out.Header[k] = v
	}
	if !tok.value.IsZero() {
		out.Header["Authorization"] = []string{"Bearer " + tok.value.Reveal()}
	}
	if t.adminTenantID != "" {
		out.Header["X-Admin-Tenant-Id"] = []string{t.adminTenantID}
	}
	if t.adminServiceID != "" {
		out.Header["X-Admin-Service-Id"] = []string{t.adminServiceID}
	}
	t.countSend(st)
	return t.base.RoundTrip(&out)
}

func (t *authTransport) countSend(st *callState) {
	if st != nil {
		st.sends++
	}
}

// ownHost reports whether req goes to the configured scheme and host.
func (t *authTransport) ownHost(req *http.Request) bool {
	return req.URL.Scheme == t.scheme && strings.EqualFold(req.URL.Host, t.host)
}
