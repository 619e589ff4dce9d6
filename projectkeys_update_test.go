package streamkap

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUpdateSendsExactlyTheFieldsSet(t *testing.T) {
	t.Parallel()
	acl := KafkaACL{TopicName: "orders.", Operation: OperationRead, ResourcePatternType: PatternPrefixed, Resource: ResourceTopic}
	cases := []struct {
		name   string
		params UpdateProjectKeyParams
		want   string
	}{
		{"name", UpdateProjectKeyParams{Name: Value("ingest-bot")}, `{"name":"ingest-bot"}`},
		{"name with characters JSON must escape",
			UpdateProjectKeyParams{Name: Value("a \"quoted\" <b>&\\ \n é 🚀")},
			`{"name":"a \"quoted\" <b>&\\ \n é 🚀"}`},
		{"description", UpdateProjectKeyParams{Description: NullableValue("nightly loads")}, `{"description":"nightly loads"}`},
		{"description null", UpdateProjectKeyParams{Description: Null[string]()}, `{"description":null}`},
		{"description empty string", UpdateProjectKeyParams{Description: NullableValue("")}, `{"description":""}`},
		{"role_ids", UpdateProjectKeyParams{RoleIDs: Value([]string{"role-1", "role-2"})}, `{"role_ids":["role-1","role-2"]}`},
		{"permission_ids", UpdateProjectKeyParams{PermissionIDs: Value([]string{"perm-1"})}, `{"permission_ids":["perm-1"]}`},
		{"kafka_acls", UpdateProjectKeyParams{KafkaACLs: Value([]KafkaACL{acl, {TopicName: "audit", Operation: OperationWrite, ResourcePatternType: PatternLiteral}})},
			`{"kafka_acls":[{"topic_name":"orders.","operation":"READ","resource_pattern_type":"PREFIXED","resource":"TOPIC"},
			               {"topic_name":"audit","operation":"WRITE","resource_pattern_type":"LITERAL"}]}`},
		{"kafka_acls empty list", UpdateProjectKeyParams{KafkaACLs: Value([]KafkaACL{})}, `{"kafka_acls":[]}`},
		{"kafka_acls nil slice is still sent", UpdateProjectKeyParams{KafkaACLs: Value([]KafkaACL(nil))}, `{"kafka_acls":[]}`},
		{"whitelist_ips", UpdateProjectKeyParams{WhitelistIPs: Value("10.0.0.0/8,192.168.1.7")}, `{"whitelist_ips":"10.0.0.0/8,192.168.1.7"}`},
		{"whitelist_ips empty allows any IP", UpdateProjectKeyParams{WhitelistIPs: Value("")}, `{"whitelist_ips":""}`},
		{"kafka_config full", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{
			Username: "ingest-bot", Password: NewSecret(plantedKafkaPass), WhitelistIPs: "10.0.0.1",
			KafkaACLs: []KafkaACL{acl}, CreateSchemaRegistry: true,
		})}, `{"kafka_config":{"username":"ingest-bot","password":"` + plantedKafkaPass + `","whitelist_ips":"10.0.0.1",
			"kafka_acls":[{"topic_name":"orders.","operation":"READ","resource_pattern_type":"PREFIXED","resource":"TOPIC"}],
			"is_create_schema_registry":true}}`},
		// A Kafka password is always the caller's: none given, one is generated.
		{"kafka_config minimal", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{Username: "bot"})}, `{"kafka_config":{"username":"bot","password":"<generated>"}}`},
		{"kafka_config with empty ACL list", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{Username: "bot", KafkaACLs: []KafkaACL{}})},
			`{"kafka_config":{"username":"bot","password":"<generated>","kafka_acls":[]}}`},
		{"kafka_password", UpdateProjectKeyParams{KafkaPassword: Value(NewSecret(plantedKafkaPass))}, `{"kafka_password":"` + plantedKafkaPass + `"}`},
		{"tool_profile", UpdateProjectKeyParams{ToolProfile: NullableValue(ToolProfileReadOnly)}, `{"tool_profile":"read-only"}`},
		{"tool_profile null", UpdateProjectKeyParams{ToolProfile: Null[ToolProfile]()}, `{"tool_profile":null}`},
		{"allowed_tools", UpdateProjectKeyParams{AllowedTools: NullableValue([]string{"list_pipelines", "get_pipeline"})}, `{"allowed_tools":["list_pipelines","get_pipeline"]}`},
		{"allowed_tools empty list", UpdateProjectKeyParams{AllowedTools: NullableValue([]string{})}, `{"allowed_tools":[]}`},
		{"allowed_tools nil slice is an empty list", UpdateProjectKeyParams{AllowedTools: NullableValue([]string(nil))}, `{"allowed_tools":[]}`},
		{"allowed_tools null", UpdateProjectKeyParams{AllowedTools: Null[[]string]()}, `{"allowed_tools":null}`},
		{"blocked_tools", UpdateProjectKeyParams{BlockedTools: NullableValue([]string{"delete_pipeline"})}, `{"blocked_tools":["delete_pipeline"]}`},
		{"blocked_tools null", UpdateProjectKeyParams{BlockedTools: Null[[]string]()}, `{"blocked_tools":null}`},
		{"combination", UpdateProjectKeyParams{
			Name: Value("renamed"), Description: Null[string](), RoleIDs: Value([]string{"role-1"}),
			ToolProfile: NullableValue(ToolProfileAgentOperator), AllowedTools: NullableValue([]string{}), BlockedTools: Null[[]string](),
		}, `{"name":"renamed","description":null,"role_ids":["role-1"],"tool_profile":"agent-operator","allowed_tools":[],"blocked_tools":null}`},
		{"every field", UpdateProjectKeyParams{
			Name: Value("n"), Description: NullableValue("d"), PermissionIDs: Value([]string{"p"}),
			KafkaACLs: Value([]KafkaACL{acl}), WhitelistIPs: Value("1.2.3.4"), KafkaPassword: Value(NewSecret(plantedKafkaPass)),
			ToolProfile: NullableValue(ToolProfileFull), AllowedTools: NullableValue([]string{"a"}), BlockedTools: NullableValue([]string{"b"}),
		}, `{"name":"n","description":"d","permission_ids":["p"],
			"kafka_acls":[{"topic_name":"orders.","operation":"READ","resource_pattern_type":"PREFIXED","resource":"TOPIC"}],
			"whitelist_ips":"1.2.3.4","kafka_password":"` + plantedKafkaPass + `","tool_profile":"full","allowed_tools":["a"],"blocked_tools":["b"]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(http.MethodPatch, "/project-keys/pk-1", patchAnswer("pk-1"))

			res, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", tc.params)
			require.NoError(t, err)

			sent := h.sent(http.MethodPatch, "/project-keys/pk-1")
			require.Len(t, sent, 1)
			body := sent[0].Body
			if strings.Contains(tc.want, "<generated>") {
				var wire struct {
					KafkaConfig struct {
						Password string `json:"password"`
					} `json:"kafka_config"`
				}
				require.NoError(t, jsonUnmarshal(body, &wire))
				generated := wire.KafkaConfig.Password
				assert.Len(t, generated, 32)
				require.NotNil(t, res.NewKafkaCredentials)
				assert.Equal(t, generated, res.NewKafkaCredentials.Password.Reveal(), "the result holds the password that was sent")
				body = strings.Replace(body, generated, "<generated>", 1)
			}
			assert.JSONEq(t, tc.want, body)
			if !strings.Contains(tc.want, "<generated>") {
				// The params' own encoding is the same body, secrets redacted.
				view, err := json.Marshal(tc.params)
				require.NoError(t, err)
				assert.JSONEq(t, strings.ReplaceAll(body, plantedKafkaPass, "[REDACTED]"), string(view))
			}
			assert.Equal(t, "application/json", sent[0].Header.Get("Content-Type"))
			assert.Equal(t, "application/json", sent[0].Header.Get("Accept"))
			assert.Equal(t, "Bearer "+plantedTokenPrefix+"1", sent[0].Header.Get("Authorization"))
			assert.True(t, strings.HasPrefix(sent[0].Header.Get("User-Agent"), "streamkap-go/"+Version+" "))
		})
	}
}

func TestUpdateEscapesTheKeyIDAsOnePathSegment(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"pk-1":     "/project-keys/pk-1",
		"x?y=1#z":  "/project-keys/x%3Fy=1%23z",
		"...":      "/project-keys/...",
		"100%":     "/project-keys/100%25",
		"a b":      "/project-keys/a%20b",
		"clé-ключ": "/project-keys/cl%C3%A9-%D0%BA%D0%BB%D1%8E%D1%87",
	}
	for id, wantPath := range cases {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(http.MethodPatch, wantPath, jsonResponder(200, keyJSON(id)))
			res, err := h.c.ProjectKeys.Update(context.Background(), id, UpdateProjectKeyParams{Name: Value("n")})
			require.NoError(t, err)
			assert.Equal(t, id, res.ID)
			sent := h.sent(http.MethodPatch, wantPath)
			require.Len(t, sent, 1)
			assert.Empty(t, sent[0].Query)
		})
	}
}

func TestUpdateDecodesTheResult(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, `{
		"id": "pk-1", "name": "ingest-bot", "service_id": "svc-9", "status": "rotating-keys",
		"description": null, "created_at": "2026-05-01T12:00:00.123456",
		"created_by_user": {"id": "u1", "email": "ops@example.com", "name": "Ops", "tenant_id": "t1"},
		"api_client_id": "cid-9", "api_client_id_masked_secret": "abc******xyz",
		"kafka_username": "ingest-bot",
		"roles": [{"id": "role-1", "key": "DataAdmin", "name": "Data Admin", "description": null, "permissions": ["project_keys:write"]}],
		"last_used_at": "2026-05-02T08:30:00Z",
		"tool_profile": "future-profile", "allowed_tools": [], "blocked_tools": null,
		"new_api_credentials": {"client_id": "cid-9", "client_secret": "`+plantedNewAPISecret+`",
			"token_endpoint": "https://api.test/auth/access-token", "api_url": "https://api.test", "roles": ["Data Admin"]},
		"new_kafka_credentials": {"username": "ingest-bot", "password": "`+plantedKafkaPass+`",
			"bootstrap_servers": "kafka.test:32400", "security_protocol": "SASL_SSL", "sasl_mechanism": "PLAIN",
			"schema_registry_url": "https://schema.test"},
		"warnings": ["Role changes take effect when current tokens expire (within 3600 seconds)"],
		"token_ttl_seconds": 3600,
		"some_future_field": {"nested": true}
	}`, "X-Request-Id", "req-42"))

	res, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{RoleIDs: Value([]string{"role-1"})})
	require.NoError(t, err)

	assert.Equal(t, "pk-1", res.ID)
	assert.Equal(t, ProjectKeyStatus("rotating-keys"), res.Status, "unknown states are kept")
	assert.Equal(t, ToolProfile("future-profile"), res.ToolProfile, "unknown profiles are kept")
	assert.False(t, res.ToolProfile.IsKnown())
	assert.Empty(t, res.Description)
	assert.Equal(t, time.Date(2026, 5, 1, 12, 0, 0, 123456000, time.UTC), res.CreatedAt.Time, "Python's naive isoformat is read as UTC")
	assert.Equal(t, time.Date(2026, 5, 2, 8, 30, 0, 0, time.UTC), res.LastUsedAt.Time)
	require.NotNil(t, res.CreatedBy)
	assert.Equal(t, "ops@example.com", res.CreatedBy.Email)
	require.Len(t, res.Roles, 1)
	assert.Equal(t, Role{ID: "role-1", Key: "DataAdmin", Name: "Data Admin", Permissions: []string{"project_keys:write"}}, res.Roles[0])
	assert.True(t, res.HasAPIAccess())
	assert.True(t, res.HasKafkaAccess())
	assert.NotNil(t, res.AllowedTools, "[] stays an empty list")
	assert.Empty(t, res.AllowedTools)
	assert.Nil(t, res.BlockedTools, "null stays nil")

	require.NotNil(t, res.NewAPICredentials)
	assert.Equal(t, "cid-9", res.NewAPICredentials.ClientID)
	assert.Equal(t, plantedNewAPISecret, res.NewAPICredentials.ClientSecret.Reveal())
	assert.Equal(t, []string{"Data Admin"}, res.NewAPICredentials.Roles)
	require.NotNil(t, res.NewKafkaCredentials)
	assert.Equal(t, plantedKafkaPass, res.NewKafkaCredentials.Password.Reveal())
	assert.Equal(t, KafkaCredentials{
		Username: "ingest-bot", Password: res.NewKafkaCredentials.Password, BootstrapServers: "kafka.test:32400",
		SecurityProtocol: "SASL_SSL", SASLMechanism: "PLAIN", SchemaRegistryURL: "https://schema.test",
	}, *res.NewKafkaCredentials)
}

func TestUpdateResultOnAnOrdinaryUpdate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")))
	res, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{Name: Value("k")})
	require.NoError(t, err)
	assert.Nil(t, res.NewAPICredentials)
	assert.Nil(t, res.NewKafkaCredentials)
}

func TestUpdateSkipsAFieldOfAnUnexpectedTypeAndKeepsTheSecret(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, `{"id":"pk-1","name":{"unexpected":1},
		"roles":"not-a-list","token_ttl_seconds":"soon",
		"new_kafka_credentials":{"username":"usr","password":"`+plantedKafkaPass+`"}}`))
	res, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{Username: "usr", Password: NewSecret(plantedKafkaPass)})})
	require.NoError(t, err)
	assert.Equal(t, "pk-1", res.ID)
	require.NotNil(t, res.NewKafkaCredentials)
	assert.Equal(t, plantedKafkaPass, res.NewKafkaCredentials.Password.Reveal())
}

func TestKafkaACLDecodesNameOrTopicName(t *testing.T) {
	t.Parallel()
	var acls []KafkaACL
	require.NoError(t, jsonUnmarshal(`[
		{"name":"orders","operation":"READ","resource_pattern_type":"LITERAL","resource":"TOPIC"},
		{"topic_name":"audit.","operation":"WRITE","resource_pattern_type":"PREFIXED"},
		{"name":"ignored","topic_name":"preferred","operation":"ALL","resource_pattern_type":"LITERAL","resource":"GROUP"}
	]`, &acls))
	assert.Equal(t, []KafkaACL{
		{TopicName: "orders", Operation: OperationRead, ResourcePatternType: PatternLiteral, Resource: ResourceTopic},
		{TopicName: "audit.", Operation: OperationWrite, ResourcePatternType: PatternPrefixed},
		{TopicName: "preferred", Operation: OperationAll, ResourcePatternType: PatternLiteral, Resource: ResourceGroup},
	}, acls)
}

func TestUpdateValidatesBeforeSending(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 101)
	cases := []struct {
		name   string
		id     string
		params UpdateProjectKeyParams
		want   []FieldError // Loc and Type are compared
	}{
		{"empty key id", "", UpdateProjectKeyParams{Name: Value("n")},
			[]FieldError{{Loc: []string{"path", "project_key_id"}, Type: "missing"}}},
		{"no field set", "pk-1", UpdateProjectKeyParams{},
			[]FieldError{{Loc: []string{"body"}, Type: "missing"}}},
		{"empty name", "pk-1", UpdateProjectKeyParams{Name: Value("")},
			[]FieldError{{Loc: []string{"body", "name"}, Type: "string_too_short"}}},
		{"name over 100 characters", "pk-1", UpdateProjectKeyParams{Name: Value(long)},
			[]FieldError{{Loc: []string{"body", "name"}, Type: "string_too_long"}}},
		{"role_ids and permission_ids together", "pk-1", UpdateProjectKeyParams{RoleIDs: Value([]string{"r"}), PermissionIDs: Value([]string{"p"})},
			[]FieldError{{Loc: []string{"body", "permission_ids"}, Type: "mutually_exclusive"}}},
		{"empty role_ids", "pk-1", UpdateProjectKeyParams{RoleIDs: Value([]string{})},
			[]FieldError{{Loc: []string{"body", "role_ids"}, Type: "too_short"}}},
		{"empty permission_ids", "pk-1", UpdateProjectKeyParams{PermissionIDs: Value([]string(nil))},
			[]FieldError{{Loc: []string{"body", "permission_ids"}, Type: "too_short"}}},
		{"empty role id", "pk-1", UpdateProjectKeyParams{RoleIDs: Value([]string{"r", ""})},
			[]FieldError{{Loc: []string{"body", "role_ids", "1"}, Type: "string_too_short"}}},
		{"kafka_password too short", "pk-1", UpdateProjectKeyParams{KafkaPassword: Value(NewSecret("short-pw"))},
			[]FieldError{{Loc: []string{"body", "kafka_password"}, Type: "string_too_short"}}},
		{"kafka_password too long", "pk-1", UpdateProjectKeyParams{KafkaPassword: Value(NewSecret(strings.Repeat("p", 129)))},
			[]FieldError{{Loc: []string{"body", "kafka_password"}, Type: "string_too_long"}}},
		{"kafka_config with kafka_password", "pk-1", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{Username: "usr"}), KafkaPassword: Value(NewSecret(plantedKafkaPass))},
			[]FieldError{{Loc: []string{"body", "kafka_password"}, Type: "mutually_exclusive"}}},
		{"unknown tool profile", "pk-1", UpdateProjectKeyParams{ToolProfile: NullableValue(ToolProfile("god-mode"))},
			[]FieldError{{Loc: []string{"body", "tool_profile"}, Type: "enum"}}},
		{"empty tool name", "pk-1", UpdateProjectKeyParams{AllowedTools: NullableValue([]string{"a", ""}), BlockedTools: NullableValue([]string{""})},
			[]FieldError{{Loc: []string{"body", "allowed_tools", "1"}, Type: "string_too_short"}, {Loc: []string{"body", "blocked_tools", "0"}, Type: "string_too_short"}}},
		{"ACL without name or operation", "pk-1", UpdateProjectKeyParams{KafkaACLs: Value([]KafkaACL{{ResourcePatternType: PatternLiteral}})},
			[]FieldError{{Loc: []string{"body", "kafka_acls", "0", "topic_name"}, Type: "missing"}, {Loc: []string{"body", "kafka_acls", "0", "operation"}, Type: "missing"}}},
		{"ACL without pattern type", "pk-1", UpdateProjectKeyParams{KafkaACLs: Value([]KafkaACL{{TopicName: "t", Operation: OperationRead}})},
			[]FieldError{{Loc: []string{"body", "kafka_acls", "0", "resource_pattern_type"}, Type: "missing"}}},
		{"ACL in kafka_config", "pk-1", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{Username: "usr", KafkaACLs: []KafkaACL{{TopicName: "t", ResourcePatternType: PatternLiteral}}})},
			[]FieldError{{Loc: []string{"body", "kafka_config", "kafka_acls", "0", "operation"}, Type: "missing"}}},
		{"kafka_config without username", "pk-1", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{})},
			[]FieldError{{Loc: []string{"body", "kafka_config", "username"}, Type: "string_pattern_mismatch"}}},
		{"kafka_config username with capitals", "pk-1", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{Username: "Ingest"})},
			[]FieldError{{Loc: []string{"body", "kafka_config", "username"}, Type: "string_pattern_mismatch"}}},
		{"kafka_config username too long", "pk-1", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{Username: strings.Repeat("a", 25)})},
			[]FieldError{{Loc: []string{"body", "kafka_config", "username"}, Type: "string_pattern_mismatch"}}},
		{"kafka_config password too short", "pk-1", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{Username: "usr", Password: NewSecret("short")})},
			[]FieldError{{Loc: []string{"body", "kafka_config", "password"}, Type: "string_too_short"}}},
		{"kafka_config password too long", "pk-1", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{Username: "usr", Password: NewSecret(strings.Repeat("p", 129))})},
			[]FieldError{{Loc: []string{"body", "kafka_config", "password"}, Type: "string_too_long"}}},
		{"key id with a slash", "pk-1/", UpdateProjectKeyParams{Name: Value("n")},
			[]FieldError{{Loc: []string{"path", "project_key_id"}, Type: "invalid_id"}}},
		{"key id naming another endpoint", "pk-1/mcp-config", UpdateProjectKeyParams{Name: Value("n")},
			[]FieldError{{Loc: []string{"path", "project_key_id"}, Type: "invalid_id"}}},
		{"key id with a backslash", `pk\1`, UpdateProjectKeyParams{Name: Value("n")},
			[]FieldError{{Loc: []string{"path", "project_key_id"}, Type: "invalid_id"}}},
		{"key id dot-dot", "..", UpdateProjectKeyParams{Name: Value("n")},
			[]FieldError{{Loc: []string{"path", "project_key_id"}, Type: "invalid_id"}}},
		{"key id with a line break", "pk-1\r\n", UpdateProjectKeyParams{Name: Value("n")},
			[]FieldError{{Loc: []string{"path", "project_key_id"}, Type: "invalid_id"}}},
		{"every problem at once", "", UpdateProjectKeyParams{Name: Value(""), RoleIDs: Value([]string{}), PermissionIDs: Value([]string{"p"}), ToolProfile: NullableValue(ToolProfile("x"))},
			[]FieldError{
				{Loc: []string{"path", "project_key_id"}, Type: "missing"},
				{Loc: []string{"body", "name"}, Type: "string_too_short"},
				{Loc: []string{"body", "permission_ids"}, Type: "mutually_exclusive"},
				{Loc: []string{"body", "role_ids"}, Type: "too_short"},
				{Loc: []string{"body", "tool_profile"}, Type: "enum"},
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			res, err := h.c.ProjectKeys.Update(context.Background(), tc.id, tc.params)
			assert.Nil(t, res)
			require.ErrorIs(t, err, ErrValidation)
			var verr *ValidationError
			require.ErrorAs(t, err, &verr)
			assert.Equal(t, "ProjectKeys.Update", verr.Operation)
			got := make([]FieldError, len(verr.Fields))
			for i, f := range verr.Fields {
				assert.NotEmpty(t, f.Msg)
				got[i] = FieldError{Loc: f.Loc, Type: f.Type}
			}
			assert.Equal(t, tc.want, got)
			assert.Contains(t, err.Error(), "nothing was sent")
			assert.NotContains(t, err.Error(), plantedKafkaPass)
			assert.Empty(t, h.all(), "nothing may be sent, not even a token exchange")
		})
	}
}

func TestUpdateAcceptsTheBoundaries(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")))
	for _, p := range []UpdateProjectKeyParams{
		{Name: Value(strings.Repeat("é", 100))},
		{Name: Value("x")},
		{KafkaPassword: Value(NewSecret(strings.Repeat("p", 12)))},
		{KafkaPassword: Value(NewSecret(strings.Repeat("p", 128)))},
		{AllowedTools: NullableValue([]string{}), BlockedTools: NullableValue([]string{})},
	} {
		_, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", p)
		require.NoError(t, err)
	}
	assert.Len(t, h.sent(http.MethodPatch, "/project-keys/pk-1"), 5)
}

func TestFieldErrorField(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "kafka_config.password", FieldError{Loc: []string{"body", "kafka_config", "password"}}.Field())
	assert.Equal(t, "project_key_id", FieldError{Loc: []string{"path", "project_key_id"}}.Field())
	assert.Equal(t, "body", FieldError{Loc: []string{"body"}}.Field())
	assert.Equal(t, "name: too long", FieldError{Loc: []string{"body", "name"}, Msg: "too long"}.String())
	assert.Equal(t, "bad", FieldError{Msg: "bad"}.String())
}

func TestOptionalAndNullable(t *testing.T) {
	t.Parallel()
	var o Optional[int]
	assert.False(t, o.IsSet())
	v, ok := Value(3).Get()
	assert.Equal(t, 3, v)
	assert.True(t, ok)

	var n Nullable[string]
	assert.False(t, n.IsSet())
	assert.False(t, n.IsNull())
	assert.True(t, Null[string]().IsSet())
	assert.True(t, Null[string]().IsNull())
	_, ok = Null[string]().Get()
	assert.False(t, ok)
	s, ok := NullableValue("x").Get()
	assert.Equal(t, "x", s)
	assert.True(t, ok)
	assert.False(t, NullableValue("x").IsNull())
}

func jsonUnmarshal(s string, v any) error {
	c := &Client{}
	err := c.decodeJSON([]byte(s), v)
	if err != nil && !errors.Is(err, ErrMalformedResponse) {
		return err
	}
	return err
}

func TestKafkaUsernameRule(t *testing.T) {
	t.Parallel()
	for name, ok := range map[string]bool{"abc": true, "a-1": true, "ab": false, "-ab": false, "ab-": false, "Abc": false,
		"a_b": false, strings.Repeat("a", 24): true, strings.Repeat("a", 25): false} {
		params := CreateProjectKeyParams{Name: "k", KafkaConfig: &KafkaConfig{Username: name}}
		err := params.Validate()
		if ok {
			assert.NoError(t, err, name)
		} else {
			assert.ErrorIs(t, err, ErrValidation, name)
		}
	}
}

func TestUpdateResultWarningsAndTokenTTL(t *testing.T) {
	t.Parallel()
	for body, want := range map[string][]string{
		`{"id":"pk-1","warnings":["Role changes take effect within 1 hour"],"token_ttl_seconds":3600}`: {"Role changes take effect within 1 hour"},
		`{"id":"pk-1","warnings":null}`: {},
		`{"id":"pk-1"}`:                 {},
		`{"id":"pk-1","warnings":["leaked ` + plantedKafkaPass + `","bell\u0007"]}`: {"leaked [REDACTED]", `bell\a`},
	} {
		h := newHarness(t)
		h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, body))
		res, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{KafkaPassword: Value(NewSecret(plantedKafkaPass))})
		require.NoError(t, err, body)
		require.NotNil(t, res.Warnings, body)
		assert.Equal(t, want, res.Warnings, body)
		if strings.Contains(body, "3600") {
			assert.Equal(t, time.Hour, res.TokenTTL)
			out, err := json.Marshal(res)
			require.NoError(t, err)
			var again UpdateProjectKeyResult
			require.NoError(t, json.Unmarshal(out, &again))
			assert.Equal(t, time.Hour, again.TokenTTL, "survives json.Marshal")
			assert.Equal(t, res.Warnings, again.Warnings)
		} else {
			assert.Zero(t, res.TokenTTL)
		}
	}
}

// An answer naming another Kafka password than the one sent is reported,
// with both, never overwritten by the one sent.
func TestAMismatchingKafkaPasswordIsReported(t *testing.T) {
	t.Parallel()
	const other = "PLANTED-other-password-3e4f"
	answer := `{"id":"pk-1","name":"k","service_id":"s","status":"active","kafka_username":"usr",` +
		`"new_kafka_credentials":{"username":"usr","password":"` + other + `"}}`
	for name, call := range map[string]func(c *Client) error{
		"Update": func(c *Client) error {
			_, err := c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{Username: "usr", Password: NewSecret(plantedKafkaPass)})})
			return err
		},
		"AddKafkaAccess": func(c *Client) error {
			_, err := c.ProjectKeys.AddKafkaAccess(context.Background(), "pk-1", AddKafkaAccessParams{Username: "usr", Password: NewSecret(plantedKafkaPass)})
			return err
		},
	} {
		h := newHarness(t)
		h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, answer))
		err := call(h.c)
		var mismatch *KafkaPasswordMismatchError
		require.ErrorAs(t, err, &mismatch, name)
		assert.ErrorIs(t, err, ErrOutcomeUnknown)
		assert.Equal(t, plantedKafkaPass, mismatch.Sent.Reveal(), name)
		assert.Equal(t, other, mismatch.Reported.Reveal(), name)
		assert.NotContains(t, err.Error(), plantedKafkaPass)
		assert.NotContains(t, err.Error(), other)
		assert.Len(t, h.sent(http.MethodPatch, "/project-keys/pk-1"), 1, "%s: never resent", name)
	}
	// An answer that agrees, or names none, is the password sent.
	for _, body := range []string{
		`{"id":"pk-1","kafka_username":"usr","new_kafka_credentials":{"username":"usr","password":"` + plantedKafkaPass + `"}}`,
		`{"id":"pk-1","kafka_username":"usr","new_kafka_credentials":{"username":"usr"}}`,
	} {
		h := newHarness(t)
		h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, body))
		res, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{Username: "usr", Password: NewSecret(plantedKafkaPass)})})
		require.NoError(t, err, body)
		assert.Equal(t, plantedKafkaPass, res.NewKafkaCredentials.Password.Reveal())
	}
}
