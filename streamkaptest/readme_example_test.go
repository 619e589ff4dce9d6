package streamkaptest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// RenameKey is the code under test.
func RenameKey(ctx context.Context, keys *streamkap.ProjectKeysService, id, name string) error {
	_, err := keys.Update(ctx, id, streamkap.UpdateProjectKeyParams{Name: streamkap.Value(name)})
	return err
}

func TestRenameKey(t *testing.T) {
	srv := streamkaptest.NewServer(t)
	key := srv.AddKey(streamkaptest.Key{Name: "ingest-bot", API: true})

	// The first attempt meets a 503: a rename is safe to resend, so the SDK retries it.
	srv.InjectFault(http.MethodPatch, "/project-keys/"+key.ID, 1, streamkaptest.Unavailable())

	if err := RenameKey(t.Context(), srv.Client().ProjectKeys, key.ID, "ingest-bot-v2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := srv.Key(key.ID); got.Name != "ingest-bot-v2" {
		t.Fatalf("name on the server = %q", got.Name)
	}
	if n := len(srv.RequestsTo(http.MethodPatch, "/project-keys/"+key.ID)); n != 2 {
		t.Fatalf("%d PATCH requests, want 2", n)
	}
	err := RenameKey(t.Context(), srv.Client().ProjectKeys, "pk-missing", "x")
	if !errors.Is(err, streamkap.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}
