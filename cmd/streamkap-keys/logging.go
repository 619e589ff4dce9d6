package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// warningLogger shows the SDK's warnings on stderr (a credential file
// readable by others, a response field skipped), one line each. Records
// below Warn stay silent, and so do "streamkap done" records, whose
// failure the command reports itself.
func warningLogger(w io.Writer) *slog.Logger {
	return slog.New(&warningHandler{w: w, mu: &sync.Mutex{}})
}

type warningHandler struct {
	w     io.Writer
	mu    *sync.Mutex
	attrs []slog.Attr
}

func (h *warningHandler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn
}

func (h *warningHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "streamkap done" {
		return nil
	}
	var b strings.Builder
	b.WriteString("streamkap-keys: warning: ")
	b.WriteString(strings.TrimPrefix(r.Message, "streamkap "))
	write := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%s", a.Key, a.Value.String())
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

func (h *warningHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &warningHandler{w: h.w, mu: h.mu, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

// WithGroup is not needed for the SDK's flat records.
func (h *warningHandler) WithGroup(string) slog.Handler { return h }
