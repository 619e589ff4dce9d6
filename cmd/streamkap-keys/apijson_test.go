package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// apiBytes is what the fake answers a GET of path, asked directly.
func (c *cli) apiBytes(t *testing.T, path string) string {
	t.Helper()
	id, secret := c.srv.ClientCredentials()
	resp, err := http.Post(c.srv.URL()+"/auth/access-token", "application/json",
		strings.NewReader(`{"client_id":"`+id+`","secret":"`+secret.Reveal()+`"}`))
	require.NoError(t, err)
	var tok struct {
		AccessToken string `json:"accessToken"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	require.NoError(t, resp.Body.Close())
	req, err := http.NewRequest(http.MethodGet, c.srv.URL()+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	return string(body)
}

// The CLI's -o json is the API's JSON: the same members, null where the
// API sends null, nothing it did not send.
func TestJSONOutputIsTheAPIsJSON(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	seed(c)
	cleared := c.srv.AddKey(streamkaptest.Key{Name: "cleared", Kafka: true, KafkaUsername: "cleared",
		KafkaACLs: []streamkap.KafkaACL{{TopicName: "t", Operation: streamkap.OperationRead, ResourcePatternType: streamkap.PatternLiteral}}})
	for _, tc := range []struct {
		args []string
		path string
	}{
		{[]string{"list"}, "/project-keys"},
		{[]string{"get", "pk-kafka"}, "/project-keys/pk-kafka"},
		{[]string{"get", "pk-api"}, "/project-keys/pk-api"},
		{[]string{"get", cleared.ID}, "/project-keys/" + cleared.ID},
		{[]string{"mcp-config", "pk-api"}, "/project-keys/pk-api/mcp-config"},
		{[]string{"mcp-config", "pk-kafka"}, "/project-keys/pk-kafka/mcp-config"},
		{[]string{"roles"}, "/auth/roles"},
	} {
		r := c.run(append(tc.args, "-o", "json")...)
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.JSONEq(t, c.apiBytes(t, tc.path), r.stdout, "%v", tc.args)
	}
	r := c.run("list", "-o", "json")
	var keys []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &keys))
	withAPI := 0
	for _, k := range keys {
		if k["api_client_id"] != nil {
			withAPI++
		}
	}
	assert.Equal(t, 1, withAPI, "jq 'select(.api_client_id != null)' finds the keys with API access only")
}

// The API's warnings reach the user: on stderr, and in -o json.
func TestWarningsReachTheUser(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	seed(c)
	r := c.run("set-roles", "pk-api", "--role", "Admin")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stderr, "streamkap-keys: warning: Role changes take effect when the tokens already issued expire")
	r = c.run("update", "pk-api", "--role", "Data Admin", "-o", "json")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stderr, "warning: Role changes take effect")
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out))
	assert.Len(t, out["warnings"], 1)
	assert.NotNil(t, out["token_ttl_seconds"])

	specs := c.dir + "/keys.json"
	require.NoError(t, writeFile(specs, `[{"name":"ingest-bot","api":{"roles":["Read Only"]}}]`))
	r = c.run("apply", "-f", specs)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stderr, "warning: ingest-bot: Role changes take effect")
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }

// Text from the server or a spec file cannot drive the terminal: a key
// name carrying OSC 52 (which sets the clipboard) or a line break is
// escaped in every table and diagnostic; JSON stays JSON-escaped.
func TestTablesAreTerminalSafe(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	evil := "evil\x1b]52;c;ZXZpbA==\x07\nforged-row\u202e\u2028"
	key := c.srv.AddKey(streamkaptest.Key{Name: evil, API: true, Description: "d\x1b[2J"})
	specs := filepath.Join(c.dir, "keys.json")
	data, err := json.Marshal([]map[string]any{{"name": evil, "description": "x"}})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(specs, data, 0o600))
	for _, args := range [][]string{{"list"}, {"get", key.ID}, {"plan", "-f", specs}, {"apply", "-f", specs}, {"list", "-o", "json"}} {
		r := c.run(args...)
		for _, out := range []string{r.stdout, r.stderr} {
			assert.NotContains(t, out, "\x1b", "%v", args)
			assert.NotContains(t, out, "\x07", "%v", args)
			assert.NotContains(t, out, "\u202e", "%v", args)
			assert.NotContains(t, out, "\u2028", "%v", args)
			assert.NotContains(t, out, "\nforged-row", "%v: a name cannot start a row", args)
		}
	}
	r := c.run("list")
	assert.Contains(t, r.stdout, `evil\x1b]52;c;ZXZpbA==\a\nforged-row`, "shown escaped")
}
