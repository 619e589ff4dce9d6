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

// Events go to the caller's slog.Logger with fixed keys. They carry the
// path template, never the path, query, headers or bodies, so no id, token
// or secret can reach a log.

// logAttempt is the retry loop's RequestLogHook: one event per attempt.
func (c *Client) logAttempt(_ retryablehttp.Logger, req *http.Request, attempt int) {
	if c.logger == nil {
		return
	}
	ctx := req.Context()
	st := stateFrom(ctx)
	if st == nil {
		return
	}
	if attempt == 0 {
		if c.logger.Enabled(ctx, slog.LevelDebug) {
			c.logger.LogAttrs(ctx, slog.LevelDebug, "streamkap request",
				slog.String("method", st.call.method), slog.String("route", st.call.route))
		}
		return
	}
	if c.logger.Enabled(ctx, slog.LevelInfo) {
		c.logger.LogAttrs(ctx, slog.LevelInfo, "streamkap retry",
			slog.String("method", st.call.method), slog.String("route", st.call.route),
			slog.Int("attempt", attempt+1))
	}
}

// logDone records how a call ended.
func (c *Client) logDone(ctx context.Context, st *callState, status int, requestID string, err error) {
	if c.logger == nil || !c.logger.Enabled(ctx, slog.LevelDebug) {
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
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "streamkap done", attrs...)
}

// logUndecodedField notes a response field skipped by tolerant decoding.
func (c *Client) logUndecodedField(field, jsonKind string) {
	if c.logger == nil {
		return
	}
	c.logger.LogAttrs(context.Background(), slog.LevelWarn, "streamkap response field skipped: unexpected type",
		slog.String("field", jsonFieldPath(field)), slog.String("json_type", jsonKindName(jsonKind)))
}

// jsonFieldPath drops the Go type names encoding/json puts in a field path
// for embedded structs ("UpdateProjectKeyResult.ProjectKey.roles" becomes
// "roles"); the API's own names are lowercase.
func jsonFieldPath(field string) string {
	parts := strings.Split(field, ".")
	kept := parts[:0]
	for _, p := range parts {
		if p != "" && unicode.IsUpper(rune(p[0])) {
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
