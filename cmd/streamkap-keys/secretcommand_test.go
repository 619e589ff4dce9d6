package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
)

func TestSecretCommand(t *testing.T) {
	t.Parallel()
	t.Run("the secret goes to the command's stdin, and nowhere else", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		dir := c.dir
		script := fmt.Sprintf(`cat /proc/$$/cmdline > %[1]s/cmdline; cat /proc/$$/environ > %[1]s/environ; cat > %[1]s/"$STREAMKAP_KEY_NAME.json"`, dir)
		r := c.run("create", "--name", "bot", "--role", "Admin", "--kafka-username", "bot", "--secret-command", script)
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Contains(t, r.stdout, "delivered to --secret-command")
		file, err := streamkap.ParseCredentialFile(mustRead(t, filepath.Join(dir, "bot.json")))
		require.NoError(t, err)
		state, _ := c.srv.Key(file.ProjectKeyID)
		assert.True(t, file.API.ClientSecret.Equal(state.ClientSecret))
		assert.True(t, file.Kafka.Password.Equal(state.KafkaPassword))
		c.noSecretIn("the command's arguments", string(mustRead(t, filepath.Join(dir, "cmdline"))))
		c.noSecretIn("the command's environment", string(mustRead(t, filepath.Join(dir, "environ"))))
		c.noSecretIn("stdout", r.stdout)
		c.noSecretIn("stderr", r.stderr)
	})
	t.Run("a command that does not exist: refused before sending", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		r := c.run("create", "--name", "bot", "--role", "Admin", "--secret-command", "no-such-secret-store put -")
		assert.Equal(t, exitUsage, r.code, r.stderr)
		assert.Contains(t, r.stderr, "nothing was sent")
		r = c.run("create", "--name", "bot", "--role", "Admin", "--secret-command", "cat", "--out", filepath.Join(c.dir, "x.json"))
		assert.Equal(t, exitUsage, r.code, "one destination")
		assert.Empty(t, c.srv.RequestsTo(http.MethodPost, "/project-keys"))
	})
	t.Run("a command that fails and echoes the secret: a fallback file, exit 9, no secret in text", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		r := c.run("create", "--name", "bot", "--role", "Admin", "--secret-command", "cat >&2; exit 1")
		require.Equal(t, exitOutcomeUnknown, r.code, r.stderr)
		m := fallbackLine.FindStringSubmatch(r.stderr)
		require.NotNil(t, m, r.stderr)
		file, err := streamkap.ParseCredentialFile(mustRead(t, m[2]))
		require.NoError(t, err)
		state, _ := c.srv.Key(m[1])
		assert.True(t, file.API.ClientSecret.Equal(state.ClientSecret))
		_ = os.Remove(m[2])
		c.noSecretIn("stderr", r.stderr)
		c.noSecretIn("stdout", r.stdout)
	})
	t.Run("a fleet of 50 through a shell script", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		out := filepath.Join(c.dir, "store")
		require.NoError(t, os.Mkdir(out, 0o700))
		var specs []string
		for i := range 50 {
			specs = append(specs, fmt.Sprintf(`{"name":"fleet-%02d","api":{"roles":["Admin"]},"kafka":{"username":"fleet-%02d"}}`, i, i))
		}
		path := filepath.Join(c.dir, "keys.json")
		require.NoError(t, os.WriteFile(path, []byte("["+strings.Join(specs, ",")+"]"), 0o600))
		r := c.run("apply", "-f", path, "--concurrency", "8", "--secret-command", `umask 077; cat > "`+out+`/$STREAMKAP_SECRET_FILE_NAME"`)
		require.Equal(t, exitOK, r.code, r.stderr)
		entries, err := os.ReadDir(out)
		require.NoError(t, err)
		require.Len(t, entries, 50)
		for _, e := range entries {
			file, err := streamkap.ParseCredentialFile(mustRead(t, filepath.Join(out, e.Name())))
			require.NoError(t, err)
			state, ok := c.srv.Key(file.ProjectKeyID)
			require.True(t, ok)
			assert.True(t, file.API.ClientSecret.Equal(state.ClientSecret), e.Name())
			assert.True(t, file.Kafka.Password.Equal(state.KafkaPassword), e.Name())
			assert.Equal(t, state.Name+".json", e.Name())
		}
		c.noSecretIn("stdout", r.stdout)
		c.noSecretIn("stderr", r.stderr)
	})
	t.Run("kubernetes format", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		r := c.run("create", "--name", "bot", "--kafka-username", "bot", "--secret-format", "kubernetes", "--namespace", "data",
			"--secret-command", "cat > "+c.dir+"/secret.json")
		require.Equal(t, exitOK, r.code, r.stderr)
		manifest := string(mustRead(t, filepath.Join(c.dir, "secret.json")))
		assert.Regexp(t, regexp.MustCompile(`"kind": "Secret"`), manifest)
		assert.Contains(t, manifest, `"namespace": "data"`)
		assert.Contains(t, manifest, `"kafka_password"`)
	})
}

func TestKafkaConfig(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	file := filepath.Join(c.dir, "key.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"project_key_id":"pk-1","kafka":{"username":"ingest-bot","password":"file-password-123",
		"bootstrap_servers":"kafka.streamkap.net:32400","security_protocol":"SASL_SSL","sasl_mechanism":"SCRAM-SHA-512"}}`), 0o600))
	r := c.run("kafka-config", file)
	assert.Equal(t, exitUsage, r.code, "a secret needs --out")
	out := filepath.Join(c.dir, "client.properties")
	r = c.run("kafka-config", file, "--out", out)
	require.Equal(t, exitOK, r.code, r.stderr)
	data := string(mustRead(t, out))
	assert.Contains(t, data, `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="ingest-bot" password="file-password-123";`)
	assert.NotContains(t, r.stdout+r.stderr, "file-password-123")
	info, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	r = c.runWithStdin("rotated-password-456\n", "kafka-config", file, "--format", "librdkafka", "--password-stdin", "--out", "-", "--reveal")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "sasl.password=rotated-password-456\n")
	assert.Contains(t, r.stdout, "sasl.mechanisms=SCRAM-SHA-512\n")

	require.NoError(t, os.WriteFile(file, []byte(`{"project_key_id":"pk-1","kafka":{"username":"u","password":"p","bootstrap_servers":"b:1","sasl_mechanism":"GSSAPI","security_protocol":"SASL_SSL"}}`), 0o600))
	r = c.run("kafka-config", file, "--out", filepath.Join(c.dir, "x.properties"))
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, `sasl_mechanism "GSSAPI" is not supported`)
	assert.Empty(t, c.srv.Requests(), "nothing is sent to the API")
}
