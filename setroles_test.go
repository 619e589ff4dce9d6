package streamkap_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

func TestSetRoles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a role change is retried like a rename", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		key := srv.AddKey(streamkaptest.Key{API: true, RoleIDs: []string{"role-read-only"}})
		srv.InjectFault(http.MethodPatch, "/project-keys/"+key.ID, 2, streamkaptest.Unavailable())
		res, err := srv.Client().ProjectKeys.SetRoles(ctx, key.ID, []string{"data admin", "role-read-only"})
		require.NoError(t, err)
		assert.Nil(t, res.NewAPICredentials)
		patches := srv.RequestsTo(http.MethodPatch, "/project-keys/"+key.ID)
		require.Len(t, patches, 3)
		for _, p := range patches {
			assert.JSONEq(t, `{"role_ids":["role-data-admin","role-read-only"]}`, p.Body.Text())
		}
		state, _ := srv.Key(key.ID)
		assert.Equal(t, []string{"role-data-admin", "role-read-only"}, state.RoleIDs)
	})

	t.Run("a lost answer is resent, not reported as unknown", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		key := srv.AddKey(streamkaptest.Key{API: true})
		srv.InjectFault(http.MethodPatch, "/project-keys/"+key.ID, 1, streamkaptest.DropAfterApply())
		_, err := srv.Client().ProjectKeys.SetRoles(ctx, key.ID, []string{"Read Only"})
		require.NoError(t, err)
		assert.Len(t, srv.RequestsTo(http.MethodPatch, "/project-keys/"+key.ID), 2)
	})

	t.Run("a key without API access is refused before any write", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		key := srv.AddKey(streamkaptest.Key{Kafka: true})
		_, err := srv.Client().ProjectKeys.SetRoles(ctx, key.ID, []string{"Admin"})
		require.ErrorIs(t, err, streamkap.ErrRefused)
		assert.ErrorContains(t, err, "AddAPIAccess")
		assert.Empty(t, srv.RequestsTo(http.MethodPatch, "/project-keys/"+key.ID))
		state, _ := srv.Key(key.ID)
		assert.Empty(t, state.ClientID, "no API credentials were created")
	})

	t.Run("an unknown role is refused before any write", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		key := srv.AddKey(streamkaptest.Key{API: true})
		_, err := srv.Client().ProjectKeys.SetRoles(ctx, key.ID, []string{"Superuser"})
		var unknown *streamkap.UnknownRoleError
		require.ErrorAs(t, err, &unknown)
		assert.Empty(t, srv.RequestsTo(http.MethodPatch, "/project-keys/"+key.ID))
	})

	t.Run("bad input is refused before any I/O", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		for _, tc := range []struct {
			id    string
			roles []string
		}{{"pk-1", nil}, {"pk-1", []string{""}}, {"", []string{"Admin"}}, {"a/b", []string{"Admin"}}} {
			_, err := srv.Client().ProjectKeys.SetRoles(ctx, tc.id, tc.roles)
			var verr *streamkap.ValidationError
			require.True(t, errors.As(err, &verr), "%v", tc)
			assert.Equal(t, "ProjectKeys.SetRoles", verr.Operation)
		}
		assert.Empty(t, srv.Requests())
	})
}

// TestResponseInfoForEveryOperation: every operation fills WithResponseInfo.
func TestResponseInfoForEveryOperation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := streamkaptest.NewServer(t)
	api := srv.AddKey(streamkaptest.Key{API: true})
	kafka := srv.AddKey(streamkaptest.Key{Kafka: true})
	plain := srv.AddKey(streamkaptest.Key{API: true})
	keys, roles := srv.Client().ProjectKeys, srv.Client().Roles
	ops := map[string]func(opt streamkap.CallOption) error{
		"List": func(o streamkap.CallOption) error { _, err := keys.List(ctx, nil, o); return err },
		"Get":  func(o streamkap.CallOption) error { _, err := keys.Get(ctx, api.ID, o); return err },
		"Update": func(o streamkap.CallOption) error {
			_, err := keys.Update(ctx, api.ID, streamkap.UpdateProjectKeyParams{Name: streamkap.Value("n")}, o)
			return err
		},
		"Create": func(o streamkap.CallOption) error {
			_, err := keys.Create(ctx, streamkap.CreateProjectKeyParams{Name: "c", RoleIDs: []string{"role-admin"}}, o)
			return err
		},
		"FindByName":      func(o streamkap.CallOption) error { _, err := keys.FindByName(ctx, "c", o); return err },
		"MCPConfig":       func(o streamkap.CallOption) error { _, err := keys.MCPConfig(ctx, api.ID, o); return err },
		"WaitUntilActive": func(o streamkap.CallOption) error { _, err := keys.WaitUntilActive(ctx, api.ID, nil, o); return err },
		"AddKafkaAccess": func(o streamkap.CallOption) error {
			_, err := keys.AddKafkaAccess(ctx, api.ID, streamkap.AddKafkaAccessParams{Username: "usr"}, o)
			return err
		},
		"RotateKafkaPassword": func(o streamkap.CallOption) error {
			_, err := keys.RotateKafkaPassword(ctx, kafka.ID, streamkap.GeneratePassword(), o)
			return err
		},
		"AddAPIAccess": func(o streamkap.CallOption) error {
			_, err := keys.AddAPIAccess(ctx, kafka.ID, streamkap.AddAPIAccessParams{RoleIDs: []string{"role-admin"}}, o)
			return err
		},
		"SetRoles": func(o streamkap.CallOption) error {
			_, err := keys.SetRoles(ctx, api.ID, []string{"Admin"}, o)
			return err
		},
		"SetToolScoping": func(o streamkap.CallOption) error {
			_, err := keys.SetToolScoping(ctx, api.ID, streamkap.ToolScoping{Profile: streamkap.Null[streamkap.ToolProfile]()}, o)
			return err
		},
		"Roles.List":       func(o streamkap.CallOption) error { _, err := roles.List(ctx, o); return err },
		"Roles.ResolveIDs": func(o streamkap.CallOption) error { _, err := roles.ResolveIDs(ctx, []string{"Admin"}, o); return err },
		"Delete":           func(o streamkap.CallOption) error { return keys.Delete(ctx, plain.ID, o) },
		"WaitUntilGone":    func(o streamkap.CallOption) error { return keys.WaitUntilGone(ctx, plain.ID, nil, o) },
	}
	for _, name := range []string{"List", "Get", "Update", "Create", "FindByName", "MCPConfig", "WaitUntilActive", "AddKafkaAccess",
		"RotateKafkaPassword", "AddAPIAccess", "SetRoles", "SetToolScoping", "Roles.List", "Roles.ResolveIDs", "Delete", "WaitUntilGone"} {
		srv.ResetRequests()
		var info streamkap.ResponseInfo
		require.NoError(t, ops[name](streamkap.WithResponseInfo(&info)), name)
		recorded := srv.Requests()
		require.NotEmpty(t, recorded, name)
		assert.NotEmpty(t, info.RequestID, name)
		assert.GreaterOrEqual(t, info.Attempts, 1, name)
		assert.NotZero(t, info.StatusCode, name)
	}
	assert.Len(t, ops, 16, "every operation is listed")

	// Retries and failures are described too.
	srv.InjectFault(http.MethodGet, "/project-keys/"+api.ID, 1, streamkaptest.Unavailable())
	var info streamkap.ResponseInfo
	_, err := keys.Get(ctx, api.ID, streamkap.WithResponseInfo(&info))
	require.NoError(t, err)
	assert.Equal(t, 2, info.Attempts)
	_, err = keys.Get(ctx, "pk-missing", streamkap.WithResponseInfo(&info))
	require.ErrorIs(t, err, streamkap.ErrNotFound)
	assert.Equal(t, http.StatusNotFound, info.StatusCode)
	assert.Equal(t, 1, info.Attempts)
}
