package streamkap

import (
	"net/http"
	"strings"
)

// authTransport runs inside the retry loop, once per attempt. Client.do
// puts the bearer token and the admin headers on each request; this
// transport makes sure they go only to the configured host (never to
// another, redirects included), that an attempt carries the current token
// (it may have been renewed since), counts what it sends, and after a 401
// renews the token once and replays the request once. It copies a request
// only when it must change it, as the RoundTripper contract asks.
type authTransport struct {
	base         http.RoundTripper // the caller's transport, or ours
	scheme, host string
	tokens       tokenSource
}

// credentialHeaders are the headers that must not leave the configured host.
var credentialHeaders = [...]string{"Authorization", "X-Admin-Tenant-Id", "X-Admin-Service-Id"}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st := stateFrom(req.Context())
	if !t.ownHost(req) {
		t.countSend(st)
		return t.base.RoundTrip(withoutCredentials(req))
	}
	if st == nil || st.call.noAuth {
		t.countSend(st)
		return t.base.RoundTrip(req)
	}
	tok, err := t.tokens.token(req.Context())
	if err != nil {
		return nil, &tokenError{err: err}
	}
	resp, err := t.send(req, st, tok)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
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

// send sends req with tok, copying it only if it carries another token.
func (t *authTransport) send(req *http.Request, st *callState, tok accessToken) (*http.Response, error) {
	if !sameHeaderValue(req.Header["Authorization"], tok.header) {
		out := *req
		out.Header = req.Header.Clone()
		out.Header["Authorization"] = tok.header
		req = &out
	}
	t.countSend(st)
	return t.base.RoundTrip(req)
}

// sameHeaderValue reports whether a is the very header value b (the token's
// prebuilt one), which Client.do puts on requests.
func sameHeaderValue(a, b []string) bool {
	return len(a) == 1 && len(b) == 1 && &a[0] == &b[0]
}

// withoutCredentials returns req, or a copy of it without the credential
// headers if it has any.
func withoutCredentials(req *http.Request) *http.Request {
	for _, h := range credentialHeaders {
		if _, ok := req.Header[h]; ok {
			out := *req
			out.Header = req.Header.Clone()
			for _, h := range credentialHeaders {
				delete(out.Header, h)
			}
			return &out
		}
	}
	return req
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
