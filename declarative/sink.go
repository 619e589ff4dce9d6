package declarative

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/internal/securefile"
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
	// Unconfirmed is set on a secret handed back by an
	// [*OutcomeUnknownError]: the write that would put it in effect may or
	// may not have been applied.
	Unconfirmed bool
}

// File returns the secret as a credential file: the one the API sent for a
// created key, or one holding only the added credentials.
func (s ShownOnceSecret) File() *streamkap.CredentialFile {
	if s.CredentialFile != nil {
		return s.CredentialFile
	}
	return &streamkap.CredentialFile{ProjectKeyID: s.KeyID, Type: streamkap.CredentialFileType, API: s.API, Kafka: s.Kafka}
}

// Kinds of shown-once secret, as [ShownOnceSecret.Kind] names them.
const (
	KindCredentialFile = "credential_file"
	KindAPI            = "api"
	KindKafka          = "kafka"
)

// Kind is KindCredentialFile for a created key's credential file, KindAPI
// or KindKafka for added access.
func (s ShownOnceSecret) Kind() string {
	switch {
	case s.CredentialFile != nil:
		return KindCredentialFile
	case s.API != nil:
		return KindAPI
	}
	return KindKafka
}

// RevealJSON returns the secret as a JSON document with its plaintext:
// a created key's credential file as the API delivered it; for added
// access, a credential file holding only the added credentials, with the
// key's id, its name under "key_name" and, for a secret handed back after
// an unknown outcome, "unconfirmed": true. Write it only where it belongs.
func (s ShownOnceSecret) RevealJSON() ([]byte, error) {
	data, err := s.File().RevealJSON()
	if err != nil || s.CredentialFile != nil {
		return data, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		clear(data)
		return nil, err
	}
	clear(data)
	name, _ := json.Marshal(s.KeyName)
	doc["key_name"] = name
	if s.Unconfirmed {
		doc["unconfirmed"] = json.RawMessage("true")
	}
	return json.Marshal(doc)
}

// secrets are the plaintexts s holds, for redaction.
func (s ShownOnceSecret) secrets() []streamkap.Secret {
	file := s.File()
	var out []streamkap.Secret
	if file.API != nil {
		out = append(out, file.API.ClientSecret)
	}
	if file.Kafka != nil {
		out = append(out, file.Kafka.Password)
	}
	return out
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
//
// Names are one-to-one: <name> is the key's name with every byte other
// than a lowercase ASCII letter, a digit, '-' or '_' written as %XX
// ("team/a" is "team%2Fa", "svc.api" is "svc%2Eapi", "Team" is "%54eam"),
// so two keys never share a file, even on a file system that ignores
// letter case, and no name leaves the directory. A name whose encoding would be longer than
// 200 bytes is cut and followed by '~' and 16 hex digits of its SHA-256.
// Within one sink's life a file is written once: a second secret for the
// same file is refused, and Apply hands it back in a [*SinkError].
// Across runs a file is replaced atomically (a key replaced later
// overwrites its own file).
func DirSink(dir string) SecretSink {
	return &fileSink{dir: dir, render: func(s ShownOnceSecret) ([]byte, error) { return s.File().RevealJSON() }, written: map[string]bool{}}
}

// fileSink writes each secret, as render makes it, to its one-to-one file
// in dir, once per sink.
type fileSink struct {
	dir     string
	render  func(ShownOnceSecret) ([]byte, error)
	mu      sync.Mutex
	written map[string]bool // file names written by this sink
}

// Store writes s to its file.
func (d *fileSink) Store(_ context.Context, s ShownOnceSecret) error {
	name := SecretFileName(s)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.written[name] {
		return fmt.Errorf("declarative: %s was already written in this run: refusing to overwrite a secret", name)
	}
	data, err := d.render(s)
	if err != nil {
		return err
	}
	defer clear(data)
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return err
	}
	if err := securefile.Write(filepath.Join(d.dir, name), data); err != nil {
		return err
	}
	d.written[name] = true
	return nil
}

// SecretFileName is the file name [DirSink] gives s: the key's name
// encoded one-to-one (see DirSink), then ".json" for a created key's
// credential file, ".api.json" or ".kafka.json" for added access.
func SecretFileName(s ShownOnceSecret) string {
	name := fileNameOf(s.KeyName)
	switch {
	case s.CredentialFile != nil:
	case s.API != nil:
		name += ".api"
	case s.Kafka != nil:
		name += ".kafka"
	}
	return name + ".json"
}

// maxEncodedName leaves room for the suffixes and temporary-file
// decorations within the usual 255-byte limit of a file name.
const maxEncodedName = 200

// fileNameOf encodes a key name into a file name, one-to-one.
func fileNameOf(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	out := b.String()
	if out == "" {
		return "%"
	}
	if len(out) > maxEncodedName {
		sum := sha256.Sum256([]byte(name))
		cut := out[:maxEncodedName-17]
		// Never cut inside a %XX.
		if i := strings.LastIndexByte(cut, '%'); i >= len(cut)-2 {
			cut = cut[:i]
		}
		out = cut + "~" + hex.EncodeToString(sum[:8])
	}
	return out
}
