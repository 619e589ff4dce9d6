package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// seed puts the keys the golden outputs show on the fake.
func seed(c *cli) {
	c.srv.AddKey(streamkaptest.Key{ID: "pk-api", Name: "ingest-bot", Description: "Nightly loads", API: true,
		RoleIDs: []string{"role-data-admin"}, ToolProfile: streamkap.ToolProfileReadOnly, BlockedTools: []string{"delete_pipeline"}})
	c.srv.AddKey(streamkaptest.Key{ID: "pk-kafka", Name: "reader", Kafka: true, KafkaUsername: "reader", WhitelistIPs: "10.0.0.0/8",
		KafkaACLs: []streamkap.KafkaACL{{TopicName: "orders.", Operation: "READ", ResourcePatternType: "PREFIXED"}}})
}

func TestGoldenOutputs(t *testing.T) {
	c := newCLI(t)
	seed(c)
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"list.txt", []string{"list"}},
		{"list.json", []string{"list", "-o", "json"}},
		{"get.txt", []string{"get", "pk-kafka"}},
		{"get.json", []string{"get", "pk-kafka", "-o", "json"}},
		{"mcp-config.txt", []string{"mcp-config", "pk-api"}},
		{"mcp-config.json", []string{"mcp-config", "-o", "json", "pk-api"}},
		{"roles.txt", []string{"roles"}},
		{"roles.json", []string{"roles", "-o", "json"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			r := c.run(tc.args...)
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Empty(t, r.stderr, "nothing but data on stdout, nothing on stderr")
			golden(t, tc.golden, r.stdout)
			if strings.HasSuffix(tc.golden, ".json") {
				assert.True(t, json.Valid([]byte(r.stdout)))
			}
		})
	}
}

// TestSecretReceivingCommands: every command that receives a shown-once
// secret refuses to run without somewhere to put it, writes it 0600 with
// --out FILE, prints it only with --out - --reveal, and never otherwise.
func TestSecretReceivingCommands(t *testing.T) {
	for _, tc := range []struct {
		name string
		args func(c *cli) []string
	}{
		{"create", func(c *cli) []string {
			return []string{"create", "--name", "new-bot", "--role", "Admin", "--kafka-username", "new-bot", "--acl", "orders.:READ:PREFIXED"}
		}},
		{"add-kafka-access", func(c *cli) []string { return []string{"add-kafka-access", "pk-api", "--username", "bot"} }},
		{"add-api-access", func(c *cli) []string { return []string{"add-api-access", "pk-kafka", "--role", "Read Only"} }},
		{"rotate-kafka-password", func(c *cli) []string { return []string{"rotate-kafka-password", "pk-kafka"} }},
		{"update adding Kafka access", func(c *cli) []string { return []string{"update", "pk-api", "--kafka-username", "bot"} }},
		{"update adding API access", func(c *cli) []string { return []string{"update", "pk-kafka", "--role", "Admin"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Nowhere to put it: refused, nothing sent.
			c := newCLI(t)
			seed(c)
			r := c.run(tc.args(c)...)
			assert.Equal(t, exitUsage, r.code)
			assert.Contains(t, r.stderr, "nothing was sent")
			assert.Empty(t, writesTo(c.srv))
			r = c.run(append(tc.args(c), "--out", "-")...)
			assert.Equal(t, exitUsage, r.code, "--out - without --reveal")
			assert.Empty(t, writesTo(c.srv))
			existing := filepath.Join(c.dir, "existing.json")
			require.NoError(t, os.WriteFile(existing, []byte("{}"), 0o600))
			r = c.run(append(tc.args(c), "--out", existing)...)
			assert.Equal(t, exitUsage, r.code, "an existing file needs --force")
			assert.Empty(t, writesTo(c.srv))

			// --out FILE: the secret is in the file, 0600, and nowhere else.
			out := filepath.Join(c.dir, "secret.json")
			r = c.run(append(tc.args(c), "--out", out)...)
			require.Equal(t, exitOK, r.code, r.stderr)
			info, err := os.Stat(out)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
			data, err := os.ReadFile(out)
			require.NoError(t, err)
			file, err := streamkap.ParseCredentialFile(data)
			require.NoError(t, err)
			inFile := 0
			for _, s := range c.secrets() {
				if strings.Contains(string(data), s) {
					inFile++
				}
			}
			assert.Positive(t, inFile, "the file holds the secret")
			assert.NotEmpty(t, file.ProjectKeyID)
			c.noSecretIn("stdout", r.stdout)
			c.noSecretIn("stderr", r.stderr)

			// --out - --reveal: the secret is the data on stdout.
			c2 := newCLI(t)
			seed(c2)
			r = c2.run(append(tc.args(c2), "--out", "-", "--reveal")...)
			require.Equal(t, exitOK, r.code, r.stderr)
			revealed := 0
			for _, s := range c2.secrets() {
				if strings.Contains(r.stdout, s) {
					revealed++
				}
			}
			assert.Positive(t, revealed)
			_, err = streamkap.ParseCredentialFile([]byte(r.stdout))
			assert.NoError(t, err, "stdout is exactly the credential file")
			c2.noSecretIn("stderr", r.stderr)
		})
	}
}

// writesTo lists the requests that change something.
func writesTo(srv *streamkaptest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		if r.Method != http.MethodGet && r.Path != "/auth/access-token" {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

func TestExitCodes(t *testing.T) {
	c := newCLI(t)
	seed(c)
	out := filepath.Join(c.dir, "out.json")
	c.srv.AddKey(streamkaptest.Key{ID: "pk-creating", Name: "creating", API: true, Status: streamkap.StatusCreating})
	cases := []struct {
		name  string
		setup func()
		args  []string
		code  int
	}{
		{"success", nil, []string{"list"}, exitOK},
		{"help", nil, []string{"update", "--help"}, exitOK},
		{"help command", nil, []string{"help", "apply"}, exitOK},
		{"unknown command", nil, []string{"frobnicate"}, exitUsage},
		{"unknown flag", nil, []string{"list", "--bogus"}, exitUsage},
		{"missing id", nil, []string{"get"}, exitUsage},
		{"bad output", nil, []string{"list", "-o", "yaml"}, exitUsage},
		{"not found", nil, []string{"get", "pk-missing"}, exitNotFound},
		{"validation before sending", nil, []string{"update", "pk-api", "--name", strings.Repeat("x", 101)}, exitValidation},
		{"validation by the server", nil, []string{"update", "pk-kafka", "--whitelist", strings.Repeat("1", 1001)}, exitValidation},
		{"refused", nil, []string{"set-roles", "pk-kafka", "--role", "Admin"}, exitRefused},
		{"not ready", nil, []string{"update", "pk-creating", "--name", "x"}, exitNotReady},
		{"rate limited", func() {
			c.srv.InjectFault(http.MethodGet, "/project-keys", 1, streamkaptest.RateLimited("3600"))
		}, []string{"list"}, exitRateLimited},
		{"outcome unknown", func() {
			c.srv.InjectFault(http.MethodPost, "/project-keys", 1, streamkaptest.DropAfterApply())
		}, []string{"create", "--name", "lost", "--role", "Admin", "--out", out}, exitOutcomeUnknown},
		{"other: a redirect", func() {
			c.srv.InjectFault(http.MethodGet, "/auth/roles", 1, streamkaptest.Redirect(http.StatusFound, "https://elsewhere.example.com/"))
		}, []string{"roles"}, exitOther},
		{"a conflict answered 422 is refused, not invalid", func() {
			c.srv.InjectFault(http.MethodPatch, "/project-keys/pk-api", 1, streamkaptest.Status(http.StatusUnprocessableEntity,
				`{"detail":[{"loc":["body","name"],"msg":"A project key with this name already exists","type":"value_error"}]}`, nil))
		}, []string{"update", "pk-api", "--name", "taken"}, exitRefused},
		{"an unrecognised 400 on a ready key is refused", func() {
			c.srv.InjectFault(http.MethodPatch, "/project-keys/pk-api", 1, streamkaptest.Status(http.StatusBadRequest, `{"detail":"Bad request"}`, nil))
		}, []string{"update", "pk-api", "--name", "x"}, exitRefused},
		{"an unrecognised 400 on a creating key is not ready", func() {
			c.srv.InjectFault(http.MethodPatch, "/project-keys/pk-creating", 1, streamkaptest.Status(http.StatusBadRequest, `{"detail":"Bad request"}`, nil))
		}, []string{"update", "pk-creating", "--name", "x"}, exitNotReady},
		{"no arguments", nil, []string{}, exitUsage},
	}
	covered := map[int]bool{exitUnauthorized: true} // tested below
	for _, tc := range cases {
		covered[tc.code] = true
		if tc.setup != nil {
			tc.setup()
		}
		r := c.run(tc.args...)
		assert.Equal(t, tc.code, r.code, "%s: %v\n%s", tc.name, tc.args, r.stderr)
		if tc.code != exitOK {
			assert.Empty(t, r.stdout, "%s: a failure prints no data", tc.name)
			if tc.code != exitUsage || !strings.Contains(strings.Join(tc.args, " "), "help") {
				assert.NotEmpty(t, r.stderr, "%s: a failure says why", tc.name)
			}
		}
	}

	// Credentials: the errors name what is missing.
	c.env = map[string]string{streamkap.EnvHost: c.srv.URL()}
	r := c.run("list")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "set STREAMKAP_CLIENT_ID and STREAMKAP_SECRET, or pass --credential-file")
	c.env[streamkap.EnvClientID] = "only-the-id"
	r = c.run("list")
	assert.Contains(t, r.stderr, "STREAMKAP_CLIENT_ID is set but STREAMKAP_SECRET is not")
	c.env[streamkap.EnvSecret] = "wrong-secret"
	r = c.run("list")
	assert.Equal(t, exitUnauthorized, r.code)
	assert.NotContains(t, r.stderr, "wrong-secret")

	// The README's table is the one source: every row is a code tested here.
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	rows := regexp.MustCompile(`(?m)^\| (\d) \| `).FindAllStringSubmatch(string(readme), -1)
	require.Len(t, rows, 10, "the exit-code table has a row per code")
	for _, row := range rows {
		code, _ := strconv.Atoi(row[1])
		assert.True(t, covered[code], "exit code %d of the README is tested", code)
	}
}

func TestUsageAndHelp(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	r := c.run()
	assert.Equal(t, exitUsage, r.code)
	assert.Empty(t, r.stdout, "usage is no data")
	assert.Contains(t, r.stderr, "Commands:")
	for _, args := range [][]string{{"help", "apply"}, {"apply", "--help"}, {"apply", "-h"}} {
		r = c.run(args...)
		assert.Equal(t, exitOK, r.code, "%v", args)
		assert.Contains(t, r.stdout, "-secrets-dir", "%v lists the command's flags", args)
		assert.Contains(t, r.stdout, "-allow-replace")
		assert.Empty(t, r.stderr)
	}
}

func TestUpdateFlagsCoverEveryField(t *testing.T) {
	c := newCLI(t)
	seed(c)
	for _, tc := range []struct {
		args []string
		body string
	}{
		{[]string{"--name", "n", "--description", "d", "--tool-profile", "full", "--allowed-tool", "a", "--allowed-tool", "b", "--blocked-tool", "c"},
			`{"name":"n","description":"d","tool_profile":"full","allowed_tools":["a","b"],"blocked_tools":["c"]}`},
		{[]string{"--clear-description", "--clear-tool-profile", "--clear-allowed-tools", "--clear-blocked-tools"},
			`{"description":null,"tool_profile":null,"allowed_tools":null,"blocked_tools":null}`},
		{[]string{"--acl", "orders.:read:prefixed", "--acl", "grp:READ:LITERAL:GROUP", "--whitelist", "10.0.0.1", "--whitelist", "10.0.1.0/24"},
			`{"kafka_acls":[{"topic_name":"orders.","operation":"READ","resource_pattern_type":"PREFIXED"},
			  {"topic_name":"grp","operation":"READ","resource_pattern_type":"LITERAL","resource":"GROUP"}],"whitelist_ips":"10.0.0.1,10.0.1.0/24"}`},
		{[]string{"--clear-acls", "--clear-whitelist"}, `{"kafka_acls":[],"whitelist_ips":""}`},
	} {
		c.srv.ResetRequests()
		r := c.run(append([]string{"update", "pk-kafka"}, tc.args...)...)
		require.Equal(t, exitOK, r.code, r.stderr)
		patches := c.srv.RequestsTo(http.MethodPatch, "/project-keys/pk-kafka")
		require.Len(t, patches, 1)
		assert.JSONEq(t, tc.body, patches[0].Body.Text())
	}
	r := c.run("update", "pk-api", "--role", "Admin", "--role", "read only")
	require.Equal(t, exitOK, r.code, r.stderr)
	state, _ := c.srv.Key("pk-api")
	assert.Equal(t, []string{"role-admin", "role-read-only"}, state.RoleIDs, "roles by name")
	assert.Equal(t, exitUsage, c.run("update", "pk-api", "--description", "x", "--clear-description").code)
	assert.Equal(t, exitUsage, c.run("update", "pk-api", "--acl", "nocolons").code)
}

func TestPlanAndApply(t *testing.T) {
	c := newCLI(t)
	seed(c)
	specs := filepath.Join(c.dir, "keys.json")
	require.NoError(t, os.WriteFile(specs, []byte(`{"keys": [
  {"name": "ingest-bot", "description": "Nightly loads", "api": {"roles": ["Admin"]},
   "tools": {"profile": "read-only", "blocked": ["delete_pipeline"]}},
  {"name": "reader", "kafka": {"username": "reader", "whitelist_ips": ["10.0.0.0/8", "10.1.0.0/16"]}},
  {"name": "bot-new", "kafka": {"username": "bot-new", "acls": [{"topic": "t", "operation": "WRITE", "pattern": "LITERAL"}]}}
]}`), 0o600))

	r := c.run("plan", "-f", specs)
	require.Equal(t, exitOK, r.code, r.stderr)
	golden(t, "plan.txt", r.stdout)
	r = c.run("plan", "-f", specs, "-o", "json")
	require.Equal(t, exitOK, r.code, r.stderr)
	golden(t, "plan.json", r.stdout)
	assert.Empty(t, writesTo(c.srv))

	// A plan that issues a secret needs --secrets-dir: refused, unsent.
	r = c.run("apply", "-f", specs)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "give --secrets-dir")
	assert.Empty(t, writesTo(c.srv))

	secrets := filepath.Join(c.dir, "secrets")
	r = c.run("apply", "-f", specs, "--secrets-dir", secrets, "--dry-run")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Empty(t, writesTo(c.srv), "a dry run sends nothing")

	r = c.run("apply", "-f", specs, "--secrets-dir", secrets)
	require.Equal(t, exitOK, r.code, r.stderr)
	golden(t, "apply.txt", r.stdout)
	c.noSecretIn("stdout", r.stdout)
	c.noSecretIn("stderr", r.stderr)
	files, err := filepath.Glob(filepath.Join(secrets, "*.json"))
	require.NoError(t, err)
	assert.Len(t, files, 1, "bot-new's credential file")
	info, err := os.Stat(files[0])
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	c.srv.ResetRequests()
	r = c.run("apply", "-f", specs, "--secrets-dir", secrets, "-o", "json")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Empty(t, writesTo(c.srv), "a second apply sends nothing")
	var res struct {
		Keys []struct {
			Name   string `json:"name"`
			Writes int    `json:"writes"`
		} `json:"keys"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	assert.Len(t, res.Keys, 3)

	// Pruning: needs a prefix; deletes what no spec names under it.
	c.srv.AddKey(streamkaptest.Key{ID: "pk-stale", Name: "bot-stale", API: true})
	assert.Equal(t, exitUsage, c.run("apply", "-f", specs, "--prune").code)
	r = c.run("apply", "-f", specs, "--secrets-dir", secrets, "--prune", "--prefix", "bot-")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "bot-stale")
	_, exists := c.srv.Key("pk-stale")
	assert.False(t, exists)

	// A bad spec file: the problem and its line, nothing sent.
	bad := filepath.Join(c.dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte("[\n  {\"name\": \"x\", \"colour\": \"red\"}\n]"), 0o600))
	r = c.run("plan", "-f", bad)
	assert.Equal(t, exitUsage, r.code, "a spec-file problem is a usage problem")
	assert.Contains(t, r.stderr, `keys[0] (line 2, column 17): unknown member "colour"`)

	// A directory, a FIFO: refused at once, usage.
	r = c.run("plan", "-f", c.dir)
	assert.Equal(t, exitUsage, r.code, r.stderr)
	fifo := filepath.Join(c.dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	r = c.run("plan", "-f", fifo, "--timeout", "2s")
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "not a regular file")

	// -f - reads the specs from stdin.
	r = c.runWithStdin(`[{"name":"from-stdin","kafka":{"username":"stdin-bot"}}]`, "plan", "-f", "-")
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "from-stdin")
}

func TestCredentialFileProblemsAreUsage(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	kafkaOnly := filepath.Join(c.dir, "kafka-only.json")
	require.NoError(t, os.WriteFile(kafkaOnly, []byte(`{"project_key_id":"pk-1","kafka":{"username":"bot","password":"p"}}`), 0o600))
	notJSON := filepath.Join(c.dir, "not.json")
	require.NoError(t, os.WriteFile(notJSON, []byte("not json at all"), 0o600))
	for _, path := range []string{filepath.Join(c.dir, "missing.json"), notJSON, kafkaOnly, c.dir} {
		r := c.run("list", "--credential-file", path)
		assert.Equal(t, exitUsage, r.code, "%s: %s", path, r.stderr)
	}
	assert.Empty(t, c.srv.Requests(), "nothing was sent")

	// A file readable by others works, and the SDK's warning reaches stderr.
	id, secret := c.srv.ClientCredentials()
	open := filepath.Join(c.dir, "open.json")
	require.NoError(t, os.WriteFile(open, []byte(`{"project_key_id":"pk-0","api":{"client_id":"`+id+`","client_secret":"`+secret.Reveal()+`"}}`), 0o644))
	require.NoError(t, os.Chmod(open, 0o644))
	r := c.run("list", "--credential-file", open)
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stderr, "warning: credential file is readable by other users")
	c.noSecretIn("stderr", r.stderr)
}

func TestProgressGoesToATerminalOnly(t *testing.T) {
	c := newCLI(t)
	seed(c)
	var stdout, stderr strings.Builder
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return c.env[k] }, stderrIsTerminal: true}
	code := run(t.Context(), []string{"wait", "pk-api", "--until", "active"}, e)
	require.Equal(t, exitOK, code)
	assert.Contains(t, stderr.String(), "waiting for pk-api to be active")
	assert.NotContains(t, stdout.String(), "waiting")

	stderr.Reset()
	code = run(t.Context(), []string{"wait", "pk-api", "--until", "active", "--quiet"}, e)
	require.Equal(t, exitOK, code)
	assert.Empty(t, stderr.String())

	r := c.run("wait", "pk-api", "--until", "active") // not a terminal
	assert.Empty(t, r.stderr)
}

// TestAPasswordWhoseOutcomeIsUnknownIsKept: the Kafka password chosen for
// a create whose answer was lost still goes to --out.
func TestAPasswordWhoseOutcomeIsUnknownIsKept(t *testing.T) {
	c := newCLI(t)
	c.srv.InjectFault(http.MethodPost, "/project-keys", 1, streamkaptest.DropAfterApply())
	out := filepath.Join(c.dir, "kafka.json")
	r := c.run("create", "--name", "lost", "--kafka-username", "lost", "--out", out)
	require.Equal(t, exitOutcomeUnknown, r.code, r.stderr)
	assert.Contains(t, r.stderr, "the Kafka password that was sent is in "+out)
	ids := c.srv.KeyIDs()
	require.Len(t, ids, 1)
	state, _ := c.srv.Key(ids[0])
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	file, err := streamkap.ParseCredentialFile(data)
	require.NoError(t, err)
	assert.True(t, file.Kafka.Password.Equal(state.KafkaPassword))
	c.noSecretIn("stderr", r.stderr)
}
