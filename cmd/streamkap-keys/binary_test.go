package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// TestTheBuiltBinary builds streamkap-keys and runs it as a user would:
// exit codes, what goes to stdout and to stderr, and file modes.
func TestTheBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "streamkap-keys")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	srv := streamkaptest.NewServer(t)
	srv.AddKey(streamkaptest.Key{ID: "pk-api", Name: "ingest-bot", API: true})
	srv.AddKey(streamkaptest.Key{ID: "pk-kafka", Name: "reader", Kafka: true, KafkaUsername: "reader"})
	id, secret := srv.ClientCredentials()
	env := append(os.Environ(), streamkap.EnvClientID+"="+id, streamkap.EnvSecret+"="+secret.Reveal(), streamkap.EnvHost+"="+srv.URL())
	dir := t.TempDir()

	exe := func(args ...string) (code int, stdout, stderr string) {
		cmd := exec.Command(bin, args...)
		cmd.Env, cmd.Dir = env, dir
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), out.String(), errOut.String()
		}
		require.NoError(t, err)
		return 0, out.String(), errOut.String()
	}

	code, stdout, stderr := exe("list", "-o", "json")
	assert.Equal(t, exitOK, code)
	assert.True(t, strings.HasPrefix(stdout, "[\n"), "JSON data on stdout")
	assert.Empty(t, stderr)

	code, stdout, stderr = exe("get", "pk-missing")
	assert.Equal(t, exitNotFound, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "404 Not Found")

	code, _, stderr = exe("--help")
	assert.Equal(t, exitOK, code)
	assert.Empty(t, stderr)
	code, stdout, stderr = exe("delete", "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "Example:", "help asked for is output: stdout")
	assert.Contains(t, stdout, "-wait", "with the command's flags")
	assert.Empty(t, stderr)
	code, _, _ = exe()
	assert.Equal(t, exitUsage, code)

	code, stdout, stderr = exe("add-kafka-access", "pk-api", "--username", "ingest")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "nothing was sent")

	code, stdout, stderr = exe("add-kafka-access", "pk-api", "--username", "ingest", "--out", "kafka.json")
	require.Equal(t, exitOK, code, stderr)
	info, err := os.Stat(filepath.Join(dir, "kafka.json"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	state, _ := srv.Key("pk-api")
	assert.NotContains(t, stdout+stderr, state.KafkaPassword.Reveal())
	data, err := os.ReadFile(filepath.Join(dir, "kafka.json"))
	require.NoError(t, err)
	assert.Contains(t, string(data), state.KafkaPassword.Reveal())

	code, _, stderr = exe("set-roles", "pk-kafka", "--role", "Admin")
	assert.Equal(t, exitRefused, code, stderr)

	code, stdout, _ = exe("version")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "streamkap-keys "+streamkap.Version, "built from a checkout: the SDK's version")
	code, stdout, _ = exe("--version")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "streamkap-keys "+streamkap.Version)

	for _, sig := range []struct {
		signal os.Signal
		code   int
		name   string
	}{{os.Interrupt, 130, "SIGINT"}, {syscall.SIGTERM, 143, "SIGTERM"}} {
		key := srv.AddKey(streamkaptest.Key{Name: "going", API: true})
		srv.SetKeyStatus(key.ID, streamkap.StatusDeleting) // holds: the wait never ends by itself
		cmd := exec.Command(bin, "wait", key.ID, "--until", "gone")
		cmd.Env, cmd.Dir = env, dir
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		require.NoError(t, cmd.Start())
		for len(srv.RequestsTo("GET", "/project-keys/"+key.ID)) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		require.NoError(t, cmd.Process.Signal(sig.signal))
		err := cmd.Wait()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, sig.code, exit.ExitCode(), errOut.String())
		assert.Contains(t, errOut.String(), "interrupted by "+sig.name)
	}
}
