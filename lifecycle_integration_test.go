package streamkap_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

var fastPoll = &streamkap.WaitOptions{MinInterval: 5 * time.Millisecond, MaxInterval: 20 * time.Millisecond}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := streamkaptest.NewServer(t, streamkaptest.WithCreateDelay(time.Second), streamkaptest.WithDeleteDelay(50*time.Millisecond))
	client := srv.Client()

	roleIDs, err := client.Roles.ResolveIDs(ctx, []string{"Data Admin"})
	require.NoError(t, err)
	assert.Equal(t, []string{"role-data-admin"}, roleIDs)

	file, err := client.ProjectKeys.Create(ctx, streamkap.CreateProjectKeyParams{
		Name: "lifecycle", RoleIDs: roleIDs,
		KafkaConfig: &streamkap.KafkaConfig{Username: "lifecycle", Password: streamkap.NewSecret(kafkaPassword)},
		ToolProfile: streamkap.ToolProfileReadOnly,
	})
	require.NoError(t, err)
	id := file.ProjectKeyID
	assert.Equal(t, kafkaPassword, file.Kafka.Password.Reveal())
	assert.Equal(t, []string{"Data Admin"}, file.API.Roles)

	// The credential file, written to disk, authenticates a new client.
	path := filepath.Join(t.TempDir(), "lifecycle.json")
	require.NoError(t, file.WriteFile(path))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	key, err := client.ProjectKeys.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, streamkap.StatusCreating, key.Status)
	_, err = client.ProjectKeys.Update(ctx, id, streamkap.UpdateProjectKeyParams{Name: streamkap.Value("early")})
	require.ErrorIs(t, err, streamkap.ErrKeyNotReady)

	key, err = client.ProjectKeys.WaitUntilActive(ctx, id, fastPoll)
	require.NoError(t, err)
	assert.Equal(t, streamkap.StatusActive, key.Status)

	own, err := streamkap.NewClient(append(srv.ClientOptions(), streamkap.WithCredentialFile(path))...)
	require.NoError(t, err)
	_, err = own.ProjectKeys.List(ctx, nil)
	require.NoError(t, err, "the key's own credentials work")

	cfg, err := client.ProjectKeys.MCPConfig(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, streamkap.ToolProfileReadOnly, cfg.ToolProfile)
	assert.Equal(t, "lifecycle", cfg.KafkaUsername)

	found, err := client.ProjectKeys.FindByName(ctx, "lifecycle")
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, id, found[0].ID)

	require.NoError(t, client.ProjectKeys.Delete(ctx, id))
	require.NoError(t, client.ProjectKeys.WaitUntilGone(ctx, id, fastPoll))
	_, err = client.ProjectKeys.Get(ctx, id)
	require.ErrorIs(t, err, streamkap.ErrNotFound)
	require.ErrorIs(t, client.ProjectKeys.Delete(ctx, id), streamkap.ErrNotFound)
}

func TestDeleteFailure(t *testing.T) {
	t.Parallel()
	srv := streamkaptest.NewServer(t, streamkaptest.WithDeleteFailure())
	key := srv.AddKey(streamkaptest.Key{API: true})
	ctx := context.Background()
	require.NoError(t, srv.Client().ProjectKeys.Delete(ctx, key.ID))
	err := srv.Client().ProjectKeys.WaitUntilGone(ctx, key.ID, fastPoll)
	require.ErrorIs(t, err, streamkap.ErrDeleteFailed)
}

func TestRetriedDeleteThatFindsNothingIsDone(t *testing.T) {
	t.Parallel()
	srv := streamkaptest.NewServer(t)
	key := srv.AddKey(streamkaptest.Key{API: true})
	srv.InjectFault(http.MethodDelete, "/project-keys/"+key.ID, 1, streamkaptest.DropAfterApply())
	require.NoError(t, srv.Client().ProjectKeys.Delete(context.Background(), key.ID))
	assert.Len(t, srv.RequestsTo(http.MethodDelete, "/project-keys/"+key.ID), 2)
	_, exists := srv.Key(key.ID)
	assert.False(t, exists)
}

func TestCreateUnderFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, tc := range map[string]struct {
		fault   streamkaptest.Fault
		created bool
	}{
		"dropped after apply":  {streamkaptest.DropAfterApply(), true},
		"503":                  {streamkaptest.Unavailable(), false},
		"malformed answer":     {streamkaptest.MalformedJSON(), true},
		"HTML gateway timeout": {streamkaptest.GatewayHTML(504), false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := streamkaptest.NewServer(t)
			srv.InjectFault(http.MethodPost, "/project-keys", 1, tc.fault)
			_, err := srv.Client().ProjectKeys.Create(ctx, streamkap.CreateProjectKeyParams{Name: "fragile", RoleIDs: []string{"role-admin"}})
			var unknown *streamkap.CreateOutcomeUnknownError
			require.ErrorAs(t, err, &unknown)
			assert.Equal(t, "fragile", unknown.Name)
			assert.Len(t, srv.RequestsTo(http.MethodPost, "/project-keys"), 1, "a create is never sent twice")

			// The documented reconciliation.
			found, err := srv.Client().ProjectKeys.FindByName(ctx, "fragile")
			require.NoError(t, err)
			assert.Equal(t, tc.created, len(found) == 1)
		})
	}
}

func TestCapabilityHelpers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("AddKafkaAccess reconciles a dropped answer", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		key := srv.AddKey(streamkaptest.Key{API: true})
		srv.InjectFault(http.MethodPatch, "/project-keys/"+key.ID, 1, streamkaptest.DropAfterApply())
		access, err := srv.Client().ProjectKeys.AddKafkaAccess(ctx, key.ID, streamkap.AddKafkaAccessParams{Username: "bot"})
		require.NoError(t, err)
		assert.True(t, access.Reconciled)
		state, _ := srv.Key(key.ID)
		assert.True(t, access.Credentials.Password.Equal(state.KafkaPassword), "nothing lost: the password the server holds")
		assert.Equal(t, "kafka.streamkap.test:32400", access.Credentials.BootstrapServers)
		assert.Len(t, srv.RequestsTo(http.MethodPatch, "/project-keys/"+key.ID), 1)
	})

	t.Run("AddKafkaAccess when the change did not apply", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		key := srv.AddKey(streamkaptest.Key{API: true})
		srv.InjectFault(http.MethodPatch, "/project-keys/"+key.ID, 1, streamkaptest.GatewayHTML(502))
		_, err := srv.Client().ProjectKeys.AddKafkaAccess(ctx, key.ID, streamkap.AddKafkaAccessParams{Username: "bot"})
		require.ErrorIs(t, err, streamkap.ErrOutcomeUnknown)
		assert.Contains(t, err.Error(), "has no Kafka user after the failure")
	})

	t.Run("RotateKafkaPassword survives a dropped answer", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		key := srv.AddKey(streamkaptest.Key{Kafka: true})
		srv.InjectFault(http.MethodPatch, "/project-keys/"+key.ID, 1, streamkaptest.DropAfterApply())
		password, err := srv.Client().ProjectKeys.RotateKafkaPassword(ctx, key.ID, streamkap.GeneratePassword())
		require.NoError(t, err)
		state, _ := srv.Key(key.ID)
		assert.True(t, password.Equal(state.KafkaPassword))
		assert.Len(t, srv.RequestsTo(http.MethodPatch, "/project-keys/"+key.ID), 2, "retried, with the same password")
	})

	t.Run("AddAPIAccess", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		key := srv.AddKey(streamkaptest.Key{Kafka: true})
		res, err := srv.Client().ProjectKeys.AddAPIAccess(ctx, key.ID, streamkap.AddAPIAccessParams{RoleIDs: []string{"role-read-only"}})
		require.NoError(t, err)
		state, _ := srv.Key(key.ID)
		assert.True(t, res.NewAPICredentials.ClientSecret.Equal(state.ClientSecret))

		_, err = srv.Client().ProjectKeys.AddAPIAccess(ctx, key.ID, streamkap.AddAPIAccessParams{RoleIDs: []string{"role-admin"}})
		require.ErrorIs(t, err, streamkap.ErrConflict)
	})

	t.Run("AddAPIAccess whose answer is lost", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		key := srv.AddKey(streamkaptest.Key{Kafka: true})
		srv.InjectFault(http.MethodPatch, "/project-keys/"+key.ID, 1, streamkaptest.DropAfterApply())
		_, err := srv.Client().ProjectKeys.AddAPIAccess(ctx, key.ID, streamkap.AddAPIAccessParams{PermissionIDs: []string{"project_keys:write"}})
		require.ErrorIs(t, err, streamkap.ErrSecretLost)
		var lost *streamkap.APIAccessLostError
		require.ErrorAs(t, err, &lost)
		state, _ := srv.Key(key.ID)
		assert.Equal(t, state.ClientID, lost.ClientID)
		assert.NotContains(t, err.Error(), state.ClientSecret.Reveal())
	})

	t.Run("SetToolScoping", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		key := srv.AddKey(streamkaptest.Key{API: true, ToolProfile: streamkap.ToolProfileFull, AllowedTools: []string{"a"}})
		_, err := srv.Client().ProjectKeys.SetToolScoping(ctx, key.ID, streamkap.ToolScoping{
			Profile: streamkap.NullableValue(streamkap.ToolProfileAgentOperator), AllowedTools: streamkap.Null[[]string](),
		})
		require.NoError(t, err)
		cfg, err := srv.Client().ProjectKeys.MCPConfig(ctx, key.ID)
		require.NoError(t, err)
		assert.Equal(t, streamkap.ToolProfileAgentOperator, cfg.ToolProfile)
		assert.Nil(t, cfg.AllowedTools)
	})
}
