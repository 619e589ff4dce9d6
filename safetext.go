package streamkap

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
