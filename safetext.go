package streamkap

import (
	"fmt"
	"unicode/utf8"
)

// SafeText makes text from elsewhere (a server, a file, a command's
// output) safe to print: every given secret is redacted in each form the
// SDK knows (plain, JSON-escaped, percent-encoded, base64), control
// characters (C0, DEL, C1, bidirectional overrides, U+2028 and U+2029)
// and invalid UTF-8 are escaped, and white space is folded, so that the
// result is one line that shows what it holds. The SDK's own errors pass
// through the same redactor; layers built on it (declarative, the CLI)
// use SafeText rather than a second one.
func SafeText(text string, secrets ...Secret) string {
	plain := make([]string, 0, len(secrets))
	for _, s := range secrets {
		if !s.IsZero() {
			plain = append(plain, s.Reveal())
		}
	}
	r := newRedactor(plain)
	return r.text(foldAndCut(r.blank(text), len(text)+1))
}

// SafeCell is SafeText for one cell of a table: the same escaping, with
// nothing redacted and nothing cut.
func SafeCell(text string) string { return escapeControls(text) }

// SafeJSON escapes, as \uXXXX, the characters of JSON text that
// encoding/json leaves raw but a terminal acts on (DEL, the C1 controls,
// the bidirectional overrides): the JSON means the same, and printed it
// can neither drive nor reorder what a terminal shows. The characters are
// those SafeText escapes; encoding/json escapes the rest already.
func SafeJSON(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError && r >= 0x7f && isControl(r) {
			if out == nil {
				out = append(make([]byte, 0, len(b)+16), b[:i]...)
			}
			out = fmt.Appendf(out, `\u%04x`, r)
		} else if out != nil {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	if out == nil {
		return b
	}
	return out
}
