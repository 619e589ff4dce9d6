package kafkaconfig_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/kafkaconfig"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const password = `pa"ss\word-é-1`

func creds(mechanism string, registry bool) *streamkap.KafkaCredentials {
	c := &streamkap.KafkaCredentials{Username: "ingest-bot", Password: streamkap.NewSecret(password),
		BootstrapServers: "b1.streamkap.net:32400, b2.streamkap.net:32400", SecurityProtocol: "SASL_SSL", SASLMechanism: mechanism}
	if registry {
		c.SchemaRegistryURL = "https://schema.streamkap.net:32401"
	}
	return c
}

func TestRenderingsPerMechanism(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, mechanism string
		registry        bool
	}{{"plain", "PLAIN", false}, {"scram-sha-256", "SCRAM-SHA-256", true}, {"scram-sha-512", "scram-sha-512", false}} {
		cfg, err := kafkaconfig.New(creds(tc.mechanism, tc.registry))
		require.NoError(t, err, tc.name)
		for _, f := range kafkaconfig.Formats() {
			var b bytes.Buffer
			require.NoError(t, cfg.Write(&b, f))
			golden(t, tc.name+"."+string(f), b.String())
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got, "golden file %s (go test -update rewrites it)", path)
}

func TestJAASQuoting(t *testing.T) {
	t.Parallel()
	cfg, err := kafkaconfig.New(creds("SCRAM-SHA-512", false))
	require.NoError(t, err)
	assert.Equal(t, `org.apache.kafka.common.security.scram.ScramLoginModule required username="ingest-bot" password="pa\"ss\\word-é-1";`, cfg.JAASConfig())
	plain, err := kafkaconfig.New(creds("PLAIN", false))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(plain.JAASConfig(), "org.apache.kafka.common.security.plain.PlainLoginModule required "))
	// In a .properties file each backslash is doubled again, and é is \u00e9.
	var b bytes.Buffer
	require.NoError(t, cfg.Write(&b, kafkaconfig.JavaProperties))
	assert.Contains(t, b.String(), `password="pa\\"ss\\\\word-\u00e9-1";`)
}

func TestUnsupportedSettings(t *testing.T) {
	t.Parallel()
	for _, c := range []*streamkap.KafkaCredentials{
		{Username: "u", BootstrapServers: "b:1", SecurityProtocol: "SASL_SSL"},
		{Username: "u", BootstrapServers: "b:1", SecurityProtocol: "SASL_SSL", SASLMechanism: "GSSAPI"},
		{Username: "u", BootstrapServers: "b:1", SASLMechanism: "PLAIN"},
		{Username: "u", BootstrapServers: "b:1", SecurityProtocol: "SSL", SASLMechanism: "PLAIN"},
		{Username: "u", SecurityProtocol: "SASL_SSL", SASLMechanism: "PLAIN"},
		nil,
	} {
		_, err := kafkaconfig.New(c)
		var setting *kafkaconfig.SettingError
		require.ErrorAs(t, err, &setting)
		assert.ErrorIs(t, err, kafkaconfig.ErrUnsupported)
	}
}

func TestThePasswordStaysSecret(t *testing.T) {
	t.Parallel()
	cfg, err := kafkaconfig.New(creds("SCRAM-SHA-256", true))
	require.NoError(t, err)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "cfg", *cfg)
	data, err := json.Marshal(cfg)
	require.NoError(t, err)
	for _, out := range []string{fmt.Sprintf("%v %+v %#v %s", cfg, *cfg, *cfg, cfg), logs.String(), string(data)} {
		assert.NotContains(t, out, "pa\"ss")
		assert.NotContains(t, out, "word-é")
		assert.Contains(t, out, "[REDACTED]")
	}
	rotated := cfg.WithPassword(streamkap.NewSecret("new-password-123"))
	assert.Equal(t, "new-password-123", rotated.Password.Reveal())
	assert.Equal(t, password, cfg.Password.Reveal(), "the original is unchanged")

	path := filepath.Join(t.TempDir(), "client.properties")
	require.NoError(t, rotated.WriteFile(path, kafkaconfig.JavaProperties))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	data, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), `password="new-password-123";`)
}

func TestEnvIsShellSafe(t *testing.T) {
	t.Parallel()
	c := creds("PLAIN", false)
	c.Password = streamkap.NewSecret(`it's $(rm -rf /) "x"`)
	cfg, err := kafkaconfig.New(c)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, cfg.Write(&b, kafkaconfig.Env))
	assert.Contains(t, b.String(), `KAFKA_SASL_PASSWORD='it'\''s $(rm -rf /) "x"'`)
}

// Java itself reads the properties file back to the JAAS line and the
// password, where a JDK is installed (an independent check of the escaping).
func TestJavaReadsTheProperties(t *testing.T) {
	t.Parallel()
	java, err := exec.LookPath("java")
	if err != nil || testing.Short() {
		t.Skip("no java here (or -short): the golden files alone check the escaping")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "Read.java")
	require.NoError(t, os.WriteFile(src, []byte(`import java.util.*; import java.io.*;
public class Read { public static void main(String[] a) throws Exception {
  Properties p = new Properties(); p.load(new FileInputStream(a[0]));
  System.out.print(p.getProperty("sasl.jaas.config") + "\n" + p.getProperty("basic.auth.user.info")); } }`), 0o600))
	cfg, err := kafkaconfig.New(creds("SCRAM-SHA-512", true))
	require.NoError(t, err)
	path := filepath.Join(dir, "client.properties")
	require.NoError(t, cfg.WriteFile(path, kafkaconfig.JavaProperties))
	out, err := exec.Command(java, src, path).Output()
	require.NoError(t, err)
	assert.Equal(t, cfg.JAASConfig()+"\ningest-bot:"+password, string(out))
}
