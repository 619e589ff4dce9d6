package streamkap

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/hashicorp/go-retryablehttp"
)

// Events go to the caller's slog.Logger with fixed keys (package documentation, "Logging").
// They carry the route template and error kinds, never a path (it holds
// ids), a query, a header, a body or an error's text, so that no id, token
// or secret can reach a log.

// logAttempt is the retry loop's RequestLogHook: the first attempt of a
// call is a debug event (retries are logged by waitBeforeRetry).
func (c *Client) logAttempt(_ retryablehttp.Logger, req *http.Request, attempt int) {
	if c.logger == nil || attempt > 0 {
		return
	}
	ctx := req.Context()
	st := stateFrom(ctx)
	if st == nil || !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "streamkap request",
		slog.String("method", st.call.method), slog.String("route", st.call.route))
}

// logRetry records a retry: what the failed attempt met (a status or a
// transport failure kind), its number, and the wait before the next one.
func (c *Client) logRetry(ctx context.Context, st *callState) {
	if c.logger == nil || !c.logger.Enabled(ctx, slog.LevelInfo) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", st.call.method),
		slog.String("route", st.call.route),
		slog.Int("attempt", st.retries),
		slog.Duration("wait", st.nextWait),
	}
	if st.lastFailure != "" {
		attrs = append(attrs, slog.String("error_kind", st.lastFailure))
	} else {
		attrs = append(attrs, slog.Int("status", st.lastStatus))
	}
	c.logger.LogAttrs(ctx, slog.LevelInfo, "streamkap retry", attrs...)
}

// logDone records how a call ended: at debug level when it succeeded, at
// warn level with the error's kind when it failed.
func (c *Client) logDone(ctx context.Context, st *callState, status int, requestID string, err error) {
	level := slog.LevelDebug
	if err != nil {
		level = slog.LevelWarn
	}
	if c.logger == nil || !c.logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", st.call.method),
		slog.String("route", st.call.route),
		slog.Int("status", status),
		slog.Int("attempts", st.sends),
		slog.Duration("duration", time.Since(st.start).Round(time.Microsecond)),
	}
	if requestID != "" {
		attrs = append(attrs, slog.String("request_id", requestID))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error_kind", errorKind(err)))
	}
	c.logger.LogAttrs(ctx, level, "streamkap done", attrs...)
}

// warn records a problem that does not fail the call.
func (c *Client) warn(msg string, attrs ...slog.Attr) {
	if c.logger == nil {
		return
	}
	c.logger.LogAttrs(context.Background(), slog.LevelWarn, msg, attrs...)
}

// logUndecodedField notes a response field skipped by tolerant decoding.
func (c *Client) logUndecodedField(field, jsonKind string) {
	c.warn("streamkap response field skipped: unexpected type",
		slog.String("field", jsonFieldPath(field)), slog.String("json_type", jsonKindName(jsonKind)))
}

// isEmbeddedWireName reports whether p names one of the SDK's embedded
// wire types (decode.go), which encoding/json puts in a path too.
func isEmbeddedWireName(p string) bool { return p == "updateAnswerWire" || p == "keyWire" }

// jsonFieldPath drops the Go type names encoding/json puts in a field path
// for embedded structs ("UpdateProjectKeyResult.ProjectKey.roles" becomes
// "roles"); the API's own names are lowercase.
func jsonFieldPath(field string) string {
	parts := strings.Split(field, ".")
	kept := parts[:0]
	for _, p := range parts {
		if p != "" && unicode.IsUpper(rune(p[0])) || isEmbeddedWireName(p) {
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, ".")
}

// jsonKindName keeps only the kind from encoding/json's description, which
// for numbers includes the value.
func jsonKindName(v string) string {
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' {
			return v[:i]
		}
	}
	return v
}
