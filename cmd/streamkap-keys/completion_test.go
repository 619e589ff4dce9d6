package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap/streamkaptest"
)

func TestCompletion(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := c.run("completion", shell)
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Contains(t, r.stdout, "kafka-config", shell)
		assert.Contains(t, r.stdout, "secret-command", shell)
	}
	assert.Equal(t, exitUsage, c.run("completion", "powershell").code)

	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash here")
	}
	script := filepath.Join(t.TempDir(), "completion.bash")
	require.NoError(t, os.WriteFile(script, []byte(c.run("completion", "bash").stdout), 0o600))
	complete := func(words ...string) string {
		line := "source " + script + "; COMP_WORDS=(" + strings.Join(words, " ") + "); COMP_CWORD=" + strconv.Itoa(len(words)-1) + `; _streamkap_keys; echo "${COMPREPLY[@]}"`
		out, err := exec.Command(bash, "-c", line).Output()
		require.NoError(t, err)
		return strings.TrimSpace(string(out))
	}
	assert.Equal(t, "delete", complete("streamkap-keys", "del"))
	assert.Equal(t, "--wait", complete("streamkap-keys", "delete", "--wa"))
	assert.Contains(t, complete("streamkap-keys", "apply", "--secret"), "--secret-command")
}

func TestConfirmationOnATerminal(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	key := c.srv.AddKey(streamkaptest.Key{Name: "victim", API: true})
	terminal := func(stdin string, args ...string) result {
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), args, &env{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr,
			getenv: func(k string) string { return c.env[k] }, interactive: true})
		return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
	}
	r := terminal("n\n", "delete", key.ID)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "Delete key "+key.ID+"? [y/N]")
	assert.Empty(t, c.srv.RequestsTo(http.MethodDelete, "/project-keys/"+key.ID), "not confirmed, nothing sent")
	r = terminal("y\n", "delete", key.ID)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Len(t, c.srv.RequestsTo(http.MethodDelete, "/project-keys/"+key.ID), 1)

	other := c.srv.AddKey(streamkaptest.Key{Name: "other", API: true})
	r = terminal("", "delete", other.ID, "--yes")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.NotContains(t, r.stderr, "[y/N]")
	// A script (no terminal) is not asked.
	third := c.srv.AddKey(streamkaptest.Key{Name: "third", API: true})
	assert.Equal(t, exitOK, c.run("delete", third.ID).code)

	specs := filepath.Join(c.dir, "keys.json")
	require.NoError(t, os.WriteFile(specs, []byte(`[]`), 0o600))
	c.srv.AddKey(streamkaptest.Key{Name: "fleet-stale", API: true})
	r = terminal("\n", "apply", "-f", specs, "--prune", "--prefix", "fleet-")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, `Delete every key named "fleet-*" that no spec names? [y/N]`)
}

func TestPlanDetailedExitCode(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.srv.AddKey(streamkaptest.Key{Name: "same", Kafka: true, KafkaUsername: "same"})
	specs := filepath.Join(c.dir, "keys.json")
	require.NoError(t, os.WriteFile(specs, []byte(`[{"name":"same","kafka":{"username":"same"}}]`), 0o600))
	r := c.run("plan", "-f", specs, "--detailed-exitcode")
	assert.Equal(t, exitOK, r.code, "no changes: 0")
	require.NoError(t, os.WriteFile(specs, []byte(`[{"name":"same","kafka":{"username":"same"}},{"name":"new","kafka":{"username":"new"}}]`), 0o600))
	r = c.run("plan", "-f", specs, "--detailed-exitcode")
	assert.Equal(t, 2, r.code, "changes: 2")
	assert.Empty(t, r.stderr)
	assert.Contains(t, r.stdout, `+ "new"`)
	assert.Equal(t, exitOK, c.run("plan", "-f", specs).code, "without the flag, changes are success")
}
