package streamkap_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/davecgh/go-spew/spew"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// scannedPairs counts, across the run, the (output, secret) pairs the leak
// scanners checked; TestFaultMatrix reports it.
var scannedPairs atomic.Int64

// leakScanner collects everything a test's client says (slog records at
// debug, errors, results) and checks it against every secret in play: the
// client's credentials, the tokens the server issued, and any client
// secret or Kafka password the server holds or handed out.
type leakScanner struct {
	t       *testing.T
	mu      sync.Mutex
	logs    bytes.Buffer
	secrets map[string]bool
}

func newLeakScanner(t *testing.T) *leakScanner {
	return &leakScanner{t: t, secrets: map[string]bool{}}
}

// Write collects the JSON slog handler's output.
func (s *leakScanner) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.Write(p)
}

// logger records every event at debug level, as JSON.
func (s *leakScanner) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(s, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// plant adds secrets to look for, as sent and base64-encoded at every
// alignment (a server can echo a request body in base64).
func (s *leakScanner) plant(secrets ...streamkap.Secret) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sec := range secrets {
		if v := sec.Reveal(); len(v) >= 6 {
			s.secrets[v] = true
			for _, form := range base64Forms(v) {
				s.secrets[form] = true
			}
		}
	}
}

// base64Forms returns, for each of the three byte alignments, the part of
// the base64 encoding of secret that does not depend on its neighbours.
func base64Forms(secret string) []string {
	var out []string
	for pad := range 3 {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("\x00", pad) + secret + "\x00\x00\x00"))
		from := (pad*8 + 5) / 6
		to := (pad + len(secret)) * 8 / 6
		if to-from >= 12 {
			out = append(out, enc[from:to])
		}
	}
	return out
}

// plantServer adds the server's credentials, its issued tokens and the
// secrets of the keys it holds.
func (s *leakScanner) plantServer(srv *streamkaptest.Server) {
	_, secret := srv.ClientCredentials()
	s.plant(secret)
	s.plant(srv.IssuedTokens()...)
	for _, id := range srv.KeyIDs() {
		if state, ok := srv.Key(id); ok {
			s.plant(state.ClientSecret, state.KafkaPassword)
		}
	}
}

// renderings returns every way a program might print, log or encode v.
func renderings(v any) map[string]string {
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out["fmt "+verb] = fmt.Sprintf(verb, v)
	}
	if b, err := json.Marshal(v); err == nil {
		out["json.Marshal"] = string(b)
	}
	var text bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("v", "v", v)
	out["slog text"] = text.String()
	if err, ok := v.(error); ok && err != nil {
		out["Error()"] = err.Error()
	}
	// Printers that ignore methods: go-spew as testify configures it, and
	// testify's own diff against the zero value.
	noMethods := spew.ConfigState{DisableMethods: true, DisablePointerMethods: true}
	out["spew DisableMethods"] = noMethods.Sdump(v)
	var diff diffRecorder
	assert.Equal(&diff, reflect.Zero(reflect.TypeOf(v)).Interface(), v)
	out["testify diff"] = diff.messages.String()
	return out
}

// check scans the values given and the logs so far.
func (s *leakScanner) check(values ...any) {
	s.t.Helper()
	s.mu.Lock()
	outputs := map[string]string{"slog JSON records": s.logs.String()}
	secrets := make([]string, 0, len(s.secrets))
	for sec := range s.secrets {
		secrets = append(secrets, sec)
	}
	s.mu.Unlock()
	for i, v := range values {
		if v == nil {
			continue
		}
		for form, text := range renderings(v) {
			outputs[fmt.Sprintf("value %d (%T) %s", i, v, form)] = text
		}
	}
	for form, text := range outputs {
		for _, sec := range secrets {
			scannedPairs.Add(1)
			if strings.Contains(text, sec) {
				s.t.Errorf("a secret leaked into %s", form)
			}
		}
	}
}

// The README and the package doc keep the same retry and log tables: every
// log message and error kind of the README's table is in the doc.
func TestTheReadmeAndThePackageDocAgree(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	section := string(readme)[strings.Index(string(readme), "### Logging"):strings.Index(string(readme), "### Reliability")]
	for _, m := range regexp.MustCompile("`(streamkap [^`]*)`").FindAllStringSubmatch(section, -1) {
		words := strings.Fields(m[1])
		assert.Contains(t, strings.Join(strings.Fields(strings.ReplaceAll(string(doc), "//", "")), " "), strings.Join(words, " "), "log message %q", m[1])
	}
	for _, m := range regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(section[strings.Index(section, "error_kind"):], -1) {
		assert.Contains(t, string(doc), m[1], "error kind %q", m[1])
	}
	for _, status := range []string{"429", "502", "503", "504", "500", "501"} {
		assert.Contains(t, string(doc), status)
	}
}
