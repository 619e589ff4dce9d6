package streamkap

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// authTransport runs inside the retry loop, once per attempt. It bounds the
// attempt with the per-attempt timeout (a context deadline that ends when
// the body is closed), refuses to send anything to a host other than the
// configured one, hides a redirect's Location from net/http so that no
// redirect is ever followed, makes sure an attempt carries the current
// token (it may have been renewed since Client.do set it), counts what it
// sends, and after a 401 renews the token once and replays the request
// once. It copies a request only when it must change it, as the
// RoundTripper contract asks.
type authTransport struct {
	base         http.RoundTripper // the caller's transport, or ours
	scheme, host string
	tokens       tokenSource
	// attemptTimeout bounds each attempt, body included.
	attemptTimeout time.Duration
	// boundsBodies is true when base is an *http.Transport, which ends a
	// body read when the request's context ends; other transports get a
	// watcher that closes the body at the deadline.
	boundsBodies bool
}

// errOtherHost is what an attempt to reach another host gets. The client
// follows no redirect and builds every URL from its base URL, so this is a
// last line of defence, not a path any call takes.
var errOtherHost = errors.New("streamkap: refusing to send a request to a host other than the base URL's")

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.ownHost(req) {
		return nil, errOtherHost
	}
	st := stateFrom(req.Context())
	timeout := t.attemptTimeout
	if st != nil && st.call.opts.attemptTimeout > 0 {
		timeout = st.call.opts.attemptTimeout
	}
	ctx, cancel := context.WithTimeout(req.Context(), timeout)
	req = req.WithContext(ctx)
	resp, err := t.roundTrip(req, st)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		hideRedirect(req, resp, st)
	}
	body := &attemptBody{ReadCloser: resp.Body, cancel: cancel}
	if !t.boundsBodies {
		rc := resp.Body
		body.stop = context.AfterFunc(ctx, func() { _ = rc.Close() })
	}
	resp.Body = body
	return resp, nil
}

// roundTrip sends one attempt with the current token, and replays it once
// after a 401.
func (t *authTransport) roundTrip(req *http.Request, st *callState) (*http.Response, error) {
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

// hideRedirect removes a redirect's Location, so that net/http returns the
// answer instead of following it, and notes the host it named (only the
// host, for the error).
func hideRedirect(req *http.Request, resp *http.Response, st *callState) {
	loc := resp.Header.Get("Location")
	resp.Header.Del("Location")
	if st == nil || loc == "" {
		return
	}
	if u, err := req.URL.Parse(loc); err == nil && u.Host != "" {
		st.redirectHost = u.Host
	} else {
		st.redirectHost = "(unreadable)"
	}
}

// attemptBody ends the attempt's context, and its watcher, when closed.
type attemptBody struct {
	io.ReadCloser
	cancel context.CancelFunc
	stop   func() bool // nil when the transport bounds body reads itself
}

func (b *attemptBody) Close() error {
	err := b.ReadCloser.Close()
	if b.stop != nil {
		b.stop()
	}
	b.cancel()
	return err
}

// send sends req with tok, copying it only if it carries another token.
func (t *authTransport) send(req *http.Request, st *callState, tok accessToken) (*http.Response, error) {
	header := tok.header()
	if !sameHeaderValue(req.Header["Authorization"], header) {
		out := *req
		out.Header = req.Header.Clone()
		out.Header["Authorization"] = header
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

func (t *authTransport) countSend(st *callState) {
	if st != nil {
		st.sends++
	}
}

// ownHost reports whether req goes to the configured scheme and host.
func (t *authTransport) ownHost(req *http.Request) bool {
	return req.URL.Scheme == t.scheme && strings.EqualFold(req.URL.Host, t.host)
}

// refuseRedirect is the inner http.Client's CheckRedirect. The transport
// already hides Location, so net/http never gets this far; this stays as
// the second lock on the same door.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
