package streamkap_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

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

// plant adds secrets to look for.
func (s *leakScanner) plant(secrets ...streamkap.Secret) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sec := range secrets {
		if v := sec.Reveal(); len(v) >= 6 {
			s.secrets[v] = true
		}
	}
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
