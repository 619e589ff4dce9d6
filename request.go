package streamkap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/streamkap-go/streamkap/internal/retry"
)

// call describes one API call; services fill it in, Client.do runs it.
type call struct {
	method string
	route  string // path template, the only path that is logged
	path   string // escaped path, appended to the base URL
	url    string // the base URL and path, when the service built it already
	query  string // encoded query, without "?"
	body   []byte // JSON, nil for none
	// idempotent calls are retried on any failure that may be transient;
	// the others only on failures proven to precede sending, and on 429.
	idempotent bool
	noAuth     bool // the token exchange itself
	// readOnly calls change nothing on the server, so no failure can leave
	// their outcome unknown. GET and HEAD are read-only whatever this says.
	readOnly bool
	secrets  []string // plaintexts in the body, blanked from any server text
	out      any      // decoded from a 2xx body; nil to ignore the body
	// raw, when set, receives the 2xx body as delivered (a credential file
	// kept for writing to disk byte for byte); it is a Secret because such
	// a body carries plaintext secrets.
	raw *Secret
	// opts are the call's CallOptions: where its ResponseInfo goes, its
	// attempt timeout and attempts.
	opts callOptions

	// state is how the call went, filled in by do, for callers that need
	// more than the error. It lives in the call to save an allocation.
	state callState
}

// answer is a decoded 2xx answer that can tell whether it carries what the
// operation must return (the key's id, a shown-once secret): a 2xx is not
// a success unless it does.
type answer interface {
	checkAnswer() error
}

// acceptJSON is the Accept and Content-Type value, shared by every request
// (header values are never modified once set).
var acceptJSON = []string{"application/json"}

// callState follows one call through the retry loop. It is the call's
// context (the caller's, plus itself as a value), so that the retry
// policy, the hooks and the transport find it in the request's context
// without an allocation of its own.
type callState struct {
	context.Context // the caller's
	call            *call
	write           bool
	start           time.Time
	sends           int // requests handed to the network, 401 replays included
	// maybeApplied: some attempt ended in a way that leaves open whether the
	// server acted on it (a transport error after sending, a 5xx, a 1xx or
	// 3xx answer). Once set it stays set: a later attempt's answer cannot
	// tell what an earlier one did.
	maybeApplied bool
	// redirectHost is the host a redirect's Location named, for the error.
	redirectHost string
	// idInBody: the request id also appears in an answer that could not be
	// decoded, so it may be one of the answer's secrets.
	idInBody bool
	// The retry plan, for the wait and its log record: how many retries so
	// far, the wait before the next attempt, and what the last attempt met.
	retries     int
	nextWait    time.Duration
	lastStatus  int
	lastFailure string // kind of transport failure, "" after an answer
}

type callStateKey struct{}

// Value returns the callState itself for callStateKey, and otherwise asks
// the caller's context.
func (st *callState) Value(key any) any {
	if key == (callStateKey{}) {
		return st
	}
	return st.Context.Value(key)
}

func stateFrom(ctx context.Context) *callState {
	st, _ := ctx.Value(callStateKey{}).(*callState)
	return st
}

// do runs a call: build, send through the retry loop, decode or turn the
// answer into a typed error. It always closes the response body.
func (c *Client) do(ctx context.Context, cl *call) error {
	status, requestID, err := c.exchange(ctx, cl)
	if cl.opts.info != nil {
		*cl.opts.info = ResponseInfo{RequestID: requestID, StatusCode: status, Attempts: cl.state.sends}
	}
	return err
}

// exchange is do's work; it returns the last answer's status and request id.
func (c *Client) exchange(ctx context.Context, cl *call) (status int, requestID string, err error) {
	readOnly := cl.readOnly || cl.method == http.MethodGet || cl.method == http.MethodHead
	cl.state = callState{Context: ctx, call: cl, write: !readOnly}
	if c.logger != nil {
		cl.state.start = time.Now() // only the logs report durations
	}
	st := &cl.state
	ctx = st

	target := cl.url
	if target == "" {
		target = c.baseURL + cl.path
	}
	if cl.query != "" {
		target += "?" + cl.query
	}
	var body any // untyped nil: no body at all
	if cl.body != nil {
		body = cl.body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, cl.method, target, body)
	if err != nil {
		return 0, "", &RequestError{Method: cl.method, Path: cl.path, Err: err}
	}
	req.Header["Accept"] = acceptJSON
	req.Header["User-Agent"] = c.userAgent
	if cl.body != nil {
		req.Header["Content-Type"] = acceptJSON
	}
	if c.adminTenantID != nil {
		req.Header["X-Admin-Tenant-Id"] = c.adminTenantID
	}
	if c.adminServiceID != nil {
		req.Header["X-Admin-Service-Id"] = c.adminServiceID
	}
	if err := c.wire().gate.wait(ctx); err != nil {
		err = &RequestError{Method: cl.method, Path: cl.path, Err: err}
		c.logDone(ctx, st, 0, "", err)
		return 0, "", err
	}
	if !cl.noAuth {
		tok, err := c.wire().tokens.token(ctx)
		if err != nil {
			err = &tokenFailure{method: cl.method, path: cl.path, err: err}
			c.logDone(ctx, st, 0, "", err)
			return 0, "", err
		}
		req.Header["Authorization"] = tok.header()
	}

	resp, err := c.wire().retry.Do(req)
	if err != nil {
		err = c.transportError(st, err)
		c.logDone(ctx, st, 0, "", err)
		return 0, "", err
	}
	defer resp.Body.Close()
	rawID := resp.Header.Get("X-Request-Id")
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		requestID = c.cleanRequestID(st, rawID, nil)
		err = c.apiError(st, resp, requestID)
	} else {
		// The answer may carry new secrets, which a hostile server could
		// also echo in the request id: clean it once they are known.
		err = c.decodeSuccess(st, resp, rawID)
		requestID = c.cleanRequestID(st, rawID, err)
		var reqErr *RequestError
		if errors.As(err, &reqErr) {
			reqErr.RequestID = requestID
		}
	}
	c.logDone(ctx, st, resp.StatusCode, requestID, err)
	return resp.StatusCode, requestID, err
}

// sharesARun reports whether id and body share a run of minRedactedLen
// bytes (ignoring ASCII case): an id that repeats part of an unreadable
// answer may repeat a secret in it. A body too large to check counts as
// sharing one.
func sharesARun(body, id string) bool {
	if len(body) > 1<<20 {
		return true
	}
	for i := 0; i+minRedactedLen <= len(id); i++ {
		if indexFold(body, asciiLower(id[i:i+minRedactedLen])) >= 0 {
			return true
		}
	}
	return false
}

// secretAnswer is an answer that may carry shown-once secrets.
type secretAnswer interface {
	answerSecrets() []string
}

// cleanRequestID makes the answer's request id safe to show: the secrets
// the client holds and the call sent are redacted, and so are those the
// answer brought. When an answer that may carry secrets could not be read,
// its secrets are unknown: the id is dropped if it shares a run of text
// with the answer.
func (c *Client) cleanRequestID(st *callState, raw string, decodeErr error) string {
	if raw == "" {
		return ""
	}
	r := c.redactorFor(st)
	if a, ok := st.call.out.(secretAnswer); ok {
		if decodeErr != nil && st.idInBody {
			return ""
		}
		r = r.with(a.answerSecrets())
	}
	return r.short(raw)
}

// redactorFor knows every secret the client holds that may still be valid
// and every secret the call carries.
func (c *Client) redactorFor(st *callState) redactor {
	r := c.wire().redactor()
	if len(st.call.secrets) > 0 {
		r = r.with(st.call.secrets)
	}
	return r
}

// redactor is the client's redactor, built again only when the secrets
// the client holds have changed (a renewed token, a rotated credential
// file), so that cleaning a request id costs no allocation.
func (w *clientWire) redactor() redactor {
	gen := w.tokens.generation()
	if cached := w.redact.Load(); cached != nil && cached.generation == gen {
		return cached.r
	}
	r := newRedactor(w.tokens.secrets())
	w.redact.Store(&cachedRedactor{generation: gen, r: r})
	return r
}

// cachedRedactor is a redactor and the generation of secrets it knows.
type cachedRedactor struct {
	generation uint64
	r          redactor
}

// leavesOutcomeOpen reports whether an answer with this status leaves open
// whether a write was applied. Only a 2xx says it was, and only a 4xx or a
// 501 says it was not: a 5xx may come after the change, and a 1xx or 3xx
// is outside the API's contract (it never redirects a well-formed
// request), so whatever sent it may have passed the write on first.
func leavesOutcomeOpen(status int) bool {
	return status < 200 || (status >= 300 && status <= 399) || (status >= 500 && status != http.StatusNotImplemented)
}

// transportError turns a failure to get an answer into a typed error.
func (c *Client) transportError(st *callState, err error) error {
	var authErr *tokenError
	if errors.As(err, &authErr) {
		// No token could be had: the request never left, or was refused for
		// its token; either way nothing was applied. Report the exchange's
		// own error, which carries its status and detail.
		return &tokenFailure{method: st.call.method, path: st.call.path, err: authErr.err}
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // its text repeats the full URL; ours has method and path
	}
	return &RequestError{
		Method:         st.call.method,
		Path:           st.call.path,
		Attempts:       st.sends,
		Err:            sanitizeCause(err, c.redactorFor(st)),
		outcomeUnknown: st.write && st.maybeApplied,
	}
}

// sanitizeCause returns err, or, when its text carries a secret or control
// characters (net/http quotes what a server sent in some of its errors), a
// stand-in with the redacted text that still matches the error kinds a
// caller tests for. The original is dropped, so that no printer, however
// deep it looks, can find the server's text.
func sanitizeCause(err error, redact redactor) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	clean := redact.text(text)
	if clean == text {
		return err
	}
	out := &sanitizedError{msg: clean}
	for _, kind := range [...]error{context.Canceled, context.DeadlineExceeded, io.ErrUnexpectedEOF, io.EOF, ErrMalformedResponse, ErrResponseTooLarge} {
		if errors.Is(err, kind) {
			out.kinds = append(out.kinds, kind)
		}
	}
	return out
}

// sanitizedError stands in for a cause whose text had to be redacted.
type sanitizedError struct {
	msg   string
	kinds []error
}

func (e *sanitizedError) Error() string { return e.msg }

// Is matches the kinds the original matched.
func (e *sanitizedError) Is(target error) bool {
	for _, k := range e.kinds {
		if k == target {
			return true
		}
	}
	return false
}

// apiError reads an error answer (size-capped) and types it. A write
// whose answer, or any earlier attempt, leaves its outcome open says so,
// whatever this last answer was.
func (c *Client) apiError(st *callState, resp *http.Response, requestID string) error {
	e := &APIError{
		StatusCode:     resp.StatusCode,
		Method:         st.call.method,
		Path:           st.call.path,
		RequestID:      requestID,
		Attempts:       st.sends,
		outcomeUnknown: st.write && (st.maybeApplied || leavesOutcomeOpen(resp.StatusCode)),
	}
	redact := c.redactorFor(st)
	switch {
	case resp.StatusCode < 200:
		// A 1xx that reaches here (101 Switching Protocols) hands over the
		// raw connection, which no deadline bounds: never read it.
		e.Detail = "an informational answer where a final one was expected"
		return e
	case resp.StatusCode <= 399:
		drain(resp.Body)
		e.Detail = "the answer is a redirect, which the SDK never follows"
		if st.redirectHost != "" {
			e.Detail += " (Location host: " + redact.snippet([]byte(st.redirectHost)) + ")"
		}
		return e
	}
	if d, ok := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = d
	}
	buf := c.wire().getBuffer()
	defer c.wire().putBuffer(buf)
	*buf, _ = readBody(resp.Body, maxErrorBodyBytes, *buf, resp.ContentLength) // what could be read is enough for an error
	parseErrorBody(e, *buf, redact)
	return e
}

// decodeSuccess reads and decodes a 2xx answer into call.out. The error
// gets its request id from the caller, once it is cleaned; rawID is the
// id as sent, to tell whether an unreadable answer holds it.
func (c *Client) decodeSuccess(st *callState, resp *http.Response, rawID string) error {
	fail := func(err error) error {
		return &RequestError{
			Method: st.call.method, Path: st.call.path,
			StatusCode: resp.StatusCode, Attempts: st.sends, Err: err,
			// The server acted, but what it answered is lost: for a write
			// the caller must read the state back, as for an unknown outcome.
			outcomeUnknown: st.write,
		}
	}
	if st.call.out == nil {
		drain(resp.Body)
		return nil
	}
	if resp.ContentLength > c.maxResponseBytes {
		return fail(fmt.Errorf("%w: %d bytes announced, the limit is %d", ErrResponseTooLarge, resp.ContentLength, c.maxResponseBytes))
	}
	buf := c.wire().getBuffer()
	defer c.wire().putBuffer(buf)
	var err error
	if *buf, err = readBody(resp.Body, c.maxResponseBytes, *buf, resp.ContentLength); err != nil {
		return fail(err)
	}
	if err := c.decodeJSON(*buf, st.call.out); err != nil {
		st.idInBody = rawID != "" && sharesARun(string(*buf), rawID)
		return fail(err)
	}
	if st.call.raw != nil {
		*st.call.raw = NewSecret(string(bytes.TrimSpace(*buf)))
	}
	if a, ok := st.call.out.(answer); ok {
		if err := a.checkAnswer(); err != nil {
			return fail(err)
		}
	}
	return nil
}

const (
	maxErrorBodyBytes = 64 << 10
	maxDrainBytes     = 256 << 10
)

// readBody appends the body to buf, and fails once it is longer than
// limit. It grows buf in steps of four, never past limit+1 bytes (the one
// byte that proves a body too large), and to exactly the announced length
// when there is one, so that a capped read allocates less than twice its
// cap in all, where doubling would reach three times. A buffer it
// outgrows is wiped: it may hold a secret.
func readBody(body io.Reader, limit int64, buf []byte, announced int64) ([]byte, error) {
	if announced > 0 && announced <= limit && int64(cap(buf)) <= announced {
		buf = grow(buf, int(announced)+1)
	}
	for {
		if int64(len(buf)) > limit {
			return buf, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, limit)
		}
		if len(buf) == cap(buf) {
			buf = grow(buf, int(min(max(4*int64(cap(buf)), 4096), limit+1)))
		}
		n, err := body.Read(buf[len(buf):min(int64(cap(buf)), limit+1)])
		buf = buf[:len(buf)+n]
		switch {
		case err == io.EOF:
			if int64(len(buf)) > limit {
				return buf, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, limit)
			}
			return buf, nil
		case err != nil:
			return buf, fmt.Errorf("reading the response body: %w", err)
		}
	}
}

// grow returns buf with room for size bytes, wiping the old array.
func grow(buf []byte, size int) []byte {
	out := make([]byte, len(buf), size)
	copy(out, buf)
	clear(buf)
	return out
}

// drain reads what is left of a small body so the connection can be reused.
func drain(body io.Reader) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxDrainBytes))
}

// getBuffer returns an empty buffer for a response body.
func (w *clientWire) getBuffer() *[]byte {
	if b, ok := w.buffers.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 4096)
	return &b
}

// putBuffer wipes a body buffer (bodies may hold shown-once secrets) and
// keeps it for another call, unless it is rare and large.
func (w *clientWire) putBuffer(b *[]byte) {
	clear((*b)[:cap(*b)])
	if cap(*b) > 1<<20 {
		return
	}
	*b = (*b)[:0]
	w.buffers.Put(b)
}

// decodeJSON decodes a success body. A field of an unexpected type is
// skipped (encoding/json keeps decoding the rest) rather than failing the
// call: a response carrying a shown-once secret must not be lost to an
// unrelated field. Anything else wrong is ErrMalformedResponse.
func (c *Client) decodeJSON(data []byte, out any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("%w: the body is empty", ErrMalformedResponse)
	}
	if decodeFast(data, out) {
		return nil
	}
	err := json.Unmarshal(data, out)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		c.logUndecodedField(typeErr.Field, typeErr.Value)
		return nil
	}
	return fmt.Errorf("%w: %s", ErrMalformedResponse, describeJSONError(err))
}

// describeJSONError says what was wrong without quoting the body.
func describeJSONError(err error) string {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxErr):
		if syntaxErr.Error() == "unexpected end of JSON input" {
			return "truncated JSON"
		}
		return fmt.Sprintf("not valid JSON (at byte %d)", syntaxErr.Offset)
	case errors.As(err, &typeErr):
		return fmt.Sprintf("a JSON %s where an object was expected", strings.Fields(typeErr.Value)[0])
	default:
		return "unreadable JSON"
	}
}

// isFieldTypeError reports whether err only says that some field had an
// unexpected type, which tolerant decoding skips.
func isFieldTypeError(err error) bool {
	var typeErr *json.UnmarshalTypeError
	return errors.As(err, &typeErr) && typeErr.Field != ""
}

// keepLastResponse is the retry loop's ErrorHandler: when retries run out
// on a status, the last response goes on to be decoded into an *APIError
// (go-retryablehttp's default would drop it for "giving up after N attempts").
func keepLastResponse(resp *http.Response, err error, _ int) (*http.Response, error) {
	if err != nil {
		if resp != nil {
			drain(resp.Body)
			resp.Body.Close()
		}
		return nil, err
	}
	return resp, nil
}
