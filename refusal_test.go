package streamkap_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// The API documents which writes it refuses, not its words: whatever the
// wording, even none at all, a refusal is known by the key's status.
var wordings = map[string]func(string) string{
	"the fake's own":        func(d string) string { return d },
	"another server's":      func(string) string { return "Cannot update project key while its status is 'creating'" },
	"no status word":        func(string) string { return "Bad request" },
	"a rule in other words": func(string) string { return "Operation not permitted for this key" },
}

func TestRefusalsAreKnownByWhatTheServerHolds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, wording := range wordings {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := streamkaptest.NewServer(t, streamkaptest.WithRefusalWording(wording))
			c := srv.Client()

			creating := srv.AddKey(streamkaptest.Key{Name: "new", API: true})
			srv.SetKeyStatus(creating.ID, streamkap.StatusCreating)
			_, err := c.ProjectKeys.Update(ctx, creating.ID, streamkap.UpdateProjectKeyParams{Name: streamkap.Value("x")})
			require.ErrorIs(t, err, streamkap.ErrKeyNotReady, "PATCH of a creating key: %v", err)
			assert.NotErrorIs(t, err, streamkap.ErrRefused)
			err = c.ProjectKeys.Delete(ctx, creating.ID)
			require.ErrorIs(t, err, streamkap.ErrKeyNotReady, "DELETE of a creating key: %v", err)

			// A rule broken on a ready key: refused, not "not ready".
			apiOnly := srv.AddKey(streamkaptest.Key{Name: "api", API: true})
			_, err = c.ProjectKeys.RotateKafkaPassword(ctx, apiOnly.ID, streamkap.GeneratePassword())
			require.ErrorIs(t, err, streamkap.ErrRefused, "a rotation on a key without Kafka: %v", err)
			assert.NotErrorIs(t, err, streamkap.ErrKeyNotReady)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestADeleteOfAKeyBeingDeletedIsDone(t *testing.T) {
	t.Parallel()
	for name, wording := range wordings {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := streamkaptest.NewServer(t)
			key := srv.AddKey(streamkaptest.Key{Name: "k", API: true})
			srv.SetKeyStatus(key.ID, streamkap.StatusDeleting)
			// A server that refuses a second DELETE, in its own words.
			srv.InjectFault(http.MethodDelete, "/project-keys/"+key.ID, 1,
				streamkaptest.Status(http.StatusBadRequest, `{"detail":"`+strings.ReplaceAll(wording("Project key is deleting"), `'`, `'`)+`"}`, nil))
			require.NoError(t, srv.Client().ProjectKeys.Delete(context.Background(), key.ID))
			assert.Len(t, srv.RequestsTo(http.MethodGet, "/project-keys/"+key.ID), 1, "one read settled it")
		})
	}
	t.Run("delete_failed stays an error", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		key := srv.AddKey(streamkaptest.Key{Name: "k", API: true})
		srv.SetKeyStatus(key.ID, streamkap.StatusDeleteFailed)
		srv.InjectFault(http.MethodDelete, "/project-keys/"+key.ID, 1, streamkaptest.Status(http.StatusBadRequest, `{"detail":"Bad request"}`, nil))
		err := srv.Client().ProjectKeys.Delete(context.Background(), key.ID)
		require.ErrorIs(t, err, streamkap.ErrKeyNotReady)
		var refusal *streamkap.RefusalError
		require.ErrorAs(t, err, &refusal)
		assert.Equal(t, streamkap.StatusDeleteFailed, refusal.Status)
	})
}
