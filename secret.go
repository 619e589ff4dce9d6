package streamkap

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
)

// redacted is what every output form of a Secret shows instead of its plaintext.
const redacted = "[REDACTED]"

// Secret holds a plaintext credential: an API client secret, a Kafka password
// or a token. Every way Go has of printing or encoding a value shows
// "[REDACTED]" instead of the plaintext: the fmt verbs (%v %+v %#v %s %q %x
// and the rest), slog, json.Marshal and encoding.TextMarshaler users. The
// plaintext is available only through [Secret.Reveal], so revealing it is
// always a deliberate, greppable act.
//
// The zero Secret is empty. Secrets are cheap to copy; copies share the same
// plaintext and compare equal with ==. Two Secrets made separately from the
// same plaintext are not ==: compare them with [Secret.Equal].
type Secret struct {
	// The plaintext sits inside a closure: reflection-based printers that
	// ignore our methods (fmt on an unexported field, go-spew with
	// DisableMethods, testify's diffs) can follow the pointer but print a
	// func value as an address, never the characters. The pointer keeps
	// Secret comparable with ==.
	h *secretHolder
}

// secretHolder hides a plaintext from reflection.
type secretHolder struct{ reveal func() string }

// NewSecret wraps a plaintext credential so that it cannot be printed,
// logged or marshalled by accident.
func NewSecret(plaintext string) Secret {
	if plaintext == "" {
		return Secret{}
	}
	return Secret{h: &secretHolder{reveal: func() string { return plaintext }}}
}

// Reveal returns the plaintext. Call it only where the plaintext must leave
// the program on purpose: a Kafka client configuration, a secret store, a
// credential file written with [CredentialFile.WriteFile].
func (s Secret) Reveal() string {
	if s.h == nil {
		return ""
	}
	return s.h.reveal()
}

// IsZero reports whether the Secret is empty.
func (s Secret) IsZero() bool { return s.h == nil }

// Len returns the length of the plaintext in bytes, which is safe to show.
func (s Secret) Len() int { return len(s.Reveal()) }

// Equal reports whether two Secrets hold the same plaintext, in time that
// does not depend on where they differ.
func (s Secret) Equal(other Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(other.Reveal())) == 1
}

// String returns "[REDACTED]" (or "" for an empty Secret, so that absence stays visible).
func (s Secret) String() string {
	if s.IsZero() {
		return ""
	}
	return redacted
}

// GoString returns a Go-syntax placeholder that does not contain the plaintext.
func (s Secret) GoString() string { return fmt.Sprintf("streamkap.Secret(%q)", s.String()) }

// Format implements fmt.Formatter so that every verb and flag shows the
// placeholder, never the plaintext.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = f.Write([]byte(s.GoString()))
	case verb == 'q':
		_, _ = fmt.Fprintf(f, "%q", s.String())
	default:
		_, _ = f.Write([]byte(s.String()))
	}
}

// LogValue implements slog.LogValuer: slog handlers record the placeholder.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON writes the placeholder: marshalling a result never leaks a
// secret. Use [Secret.Reveal] where the plaintext must be written.
func (s Secret) MarshalJSON() ([]byte, error) {
	if s.IsZero() {
		return []byte(`""`), nil
	}
	return []byte(`"` + redacted + `"`), nil
}

// MarshalText writes the placeholder, for encoders that use encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalJSON reads a JSON string (or null, which leaves the Secret empty).
// It lets API responses carrying a shown-once secret decode straight into a
// Secret, so the plaintext never sits in a plain string field.
func (s *Secret) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = Secret{}
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		// The decoder's error text can quote the input; say only what was wrong.
		return fmt.Errorf("streamkap: a secret must be a JSON string, got %s", jsonKind(b))
	}
	*s = NewSecret(v)
	return nil
}

// jsonKind names the kind of a JSON value without quoting it.
func jsonKind(b []byte) string {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return "an object"
		case '[':
			return "an array"
		case '"':
			return "a string"
		case 't', 'f':
			return "a boolean"
		case 'n':
			return "null"
		default:
			return "a number"
		}
	}
	return "nothing"
}
