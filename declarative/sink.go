package declarative

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/streamkap-go/streamkap"
)

// A SecretSink receives every shown-once secret Apply obtains, before Apply
// does anything else. If Store fails, Apply stops, and its error (a
// [*SinkError]) still carries the secret.
type SecretSink interface {
	Store(ctx context.Context, secret ShownOnceSecret) error
}

// SinkFunc adapts a function to a SecretSink.
type SinkFunc func(ctx context.Context, secret ShownOnceSecret) error

// Store calls f.
func (f SinkFunc) Store(ctx context.Context, secret ShownOnceSecret) error { return f(ctx, secret) }

// ShownOnceSecret is a secret the API shows once (or, for a Kafka
// password, that Apply chose): exactly one of CredentialFile, API and
// Kafka is set. Its secrets are streamkap.Secret values: it prints and
// marshals redacted.
type ShownOnceSecret struct {
	// KeyName and KeyID identify the key.
	KeyName string
	KeyID   string
	// CredentialFile is a created key's credential file.
	CredentialFile *streamkap.CredentialFile
	// API are the API credentials added to an existing key.
	API *streamkap.APICredentials
	// Kafka are the Kafka credentials added to an existing key, or those of
	// a created key whose answer was lost (its password was chosen here).
	Kafka *streamkap.KafkaCredentials
}

// File returns the secret as a credential file: the one the API sent for a
// created key, or one holding only the added credentials.
func (s ShownOnceSecret) File() *streamkap.CredentialFile {
	if s.CredentialFile != nil {
		return s.CredentialFile
	}
	return &streamkap.CredentialFile{ProjectKeyID: s.KeyID, Type: streamkap.CredentialFileType, API: s.API, Kafka: s.Kafka}
}

// SinkError reports a secret the sink could not store. Apply stopped after
// it; Secret holds what the sink was given, so nothing is lost.
type SinkError struct {
	Secret ShownOnceSecret
	Err    error
}

// Error names the key; the secret itself is never in the text.
func (e *SinkError) Error() string {
	return fmt.Sprintf("declarative: storing the shown-once secret of key %q (%s) failed; it is in this error's Secret field: %v",
		e.Secret.KeyName, e.Secret.KeyID, e.Err)
}

// Unwrap returns the sink's error.
func (e *SinkError) Unwrap() error { return e.Err }

// DirSink returns a sink that writes each secret as a credential file,
// mode 0600, into dir (created 0700 if missing): "<name>.json" for a
// created key, "<name>.kafka.json" and "<name>.api.json" for added access.
// Each file is written atomically; a key replaced later overwrites its file.
func DirSink(dir string) SecretSink {
	return SinkFunc(func(_ context.Context, s ShownOnceSecret) error {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		name := safeFileName(s.KeyName)
		switch {
		case s.CredentialFile != nil:
		case s.API != nil:
			name += ".api"
		case s.Kafka != nil:
			name += ".kafka"
		}
		return s.File().WriteFile(filepath.Join(dir, name+".json"))
	})
}

// safeFileName keeps a key name's letters, digits, '-', '_' and '.', and
// replaces anything else, so that a name cannot leave the directory.
func safeFileName(name string) string {
	out := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, name)
	if strings.Trim(out, ".") == "" {
		out = "_" + out
	}
	return out
}
