package streamkap

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Error kinds. Test for them with errors.Is; every error the SDK returns
// that fits a kind matches it, whatever its concrete type:
//
//	if errors.Is(err, streamkap.ErrNotFound) { ... }
var (
	// ErrNotFound: the key (or other resource) does not exist (HTTP 404).
	ErrNotFound = errors.New("streamkap: not found")
	// ErrUnauthorized: the credentials were refused or the token is not
	// valid (HTTP 401), after the SDK renewed the token once.
	ErrUnauthorized = errors.New("streamkap: unauthorized")
	// ErrForbidden: the credentials lack a permission the call needs (HTTP 403).
	ErrForbidden = errors.New("streamkap: forbidden")
	// ErrConflict: the request conflicts with existing state: HTTP 409, or
	// a 400 or 422 whose detail ends saying that something already exists
	// or is already taken (a name collision).
	ErrConflict = errors.New("streamkap: conflict")
	// ErrRateLimited: the API asked the client to slow down (HTTP 429) and
	// the retries allowed were used up, or the wait it asked for was longer
	// than the client accepts. [APIError.RetryAfter] holds the wait.
	ErrRateLimited = errors.New("streamkap: rate limited")
	// ErrKeyNotReady: the key is creating, deleting or delete_failed, and
	// the API refuses to change it until that ends (HTTP 400). The API
	// documents the refusal, not its words: a detail such as "Project key
	// is creating" is recognised at once; any other 400 to a PATCH or
	// DELETE of one key is settled by reading the key once (one extra GET,
	// retried as reads are), whose status decides ([*RefusalError]); if
	// that read fails, the original error stands. Waiters'
	// [*KeyStateError] match too.
	ErrKeyNotReady = errors.New("streamkap: project key not ready")
	// ErrRefused: the API refused a well-formed request under one of its
	// business rules (HTTP 400, or a 422 whose message is "Value error,
	// <rule>" when the request model enforces it; a 400 that the key's
	// read shows is no state problem, too): permission_ids on a key that already has
	// API access, kafka_config on a key that already has a Kafka user, a
	// Kafka change on a key without one, role_ids and permission_ids
	// together, unknown role ids, a key with neither API nor Kafka access.
	// Sending the same request again gets the same answer; change the
	// request or the key first.
	ErrRefused = errors.New("streamkap: refused by a business rule")
	// ErrBadRequest: any HTTP 400. It is the kind of a 400 whose detail the
	// SDK does not recognise; the specific kinds above match as well when
	// it does.
	ErrBadRequest = errors.New("streamkap: bad request")
	// ErrValidation: the request was invalid, either found by the SDK before
	// sending ([*ValidationError]) or by the API (HTTP 422, [*APIError]).
	ErrValidation = errors.New("streamkap: invalid request")
	// ErrOutcomeUnknown: a write may or may not have been applied. The SDK
	// did not send it again, because sending it twice could do harm (for
	// example, hand out a second shown-once secret). Read the key back with
	// Get before deciding what to do; the package documentation, "When the
	// outcome is unknown", says what for each call.
	ErrOutcomeUnknown = errors.New("streamkap: outcome unknown: the request may have been applied")
	// ErrRedirect: the API (or something between it and the client)
	// answered with a redirect (HTTP 3xx). The SDK never follows one: the
	// API has no redirect for a well-formed request, and following it
	// would send credentials and bodies where the caller never pointed.
	ErrRedirect = errors.New("streamkap: redirect refused")
)

// APIError is an HTTP error answer from the Streamkap API.
//
// Error strings carry the method, the path (never the query), the status,
// the server's detail and the request id; never a header, a request body or
// a secret the request carried.
type APIError struct {
	// StatusCode is the HTTP status code.
	StatusCode int
	// Method and Path identify the call; Path has no query string.
	Method string
	Path   string
	// RequestID is the X-Request-Id response header; quote it to support.
	RequestID string
	// Detail is the server's message: the "detail" string, the messages of
	// a validation error joined, the message of an object detail, or a short
	// snippet of a body that was not JSON (an HTML page from a gateway).
	Detail string
	// Code is the machine-readable code of an object-shaped detail, if any.
	Code string
	// Fields lists the per-field problems of a validation error (HTTP 422).
	Fields []FieldError
	// RawDetail is an object-shaped "detail" as the server sent it, with
	// any secret from the request blanked out. It is nil for other shapes.
	RawDetail json.RawMessage
	// Attempts is how many times the request was sent.
	Attempts int
	// RetryAfter is the wait the server asked for in Retry-After, if any.
	RetryAfter time.Duration

	outcomeUnknown bool
}

// Error describes the failure in one line.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("streamkap: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteByte(' ')
		b.WriteString(text)
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.outcomeUnknown {
		b.WriteString(" (outcome unknown: the change may have been applied)")
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after ")
		b.WriteString(e.RetryAfter.String())
		b.WriteByte(')')
	}
	writeCallFacts(&b, e.RequestID, e.Attempts)
	return b.String()
}

// Is matches the error kinds (ErrNotFound, ErrRateLimited, ...) this
// response belongs to.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrOutcomeUnknown:
		return e.outcomeUnknown
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound ||
			(e.StatusCode == http.StatusBadRequest && keyNotFoundDetail.MatchString(e.Detail))
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrConflict:
		return e.StatusCode == http.StatusConflict ||
			((e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity) &&
				conflictDetail.MatchString(e.Detail))
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrKeyNotReady:
		return e.StatusCode == http.StatusBadRequest && notReadyDetail.MatchString(e.Detail)
	case ErrRefused:
		return e.StatusCode == http.StatusBadRequest && refusedDetail.MatchString(e.Detail) ||
			e.StatusCode == http.StatusUnprocessableEntity && e.modelRefusal()
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrValidation:
		return e.StatusCode == http.StatusUnprocessableEntity
	case ErrRedirect:
		return e.StatusCode >= 300 && e.StatusCode <= 399
	}
	return false
}

// modelRefusal reports a 422 whose message is a business rule the API's
// request model enforces: pydantic words it "Value error, <rule>".
func (e *APIError) modelRefusal() bool {
	for _, f := range e.Fields {
		if rule, ok := strings.CutPrefix(f.Msg, "Value error, "); ok && refusedDetail.MatchString(rule) {
			return true
		}
	}
	rule, ok := strings.CutPrefix(e.Detail, "Value error, ")
	return ok && refusedDetail.MatchString(rule)
}

// OutcomeUnknown reports whether the failed request was a write that may
// nevertheless have been applied; errors.Is(err, ErrOutcomeUnknown) says the same.
func (e *APIError) OutcomeUnknown() bool { return e.outcomeUnknown }

// The 400 answers the SDK recognises, by patterns anchored on the whole
// detail (ignoring case), so that a phrase inside another message ("Failed
// creating Kafka user", "Role r-1 not found") cannot misfire. The API
// documents the 400 for keys that are not ready, not its words: these
// follow the shape of its FastAPI details, and streamkaptest answers with
// them. A 400 that matches none has the generic kind ErrBadRequest.
var (
	notReadyDetail    = regexp.MustCompile(`(?i)^project key (?:\S+ )?is (?:creating|deleting|delete_failed)(?:[;:,.]|$)`)
	keyNotFoundDetail = regexp.MustCompile(`(?i)^project key (?:\S+ )?(?:not found|does not exist)\.?$`)
	conflictDetail    = regexp.MustCompile(`(?i)\balready (?:exists|taken)\.?$`)
	refusedDetail     = regexp.MustCompile(`(?i)^(?:` +
		`role_ids and permission_ids are mutually exclusive|` +
		`permission_ids can only be set when adding api access|` +
		`a kafka user already exists for this key|` +
		`the key has no kafka user|` +
		`a project key needs api access|` +
		`unknown role ids?:|` +
		`the project key has no api credentials)`)
)

// FieldError is one problem with one request field, from the API's
// validation answer (FastAPI's {loc, msg, type}) or from the SDK's own
// checks, which use the same shape.
type FieldError struct {
	// Loc is where the problem is, e.g. ["body", "kafka_config", "password"].
	// List indexes appear as decimal strings.
	Loc []string `json:"loc"`
	// Msg is the human-readable problem.
	Msg string `json:"msg"`
	// Type is a machine-readable problem code, e.g. "string_too_long".
	Type string `json:"type"`
}

// Field returns the dotted field path without FastAPI's location root:
// "kafka_config.password" for Loc ["body", "kafka_config", "password"].
func (f FieldError) Field() string {
	loc := f.Loc
	if len(loc) > 1 {
		switch loc[0] {
		case "body", "path", "query", "header":
			loc = loc[1:]
		}
	}
	return strings.Join(loc, ".")
}

// String returns "field: message".
func (f FieldError) String() string {
	if field := f.Field(); field != "" {
		return field + ": " + f.Msg
	}
	return f.Msg
}

// UnmarshalJSON reads FastAPI's loc items, which mix strings and integers.
// Other members (pydantic's "input" and "ctx", which may echo a submitted
// secret) are dropped on purpose.
func (f *FieldError) UnmarshalJSON(b []byte) error {
	var w struct {
		Loc  []json.RawMessage `json:"loc"`
		Msg  string            `json:"msg"`
		Type string            `json:"type"`
	}
	if err := json.Unmarshal(b, &w); err != nil && !isFieldTypeError(err) {
		return err
	}
	*f = FieldError{Msg: w.Msg, Type: w.Type, Loc: make([]string, 0, len(w.Loc))}
	for _, item := range w.Loc {
		var s string
		if json.Unmarshal(item, &s) == nil {
			f.Loc = append(f.Loc, s)
		} else {
			f.Loc = append(f.Loc, strings.TrimSpace(string(item)))
		}
	}
	return nil
}

func joinFieldErrors(fields []FieldError) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f.String()
	}
	return strings.Join(parts, "; ")
}

// ValidationError reports every problem the SDK found in a request before
// sending it. Nothing was sent. It matches ErrValidation.
type ValidationError struct {
	// Operation is the method that refused the request, e.g. "ProjectKeys.Update".
	Operation string
	// Fields lists every problem found, in a stable order.
	Fields []FieldError
}

// Error lists every problem.
func (e *ValidationError) Error() string {
	return "streamkap: " + e.Operation + ": invalid request, nothing was sent: " + joinFieldErrors(e.Fields)
}

// Is matches ErrValidation.
func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

// RequestError is a failure to get any HTTP answer: a refused connection, a
// reset, a timeout, a cancelled context, a response too large or unreadable.
// It unwraps to the cause, so errors.Is(err, context.Canceled) and
// errors.As(err, &netErr) work.
type RequestError struct {
	// Method and Path identify the call; Path has no query string.
	Method string
	Path   string
	// RequestID is the X-Request-Id of a response that arrived but could
	// not be read, if any.
	RequestID string
	// StatusCode is the status of a response that arrived but could not be
	// read; 0 when no response arrived.
	StatusCode int
	// Attempts is how many times the request was sent.
	Attempts int
	// Err is the cause.
	Err error

	outcomeUnknown bool
}

// Error describes the failure in one line.
func (e *RequestError) Error() string {
	var b strings.Builder
	b.WriteString("streamkap: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	if e.StatusCode != 0 {
		b.WriteString(": ")
		b.WriteString(strconv.Itoa(e.StatusCode))
		b.WriteString(" response unreadable")
	}
	switch {
	case e.outcomeUnknown && e.StatusCode >= 200 && e.StatusCode <= 299:
		b.WriteString(": the change was accepted but its result was lost; read it back")
	case e.outcomeUnknown:
		b.WriteString(": outcome unknown, the change may have been applied")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	writeCallFacts(&b, e.RequestID, e.Attempts)
	return b.String()
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// Is matches ErrOutcomeUnknown when the request was a write that may have
// been applied.
func (e *RequestError) Is(target error) bool {
	return target == ErrOutcomeUnknown && e.outcomeUnknown
}

// OutcomeUnknown reports whether the request was a write that may have been
// applied; errors.Is(err, ErrOutcomeUnknown) says the same.
func (e *RequestError) OutcomeUnknown() bool { return e.outcomeUnknown }

func writeCallFacts(b *strings.Builder, requestID string, attempts int) {
	if requestID == "" && attempts == 0 {
		return
	}
	b.WriteString(" [")
	if requestID != "" {
		b.WriteString("request_id=")
		b.WriteString(requestID)
		if attempts > 0 {
			b.WriteString(", ")
		}
	}
	if attempts > 0 {
		b.WriteString("attempts=")
		b.WriteString(strconv.Itoa(attempts))
	}
	b.WriteByte(']')
}

// ErrResponseTooLarge is the cause (in a [*RequestError]) when a response
// body is larger than the client accepts.
var ErrResponseTooLarge = errors.New("streamkap: response body too large")

// ErrMalformedResponse is the cause (in a [*RequestError]) when a successful
// response cannot be decoded: not JSON, truncated, empty, or of the wrong shape.
var ErrMalformedResponse = errors.New("streamkap: malformed response body")

// ConfigError reports every problem found in the options given to
// [NewClient]. No client is returned.
type ConfigError struct {
	// Problems lists every problem, one sentence each, in the order found.
	Problems []string
	// Err is the underlying failure, when there is one (a credential file
	// that cannot be read: errors.Is(err, fs.ErrNotExist) works).
	Err error

	noCredentials bool
}

// ErrNoCredentials matches the [*ConfigError] of options that name no
// credentials at all, so that a caller can fall back to its own.
var ErrNoCredentials = errors.New("streamkap: no credentials")

// Is matches ErrNoCredentials when no credential option was given.
func (e *ConfigError) Is(target error) bool { return target == ErrNoCredentials && e.noCredentials }

// Unwrap returns the underlying failure, if any.
func (e *ConfigError) Unwrap() error { return e.Err }

// Error lists every problem.
func (e *ConfigError) Error() string {
	return "streamkap: invalid client configuration: " + strings.Join(e.Problems, "; ")
}

// causeText renders a wrapped cause after a colon, without its repeated
// "streamkap: " prefix; nothing for a nil cause.
func causeText(err error) string {
	if err == nil {
		return ""
	}
	return ": " + strings.TrimPrefix(err.Error(), "streamkap: ")
}

// errorKind names the kind of an error for log records: a fixed word,
// never the error's text (which holds ids and server text).
func errorKind(err error) string {
	var reqErr *RequestError
	var apiErr *APIError
	switch {
	case errors.Is(err, ErrOutcomeUnknown):
		return "outcome_unknown"
	case errors.Is(err, ErrSecretLost):
		return "secret_lost"
	case errors.Is(err, ErrValidation):
		return "validation"
	case errors.Is(err, ErrNotFound):
		return "not_found"
	case errors.Is(err, ErrUnauthorized):
		return "unauthorized"
	case errors.Is(err, ErrForbidden):
		return "forbidden"
	case errors.Is(err, ErrConflict):
		return "conflict"
	case errors.Is(err, ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, ErrKeyNotReady):
		return "key_not_ready"
	case errors.Is(err, ErrRefused):
		return "refused"
	case errors.Is(err, ErrRedirect):
		return "redirect"
	case errors.Is(err, ErrMalformedResponse):
		return "malformed_response"
	case errors.Is(err, ErrResponseTooLarge):
		return "response_too_large"
	case errors.Is(err, ErrBadRequest):
		return "bad_request"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &apiErr):
		return "api_error"
	case errors.As(err, &reqErr):
		return "transport"
	}
	return "error"
}
