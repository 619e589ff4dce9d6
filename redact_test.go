package streamkap

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRedactorBlanksEveryForm proves each form the package comment of
// redact.go promises, and the two ways text processing could complete a
// secret after the first pass: an escape that supplies its first letters,
// and folding that joins its pieces.
func TestRedactorBlanksEveryForm(t *testing.T) {
	const secret = "Sk-live/9f+Q0 ab\"cd"
	r := newRedactor([]string{secret})
	tests := []struct {
		name, in string
		text     func(string) string
	}{
		{"as sent", "you sent " + secret + "!", r.text},
		{"other ASCII case", "you sent " + strings.ToUpper(secret), r.text},
		{"JSON-escaped", `{"x":"` + jsonEscaped(secret) + `"}`, r.text},
		{"query-escaped", "q=" + url.QueryEscape(secret), r.text},
		{"path-escaped", "/p/" + url.PathEscape(secret), r.text},
		{"base64 at offset 0", base64.StdEncoding.EncodeToString([]byte(secret)), r.text},
		{"base64 at offset 1", base64.StdEncoding.EncodeToString([]byte("x" + secret)), r.text},
		{"base64 at offset 2", base64.URLEncoding.EncodeToString([]byte("xy" + secret)), r.text},
		{"in a snippet", "<html>" + secret + "</html>", func(s string) string { return r.snippet([]byte(s)) }},
		{"in a request id", secret, r.short},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := tt.text(tt.in)
			assert.Contains(t, out, redacted)
			checkRedacted(t, tt.in, out, secret)
		})
	}

	t.Run("completed by an escape", func(t *testing.T) {
		// \xda is escaped as the four characters `\xda`, whose "da"
		// completes "daBCDEF" with the text after it.
		r := newRedactor([]string{"daBCDEF"})
		out := r.text("\xdaBCDEF")
		checkRedacted(t, "\xdaBCDEF", out, "daBCDEF")
		assert.Equal(t, `\x`+redacted, out)
	})
	t.Run("joined by folding", func(t *testing.T) {
		r := newRedactor([]string{"first second"})
		out := r.snippet([]byte("first\r\n\tsecond"))
		checkRedacted(t, "first\r\n\tsecond", out, "first second")
		assert.Equal(t, redacted, out)
	})
	t.Run("text without a secret is kept", func(t *testing.T) {
		assert.Equal(t, "req-42 is fine", r.text("req-42 is fine"))
		assert.Equal(t, `line\nbreak`, r.text("line\nbreak"))
	})
}
