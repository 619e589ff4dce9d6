package streamkaptest

// Tests of the server's rules, over raw HTTP so that they pin the wire
// shapes, not what the SDK makes of them.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
)

// raw is a bare HTTP client for the server.
type raw struct {
	t     *testing.T
	srv   *Server
	token string
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal(a.body, &v), "body: %s", a.body)
	return v
}

func (a answer) list(t *testing.T) []any {
	t.Helper()
	var v []any
	require.NoError(t, json.Unmarshal(a.body, &v), "body: %s", a.body)
	return v
}

func newRaw(t *testing.T, opts ...Option) *raw {
	t.Helper()
	r := &raw{t: t, srv: NewServer(t, opts...)}
	id, secret := r.srv.ClientCredentials()
	a := r.do(http.MethodPost, "/auth/access-token", `{"client_id":"`+id+`","secret":"`+secret.Reveal()+`"}`)
	require.Equal(t, 200, a.status, "%s", a.body)
	r.token = a.json(t)["accessToken"].(string)
	return r
}

func (r *raw) do(method, path, body string) answer {
	r.t.Helper()
	return r.doWith(method, path, body, r.token)
}

func (r *raw) doWith(method, path, body, token string) answer {
	r.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, r.srv.URL()+path, rd)
	require.NoError(r.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(r.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(r.t, err)
	assert.Regexp(r.t, `^req-\d+$`, resp.Header.Get("X-Request-Id"), "every response carries X-Request-Id")
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

func detail(t *testing.T, a answer) string {
	t.Helper()
	d, _ := a.json(t)["detail"].(string)
	return d
}

func TestTokenExchange(t *testing.T) {
	t.Parallel()
	r := newRaw(t, WithTokenTTL(90*time.Second))
	id, secret := r.srv.ClientCredentials()

	a := r.do(http.MethodPost, "/auth/access-token", `{"client_id":"`+id+`","secret":"`+secret.Reveal()+`"}`)
	require.Equal(t, 200, a.status)
	tok := a.json(t)
	assert.NotEmpty(t, tok["accessToken"])
	assert.NotEmpty(t, tok["refreshToken"])
	assert.EqualValues(t, 90, tok["expiresIn"])
	_, err := time.Parse(time.RFC3339, tok["expires"].(string))
	assert.NoError(t, err)

	a = r.do(http.MethodPost, "/auth/access-token", `{"client_id":"`+id+`","secret":"wrong"}`)
	assert.Equal(t, 401, a.status)
	assert.Equal(t, "Invalid client credentials", detail(t, a))

	a = r.do(http.MethodPost, "/auth/access-token", `{"client_id":"`+id+`"}`)
	assert.Equal(t, 422, a.status)
	a = r.do(http.MethodPost, "/auth/access-token", `not json`)
	assert.Equal(t, 422, a.status)
}

func TestTokenExchangeWithACredentialFile(t *testing.T) {
	t.Parallel()
	r := newRaw(t)
	a := r.do(http.MethodPost, "/project-keys", `{"name":"file-key","role_ids":["role-admin"]}`)
	require.Equal(t, 201, a.status, "%s", a.body)
	file := string(a.body)

	for name, projectKey := range map[string]string{"raw JSON": file, "base64": base64.StdEncoding.EncodeToString(a.body)} {
		body, _ := json.Marshal(map[string]string{"project_key": projectKey})
		got := r.doWith(http.MethodPost, "/auth/access-token", string(body), "")
		assert.Equal(t, 200, got.status, name)
		assert.NotEmpty(t, got.json(t)["accessToken"], name)
	}

	a = r.do(http.MethodPost, "/project-keys", `{"name":"kafka-only","kafka_config":{"username":"kao"}}`)
	require.Equal(t, 201, a.status, "%s", a.body)
	body, _ := json.Marshal(map[string]string{"project_key": string(a.body)})
	got := r.doWith(http.MethodPost, "/auth/access-token", string(body), "")
	assert.Equal(t, 400, got.status, "a Kafka-only key cannot be exchanged")
}

func TestBearerRules(t *testing.T) {
	t.Parallel()
	clock := NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	r := newRaw(t, WithClock(clock.Now), WithTokenTTL(time.Minute))

	assert.Equal(t, 200, r.do(http.MethodGet, "/project-keys", "").status)
	clock.Advance(59 * time.Second)
	assert.Equal(t, 200, r.do(http.MethodGet, "/project-keys", "").status)
	clock.Advance(2 * time.Second)
	a := r.do(http.MethodGet, "/project-keys", "")
	assert.Equal(t, 401, a.status)
	assert.Equal(t, "Token has expired", detail(t, a))

	a = r.doWith(http.MethodGet, "/project-keys", "", "unknown-token")
	assert.Equal(t, 401, a.status)
	assert.Equal(t, "Token has expired", detail(t, a))

	a = r.doWith(http.MethodGet, "/project-keys", "", "")
	assert.Equal(t, 401, a.status)
	assert.Equal(t, "Not authenticated", detail(t, a))

	r2 := newRaw(t)
	r2.srv.ExpireTokens()
	assert.Equal(t, 401, r2.do(http.MethodGet, "/auth/roles", "").status)
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	r := newRaw(t)
	id, secret := r.srv.ClientCredentials()
	tok := r.do(http.MethodPost, "/auth/access-token", `{"client_id":"`+id+`","secret":"`+secret.Reveal()+`"}`).json(t)
	refresh := tok["refreshToken"].(string)

	a := r.doWith(http.MethodPost, "/auth/access-token/refresh", `{"refresh_token":"`+refresh+`"}`, "")
	require.Equal(t, 200, a.status)
	fresh := a.json(t)["accessToken"].(string)
	assert.NotEqual(t, tok["accessToken"], fresh)
	assert.Equal(t, 200, r.doWith(http.MethodGet, "/project-keys", "", fresh).status)

	a = r.doWith(http.MethodPost, "/auth/access-token/refresh", `{"refresh_token":"`+refresh+`"}`, "")
	assert.Equal(t, 401, a.status, "a refresh token is used once")
}

func TestRoles(t *testing.T) {
	t.Parallel()
	r := newRaw(t)
	r.srv.AddRole(streamkap.Role{ID: "role-ops", Key: "Ops", Name: "Ops", Permissions: []string{"project_keys:write"}})
	roles := r.do(http.MethodGet, "/auth/roles", "").list(t)
	require.Len(t, roles, 4)
	admin := roles[0].(map[string]any)
	assert.Equal(t, "role-admin", admin["id"])
	assert.Equal(t, "Admin", admin["name"])
	assert.Nil(t, roles[2].(map[string]any)["description"], "a role's description may be null")
	assert.Equal(t, "role-ops", roles[3].(map[string]any)["id"])
}

func TestCreate(t *testing.T) {
	t.Parallel()
	r := newRaw(t)
	a := r.do(http.MethodPost, "/project-keys", `{"name":"both","description":"d","role_ids":["role-data-admin"],
		"kafka_config":{"username":"both-user","password":"a-password-of-20-chars","kafka_acls":[{"topic_name":"orders","operation":"READ","resource_pattern_type":"LITERAL"}]},
		"tool_profile":"read-only","allowed_tools":[],"blocked_tools":["x"]}`)
	require.Equal(t, 201, a.status, "%s", a.body)
	file := a.json(t)
	assert.Equal(t, "streamkap_project_key", file["type"])
	id := file["project_key_id"].(string)
	api := file["api"].(map[string]any)
	secret := api["client_secret"].(string)
	assert.NotEmpty(t, secret)
	assert.Equal(t, []any{"Data Admin"}, api["roles"])
	assert.Equal(t, r.srv.URL()+"/auth/access-token", api["token_endpoint"])
	kafka := file["kafka"].(map[string]any)
	assert.Equal(t, "a-password-of-20-chars", kafka["password"])
	assert.Equal(t, "SASL_SSL", kafka["security_protocol"])
	assert.Equal(t, []any{map[string]any{"name": "orders", "operation": "READ", "resource_pattern_type": "LITERAL", "resource": "TOPIC"}}, file["kafka_acls"])

	// Afterwards the secrets are masked everywhere.
	for _, path := range []string{"/project-keys", "/project-keys/" + id} {
		got := r.do(http.MethodGet, path, "")
		assert.NotContains(t, string(got.body), secret)
		assert.NotContains(t, string(got.body), "a-password-of-20-chars")
	}
	detailJSON := r.do(http.MethodGet, "/project-keys/"+id, "").json(t)
	assert.Equal(t, secret[:3]+"******"+secret[len(secret)-3:], detailJSON["api_client_id_masked_secret"])
	assert.Equal(t, []any{}, detailJSON["allowed_tools"])
	assert.Equal(t, "read-only", detailJSON["tool_profile"])

	// A generated Kafka password when none is given.
	a = r.do(http.MethodPost, "/project-keys", `{"name":"gen","kafka_config":{"username":"gen-user"}}`)
	require.Equal(t, 201, a.status)
	assert.Len(t, a.json(t)["kafka"].(map[string]any)["password"], 24)
	assert.Nil(t, a.json(t)["api"], "a Kafka-only key has no API section")
}

func TestCreateRules(t *testing.T) {
	t.Parallel()
	r := newRaw(t)
	cases := []struct {
		body   string
		status int
		check  func(t *testing.T, a answer)
	}{
		{`{"role_ids":["role-admin"]}`, 422, func(t *testing.T, a answer) {
			item := a.json(t)["detail"].([]any)[0].(map[string]any)
			assert.Equal(t, []any{"body", "name"}, item["loc"])
			assert.Equal(t, "missing", item["type"])
		}},
		{`{"name":"` + strings.Repeat("n", 101) + `","role_ids":["role-admin"]}`, 422, func(t *testing.T, a answer) {
			item := a.json(t)["detail"].([]any)[0].(map[string]any)
			assert.Equal(t, "string_too_long", item["type"])
			assert.Equal(t, "String should have at most 100 characters", item["msg"])
			assert.NotNil(t, item["input"], "like pydantic, the input is echoed")
		}},
		{`{"name":"x","role_ids":[]}`, 422, nil},
		{`{"name":"x","tool_profile":"god"}`, 422, nil},
		{`{"name":"x","kafka_config":{"username":"usr","password":"short"}}`, 422, nil},
		{`[1,2]`, 422, nil},
		{`{"name":"x","role_ids":["role-admin"],"permission_ids":["p"]}`, 400, func(t *testing.T, a answer) {
			assert.Equal(t, "role_ids and permission_ids are mutually exclusive", detail(t, a))
		}},
		{`{"name":"x"}`, 400, nil},
		{`{"name":"x","role_ids":["role-nope"]}`, 400, func(t *testing.T, a answer) {
			assert.Equal(t, "Unknown role ids: role-nope", detail(t, a))
		}},
	}
	for _, tc := range cases {
		a := r.do(http.MethodPost, "/project-keys", tc.body)
		assert.Equal(t, tc.status, a.status, "%s -> %s", tc.body, a.body)
		if tc.check != nil {
			tc.check(t, a)
		}
	}
	assert.Empty(t, r.srv.KeyIDs(), "nothing was created")
}

func TestUpdateTransitions(t *testing.T) {
	t.Parallel()
	r := newRaw(t, WithTokenTTL(15*time.Minute))
	apiOnly := r.srv.AddKey(Key{Name: "api", API: true, RoleIDs: []string{"role-read-only"}})
	kafkaOnly := r.srv.AddKey(Key{Name: "kafka", Kafka: true, KafkaUsername: "ko-user"})
	kafkaOnly2 := r.srv.AddKey(Key{Name: "kafka2", Kafka: true})

	// A role change on existing API credentials: the summary, no credentials,
	// the token TTL and a warning naming it, no detail fields.
	a := r.do(http.MethodPatch, "/project-keys/"+apiOnly.ID, `{"role_ids":["role-data-admin"]}`)
	require.Equal(t, 200, a.status, "%s", a.body)
	res := a.json(t)
	assert.Contains(t, res, "new_api_credentials")
	assert.Nil(t, res["new_api_credentials"])
	assert.Nil(t, res["new_kafka_credentials"])
	assert.EqualValues(t, 900, res["token_ttl_seconds"])
	assert.Equal(t, []any{"Role changes take effect when the tokens already issued expire, within 900 seconds"}, res["warnings"])
	assert.NotContains(t, res, "kafka_acls")
	assert.Equal(t, apiOnly.ID, res["id"])

	// role_ids on a Kafka-only key adds API access, with the secret once.
	a = r.do(http.MethodPatch, "/project-keys/"+kafkaOnly.ID, `{"role_ids":["role-admin"]}`)
	require.Equal(t, 200, a.status, "%s", a.body)
	creds := a.json(t)["new_api_credentials"].(map[string]any)
	secret := creds["client_secret"].(string)
	assert.NotEmpty(t, secret)
	assert.Equal(t, creds["client_id"], a.json(t)["api_client_id"])
	got := r.do(http.MethodGet, "/project-keys/"+kafkaOnly.ID, "")
	assert.NotContains(t, string(got.body), secret)
	tok := r.doWith(http.MethodPost, "/auth/access-token", `{"client_id":"`+creds["client_id"].(string)+`","secret":"`+secret+`"}`, "")
	assert.Equal(t, 200, tok.status, "the new credentials work")

	// permission_ids: only while the key has no API client.
	a = r.do(http.MethodPatch, "/project-keys/"+kafkaOnly.ID, `{"permission_ids":["project_keys:write"]}`)
	assert.Equal(t, 400, a.status)
	assert.Contains(t, detail(t, a), "use role_ids")
	a = r.do(http.MethodPatch, "/project-keys/"+kafkaOnly2.ID, `{"permission_ids":["project_keys:write"]}`)
	require.Equal(t, 200, a.status)
	assert.NotNil(t, a.json(t)["new_api_credentials"])

	// kafka_config on an API-only key adds Kafka access, with the password once.
	a = r.do(http.MethodPatch, "/project-keys/"+apiOnly.ID, `{"kafka_config":{"username":"api-user","password":"chosen-password-123","whitelist_ips":"10.0.0.0/8",
		"kafka_acls":[{"topic_name":"orders.","operation":"READ","resource_pattern_type":"PREFIXED"}],"is_create_schema_registry":true}}`)
	require.Equal(t, 200, a.status, "%s", a.body)
	kc := a.json(t)["new_kafka_credentials"].(map[string]any)
	assert.Equal(t, "chosen-password-123", kc["password"])
	assert.Equal(t, "api-user", kc["username"])
	assert.NotEmpty(t, kc["schema_registry_url"])
	detailJSON := r.do(http.MethodGet, "/project-keys/"+apiOnly.ID, "").json(t)
	assert.Equal(t, []any{map[string]any{"name": "orders.", "operation": "READ", "resource_pattern_type": "PREFIXED", "resource": "TOPIC"}}, detailJSON["kafka_acls"], "ACLs come back under name")
	assert.Equal(t, "10.0.0.0/8", detailJSON["whitelist_ips"])
	assert.NotEmpty(t, detailJSON["schema_proxy_endpoint"])

	// kafka_config again: the user exists.
	a = r.do(http.MethodPatch, "/project-keys/"+apiOnly.ID, `{"kafka_config":{"username":"again"}}`)
	assert.Equal(t, 400, a.status)
	assert.Contains(t, detail(t, a), "already exists")

	// Password rotation, ACLs (under either name), whitelist.
	a = r.do(http.MethodPatch, "/project-keys/"+apiOnly.ID, `{"kafka_password":"rotated-password-1","kafka_acls":[{"name":"audit","operation":"WRITE","resource_pattern_type":"LITERAL","resource":"GROUP"}],"whitelist_ips":""}`)
	require.Equal(t, 200, a.status, "%s", a.body)
	assert.Nil(t, a.json(t)["new_kafka_credentials"], "a rotation echoes no password")
	state, _ := r.srv.Key(apiOnly.ID)
	assert.Equal(t, "rotated-password-1", state.KafkaPassword.Reveal())
	assert.Equal(t, []streamkap.KafkaACL{{TopicName: "audit", Operation: "WRITE", ResourcePatternType: "LITERAL", Resource: "GROUP"}}, state.KafkaACLs)
	assert.Empty(t, state.WhitelistIPs)

	// Name, description and tool scoping, set and cleared.
	a = r.do(http.MethodPatch, "/project-keys/"+apiOnly.ID, `{"name":"renamed","description":"d","tool_profile":"infra-admin","allowed_tools":[],"blocked_tools":["drop"]}`)
	require.Equal(t, 200, a.status)
	state, _ = r.srv.Key(apiOnly.ID)
	assert.Equal(t, "renamed", state.Name)
	assert.Equal(t, "d", *state.Description)
	assert.Equal(t, streamkap.ToolProfileInfraAdmin, state.ToolProfile)
	assert.NotNil(t, state.AllowedTools)
	assert.Empty(t, state.AllowedTools)
	assert.Equal(t, []string{"drop"}, state.BlockedTools)
	a = r.do(http.MethodPatch, "/project-keys/"+apiOnly.ID, `{"description":null,"tool_profile":null,"allowed_tools":null,"blocked_tools":null}`)
	require.Equal(t, 200, a.status)
	state, _ = r.srv.Key(apiOnly.ID)
	assert.Nil(t, state.Description)
	assert.Empty(t, state.ToolProfile)
	assert.Nil(t, state.AllowedTools)
	assert.Nil(t, state.BlockedTools)
	assert.Equal(t, "renamed", state.Name, "fields left out are kept")
}

func TestUpdateRules(t *testing.T) {
	t.Parallel()
	r := newRaw(t)
	apiOnly := r.srv.AddKey(Key{API: true})
	kafkaOnly := r.srv.AddKey(Key{Kafka: true})
	cases := []struct {
		id, body string
		status   int
		detail   string
	}{
		{"pk-missing", `{"name":"x"}`, 404, "Project key not found"},
		{apiOnly.ID, `{"role_ids":["role-admin"],"permission_ids":["p"]}`, 400, "role_ids and permission_ids are mutually exclusive"},
		{apiOnly.ID, `{"kafka_password":"a-long-password"}`, 400, "The key has no Kafka user; use kafka_config to add Kafka access"},
		{apiOnly.ID, `{"kafka_acls":[]}`, 400, "The key has no Kafka user; use kafka_config to add Kafka access"},
		{apiOnly.ID, `{"whitelist_ips":"1.2.3.4"}`, 400, "The key has no Kafka user; use kafka_config to add Kafka access"},
		{apiOnly.ID, `{"role_ids":["role-x"]}`, 400, "Unknown role ids: role-x"},
		{kafkaOnly.ID, `{"kafka_password":"short"}`, 422, ""},
		{kafkaOnly.ID, `{"kafka_password":"` + strings.Repeat("p", 129) + `"}`, 422, ""},
		{kafkaOnly.ID, `{"name":""}`, 422, ""},
		{kafkaOnly.ID, `{"role_ids":[]}`, 422, ""},
		{kafkaOnly.ID, `{"tool_profile":"everything"}`, 422, ""},
		{kafkaOnly.ID, `{"allowed_tools":"all"}`, 422, ""},
		{kafkaOnly.ID, `{"kafka_acls":[{"operation":"READ"}]}`, 422, ""},
	}
	for _, tc := range cases {
		a := r.do(http.MethodPatch, "/project-keys/"+tc.id, tc.body)
		assert.Equal(t, tc.status, a.status, "%s -> %s", tc.body, a.body)
		if tc.detail != "" {
			assert.Equal(t, tc.detail, detail(t, a))
		}
	}
}

func TestKeyStates(t *testing.T) {
	t.Parallel()
	clock := NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	r := newRaw(t, WithClock(clock.Now), WithCreateDelay(10*time.Second), WithDeleteDelay(20*time.Second), WithTokenTTL(24*time.Hour))

	a := r.do(http.MethodPost, "/project-keys", `{"name":"slow","role_ids":["role-admin"]}`)
	require.Equal(t, 201, a.status)
	id := a.json(t)["project_key_id"].(string)
	assert.Equal(t, "creating", r.do(http.MethodGet, "/project-keys/"+id, "").json(t)["status"])
	a = r.do(http.MethodPatch, "/project-keys/"+id, `{"name":"x"}`)
	assert.Equal(t, 400, a.status)
	assert.Equal(t, "Project key is creating; it cannot be updated until it is active", detail(t, a))
	assert.Equal(t, 400, r.do(http.MethodDelete, "/project-keys/"+id, "").status)

	clock.Advance(10 * time.Second)
	assert.Equal(t, "active", r.do(http.MethodGet, "/project-keys/"+id, "").json(t)["status"])

	a = r.do(http.MethodDelete, "/project-keys/"+id, "")
	assert.Equal(t, 202, a.status)
	assert.Equal(t, "deleting", a.json(t)["status"])
	a = r.do(http.MethodPatch, "/project-keys/"+id, `{"name":"x"}`)
	assert.Equal(t, "Project key is deleting; it cannot be updated until it is active", detail(t, a))
	assert.Equal(t, 202, r.do(http.MethodDelete, "/project-keys/"+id, "").status, "deleting again is accepted")

	clock.Advance(20 * time.Second)
	assert.Equal(t, 404, r.do(http.MethodGet, "/project-keys/"+id, "").status)
	assert.Equal(t, 404, r.do(http.MethodDelete, "/project-keys/"+id, "").status)
	assert.Empty(t, r.do(http.MethodGet, "/project-keys", "").list(t))
}

func TestDeleteFailure(t *testing.T) {
	t.Parallel()
	r := newRaw(t, WithDeleteFailure())
	key := r.srv.AddKey(Key{API: true})
	assert.Equal(t, 202, r.do(http.MethodDelete, "/project-keys/"+key.ID, "").status)
	assert.Equal(t, "delete_failed", r.do(http.MethodGet, "/project-keys/"+key.ID, "").json(t)["status"])
	a := r.do(http.MethodPatch, "/project-keys/"+key.ID, `{"name":"x"}`)
	assert.Equal(t, "Project key is delete_failed; it cannot be updated until it is active", detail(t, a))
}

func TestSeededStates(t *testing.T) {
	t.Parallel()
	r := newRaw(t)
	for _, status := range []streamkap.ProjectKeyStatus{streamkap.StatusCreating, streamkap.StatusDeleting, streamkap.StatusDeleteFailed} {
		key := r.srv.AddKey(Key{API: true})
		require.True(t, r.srv.SetKeyStatus(key.ID, status))
		assert.Equal(t, 400, r.do(http.MethodPatch, "/project-keys/"+key.ID, `{"name":"x"}`).status, status)
	}
	assert.False(t, r.srv.SetKeyStatus("pk-none", streamkap.StatusActive))
	key := r.srv.AddKey(Key{API: true, Status: streamkap.StatusCreating})
	assert.Equal(t, "creating", r.do(http.MethodGet, "/project-keys/"+key.ID, "").json(t)["status"], "a seeded state holds")
	r.srv.SetKeyStatus(key.ID, streamkap.StatusActive)
	assert.Equal(t, 200, r.do(http.MethodPatch, "/project-keys/"+key.ID, `{"name":"x"}`).status)
	seeded := r.srv.AddKey(Key{ID: "pk-seeded", Status: streamkap.StatusDeleteFailed})
	assert.Equal(t, "delete_failed", r.do(http.MethodGet, "/project-keys/"+seeded.ID, "").json(t)["status"])
}

func TestMCPConfig(t *testing.T) {
	t.Parallel()
	r := newRaw(t)
	key := r.srv.AddKey(Key{Kafka: true, KafkaUsername: "mcp-user", ToolProfile: streamkap.ToolProfileAgentOperator, BlockedTools: []string{"delete_pipeline"}})
	a := r.do(http.MethodGet, "/project-keys/"+key.ID+"/mcp-config", "")
	require.Equal(t, 200, a.status)
	assert.Equal(t, map[string]any{
		"project_key_id": key.ID, "tenant_id": "tenant-1", "service_id": "svc-1", "kafka_username": "mcp-user",
		"tool_profile": "agent-operator", "allowed_tools": nil, "blocked_tools": []any{"delete_pipeline"},
	}, a.json(t))
	assert.Equal(t, 404, r.do(http.MethodGet, "/project-keys/pk-none/mcp-config", "").status)
}

func TestAKeysOwnCredentialsNeedTheWritePermission(t *testing.T) {
	t.Parallel()
	r := newRaw(t)
	reader := r.srv.AddKey(Key{API: true, RoleIDs: []string{"role-read-only"}})
	writer := r.srv.AddKey(Key{API: true, RoleIDs: []string{"role-data-admin"}})
	for key, wantWrite := range map[SeededKey]int{reader: 403, writer: 200} {
		tok := r.doWith(http.MethodPost, "/auth/access-token", `{"client_id":"`+key.ClientID+`","secret":"`+key.ClientSecret.Reveal()+`"}`, "").json(t)["accessToken"].(string)
		assert.Equal(t, 200, r.doWith(http.MethodGet, "/project-keys", "", tok).status)
		assert.Equal(t, wantWrite, r.doWith(http.MethodPatch, "/project-keys/"+key.ID, `{"name":"x"}`, tok).status)
	}
	assert.NotEmpty(t, r.do(http.MethodGet, "/project-keys/"+reader.ID, "").json(t)["last_used_at"], "exchanging a key's credentials marks it used")
}

func TestRouting(t *testing.T) {
	t.Parallel()
	r := newRaw(t)
	assert.Equal(t, 404, r.do(http.MethodGet, "/nope", "").status)
	assert.Equal(t, 405, r.do(http.MethodPut, "/project-keys", "").status)
	assert.Equal(t, 405, r.do(http.MethodGet, "/auth/access-token", "").status)
	// An escaped id is one segment: it never reaches another endpoint.
	key := r.srv.AddKey(Key{ID: "a/b", API: true})
	assert.Equal(t, 200, r.do(http.MethodGet, "/project-keys/a%2Fb", "").status)
	assert.Equal(t, 404, r.do(http.MethodGet, "/project-keys/a/b", "").status)
	assert.Equal(t, key.ID, "a/b")
}

func TestRecordedRequests(t *testing.T) {
	t.Parallel()
	r := newRaw(t)
	r.srv.ResetRequests()
	r.do(http.MethodPatch, "/project-keys/a%2Fb?x=1&y=2", `{"name":"n"}`)
	reqs := r.srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodPatch, reqs[0].Method)
	assert.Equal(t, "/project-keys/a%2Fb", reqs[0].Path)
	assert.Equal(t, "1", reqs[0].Query.Get("x"))
	assert.Empty(t, reqs[0].Header.Get("Authorization"), "the bearer is not recorded")
	assert.Equal(t, "application/json", reqs[0].Header.Get("Content-Type"))
	assert.JSONEq(t, `{"name":"n"}`, reqs[0].Body.Text())
	assert.Equal(t, []byte(`{"name":"n"}`), reqs[0].Body.Bytes())
	assert.Len(t, r.srv.RequestsTo(http.MethodPatch, "/project-keys/a%2Fb"), 1)
	assert.Empty(t, r.srv.RequestsTo(http.MethodGet, "/project-keys/a%2Fb"))
}

func TestFaults(t *testing.T) {
	t.Parallel()
	r := newRaw(t)
	key := r.srv.AddKey(Key{API: true})
	path := "/project-keys/" + key.ID

	r.srv.InjectFault(http.MethodPatch, path, 2, RateLimited("7"))
	for range 2 {
		a := r.do(http.MethodPatch, path, `{"name":"limited"}`)
		assert.Equal(t, 429, a.status)
		assert.Equal(t, "7", a.header.Get("Retry-After"))
	}
	a := r.do(http.MethodPatch, path, `{"name":"third"}`)
	assert.Equal(t, 200, a.status, "a fault applies to the next N requests only")
	state, _ := r.srv.Key(key.ID)
	assert.Equal(t, "third", state.Name, "a status fault applies nothing")

	r.srv.InjectFault("*", "/project-keys/*", 1, GatewayHTML(502))
	a = r.do(http.MethodGet, path, "")
	assert.Equal(t, 502, a.status)
	assert.Equal(t, "text/html", a.header.Get("Content-Type"))
	assert.Contains(t, string(a.body), "<title>502 Bad Gateway</title>")

	r.srv.InjectFault(http.MethodGet, path, 1, Unavailable())
	assert.Equal(t, 503, r.do(http.MethodGet, path, "").status)
	r.srv.InjectFault(http.MethodGet, path, 1, Status(418, "tea", http.Header{"X-Custom": {"1"}}))
	a = r.do(http.MethodGet, path, "")
	assert.Equal(t, 418, a.status)
	assert.Equal(t, "1", a.header.Get("X-Custom"))

	r.srv.InjectFault(http.MethodGet, path, 1, MalformedJSON())
	a = r.do(http.MethodGet, path, "")
	assert.Equal(t, 200, a.status)
	assert.False(t, json.Valid(a.body))
	assert.True(t, bytes.HasPrefix(a.body, []byte(`{"id":`)))

	r.srv.InjectFault(http.MethodGet, path, 1, EmptyBody())
	a = r.do(http.MethodGet, path, "")
	assert.Equal(t, 200, a.status)
	assert.Empty(t, a.body)

	r.srv.InjectFault(http.MethodGet, path, 1, OversizedBody(1<<20))
	a = r.do(http.MethodGet, path, "")
	assert.Greater(t, len(a.body), 1<<20)
	assert.True(t, json.Valid(a.body))

	r.srv.InjectFault(http.MethodGet, path, 1, Trickle(time.Millisecond))
	start := time.Now()
	a = r.do(http.MethodGet, path, "")
	assert.True(t, json.Valid(a.body))
	assert.Greater(t, time.Since(start), time.Duration(len(a.body))*time.Millisecond)

	r.srv.InjectFault(http.MethodGet, path, 1, Delay(50*time.Millisecond))
	start = time.Now()
	assert.Equal(t, 200, r.do(http.MethodGet, path, "").status)
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
}

func TestDropFaults(t *testing.T) {
	t.Parallel()
	r := newRaw(t)
	key := r.srv.AddKey(Key{API: true})
	path := "/project-keys/" + key.ID
	send := func(body string) error {
		req, _ := http.NewRequest(http.MethodPatch, r.srv.URL()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+r.token)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}

	r.srv.InjectFault(http.MethodPatch, path, 1, DropBeforeApply())
	require.Error(t, send(`{"name":"before"}`))
	state, _ := r.srv.Key(key.ID)
	assert.NotEqual(t, "before", state.Name, "dropped before: nothing applied")

	r.srv.InjectFault(http.MethodPatch, path, 1, DropAfterApply())
	require.Error(t, send(`{"kafka_config":{"username":"dropped"}}`))
	state, _ = r.srv.Key(key.ID)
	assert.Equal(t, "dropped", state.KafkaUsername, "dropped after: the change is applied")
	assert.NotEmpty(t, state.KafkaPassword.Reveal())
}

func TestNewClientTakesTheCallersCredentials(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	seeded := srv.AddKey(Key{Name: "bot", API: true})
	state, _ := srv.Key(seeded.ID)
	file := &streamkap.CredentialFile{ProjectKeyID: seeded.ID, Type: streamkap.CredentialFileType,
		API: &streamkap.APICredentials{ClientID: state.ClientID, ClientSecret: state.ClientSecret}}
	data, err := file.RevealJSON()
	require.NoError(t, err)
	c, err := srv.NewClient(streamkap.WithCredentialFileData(data))
	require.NoError(t, err, "a credential option replaces the server's own")
	_, err = c.ProjectKeys.List(context.Background(), nil)
	require.NoError(t, err)
	exchanges := srv.RequestsTo("POST", "/auth/access-token")
	require.NotEmpty(t, exchanges)
	assert.Contains(t, string(exchanges[len(exchanges)-1].Body), state.ClientID, "as the seeded key")
}

// brokenBroker is a KafkaBroker whose every change fails.
type brokenBroker struct{ syncs, deletes int }

func (b *brokenBroker) Endpoint() KafkaEndpoint {
	return KafkaEndpoint{BootstrapServers: "broker.test:9093", SecurityProtocol: "SASL_SSL", SASLMechanism: "SCRAM-SHA-512"}
}
func (b *brokenBroker) SyncUser(KafkaUser) error { b.syncs++; return errors.New("broker down") }
func (b *brokenBroker) DeleteUser(string) error  { b.deletes++; return errors.New("broker down") }

// A broker that refuses a change makes the API answer 500, and credential
// files point at the broker.
func TestAKafkaBrokerThatFailsMakesTheAPIAnswer500(t *testing.T) {
	t.Parallel()
	b := &brokenBroker{}
	r := newRaw(t, WithKafkaBroker(b))
	a := r.do(http.MethodPost, "/project-keys", `{"name":"k","kafka_config":{"username":"kuser"}}`)
	assert.Equal(t, http.StatusInternalServerError, a.status, "%s", a.body)
	assert.Equal(t, 1, b.syncs, "the broker was asked before the answer")

	ok := NewServer(t, WithKafkaBroker(&okBroker{}))
	file, err := ok.Client().ProjectKeys.Create(context.Background(), streamkap.CreateProjectKeyParams{Name: "k",
		KafkaConfig: &streamkap.KafkaConfig{Username: "kuser"}})
	require.NoError(t, err)
	assert.Equal(t, "broker.test:9093", file.Kafka.BootstrapServers)
	assert.Equal(t, "SCRAM-SHA-512", file.Kafka.SASLMechanism)
}

type okBroker struct{ brokenBroker }

func (okBroker) SyncUser(KafkaUser) error { return nil }
func (okBroker) DeleteUser(string) error  { return nil }
