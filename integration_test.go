package streamkap_test

// Integration tests: the SDK against streamkaptest's stateful server, over
// real loopback HTTP, for every Update transition and every fault.

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

const kafkaPassword = "integration-kafka-password"

func TestUpdateTransitions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := streamkaptest.NewServer(t, streamkaptest.WithTokenTTL(20*time.Minute))
	keys := srv.Client().ProjectKeys

	t.Run("rename and describe", func(t *testing.T) {
		key := srv.AddKey(streamkaptest.Key{Name: "a", API: true})
		res, err := keys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{Name: streamkap.Value("b"), Description: streamkap.NullableValue("nightly")})
		require.NoError(t, err)
		assert.Equal(t, "b", res.Name)
		assert.Equal(t, "nightly", res.Description)
		res, err = keys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{Description: streamkap.Null[string]()})
		require.NoError(t, err)
		assert.Empty(t, res.Description)
		assert.Equal(t, "b", res.Name, "a field left out is kept")
		state, _ := srv.Key(key.ID)
		assert.Nil(t, state.Description)
	})

	t.Run("role change on API credentials", func(t *testing.T) {
		key := srv.AddKey(streamkaptest.Key{API: true, RoleIDs: []string{"role-read-only"}})
		res, err := keys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{RoleIDs: streamkap.Value([]string{"role-data-admin"})})
		require.NoError(t, err)
		require.Len(t, res.Roles, 1)
		assert.Equal(t, "Data Admin", res.Roles[0].Name)
		assert.Nil(t, res.NewAPICredentials)
		detail, err := keys.Get(ctx, key.ID)
		require.NoError(t, err)
		assert.Equal(t, 20*time.Minute, detail.TokenTTL, "how long tokens already issued keep the old roles")
	})

	t.Run("role_ids on a Kafka-only key adds API access once", func(t *testing.T) {
		key := srv.AddKey(streamkaptest.Key{Kafka: true})
		res, err := keys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{RoleIDs: streamkap.Value([]string{"role-admin"})})
		require.NoError(t, err)
		require.NotNil(t, res.NewAPICredentials)
		creds := res.NewAPICredentials
		assert.Equal(t, res.APIClientID, creds.ClientID)
		assert.Equal(t, []string{"Admin"}, creds.Roles)
		state, _ := srv.Key(key.ID)
		assert.True(t, state.ClientSecret.Equal(creds.ClientSecret))

		// The new credentials work with the SDK...
		other, err := streamkap.NewClient(append(srv.ClientOptions(), streamkap.WithClientCredentials(creds.ClientID, creds.ClientSecret.Reveal()))...)
		require.NoError(t, err)
		_, err = other.ProjectKeys.List(ctx, nil)
		require.NoError(t, err)
		// ...and the secret is never shown again.
		got, err := keys.Get(ctx, key.ID)
		require.NoError(t, err)
		assert.NotEmpty(t, got.MaskedAPIClientSecret)
		assert.NotContains(t, got.MaskedAPIClientSecret, creds.ClientSecret.Reveal())
	})

	t.Run("permission_ids on a Kafka-only key adds API access", func(t *testing.T) {
		key := srv.AddKey(streamkaptest.Key{Kafka: true})
		res, err := keys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{PermissionIDs: streamkap.Value([]string{"project_keys:write"})})
		require.NoError(t, err)
		require.NotNil(t, res.NewAPICredentials)
		assert.False(t, res.NewAPICredentials.ClientSecret.IsZero())
	})

	t.Run("permission_ids on a key with API access is refused", func(t *testing.T) {
		key := srv.AddKey(streamkaptest.Key{API: true})
		_, err := keys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{PermissionIDs: streamkap.Value([]string{"p"})})
		var apiErr *streamkap.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 400, apiErr.StatusCode)
		assert.Contains(t, apiErr.Detail, "use role_ids")
		assert.NotEmpty(t, apiErr.RequestID)
	})

	t.Run("kafka_config on an API-only key adds Kafka access once", func(t *testing.T) {
		key := srv.AddKey(streamkaptest.Key{API: true})
		res, err := keys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{KafkaConfig: streamkap.Value(streamkap.KafkaConfig{
			Username: "ingest", Password: streamkap.NewSecret(kafkaPassword), WhitelistIPs: "10.0.0.0/8",
			KafkaACLs: []streamkap.KafkaACL{{TopicName: "orders.", Operation: streamkap.OperationRead, ResourcePatternType: streamkap.PatternPrefixed}},
		})})
		require.NoError(t, err)
		require.NotNil(t, res.NewKafkaCredentials)
		assert.Equal(t, "ingest", res.NewKafkaCredentials.Username)
		assert.Equal(t, kafkaPassword, res.NewKafkaCredentials.Password.Reveal())
		assert.Equal(t, "ingest", res.KafkaUsername)
		state, _ := srv.Key(key.ID)
		assert.Equal(t, []streamkap.KafkaACL{{TopicName: "orders.", Operation: "READ", ResourcePatternType: "PREFIXED", Resource: "TOPIC"}}, state.KafkaACLs)

		_, err = keys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{KafkaConfig: streamkap.Value(streamkap.KafkaConfig{Username: "again"})})
		require.ErrorIs(t, err, streamkap.ErrRefused, "a business rule: the key has a Kafka user")
		assert.NotErrorIs(t, err, streamkap.ErrConflict)
	})

	t.Run("kafka_config without a password gets a generated one", func(t *testing.T) {
		key := srv.AddKey(streamkaptest.Key{API: true})
		res, err := keys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{KafkaConfig: streamkap.Value(streamkap.KafkaConfig{Username: "gen"})})
		require.NoError(t, err)
		state, _ := srv.Key(key.ID)
		assert.True(t, res.NewKafkaCredentials.Password.Equal(state.KafkaPassword))
		assert.False(t, state.KafkaPassword.IsZero())
	})

	t.Run("password rotation, ACLs and allow-list", func(t *testing.T) {
		key := srv.AddKey(streamkaptest.Key{Kafka: true})
		res, err := keys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{
			KafkaPassword: streamkap.Value(streamkap.NewSecret(kafkaPassword)),
			KafkaACLs:     streamkap.Value([]streamkap.KafkaACL{{TopicName: "audit", Operation: streamkap.OperationWrite, ResourcePatternType: streamkap.PatternLiteral}}),
			WhitelistIPs:  streamkap.Value("192.168.0.1"),
		})
		require.NoError(t, err)
		assert.Nil(t, res.NewKafkaCredentials)
		state, _ := srv.Key(key.ID)
		assert.Equal(t, kafkaPassword, state.KafkaPassword.Reveal())
		assert.Equal(t, "192.168.0.1", state.WhitelistIPs)
		assert.Len(t, state.KafkaACLs, 1)

		_, err = keys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{KafkaACLs: streamkap.Value([]streamkap.KafkaACL{}), WhitelistIPs: streamkap.Value("")})
		require.NoError(t, err)
		state, _ = srv.Key(key.ID)
		assert.Empty(t, state.KafkaACLs)
		assert.Empty(t, state.WhitelistIPs)
	})

	t.Run("kafka_password without a Kafka user is refused", func(t *testing.T) {
		key := srv.AddKey(streamkaptest.Key{API: true})
		_, err := keys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{KafkaPassword: streamkap.Value(streamkap.NewSecret(kafkaPassword))})
		var apiErr *streamkap.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 400, apiErr.StatusCode)
		assert.NotContains(t, err.Error(), kafkaPassword)
	})

	t.Run("tool scoping set and cleared", func(t *testing.T) {
		key := srv.AddKey(streamkaptest.Key{API: true})
		res, err := keys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{
			ToolProfile:  streamkap.NullableValue(streamkap.ToolProfileReadOnly),
			AllowedTools: streamkap.NullableValue([]string{}),
			BlockedTools: streamkap.NullableValue([]string{"drop_topic"}),
		})
		require.NoError(t, err)
		assert.Equal(t, streamkap.ToolProfileReadOnly, res.ToolProfile)
		assert.NotNil(t, res.AllowedTools)
		assert.Empty(t, res.AllowedTools)
		assert.Equal(t, []string{"drop_topic"}, res.BlockedTools)

		res, err = keys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{
			ToolProfile: streamkap.Null[streamkap.ToolProfile](), AllowedTools: streamkap.Null[[]string](), BlockedTools: streamkap.Null[[]string](),
		})
		require.NoError(t, err)
		assert.Empty(t, res.ToolProfile)
		assert.Nil(t, res.AllowedTools)
		assert.Nil(t, res.BlockedTools)
	})

	t.Run("keys that are not ready", func(t *testing.T) {
		for _, status := range []streamkap.ProjectKeyStatus{streamkap.StatusCreating, streamkap.StatusDeleting, streamkap.StatusDeleteFailed} {
			key := srv.AddKey(streamkaptest.Key{API: true, Status: status})
			_, err := keys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{Name: streamkap.Value("x")})
			assert.ErrorIs(t, err, streamkap.ErrKeyNotReady, status)
			assert.NotErrorIs(t, err, streamkap.ErrOutcomeUnknown, status)
		}
	})

	t.Run("unknown key", func(t *testing.T) {
		_, err := keys.Update(ctx, "pk-missing", streamkap.UpdateProjectKeyParams{Name: streamkap.Value("x")})
		assert.ErrorIs(t, err, streamkap.ErrNotFound)
	})

	t.Run("server-side validation", func(t *testing.T) {
		key := srv.AddKey(streamkaptest.Key{API: true})
		// Rules only the server knows: the allow-list's and a topic name's length.
		longTopic := strings.Repeat("t", 256)
		_, err := keys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{KafkaConfig: streamkap.Value(streamkap.KafkaConfig{
			Username: "ingest", WhitelistIPs: strings.Repeat("1", 1001),
			KafkaACLs: []streamkap.KafkaACL{{TopicName: longTopic, Operation: streamkap.OperationRead, ResourcePatternType: streamkap.PatternLiteral}},
		})})
		require.ErrorIs(t, err, streamkap.ErrValidation)
		var apiErr *streamkap.APIError
		require.ErrorAs(t, err, &apiErr)
		require.Len(t, apiErr.Fields, 2)
		assert.Equal(t, "kafka_config.whitelist_ips", apiErr.Fields[0].Field())
		assert.Equal(t, "kafka_config.kafka_acls.0.topic_name", apiErr.Fields[1].Field())
		assert.NotContains(t, err.Error(), longTopic, "pydantic's echoed input is dropped")
	})

	t.Run("a key's own read-only credentials cannot write", func(t *testing.T) {
		reader := srv.AddKey(streamkaptest.Key{API: true, RoleIDs: []string{"role-read-only"}})
		c, err := streamkap.NewClient(append(srv.ClientOptions(), streamkap.WithClientCredentials(reader.ClientID, reader.ClientSecret.Reveal()))...)
		require.NoError(t, err)
		_, err = c.ProjectKeys.Update(ctx, reader.ID, streamkap.UpdateProjectKeyParams{Name: streamkap.Value("x")})
		assert.ErrorIs(t, err, streamkap.ErrForbidden)
	})
}

func TestUpdateUnderFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	addKafka := streamkap.UpdateProjectKeyParams{KafkaConfig: streamkap.Value(streamkap.KafkaConfig{Username: "usr", Password: streamkap.NewSecret(kafkaPassword)})}
	rename := streamkap.UpdateProjectKeyParams{Name: streamkap.Value("renamed")}

	type outcome struct {
		patches int  // PATCH requests the server saw
		ok      bool // the call succeeded
		is      []error
		isNot   []error
		applied bool // the change is on the server afterwards
	}
	cases := []struct {
		name   string
		fault  streamkaptest.Fault
		times  int
		params streamkap.UpdateProjectKeyParams
		want   outcome
	}{
		{"429 then success", streamkaptest.RateLimited("0"), 1, addKafka, outcome{2, true, nil, nil, true}},
		{"429 with an HTTP date", streamkaptest.RateLimited(time.Now().Add(-time.Second).UTC().Format(http.TimeFormat)), 1, addKafka, outcome{2, true, nil, nil, true}},
		{"429 with garbage", streamkaptest.RateLimited("whenever"), 1, rename, outcome{2, true, nil, nil, true}},
		{"429 above the cap fails at once", streamkaptest.RateLimited("3600"), 1, rename, outcome{1, false, []error{streamkap.ErrRateLimited}, []error{streamkap.ErrOutcomeUnknown}, false}},
		{"429 until attempts run out", streamkaptest.RateLimited("0"), 10, addKafka, outcome{4, false, []error{streamkap.ErrRateLimited}, []error{streamkap.ErrOutcomeUnknown}, false}},
		{"503 burst on an idempotent update", streamkaptest.Unavailable(), 3, rename, outcome{4, true, nil, nil, true}},
		{"503 on a capability update", streamkaptest.Unavailable(), 1, addKafka, outcome{1, false, []error{streamkap.ErrOutcomeUnknown}, nil, false}},
		{"HTML 502 on an idempotent update", streamkaptest.GatewayHTML(502), 2, rename, outcome{3, true, nil, nil, true}},
		{"HTML 504 on a capability update", streamkaptest.GatewayHTML(504), 1, addKafka, outcome{1, false, []error{streamkap.ErrOutcomeUnknown}, nil, false}},
		{"500 is not retried", streamkaptest.Status(500, `{"detail":"boom"}`, nil), 1, rename, outcome{1, false, []error{streamkap.ErrOutcomeUnknown}, nil, false}},
		{"dropped after apply, idempotent", streamkaptest.DropAfterApply(), 1, rename, outcome{2, true, nil, nil, true}},
		{"dropped after apply, capability", streamkaptest.DropAfterApply(), 1, addKafka, outcome{1, false, []error{streamkap.ErrOutcomeUnknown}, nil, true}},
		{"dropped before apply, capability", streamkaptest.DropBeforeApply(), 1, addKafka, outcome{1, false, []error{streamkap.ErrOutcomeUnknown}, nil, false}},
		{"malformed JSON after apply", streamkaptest.MalformedJSON(), 1, addKafka, outcome{1, false, []error{streamkap.ErrOutcomeUnknown, streamkap.ErrMalformedResponse}, nil, true}},
		{"empty body after apply", streamkaptest.EmptyBody(), 1, addKafka, outcome{1, false, []error{streamkap.ErrOutcomeUnknown, streamkap.ErrMalformedResponse}, nil, true}},
		{"oversized body", streamkaptest.OversizedBody(20 << 20), 1, rename, outcome{1, false, []error{streamkap.ErrResponseTooLarge, streamkap.ErrOutcomeUnknown}, nil, true}},
		{"a short delay", streamkaptest.Delay(20 * time.Millisecond), 1, addKafka, outcome{1, true, nil, nil, true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := streamkaptest.NewServer(t)
			key := srv.AddKey(streamkaptest.Key{Name: "k", API: true})
			path := "/project-keys/" + key.ID
			srv.InjectFault(http.MethodPatch, path, tc.times, tc.fault)

			res, err := srv.Client().ProjectKeys.Update(ctx, key.ID, tc.params)

			assert.Len(t, srv.RequestsTo(http.MethodPatch, path), tc.want.patches, "PATCH requests")
			if tc.want.ok {
				require.NoError(t, err)
				assert.NotNil(t, res)
			} else {
				require.Error(t, err)
				assert.NotContains(t, err.Error(), kafkaPassword)
			}
			for _, kind := range tc.want.is {
				assert.ErrorIs(t, err, kind)
			}
			for _, kind := range tc.want.isNot {
				assert.NotErrorIs(t, err, kind)
			}
			state, _ := srv.Key(key.ID)
			applied := state.Name == "renamed" || state.KafkaUsername == "usr"
			assert.Equal(t, tc.want.applied, applied, "the change is on the server")
			if tc.params.KafkaConfig.IsSet() && applied {
				// Nothing lost: the caller chose the password, and holds it.
				assert.Equal(t, kafkaPassword, state.KafkaPassword.Reveal())
			}
		})
	}
}

func TestSlowTrickleIsBoundedByTheContext(t *testing.T) {
	t.Parallel()
	srv := streamkaptest.NewServer(t)
	key := srv.AddKey(streamkaptest.Key{API: true})
	srv.InjectFault(http.MethodPatch, "/project-keys/"+key.ID, 1, streamkaptest.Trickle(50*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := srv.Client().ProjectKeys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{Name: streamkap.Value("x")})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestExpiredTokensAreRenewedTransparently(t *testing.T) {
	t.Parallel()
	srv := streamkaptest.NewServer(t)
	key := srv.AddKey(streamkaptest.Key{API: true})
	ctx := context.Background()
	_, err := srv.Client().ProjectKeys.Get(ctx, key.ID)
	require.NoError(t, err)

	srv.ExpireTokens()
	srv.ResetRequests()
	_, err = srv.Client().ProjectKeys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{RoleIDs: streamkap.Value([]string{"role-data-admin"})})
	require.NoError(t, err)
	assert.Len(t, srv.RequestsTo(http.MethodPatch, "/project-keys/"+key.ID), 2, "refused once, replayed once")
	assert.Len(t, srv.RequestsTo(http.MethodPost, "/auth/access-token"), 1)
}

func TestTokenEndpointFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := streamkaptest.NewServer(t)
	key := srv.AddKey(streamkaptest.Key{API: true})
	srv.InjectFault(http.MethodPost, "/auth/access-token", 2, streamkaptest.Unavailable())
	_, err := srv.Client().ProjectKeys.Get(ctx, key.ID)
	require.NoError(t, err)
	assert.Len(t, srv.RequestsTo(http.MethodPost, "/auth/access-token"), 3)

	down := streamkaptest.NewServer(t)
	down.InjectFault(http.MethodPost, "/auth/access-token", 100, streamkaptest.DropBeforeApply())
	_, err = down.Client().ProjectKeys.Update(ctx, "pk-1", streamkap.UpdateProjectKeyParams{RoleIDs: streamkap.Value([]string{"r"})})
	require.Error(t, err)
	assert.NotErrorIs(t, err, streamkap.ErrOutcomeUnknown, "the PATCH never left")
	assert.Contains(t, err.Error(), "getting an access token")
	assert.Empty(t, down.RequestsTo(http.MethodPatch, "/project-keys/pk-1"))

	bad := streamkaptest.NewServer(t)
	c, err := streamkap.NewClient(append(bad.ClientOptions(), streamkap.WithClientCredentials("nobody", "wrong"))...)
	require.NoError(t, err)
	_, err = c.ProjectKeys.List(ctx, nil)
	require.ErrorIs(t, err, streamkap.ErrUnauthorized)
	assert.Len(t, bad.RequestsTo(http.MethodPost, "/auth/access-token"), 1, "bad credentials are not retried")
}
