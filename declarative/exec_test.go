package declarative_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/declarative"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// The test binary doubles as the command an ExecSink runs: with helperEnv
// set it records what it received (stdin, its own command line and
// environment from /proc) into the directory helperDirEnv names, then
// does what the mode says.
const (
	helperEnv    = "SKTEST_EXEC_HELPER"
	helperDirEnv = "SKTEST_EXEC_DIR"
)

func execHelper(mode string) int {
	dir := os.Getenv(helperDirEnv)
	stdin, _ := io.ReadAll(os.Stdin)
	cmdline, _ := os.ReadFile("/proc/self/cmdline")
	environ, _ := os.ReadFile("/proc/self/environ")
	base := filepath.Join(dir, os.Getenv(declarative.EnvSecretFileName))
	_ = os.WriteFile(base+".stdin", stdin, 0o600)
	_ = os.WriteFile(base+".cmdline", cmdline, 0o600)
	_ = os.WriteFile(base+".environ", environ, 0o600)
	switch mode {
	case "ok":
		return 0
	case "fail":
		fmt.Fprintln(os.Stderr, "vault: permission denied")
		return 1
	case "echo":
		os.Stderr.Write(stdin) // a careless command echoes its input
		return 2
	case "hang":
		// A child of its own, which the kill must reach too.
		child := exec.Command("sleep", "60")
		_ = child.Start()
		_ = os.WriteFile(filepath.Join(dir, "grandchild.pid"), []byte(strconv.Itoa(child.Process.Pid)), 0o600)
		time.Sleep(time.Minute)
	}
	return 0
}

// helperSink is an ExecSink running this test binary in mode.
func helperSink(t *testing.T, mode string) (*declarative.ExecSink, string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv(helperEnv, mode)
	t.Setenv(helperDirEnv, dir)
	exe, err := os.Executable()
	require.NoError(t, err)
	return &declarative.ExecSink{Command: []string{exe, "-test.run=^$"}, Timeout: 5 * time.Second}, dir
}

func createdSecret(t *testing.T, srv *streamkaptest.Server) declarative.ShownOnceSecret {
	t.Helper()
	file, err := srv.Client().ProjectKeys.Create(context.Background(), streamkap.CreateProjectKeyParams{Name: "ingest bot/1",
		RoleIDs: []string{"role-admin"}, KafkaConfig: &streamkap.KafkaConfig{Username: "ingest"}})
	require.NoError(t, err)
	return declarative.ShownOnceSecret{KeyName: "ingest bot/1", KeyID: file.ProjectKeyID, CredentialFile: file}
}

// Not parallel: the helper's mode is in the environment (t.Setenv).
func TestExecSinkDeliversOnStdinOnly(t *testing.T) {
	srv := streamkaptest.NewServer(t)
	secret := createdSecret(t, srv)
	state, _ := srv.Key(secret.KeyID)
	sink, dir := helperSink(t, "ok")
	require.NoError(t, sink.Store(context.Background(), secret))

	base := filepath.Join(dir, declarative.SecretFileName(secret))
	stdin, err := os.ReadFile(base + ".stdin")
	require.NoError(t, err)
	got, err := streamkap.ParseCredentialFile(stdin)
	require.NoError(t, err)
	assert.True(t, got.API.ClientSecret.Equal(state.ClientSecret), "the credential file arrived on stdin")
	assert.True(t, got.Kafka.Password.Equal(state.KafkaPassword))
	for _, what := range []string{".cmdline", ".environ"} {
		data, err := os.ReadFile(base + what)
		require.NoError(t, err)
		require.NotEmpty(t, data)
		for _, s := range []streamkap.Secret{state.ClientSecret, state.KafkaPassword} {
			assert.NotContains(t, string(data), s.Reveal(), "no secret in the command's %s", what)
		}
	}
	environ, _ := os.ReadFile(base + ".environ")
	vars := strings.Split(string(environ), "\x00")
	assert.Contains(t, vars, declarative.EnvKeyID+"="+secret.KeyID)
	assert.Contains(t, vars, declarative.EnvKeyName+"=ingest bot/1")
	assert.Contains(t, vars, declarative.EnvSecretKind+"=credential_file")
	assert.Contains(t, vars, declarative.EnvSecretFileName+"="+declarative.SecretFileName(secret))
	for _, v := range vars {
		assert.False(t, strings.HasPrefix(v, streamkap.EnvSecret+"="), "the SDK's own secret is not passed on")
	}
}

func TestExecSinkFailures(t *testing.T) {
	srv := streamkaptest.NewServer(t)
	secret := createdSecret(t, srv)
	state, _ := srv.Key(secret.KeyID)

	t.Run("exit 1: an error with the command's words", func(t *testing.T) {
		sink, _ := helperSink(t, "fail")
		err := sink.Store(context.Background(), secret)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "exit status 1")
		assert.Contains(t, err.Error(), "vault: permission denied")
	})
	t.Run("a command that echoes the secret: not in the error", func(t *testing.T) {
		sink, _ := helperSink(t, "echo")
		err := sink.Store(context.Background(), secret)
		require.Error(t, err)
		for _, s := range []streamkap.Secret{state.ClientSecret, state.KafkaPassword} {
			assert.NotContains(t, err.Error(), s.Reveal())
		}
		assert.LessOrEqual(t, len(err.Error()), 600, "a short tail")
		_, tail, found := strings.Cut(err.Error(), "stderr: ")
		require.True(t, found, err.Error())
		assert.LessOrEqual(t, len(tail), 4*200, "the last 200 bytes, each escaped to at most 4")
	})
	t.Run("a command that hangs: killed at the timeout, its children too", func(t *testing.T) {
		sink, dir := helperSink(t, "hang")
		// Long enough for a race-built helper to start and write its
		// child's pid on a loaded machine; the kill is what is tested.
		sink.Timeout = 2 * time.Second
		err := sink.Store(context.Background(), secret)
		require.Error(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		pidText, readErr := os.ReadFile(filepath.Join(dir, "grandchild.pid"))
		require.NoError(t, readErr)
		pid, _ := strconv.Atoi(string(pidText))
		require.Eventually(t, func() bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }, 5*time.Second, 10*time.Millisecond,
			"the command's child was killed")
	})
	t.Run("a cancelled context kills the command and its children", func(t *testing.T) {
		sink, dir := helperSink(t, "hang")
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			// Cancel once the pid is written, not when the file appears: a
			// kill between the two would leave an empty file, and pid 0
			// names this test's own process group, which never goes away.
			for {
				if text, err := os.ReadFile(filepath.Join(dir, "grandchild.pid")); err == nil {
					if pid, _ := strconv.Atoi(string(text)); pid > 0 {
						cancel()
						return
					}
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
		err := sink.Store(ctx, secret)
		require.ErrorIs(t, err, context.Canceled)
		pidText, readErr := os.ReadFile(filepath.Join(dir, "grandchild.pid"))
		require.NoError(t, readErr)
		pid, _ := strconv.Atoi(string(pidText))
		require.Positive(t, pid, "the grandchild's pid")
		require.Eventually(t, func() bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }, 5*time.Second, 10*time.Millisecond)
	})
	t.Run("through Apply: the secret is handed back", func(t *testing.T) {
		sink, _ := helperSink(t, "fail")
		_, err := declarative.Apply(context.Background(), srv.Client(), declarative.KeySpec{Name: "other",
			Kafka: streamkap.NullableValue(declarative.KafkaSpec{Username: "other"})}, declarative.ApplyOptions{Sink: sink})
		var sinkErr *declarative.SinkError
		require.ErrorAs(t, err, &sinkErr)
		require.Len(t, declarative.UnstoredSecrets(err), 1)
		held, _ := srv.Key(sinkErr.Secret.KeyID)
		assert.True(t, sinkErr.Secret.CredentialFile.Kafka.Password.Equal(held.KafkaPassword))
	})
}

func TestChainStopsAtTheFirstFailure(t *testing.T) {
	t.Parallel()
	first, last := &memorySink{}, &memorySink{}
	broken := &memorySink{fail: errors.New("sealed")}
	s := declarative.ShownOnceSecret{KeyName: "k", Kafka: &streamkap.KafkaCredentials{Username: "k", Password: streamkap.NewSecret("p-123456789012")}}
	err := declarative.Chain(first, broken, last).Store(context.Background(), s)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sink 2 of 3")
	assert.Len(t, first.all(), 1)
	assert.Empty(t, last.all())
	require.NoError(t, declarative.Chain(first, last).Store(context.Background(), s))
	assert.Len(t, last.all(), 1)
}

func TestKubernetesSecret(t *testing.T) {
	t.Parallel()
	s := declarative.ShownOnceSecret{KeyName: "ingest-bot", KeyID: "pk-1", CredentialFile: &streamkap.CredentialFile{
		ProjectKeyID: "pk-1", Type: streamkap.CredentialFileType,
		API:   &streamkap.APICredentials{ClientID: "cid-1", ClientSecret: streamkap.NewSecret("api-secret-1")},
		Kafka: &streamkap.KafkaCredentials{Username: "ingest", Password: streamkap.NewSecret("kafka-password-1"), BootstrapServers: "kafka:9093", SecurityProtocol: "SASL_SSL", SASLMechanism: "SCRAM-SHA-512"},
	}}
	manifest, err := declarative.KubernetesSecret{Namespace: "data", Labels: map[string]string{"team": "ingest"}}.Render(s)
	require.NoError(t, err)
	golden, err := os.ReadFile(filepath.Join("testdata", "kubernetes-secret.json"))
	if os.Getenv("UPDATE_GOLDEN") != "" {
		require.NoError(t, os.WriteFile(filepath.Join("testdata", "kubernetes-secret.json"), manifest, 0o644))
		golden = manifest
	}
	require.NoError(t, err)
	assert.JSONEq(t, string(golden), string(manifest))

	var m struct {
		Metadata struct{ Name, Namespace string }
		Data     map[string]string
	}
	require.NoError(t, json.Unmarshal(manifest, &m))
	assert.Equal(t, "streamkap-ingest-bot", m.Metadata.Name)
	for _, key := range []string{"client_id", "client_secret", "kafka_username", "kafka_password", "bootstrap_servers", "security_protocol", "sasl_mechanism", "credentials.json"} {
		assert.Contains(t, m.Data, key)
	}

	// An independent check of the shape, where kubectl is installed.
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Log("kubectl not installed: the golden file alone checks the shape")
		return
	}
	doc, err := s.RevealJSON()
	require.NoError(t, err)
	args := []string{"create", "secret", "generic", m.Metadata.Name, "-n", "data", "--dry-run=client", "-o", "json",
		"--from-literal=client_id=cid-1", "--from-literal=client_secret=api-secret-1", "--from-literal=kafka_username=ingest",
		"--from-literal=kafka_password=kafka-password-1", "--from-literal=bootstrap_servers=kafka:9093",
		"--from-literal=security_protocol=SASL_SSL", "--from-literal=sasl_mechanism=SCRAM-SHA-512",
		"--from-literal=credentials.json=" + string(doc)}
	out, err := exec.Command(kubectl, args...).Output()
	if err != nil {
		t.Logf("kubectl could not run here (%v): the golden file alone checks the shape", err)
		return
	}
	var want struct {
		APIVersion, Kind string
		Metadata         struct{ Name, Namespace string }
		Data             map[string]string
	}
	require.NoError(t, json.Unmarshal(out, &want))
	var got struct {
		APIVersion, Kind string
		Metadata         struct{ Name, Namespace string }
		Data             map[string]string
	}
	require.NoError(t, json.Unmarshal(manifest, &got))
	assert.Equal(t, want, got, "kubectl makes the same Secret")
}

func TestKubernetesSecretNamesAreDistinct(t *testing.T) {
	t.Parallel()
	seen := map[string]string{}
	for _, name := range []string{"team/a", "team_a", "team a", "Team-a", "team-a", "ключ", "клуб"} {
		n := declarative.KubernetesSecretName(declarative.ShownOnceSecret{KeyName: name, CredentialFile: &streamkap.CredentialFile{}})
		assert.Regexp(t, `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`, n)
		assert.LessOrEqual(t, len(n), 63)
		if other, dup := seen[n]; dup {
			t.Errorf("%q and %q share the Secret %s", other, name, n)
		}
		seen[n] = name
	}
}

// A fleet of 50 keys whose secrets go, through a shell script, into a
// directory: each file is the server's secret.
func TestAFleetThroughAShellScript(t *testing.T) {
	t.Parallel()
	srv := streamkaptest.NewServer(t)
	dir := t.TempDir()
	sink := &declarative.ExecSink{Command: []string{"sh", "-c", `umask 077; cat > "$0/$STREAMKAP_SECRET_FILE_NAME"`, dir}}
	specs := make([]declarative.KeySpec, 50)
	for i := range specs {
		name := fmt.Sprintf("fleet-%02d", i)
		specs[i] = declarative.KeySpec{Name: name, API: streamkap.NullableValue(declarative.APISpec{Roles: []string{"Admin"}}),
			Kafka: streamkap.NullableValue(declarative.KafkaSpec{Username: name})}
	}
	res, err := declarative.ApplyFleet(context.Background(), srv.Client(), specs, declarative.FleetOptions{ApplyOptions: declarative.ApplyOptions{Sink: sink}, Concurrency: 8})
	require.NoError(t, err)
	for _, r := range res.Keys {
		data, err := os.ReadFile(filepath.Join(dir, r.Name+".json"))
		require.NoError(t, err, r.Name)
		file, err := streamkap.ParseCredentialFile(data)
		require.NoError(t, err)
		state, _ := srv.Key(r.KeyID)
		assert.True(t, file.API.ClientSecret.Equal(state.ClientSecret), r.Name)
		assert.True(t, file.Kafka.Password.Equal(state.KafkaPassword), r.Name)
	}
	assert.Len(t, srv.RequestsTo(http.MethodPost, "/project-keys"), 50)
}
