package streamkap

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Every text that comes from the server or from net/http (error details,
// field locations and codes, request ids, Location hosts, HTML pages,
// transport error messages) passes through one redactor before it is cut,
// folded or stored in an error. The redactor knows every secret the client
// holds that may still be valid and every secret the call carried, and
// blanks each in every form a server might echo it: as sent, JSON-escaped,
// percent-encoded and base64-encoded (at any alignment inside a longer
// base64 text). It then escapes control characters, so that an error
// string stays on one line and cannot forge log records.

// minRedactedLen is the shortest secret the redactor looks for: shorter
// ones would blank ordinary words. Real secrets are far longer.
const minRedactedLen = 6

// minBase64Core is the shortest base64 fragment of a secret worth matching.
const minBase64Core = 8

// redactor blanks secrets out of server text and escapes control characters.
type redactor struct {
	needles []string // every form of every secret, longest first
}

// with returns a redactor that also knows secrets.
func (r redactor) with(secrets []string) redactor {
	extra := newRedactor(secrets)
	if len(extra.needles) == 0 {
		return r
	}
	needles := append(slices.Clip(r.needles), extra.needles...)
	slices.SortFunc(needles, func(a, b string) int { return len(b) - len(a) })
	return redactor{needles: slices.Compact(needles)}
}

// newRedactor builds a redactor for the given plaintexts.
func newRedactor(secrets ...[]string) redactor {
	var needles []string
	add := func(s string) {
		if len(s) >= minRedactedLen {
			needles = append(needles, asciiLower(s))
		}
	}
	for _, list := range secrets {
		for _, secret := range list {
			if len(secret) < minRedactedLen {
				continue
			}
			add(secret)
			add(jsonEscaped(secret))
			add(url.QueryEscape(secret))
			add(url.PathEscape(secret))
			for _, core := range base64Cores(secret) {
				add(core)
			}
		}
	}
	slices.SortFunc(needles, func(a, b string) int { return len(b) - len(a) })
	return redactor{needles: slices.Compact(needles)}
}

// base64Cores returns the parts of the base64 encoding of secret that are
// the same wherever the secret sits in a longer encoded text: one for each
// of the three byte alignments, in the standard and URL alphabets.
func base64Cores(secret string) []string {
	var out []string
	for offset := range 3 {
		padded := strings.Repeat("\x00", offset) + secret
		enc := base64.RawStdEncoding.EncodeToString([]byte(padded))
		first := (8*offset + 5) / 6            // the first character made only of the secret's bits
		last := 8 * (offset + len(secret)) / 6 // the characters before this one are complete
		if last-first < minBase64Core {
			continue
		}
		core := enc[first:last]
		out = append(out, core)
		if urlCore := strings.NewReplacer("+", "-", "/", "_").Replace(core); urlCore != core {
			out = append(out, urlCore)
		}
	}
	return out
}

// text redacts s and escapes its control characters. An escape such as
// \xda adds letters that can complete a secret with the text beside it, so
// escaped text is redacted once more.
func (r redactor) text(s string) string {
	blanked := r.blank(s)
	escaped := escapeControls(blanked)
	if escaped != blanked {
		escaped = r.blank(escaped)
	}
	return escaped
}

// blank replaces every known secret in s with the placeholder. Matching
// ignores ASCII case: hosts and some encoders fold it. Text without any
// secret (the common case: a request id, a detail) costs no allocation.
func (r redactor) blank(s string) string {
	for _, needle := range r.needles {
		if indexFold(s, needle) >= 0 {
			s = replaceFold(s, needle, redacted)
		}
	}
	return s
}

// indexFold is the index of needle (already lowercase) in s, ignoring
// ASCII case, or -1. It allocates nothing.
func indexFold(s, needle string) int {
	n := len(needle)
	if n == 0 || n > len(s) {
		return -1
	}
	first, upper := needle[0], needle[0]
	if 'a' <= first && first <= 'z' {
		upper -= 'a' - 'A'
	}
	for i := 0; i+n <= len(s); i++ {
		// Jump to the next byte that can start a match (IndexByte is
		// vectorised), then compare the rest.
		j := indexEitherByte(s[i:len(s)-n+1], first, upper)
		if j < 0 {
			return -1
		}
		i += j
		k := 1
		for k < n && lowerByte(s[i+k]) == needle[k] {
			k++
		}
		if k == n {
			return i
		}
	}
	return -1
}

// indexEitherByte is the index of the first a or b in s, or -1.
func indexEitherByte(s string, a, b byte) int {
	i := strings.IndexByte(s, a)
	if a == b {
		return i
	}
	within := s
	if i >= 0 {
		within = s[:i]
	}
	if j := strings.IndexByte(within, b); j >= 0 {
		return j
	}
	return i
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// replaceFold replaces every ASCII-case-insensitive occurrence of needle
// (already lowercase) in s.
func replaceFold(s, needle, with string) string {
	lower := asciiLower(s) // same byte offsets as s
	i := strings.Index(lower, needle)
	if i < 0 {
		return s
	}
	var b strings.Builder
	for i >= 0 {
		b.WriteString(s[:i])
		b.WriteString(with)
		s, lower = s[i+len(needle):], lower[i+len(needle):]
		i = strings.Index(lower, needle)
	}
	b.WriteString(s)
	return b.String()
}

// asciiLower lowers ASCII letters only, byte by byte, so that byte
// offsets do not move (not even around invalid UTF-8).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// snippet returns the start of a body as one printable line: redacted
// first, so that the cut cannot split a secret out of the redactor's
// sight, and again after folding, which can join a secret's pieces.
func (r redactor) snippet(body []byte) string {
	return r.text(foldAndCut(r.blank(string(body)), maxSnippetRunes))
}

// short cleans a short header value (a request id): like snippet, but a
// value that needs nothing done is returned as it is, without allocating.
func (r redactor) short(v string) string {
	if len(v) <= maxSnippetRunes && isPlain(v) {
		if blanked := r.blank(v); blanked == v {
			return v
		}
	}
	return r.snippet([]byte(v))
}

// isPlain reports whether v is printable ASCII without spaces: nothing to
// fold, cut or escape.
func isPlain(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7f {
			return false
		}
	}
	return true
}

// json redacts a JSON value. It redacts the decoded strings, keys
// included, so that a secret spelled with JSON escapes is caught too;
// the result is re-encoded, which escapes control characters.
func (r redactor) json(raw []byte) []byte {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return []byte(strconv.Quote(r.text(string(raw))))
	}
	out, err := json.Marshal(r.walk(v))
	if err != nil {
		return nil
	}
	return out
}

func (r redactor) walk(v any) any {
	switch v := v.(type) {
	case string:
		return r.blank(v)
	case []any:
		for i := range v {
			v[i] = r.walk(v[i])
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			out[r.blank(k)] = r.walk(item)
		}
		return out
	}
	return v
}

// jsonEscaped is how s appears inside a JSON string.
func jsonEscaped(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// maxSnippetRunes bounds how much of a non-JSON error body an error keeps.
const maxSnippetRunes = 200

// foldAndCut turns runs of white space and unprintable characters into
// one space and keeps at most limit runes, marking a cut with "…".
func foldAndCut(s string, limit int) string {
	var b strings.Builder
	space := false
	runes := 0
	for len(s) > 0 && runes < limit {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
			runes++
		}
		b.WriteRune(r)
		runes++
	}
	if len(s) > 0 {
		b.WriteString("…")
	}
	return b.String()
}

// escapeControls writes control characters (C0, DEL, C1, the Unicode line
// and paragraph separators, bidirectional overrides) and invalid UTF-8 as
// Go escapes, so that server text printed in an error or a log record
// stays on one line and shows what it is.
func escapeControls(s string) string {
	if isPrintableASCII(s) {
		return s // the common case, checked a byte at a time
	}
	clean := true
	for _, r := range s {
		if isControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case isControl(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isPrintableASCII reports whether s is printable ASCII only.
func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func isControl(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r == '\u2028', r == '\u2029', r == utf8.RuneError:
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069', r == '\u200e', r == '\u200f', r == '\u061c':
		return true // bidirectional controls can make a line read as another
	}
	return false
}
