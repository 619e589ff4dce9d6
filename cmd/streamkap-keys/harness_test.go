package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// cli runs streamkap-keys in process against a fake Streamkap.
type cli struct {
	t   *testing.T
	srv *streamkaptest.Server
	env map[string]string
	dir string
}

func newCLI(t *testing.T, opts ...streamkaptest.Option) *cli {
	t.Helper()
	clock := streamkaptest.NewClock(time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC))
	srv := streamkaptest.NewServer(t, append([]streamkaptest.Option{streamkaptest.WithClock(clock.Now)}, opts...)...)
	id, secret := srv.ClientCredentials()
	return &cli{t: t, srv: srv, dir: t.TempDir(), env: map[string]string{
		streamkap.EnvClientID: id, streamkap.EnvSecret: secret.Reveal(), streamkap.EnvHost: srv.URL(),
	}}
}

// result is one run's exit code and output.
type result struct {
	code           int
	stdout, stderr string
}

func (c *cli) run(args ...string) result {
	return c.runWithStdin("", args...)
}

func (c *cli) runWithStdin(stdin string, args ...string) result {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &env{
		stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return c.env[k] },
	})
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// secrets are every secret the fake holds or issued, and the client's own.
func (c *cli) secrets() []string {
	_, secret := c.srv.ClientCredentials()
	out := []string{secret.Reveal()}
	for _, tok := range c.srv.IssuedTokens() {
		out = append(out, tok.Reveal())
	}
	for _, id := range c.srv.KeyIDs() {
		state, _ := c.srv.Key(id)
		for _, s := range []streamkap.Secret{state.ClientSecret, state.KafkaPassword} {
			if !s.IsZero() {
				out = append(out, s.Reveal())
			}
		}
	}
	return out
}

// noSecretIn fails if any secret appears in text.
func (c *cli) noSecretIn(what, text string) {
	c.t.Helper()
	for _, s := range c.secrets() {
		assert.NotContains(c.t, text, s, "a secret reached %s", what)
	}
}

// randomParts are the fake's random values, replaced in golden output.
var randomParts = []*regexp.Regexp{
	regexp.MustCompile(`cid-[A-Za-z0-9]{12}`),
	regexp.MustCompile(`[A-Za-z0-9]{3}\*{6}[A-Za-z0-9]{3}`),
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	for _, re := range randomParts {
		got = re.ReplaceAllStringFunc(got, func(s string) string { return strings.Repeat("x", len(s)) })
	}
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got, "golden file %s (go test -update rewrites it)", path)
}
