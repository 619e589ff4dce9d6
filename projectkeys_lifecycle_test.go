package streamkap

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const credentialFileBody = `{"project_key_id":"pk-9","project":{"name":"prod"},"created_at":"2026-11-26T08:00:00Z","type":"streamkap_project_key",
 "api":{"client_id":"cid-9","client_secret":"` + plantedNewAPISecret + `","token_endpoint":"https://api.test/auth/access-token","api_url":"https://api.test","roles":["Admin"]},
 "kafka":{"username":"bot","password":"` + plantedKafkaPass + `","bootstrap_servers":"kafka:32400","security_protocol":"SASL_SSL","sasl_mechanism":"PLAIN","schema_registry_url":""},
 "kafka_acls":[{"name":"orders","operation":"READ","resource_pattern_type":"LITERAL","resource":"TOPIC"}],
 "tool_profile":"full","allowed_tools":null,"blocked_tools":["x"],"created_by":"ops@example.com","future_field":{"kept":true}}`

func TestCreate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		params CreateProjectKeyParams
		want   string
	}{
		{"API only", CreateProjectKeyParams{Name: "bot", RoleIDs: []string{"role-1"}}, `{"name":"bot","role_ids":["role-1"]}`},
		{"permissions", CreateProjectKeyParams{Name: "bot", PermissionIDs: []string{"p"}}, `{"name":"bot","permission_ids":["p"]}`},
		{"everything", CreateProjectKeyParams{
			Name: "bot", Description: "d", RoleIDs: []string{"role-1"},
			KafkaConfig: &KafkaConfig{Username: "bot", Password: NewSecret(plantedKafkaPass), KafkaACLs: []KafkaACL{{TopicName: "t", Operation: OperationRead, ResourcePatternType: PatternLiteral}}},
			ToolProfile: ToolProfileReadOnly, AllowedTools: []string{}, BlockedTools: []string{"b"},
		}, `{"name":"bot","description":"d","role_ids":["role-1"],
			"kafka_config":{"username":"bot","password":"` + plantedKafkaPass + `","kafka_acls":[{"topic_name":"t","operation":"READ","resource_pattern_type":"LITERAL"}]},
			"tool_profile":"read-only","allowed_tools":[],"blocked_tools":["b"]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(http.MethodPost, "/project-keys", jsonResponder(201, credentialFileBody))
			file, err := h.c.ProjectKeys.Create(context.Background(), tc.params)
			require.NoError(t, err)
			sent := h.sent(http.MethodPost, "/project-keys")
			require.Len(t, sent, 1)
			assert.JSONEq(t, tc.want, sent[0].Body)
			assert.Equal(t, "pk-9", file.ProjectKeyID)
			assert.Equal(t, plantedNewAPISecret, file.API.ClientSecret.Reveal())
			assert.Equal(t, plantedKafkaPass, file.Kafka.Password.Reveal())
			assert.Equal(t, []KafkaACL{{TopicName: "orders", Operation: OperationRead, ResourcePatternType: PatternLiteral, Resource: ResourceTopic}}, file.KafkaACLs)
			assert.JSONEq(t, `{"name":"prod"}`, string(file.Project))
			raw, err := file.RevealJSON()
			require.NoError(t, err)
			assert.JSONEq(t, credentialFileBody, string(raw), "the file as delivered, unknown fields included")
		})
	}
}

func TestCreateValidates(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, err := h.c.ProjectKeys.Create(context.Background(), CreateProjectKeyParams{
		RoleIDs: []string{}, PermissionIDs: []string{"p"}, ToolProfile: "x", AllowedTools: []string{""},
		KafkaConfig: &KafkaConfig{KafkaACLs: []KafkaACL{{}}},
	})
	var verr *ValidationError
	require.ErrorAs(t, err, &verr)
	fields := make([]string, len(verr.Fields))
	for i, f := range verr.Fields {
		fields[i] = f.Field() + "/" + f.Type
	}
	assert.Equal(t, []string{"name/string_too_short", "permission_ids/mutually_exclusive", "role_ids/too_short",
		"kafka_config.username/string_pattern_mismatch",
		"kafka_config.kafka_acls.0.topic_name/missing", "kafka_config.kafka_acls.0.operation/missing",
		"kafka_config.kafka_acls.0.resource_pattern_type/missing", "tool_profile/enum",
		"allowed_tools.0/string_too_short"}, fields)
	assert.Empty(t, h.all())
}

func TestCreateIsNeverSentTwice(t *testing.T) {
	t.Parallel()
	for name, first := range map[string]httpmock.Responder{
		"503":             jsonResponder(503, `{"detail":"busy"}`),
		"502 HTML":        jsonResponder(502, `<html>bad gateway</html>`),
		"reset":           errorResponder(errReset),
		"truncated":       jsonResponder(201, credentialFileBody[:80]),
		"empty 201":       jsonResponder(201, ``),
		"unexpected EOF":  errorResponder(errors.New("unexpected EOF")),
		"500 with detail": jsonResponder(500, `{"detail":"Kafka Connect API call failed"}`),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(http.MethodPost, "/project-keys", first, jsonResponder(201, credentialFileBody))
			file, err := h.c.ProjectKeys.Create(context.Background(), CreateProjectKeyParams{Name: "ingest-bot", RoleIDs: []string{"r"}})
			assert.Nil(t, file)
			require.ErrorIs(t, err, ErrOutcomeUnknown)
			var unknown *CreateOutcomeUnknownError
			require.ErrorAs(t, err, &unknown)
			assert.Equal(t, "ingest-bot", unknown.Name)
			assert.Contains(t, err.Error(), `the key "ingest-bot" may have been created`)
			assert.Contains(t, err.Error(), "FindByName")
			assert.Len(t, h.sent(http.MethodPost, "/project-keys"), 1)
			assert.NotContains(t, err.Error(), plantedNewAPISecret)
		})
	}
}

func TestCreateRetriesWhatProvablyDidNotArrive(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodPost, "/project-keys", errorResponder(errDial), jsonResponder(429, `{}`, "Retry-After", "0"), jsonResponder(201, credentialFileBody))
	file, err := h.c.ProjectKeys.Create(context.Background(), CreateProjectKeyParams{Name: "bot", RoleIDs: []string{"r"}})
	require.NoError(t, err)
	assert.Equal(t, "pk-9", file.ProjectKeyID)
	assert.Len(t, h.sent(http.MethodPost, "/project-keys"), 3)

	h = newHarness(t)
	h.on(http.MethodPost, "/project-keys", jsonResponder(400, `{"detail":"A project key needs API access"}`))
	_, err = h.c.ProjectKeys.Create(context.Background(), CreateProjectKeyParams{Name: "bot"})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown, "a 400 was not applied")
}

func TestFindByName(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodGet, "/project-keys", jsonResponder(200, `[{"id":"pk-1","name":"a"},{"id":"pk-2","name":"b"},{"id":"pk-3","name":"a"}]`))
	keys, err := h.c.ProjectKeys.FindByName(context.Background(), "a")
	require.NoError(t, err)
	require.Len(t, keys, 2)
	assert.Equal(t, "pk-1", keys[0].ID)
	assert.Equal(t, "pk-3", keys[1].ID)
	keys, err = h.c.ProjectKeys.FindByName(context.Background(), "none")
	require.NoError(t, err)
	assert.NotNil(t, keys)
	assert.Empty(t, keys)
}

func TestDelete(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		responses []httpmock.Responder
		attempts  int
		wantErr   error
	}{
		{"202 with a body", []httpmock.Responder{jsonResponder(202, `{"id":"pk-1","status":"deleting"}`)}, 1, nil},
		{"200 with an empty body", []httpmock.Responder{jsonResponder(200, ``)}, 1, nil},
		{"204", []httpmock.Responder{jsonResponder(204, ``)}, 1, nil},
		{"404 at once: the key never existed", []httpmock.Responder{jsonResponder(404, `{"detail":"Project key not found"}`)}, 1, ErrNotFound},
		{"503 then 404: an earlier attempt may have deleted it", []httpmock.Responder{jsonResponder(503, `{}`), jsonResponder(404, `{}`)}, 2, nil},
		{"reset then 404", []httpmock.Responder{errorResponder(errReset), jsonResponder(404, `{}`)}, 2, nil},
		{"dial error then 404: the first never arrived", []httpmock.Responder{errorResponder(errDial), jsonResponder(404, `{}`)}, 2, ErrNotFound},
		{"creating", []httpmock.Responder{jsonResponder(400, `{"detail":"Project key is creating; it cannot be deleted until it is active"}`)}, 1, ErrKeyNotReady},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(http.MethodDelete, "/project-keys/pk-1", tc.responses...)
			err := h.c.ProjectKeys.Delete(context.Background(), "pk-1")
			if tc.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.wantErr)
			}
			sent := h.sent(http.MethodDelete, "/project-keys/pk-1")
			assert.Len(t, sent, tc.attempts)
			assert.Empty(t, sent[0].Body)
		})
	}
	h := newHarness(t)
	require.ErrorIs(t, h.c.ProjectKeys.Delete(context.Background(), ""), ErrValidation)
}

func TestMCPConfig(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodGet, "/project-keys/pk-1/mcp-config", jsonResponder(200, `{"project_key_id":"pk-1","tenant_id":"t","service_id":"s",
		"kafka_username":null,"tool_profile":"agent-operator","allowed_tools":null,"blocked_tools":["drop"]}`))
	cfg, err := h.c.ProjectKeys.MCPConfig(context.Background(), "pk-1")
	require.NoError(t, err)
	assert.Equal(t, &MCPConfig{ProjectKeyID: "pk-1", TenantID: "t", ServiceID: "s", ToolProfile: ToolProfileAgentOperator, BlockedTools: []string{"drop"}}, cfg)
	_, err = h.c.ProjectKeys.MCPConfig(context.Background(), "")
	require.ErrorIs(t, err, ErrValidation)
}

const rolesBody = `[{"id":"role-1","key":"Admin","name":"Admin","description":"all","permissions":["project_keys:write"]},
	{"id":"role-2","key":"DataAdmin","name":"Data Admin","description":null},
	{"id":"role-3","key":"ReadOnly","name":"Read Only"}]`

func TestRoles(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodGet, "/auth/roles", jsonResponder(200, rolesBody))
	roles, err := h.c.Roles.List(context.Background())
	require.NoError(t, err)
	require.Len(t, roles, 3)
	assert.Equal(t, Role{ID: "role-1", Key: "Admin", Name: "Admin", Description: "all", Permissions: []string{"project_keys:write"}}, roles[0])

	ids, err := h.c.Roles.ResolveIDs(context.Background(), []string{"data admin", "ReadOnly", "role-1", "ADMIN"})
	require.NoError(t, err)
	assert.Equal(t, []string{"role-2", "role-3", "role-1", "role-1"}, ids)

	_, err = h.c.Roles.ResolveIDs(context.Background(), []string{"Admin", "Superuser", "root"})
	require.ErrorIs(t, err, ErrNotFound)
	var unknown *UnknownRoleError
	require.ErrorAs(t, err, &unknown)
	assert.Equal(t, []string{"Superuser", "root"}, unknown.Unknown)
	assert.Equal(t, `streamkap: no role named "Superuser", "root"; the roles are: Admin, Data Admin (DataAdmin), Read Only (ReadOnly)`, err.Error())

	h2 := newHarness(t)
	h2.on(http.MethodGet, "/auth/roles", jsonResponder(503, `{}`), jsonResponder(200, `null`))
	roles, err = h2.c.Roles.List(context.Background())
	require.NoError(t, err)
	assert.NotNil(t, roles)
	_, err = h2.c.Roles.ResolveIDs(context.Background(), []string{"x"})
	require.ErrorIs(t, err, ErrNotFound)
}

func TestWaitUntilActive(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.on(http.MethodGet, "/project-keys/pk-1",
			jsonResponder(200, `{"id":"pk-1","status":"creating"}`),
			jsonResponder(200, `{"id":"pk-1","status":"provisioning-kafka"}`),
			jsonResponder(200, `{"id":"pk-1","status":"active","token_ttl_seconds":60}`))
		start := time.Now()
		key, err := h.c.ProjectKeys.WaitUntilActive(context.Background(), "pk-1", &WaitOptions{MinInterval: time.Second, MaxInterval: time.Second})
		require.NoError(t, err)
		assert.Equal(t, StatusActive, key.Status)
		assert.Equal(t, time.Minute, key.TokenTTL)
		assert.Equal(t, 2*time.Second, time.Since(start), "polled every second")
	})
}

func TestWaitUntilActiveGivesUp(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.on(http.MethodGet, "/project-keys/pk-1", jsonResponder(200, `{"id":"pk-1","status":"creating"}`))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		start := time.Now()
		_, err := h.c.ProjectKeys.WaitUntilActive(ctx, "pk-1", nil)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 30*time.Second, time.Since(start))
		polls := len(h.sent(http.MethodGet, "/project-keys/pk-1"))
		assert.Greater(t, polls, 5)
		assert.Less(t, polls, 60, "the interval backs off")

		h.on(http.MethodGet, "/project-keys/pk-2", jsonResponder(200, `{"id":"pk-2","status":"deleting"}`))
		_, err = h.c.ProjectKeys.WaitUntilActive(context.Background(), "pk-2", nil)
		var stateErr *KeyStateError
		require.ErrorAs(t, err, &stateErr)
		assert.Equal(t, StatusDeleting, stateErr.Status)
		assert.ErrorIs(t, err, ErrKeyNotReady)
		assert.NotErrorIs(t, err, ErrDeleteFailed)

		h.on(http.MethodGet, "/project-keys/pk-3", jsonResponder(404, `{"detail":"Project key not found"}`))
		_, err = h.c.ProjectKeys.WaitUntilActive(context.Background(), "pk-3", nil)
		require.ErrorIs(t, err, ErrNotFound)
	})
}

func TestWaitUntilGone(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.on(http.MethodGet, "/project-keys/pk-1",
			jsonResponder(200, `{"id":"pk-1","status":"deleting"}`), jsonResponder(503, `{}`),
			jsonResponder(404, `{"detail":"Project key not found"}`))
		require.NoError(t, h.c.ProjectKeys.WaitUntilGone(context.Background(), "pk-1", nil))

		h.on(http.MethodGet, "/project-keys/pk-2", jsonResponder(200, `{"id":"pk-2","status":"deleting"}`), jsonResponder(200, `{"id":"pk-2","status":"delete_failed"}`))
		err := h.c.ProjectKeys.WaitUntilGone(context.Background(), "pk-2", nil)
		require.ErrorIs(t, err, ErrDeleteFailed)
		assert.Equal(t, "streamkap: project key pk-2 is delete_failed while waiting for it to be gone", err.Error())

		h.on(http.MethodGet, "/project-keys/pk-3", jsonResponder(403, `{"detail":"no"}`))
		require.ErrorIs(t, h.c.ProjectKeys.WaitUntilGone(context.Background(), "pk-3", nil), ErrForbidden)
	})
}

// patchBodyPassword returns the Kafka password a recorded PATCH carried.
func patchBodyPassword(t *testing.T, body string) string {
	t.Helper()
	var v struct {
		KafkaConfig struct {
			Password string `json:"password"`
		} `json:"kafka_config"`
		KafkaPassword string `json:"kafka_password"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &v))
	if v.KafkaPassword != "" {
		return v.KafkaPassword
	}
	return v.KafkaConfig.Password
}

func TestAddKafkaAccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, `{"id":"pk-1","kafka_username":"bot","kafka_proxy_endpoint":"kafka:1",
		"new_kafka_credentials":{"username":"bot","password":"`+plantedKafkaPass+`","bootstrap_servers":"kafka:1","security_protocol":"SASL_SSL","sasl_mechanism":"PLAIN"}}`))
	acls := []KafkaACL{{TopicName: "t", Operation: OperationRead, ResourcePatternType: PatternLiteral}}
	access, err := h.c.ProjectKeys.AddKafkaAccess(context.Background(), "pk-1", AddKafkaAccessParams{
		Username: "bot", Password: NewSecret(plantedKafkaPass), WhitelistIPs: "10.0.0.1", KafkaACLs: acls, CreateSchemaRegistry: true,
	})
	require.NoError(t, err)
	assert.False(t, access.Reconciled)
	assert.Equal(t, "SASL_SSL", access.Credentials.SecurityProtocol)
	assert.Equal(t, plantedKafkaPass, access.Credentials.Password.Reveal())
	assert.Equal(t, "pk-1", access.Key.ID)
	sent := h.sent(http.MethodPatch, "/project-keys/pk-1")
	require.Len(t, sent, 1)
	assert.JSONEq(t, `{"kafka_config":{"username":"bot","password":"`+plantedKafkaPass+`","whitelist_ips":"10.0.0.1",
		"kafka_acls":[{"topic_name":"t","operation":"READ","resource_pattern_type":"LITERAL"}],"is_create_schema_registry":true}}`, sent[0].Body)
}

func TestAddKafkaAccessGeneratesThePassword(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// The server echoes no credentials: the SDK still knows the password it
	// sent (and, with no credentials in the answer, not the bootstrap servers).
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, `{"id":"pk-1","kafka_username":"bot","kafka_proxy_endpoint":"kafka:1"}`))
	access, err := h.c.ProjectKeys.AddKafkaAccess(context.Background(), "pk-1", AddKafkaAccessParams{Username: "bot"})
	require.NoError(t, err)
	sent := h.sent(http.MethodPatch, "/project-keys/pk-1")
	require.Len(t, sent, 1)
	password := patchBodyPassword(t, sent[0].Body)
	assert.Len(t, password, 32)
	assert.Equal(t, password, access.Credentials.Password.Reveal())
	assert.Equal(t, KafkaCredentials{Username: "bot", Password: access.Credentials.Password}, access.Credentials)

	_, err = h.c.ProjectKeys.AddKafkaAccess(context.Background(), "pk-1", AddKafkaAccessParams{})
	require.ErrorIs(t, err, ErrValidation)
}

func TestAddKafkaAccessReconcilesAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		get        httpmock.Responder
		reconciled bool
		is         []error
	}{
		{"applied", jsonResponder(200, `{"id":"pk-1","kafka_username":"bot","kafka_proxy_endpoint":"kafka:1"}`), true, nil},
		{"not applied", jsonResponder(200, `{"id":"pk-1","kafka_username":null}`), false, []error{ErrOutcomeUnknown}},
		{"someone else's user", jsonResponder(200, `{"id":"pk-1","kafka_username":"other"}`), false, []error{ErrOutcomeUnknown, ErrConflict}},
		{"the key cannot be read", jsonResponder(404, `{}`), false, []error{ErrOutcomeUnknown, ErrNotFound}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(http.MethodPatch, "/project-keys/pk-1", errorResponder(errReset))
			h.on(http.MethodGet, "/project-keys/pk-1", tc.get)
			access, err := h.c.ProjectKeys.AddKafkaAccess(context.Background(), "pk-1", AddKafkaAccessParams{Username: "bot"})
			assert.Len(t, h.sent(http.MethodPatch, "/project-keys/pk-1"), 1, "never sent twice")
			if !tc.reconciled {
				assert.Nil(t, access)
				for _, kind := range tc.is {
					assert.ErrorIs(t, err, kind)
				}
				return
			}
			require.NoError(t, err)
			assert.True(t, access.Reconciled)
			sent := h.sent(http.MethodPatch, "/project-keys/pk-1")
			assert.Equal(t, patchBodyPassword(t, sent[0].Body), access.Credentials.Password.Reveal(), "the password the SDK sent")
			assert.Equal(t, "kafka:1", access.Credentials.BootstrapServers)
		})
	}
	h := newHarness(t)
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(400, `{"detail":"A Kafka user already exists for this key"}`))
	_, err := h.c.ProjectKeys.AddKafkaAccess(context.Background(), "pk-1", AddKafkaAccessParams{Username: "bot"})
	require.ErrorIs(t, err, ErrRefused)
	assert.Empty(t, h.sent(http.MethodGet, "/project-keys/pk-1"), "a definite answer needs no reconciling")
}

func TestRotateKafkaPassword(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodPatch, "/project-keys/pk-1", errorResponder(errReset), jsonResponder(200, keyJSON("pk-1")))
	_, err := h.c.ProjectKeys.RotateKafkaPassword(context.Background(), "pk-1", Secret{})
	require.ErrorIs(t, err, ErrValidation, "a password is asked for, never implied")
	assert.Empty(t, h.sent(http.MethodPatch, "/project-keys/pk-1"))
	password, err := h.c.ProjectKeys.RotateKafkaPassword(context.Background(), "pk-1", GeneratePassword())
	require.NoError(t, err)
	sent := h.sent(http.MethodPatch, "/project-keys/pk-1")
	require.Len(t, sent, 2, "a rotation is retried")
	assert.Equal(t, sent[0].Body, sent[1].Body, "with the same password")
	assert.Equal(t, patchBodyPassword(t, sent[0].Body), password.Reveal())
	assert.JSONEq(t, `{"kafka_password":"`+password.Reveal()+`"}`, sent[0].Body)

	h.on(http.MethodPatch, "/project-keys/pk-2", jsonResponder(400, `{"detail":"The key has no Kafka user"}`))
	given := NewSecret(plantedKafkaPass)
	password, err = h.c.ProjectKeys.RotateKafkaPassword(context.Background(), "pk-2", given)
	require.Error(t, err)
	assert.True(t, password.Equal(given), "the password sent comes back even on error")
	assert.NotContains(t, err.Error(), plantedKafkaPass)
}

func TestAddAPIAccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodGet, "/project-keys/pk-1", jsonResponder(200, `{"id":"pk-1","kafka_username":"bot","api_client_id":null}`))
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, `{"id":"pk-1","api_client_id":"cid","new_api_credentials":{"client_id":"cid","client_secret":"`+plantedNewAPISecret+`"}}`))
	res, err := h.c.ProjectKeys.AddAPIAccess(context.Background(), "pk-1", AddAPIAccessParams{RoleIDs: []string{"role-1"}})
	require.NoError(t, err)
	assert.Equal(t, plantedNewAPISecret, res.NewAPICredentials.ClientSecret.Reveal())
	sent := h.sent(http.MethodPatch, "/project-keys/pk-1")
	require.Len(t, sent, 1)
	assert.JSONEq(t, `{"role_ids":["role-1"]}`, sent[0].Body)

	_, err = h.c.ProjectKeys.AddAPIAccess(context.Background(), "pk-1", AddAPIAccessParams{PermissionIDs: []string{"p"}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"permission_ids":["p"]}`, h.sent(http.MethodPatch, "/project-keys/pk-1")[1].Body)

	for _, bad := range []AddAPIAccessParams{{}, {RoleIDs: []string{"r"}, PermissionIDs: []string{"p"}}, {RoleIDs: []string{""}}} {
		_, err = h.c.ProjectKeys.AddAPIAccess(context.Background(), "pk-1", bad)
		require.ErrorIs(t, err, ErrValidation, "%+v", bad)
	}
	assert.Len(t, h.sent(http.MethodPatch, "/project-keys/pk-1"), 2)
}

func TestAddAPIAccessRefusesAKeyWithAPIAccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodGet, "/project-keys/pk-1", jsonResponder(200, `{"id":"pk-1","api_client_id":"cid-1"}`))
	_, err := h.c.ProjectKeys.AddAPIAccess(context.Background(), "pk-1", AddAPIAccessParams{RoleIDs: []string{"r"}})
	require.ErrorIs(t, err, ErrConflict)
	assert.Contains(t, err.Error(), "already has API access (client id cid-1)")
	assert.Empty(t, h.sent(http.MethodPatch, "/project-keys/pk-1"))
}

func TestAddAPIAccessAfterAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	for name, after := range map[string]string{
		"applied: the secret is lost": `{"id":"pk-1","api_client_id":"cid-new"}`,
		"not applied":                 `{"id":"pk-1","api_client_id":null}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(http.MethodGet, "/project-keys/pk-1", jsonResponder(200, `{"id":"pk-1","api_client_id":null}`), jsonResponder(200, after))
			h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(504, `<html>timeout</html>`))
			_, err := h.c.ProjectKeys.AddAPIAccess(context.Background(), "pk-1", AddAPIAccessParams{RoleIDs: []string{"r"}})
			require.ErrorIs(t, err, ErrOutcomeUnknown)
			assert.Len(t, h.sent(http.MethodPatch, "/project-keys/pk-1"), 1)
			var lost *APIAccessLostError
			if strings.Contains(after, "cid-new") {
				require.ErrorAs(t, err, &lost)
				assert.Equal(t, "cid-new", lost.ClientID)
				assert.ErrorIs(t, err, ErrSecretLost)
				assert.Contains(t, err.Error(), "delete the key and create it again")
			} else {
				assert.False(t, errors.As(err, &lost))
				assert.NotErrorIs(t, err, ErrSecretLost)
				assert.Contains(t, err.Error(), "has no API access after the failure")
			}
		})
	}
}

func TestSetToolScoping(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")))
	_, err := h.c.ProjectKeys.SetToolScoping(context.Background(), "pk-1", ToolScoping{
		Profile: NullableValue(ToolProfileReadOnly), AllowedTools: Null[[]string](), BlockedTools: NullableValue([]string{}),
	})
	require.NoError(t, err)
	assert.JSONEq(t, `{"tool_profile":"read-only","allowed_tools":null,"blocked_tools":[]}`, h.sent(http.MethodPatch, "/project-keys/pk-1")[0].Body)
	_, err = h.c.ProjectKeys.SetToolScoping(context.Background(), "pk-1", ToolScoping{})
	require.ErrorIs(t, err, ErrValidation)
}

func TestCredentialFileWriteFile(t *testing.T) {
	t.Parallel()
	file, err := ParseCredentialFile([]byte(credentialFileBody))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "key.json")
	require.NoError(t, os.WriteFile(path, []byte("old, world-readable"), 0o644))

	require.NoError(t, file.WriteFile(path))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.JSONEq(t, credentialFileBody, string(got), "the file as delivered, unknown members included")
	entries, _ := os.ReadDir(filepath.Dir(path))
	assert.Len(t, entries, 1, "no temporary file left behind")

	// It loads back as client credentials.
	h := newHarness(t)
	c, err := NewClient(WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: h.mt}), WithCredentialFile(path))
	require.NoError(t, err)
	h.on(http.MethodGet, "/project-keys", jsonResponder(200, `[]`))
	_, err = c.ProjectKeys.List(context.Background(), nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{"client_id":"cid-9","secret":"`+plantedNewAPISecret+`"}`, h.sent(http.MethodPost, "/auth/access-token")[0].Body)

	assert.Error(t, file.WriteFile(filepath.Join(t.TempDir(), "missing-dir", "key.json")))
}

func TestCredentialFileSavesEdits(t *testing.T) {
	t.Parallel()
	body := strings.Replace(credentialFileBody, `"schema_registry_url":""`, `"schema_registry_url":"","future_kafka":"kept"`, 1)
	file, err := ParseCredentialFile([]byte(body))
	require.NoError(t, err)
	const rotated = "PLANTED-rotated-password-77aa"
	file.Kafka.Password = NewSecret(rotated)
	file.Kafka.BootstrapServers = "broker:9093"
	path := filepath.Join(t.TempDir(), "key.json")
	require.NoError(t, file.WriteFile(path))

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	again, err := ParseCredentialFile(data)
	require.NoError(t, err)
	assert.Equal(t, rotated, again.Kafka.Password.Reveal(), "the edit is saved")
	assert.Equal(t, "broker:9093", again.Kafka.BootstrapServers)
	assert.Equal(t, plantedNewAPISecret, again.API.ClientSecret.Reveal())
	var members map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &members))
	assert.JSONEq(t, `{"kept":true}`, string(members["future_field"]), "a member the SDK does not model is kept")
	assert.Contains(t, string(members["kafka"]), `"future_kafka":"kept"`, "inside a section too")
	assert.NotContains(t, string(data), plantedKafkaPass, "the old password is gone")

	// A section removed by the caller stays removed.
	again.Kafka = nil
	out, err := again.RevealJSON()
	require.NoError(t, err)
	assert.Contains(t, string(out), `"kafka":null`)
}

func TestCredentialFileBuiltByHand(t *testing.T) {
	t.Parallel()
	file := &CredentialFile{
		ProjectKeyID: "pk-1", Type: "streamkap_project_key",
		API:       &APICredentials{ClientID: "cid", ClientSecret: NewSecret(plantedNewAPISecret), Roles: []string{"Admin"}},
		Kafka:     &KafkaCredentials{Username: "usr", Password: NewSecret(plantedKafkaPass)},
		KafkaACLs: []KafkaACL{{TopicName: "t", Operation: OperationRead, ResourcePatternType: PatternLiteral}},
	}
	raw, err := file.RevealJSON()
	require.NoError(t, err)
	assert.JSONEq(t, `{"project_key_id":"pk-1","type":"streamkap_project_key",
		"api":{"client_id":"cid","client_secret":"`+plantedNewAPISecret+`","token_endpoint":"","api_url":"","roles":["Admin"]},
		"kafka":{"username":"usr","password":"`+plantedKafkaPass+`","bootstrap_servers":"","security_protocol":"","sasl_mechanism":"","schema_registry_url":""},
		"kafka_acls":[{"name":"t","operation":"READ","resource_pattern_type":"LITERAL"}],"tool_profile":null,"allowed_tools":null,"blocked_tools":null}`, string(raw))
	parsed, err := ParseCredentialFile(raw)
	require.NoError(t, err)
	assert.Equal(t, plantedKafkaPass, parsed.Kafka.Password.Reveal())

	marshalled, err := json.Marshal(file)
	require.NoError(t, err)
	assert.NotContains(t, string(marshalled), plantedKafkaPass, "json.Marshal redacts; RevealJSON is the way out")
}

func TestGeneratePassword(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 200 {
		p := GeneratePassword().Reveal()
		assert.Len(t, p, 32)
		assert.True(t, strings.ContainsAny(p, "abcdefghijkmnpqrstuvwxyz"))
		assert.True(t, strings.ContainsAny(p, "ABCDEFGHJKLMNPQRSTUVWXYZ"))
		assert.True(t, strings.ContainsAny(p, "23456789"))
		assert.False(t, strings.ContainsAny(p, "lIO01"), "no look-alikes")
		assert.False(t, seen[p])
		seen[p] = true
	}
}
