package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// --out is proven before anything is sent: a path that cannot be written
// is refused with "nothing was sent", and no key is created.
func TestOutIsProvenBeforeSending(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	regular := filepath.Join(c.dir, "regular")
	require.NoError(t, os.WriteFile(regular, nil, 0o600))
	cases := map[string][]string{
		"a missing directory":       {"--out", filepath.Join(c.dir, "no", "such", "dir", "x.json")},
		"a path under a file":       {"--out", filepath.Join(regular, "x.json")},
		"a directory, with --force": {"--out", c.dir, "--force"},
		"a device, with --force":    {"--out", os.DevNull, "--force"},
	}
	for name, out := range cases {
		r := c.run(append([]string{"create", "--name", "bot", "--role", "Admin"}, out...)...)
		assert.Equal(t, exitUsage, r.code, "%s: %s", name, r.stderr)
		assert.Contains(t, r.stderr, "nothing was sent", name)
	}
	assert.Empty(t, c.srv.RequestsTo(http.MethodPost, "/project-keys"), "no create was sent")
	assert.Empty(t, c.srv.KeyIDs())
	info, err := os.Stat(os.DevNull)
	require.NoError(t, err)
	assert.NotZero(t, info.Mode()&os.ModeDevice, "the device is still a device")
}

// whileCreating runs change once the fake has received the create, which
// it holds for a while before applying it.
func whileCreating(t *testing.T, c *cli, change func()) {
	t.Helper()
	c.srv.InjectFault(http.MethodPost, "/project-keys", 1, streamkaptest.Delay(500*time.Millisecond))
	go func() {
		for len(c.srv.RequestsTo(http.MethodPost, "/project-keys")) == 0 {
			time.Sleep(time.Millisecond)
		}
		change()
	}()
}

// The secret that arrives is written even if a file appeared at --out in
// the meantime: the existence check is not repeated once a key exists.
func TestAFileThatAppearsDuringTheCreateIsReplaced(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	out := filepath.Join(c.dir, "bot.json")
	appeared := make(chan struct{})
	whileCreating(t, c, func() {
		_ = os.WriteFile(out, []byte("someone else's"), 0o600)
		close(appeared)
	})
	r := c.run("create", "--name", "bot", "--role", "Admin", "--out", out)
	<-appeared
	require.Equal(t, exitOK, r.code, r.stderr)
	file, err := streamkap.ParseCredentialFile(mustRead(t, out))
	require.NoError(t, err)
	state, ok := c.srv.Key(file.ProjectKeyID)
	require.True(t, ok)
	assert.True(t, file.API.ClientSecret.Equal(state.ClientSecret))
}

var fallbackLine = regexp.MustCompile(`the shown-once secret of key (pk-\d+) could not be written where asked \(.*\); it is in (\S+) \(mode 0600\)`)

// A write that fails after the secret arrived keeps it in a fallback file
// that stderr names with the key's id; exit 9.
func TestASecretThatCannotBeWrittenGoesToAFallbackFile(t *testing.T) {
	t.Run("a directory appears at --out: the fallback is next to it", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		out := filepath.Join(c.dir, "bot.json")
		done := make(chan struct{})
		whileCreating(t, c, func() {
			_ = os.Mkdir(out, 0o700)
			close(done)
		})
		r := c.run("create", "--name", "bot", "--role", "Admin", "--kafka-username", "bot", "--out", out)
		<-done
		assertKeptInFallback(t, c, r, c.dir)
	})
	t.Run("the directory of --out goes away: the fallback is in the current directory", func(t *testing.T) {
		cwd := t.TempDir()
		t.Chdir(cwd)
		c := newCLI(t)
		dir := filepath.Join(c.dir, "secrets")
		require.NoError(t, os.Mkdir(dir, 0o700))
		done := make(chan struct{})
		whileCreating(t, c, func() {
			_ = os.RemoveAll(dir)
			close(done)
		})
		r := c.run("create", "--name", "bot", "--role", "Admin", "--out", filepath.Join(dir, "bot.json"))
		<-done
		assertKeptInFallback(t, c, r, cwd)
	})
}

func assertKeptInFallback(t *testing.T, c *cli, r result, dir string) {
	t.Helper()
	require.Equal(t, exitOutcomeUnknown, r.code, r.stderr)
	m := fallbackLine.FindStringSubmatch(r.stderr)
	require.NotNil(t, m, r.stderr)
	keyID, where := m[1], m[2]
	assert.Equal(t, dir, filepath.Dir(where))
	info, err := os.Stat(where)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	file, err := streamkap.ParseCredentialFile(mustRead(t, where))
	require.NoError(t, err)
	assert.Equal(t, keyID, file.ProjectKeyID)
	state, ok := c.srv.Key(keyID)
	require.True(t, ok)
	assert.True(t, file.API.ClientSecret.Equal(state.ClientSecret), "the server's secret is in the fallback file")
	if !state.KafkaPassword.IsZero() {
		assert.True(t, file.Kafka.Password.Equal(state.KafkaPassword))
	}
	c.noSecretIn("stderr", r.stderr)
	c.noSecretIn("stdout", r.stdout)
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

func TestApplySecretsDir(t *testing.T) {
	t.Run("proven before anything is sent", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		specs := filepath.Join(c.dir, "keys.json")
		require.NoError(t, os.WriteFile(specs, []byte(`[{"name":"bot","api":{"roles":["Admin"]}}]`), 0o600))
		regular := filepath.Join(c.dir, "regular")
		require.NoError(t, os.WriteFile(regular, nil, 0o600))
		r := c.run("apply", "-f", specs, "--secrets-dir", filepath.Join(regular, "secrets"))
		assert.Equal(t, exitUsage, r.code, r.stderr)
		assert.Contains(t, r.stderr, "nothing was sent")
		assert.Empty(t, writesTo(c.srv))
	})
	t.Run("a sink that fails during the run: the secret goes to a fallback file, exit 9", func(t *testing.T) {
		cwd := t.TempDir()
		t.Chdir(cwd)
		c := newCLI(t)
		specs := filepath.Join(c.dir, "keys.json")
		require.NoError(t, os.WriteFile(specs, []byte(`[{"name":"bot","api":{"roles":["Admin"]},"kafka":{"username":"bot"}}]`), 0o600))
		dir := filepath.Join(c.dir, "secrets")
		done := make(chan struct{})
		whileCreating(t, c, func() {
			// The directory becomes a file: the sink cannot write into it.
			_ = os.RemoveAll(dir)
			_ = os.WriteFile(dir, nil, 0o600)
			close(done)
		})
		r := c.run("apply", "-f", specs, "--secrets-dir", dir)
		<-done
		require.Equal(t, exitOutcomeUnknown, r.code, r.stderr)
		m := regexp.MustCompile(`the shown-once secret of key "bot" \((pk-\d+)\) is in (\S+) \(mode 0600\)`).FindStringSubmatch(r.stderr)
		require.NotNil(t, m, r.stderr)
		assert.Equal(t, cwd, filepath.Dir(m[2]))
		file, err := streamkap.ParseCredentialFile(mustRead(t, m[2]))
		require.NoError(t, err)
		state, ok := c.srv.Key(m[1])
		require.True(t, ok)
		assert.True(t, file.API.ClientSecret.Equal(state.ClientSecret))
		assert.True(t, file.Kafka.Password.Equal(state.KafkaPassword))
		c.noSecretIn("stderr", r.stderr)
		c.noSecretIn("stdout", r.stdout)
	})
}
