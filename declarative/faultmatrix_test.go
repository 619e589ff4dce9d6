package declarative_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/declarative"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// The layer's fault matrix: every action that issues a shown-once secret,
// under every way its answer can go wrong, checked against what the server
// holds. In every cell: no key is created twice, and every secret the
// server issued or accepted is in the sink, handed back in an error, or
// reported lost (API secrets only, whose loss the SDK cannot prevent);
// Apply reports success only when every secret is in the sink.

// lateBy is how much later than the client's attempt timeout an
// ApplyLate fault applies the write.
const (
	attemptTimeout = 200 * time.Millisecond
	lateBy         = 700 * time.Millisecond
)

type secretAction struct {
	name  string
	seed  func(srv *streamkaptest.Server) // the key before Apply, if any
	spec  declarative.KeySpec
	write func(srv *streamkaptest.Server) (method, path string)
	// replace allows replacement.
	replace bool
	// keyReadsBefore is how many reads of the key Apply sends before the
	// write (-1: its reads of the key must not fail, a replacement's wait).
	keyReadsBefore int
}

func secretActions() []secretAction {
	kafka := streamkap.NullableValue(declarative.KafkaSpec{Username: "bot"})
	api := streamkap.NullableValue(declarative.APISpec{Roles: []string{"Admin"}})
	post := func(*streamkaptest.Server) (string, string) { return http.MethodPost, "/project-keys" }
	patch := func(srv *streamkaptest.Server) (string, string) {
		return http.MethodPatch, "/project-keys/" + srv.KeyIDs()[0]
	}
	return []secretAction{
		{name: "create", spec: declarative.KeySpec{Name: "bot", API: api, Kafka: kafka}, write: post},
		{name: "create kafka-only", spec: declarative.KeySpec{Name: "bot", Kafka: kafka}, write: post},
		{name: "add_kafka_access", seed: func(srv *streamkaptest.Server) {
			srv.AddKey(streamkaptest.Key{Name: "bot", API: true, RoleIDs: []string{"role-admin"}})
		}, spec: declarative.KeySpec{Name: "bot", API: api, Kafka: kafka}, write: patch},
		{name: "add_api_access", seed: func(srv *streamkaptest.Server) {
			srv.AddKey(streamkaptest.Key{Name: "bot", Kafka: true, KafkaUsername: "bot"})
		}, spec: declarative.KeySpec{Name: "bot", API: api, Kafka: kafka}, write: patch, keyReadsBefore: 1},
		{name: "replace", seed: func(srv *streamkaptest.Server) {
			srv.AddKey(streamkaptest.Key{Name: "bot", Kafka: true, KafkaUsername: "old"})
		}, spec: declarative.KeySpec{Name: "bot", API: api, Kafka: kafka}, write: post, replace: true, keyReadsBefore: -1},
	}
}

type secretFault struct {
	name   string
	inject func(srv *streamkaptest.Server, action secretAction, method, path string, sink *memorySink)
	late   bool
}

func secretFaults() []secretFault {
	return []secretFault{
		{name: "answer lost after apply", inject: func(srv *streamkaptest.Server, _ secretAction, method, path string, _ *memorySink) {
			srv.InjectFault(method, path, 1, streamkaptest.DropAfterApply())
		}},
		{name: "answer lost before apply", inject: func(srv *streamkaptest.Server, _ secretAction, method, path string, _ *memorySink) {
			srv.InjectFault(method, path, 1, streamkaptest.DropBeforeApply())
		}},
		{name: "applied late", late: true, inject: func(srv *streamkaptest.Server, _ secretAction, method, path string, _ *memorySink) {
			srv.InjectFault(method, path, 1, streamkaptest.ApplyLate(attemptTimeout+lateBy))
		}},
		{name: "read-back fails", inject: func(srv *streamkaptest.Server, action secretAction, method, path string, _ *memorySink) {
			// Every read after the write fails; those before it do not.
			srv.InjectFault(method, path, 1, streamkaptest.DropAfterApply())
			srv.InjectFaultAfter(http.MethodGet, "/project-keys", 1, 100, streamkaptest.Unavailable())
			if action.keyReadsBefore >= 0 {
				srv.InjectFaultAfter(http.MethodGet, "/project-keys/*", action.keyReadsBefore, 100, streamkaptest.Unavailable())
			}
		}},
		{name: "sink fails", inject: func(_ *streamkaptest.Server, _ secretAction, _, _ string, sink *memorySink) {
			sink.fail = errors.New("vault is sealed")
		}},
	}
}

func TestLayerFaultMatrix(t *testing.T) {
	t.Parallel()
	for _, action := range secretActions() {
		for _, fault := range secretFaults() {
			t.Run(action.name+"/"+fault.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				srv := streamkaptest.NewServer(t)
				if action.seed != nil {
					action.seed(srv)
				}
				before := heldSecrets(srv)
				client, err := srv.NewClient(streamkap.WithAttemptTimeout(attemptTimeout))
				require.NoError(t, err)
				sink := &memorySink{}
				opts := declarative.ApplyOptions{Sink: sink, AllowReplace: action.replace,
					Wait: &streamkap.WaitOptions{MinInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond}}
				method, path := action.write(srv)
				fault.inject(srv, action, method, path, sink)

				_, first := declarative.Apply(ctx, client, action.spec, opts)
				assert.LessOrEqual(t, len(srv.RequestsTo(http.MethodPost, "/project-keys")), 1, "a create is sent at most once per Apply")
				if method == http.MethodPatch {
					assert.LessOrEqual(t, len(srv.RequestsTo(method, path)), 1, "added access is sent at most once per Apply")
				}
				if fault.late {
					time.Sleep(lateBy + 300*time.Millisecond) // the server applies the write now
				}
				srv.ClearFaults()
				kept := accountFor(t, srv, before, sink, first)
				if first == nil {
					assert.Equal(t, kept.handedBack, 0, "success with a secret outside the sink")
				}

				// The next Apply, with the API well, finishes the job.
				sink.mu.Lock()
				sink.fail = nil
				sink.mu.Unlock()
				_, second := declarative.Apply(ctx, client, action.spec, opts)
				if second != nil {
					require.ErrorIs(t, second, streamkap.ErrSecretLost, "the only failure left is a loss already known")
				}
				assert.Len(t, keysNamed(srv, "bot"), 1, "exactly one key of that name")
				accountFor(t, srv, before, sink, errors.Join(first, second))
			})
		}
	}
}

type accounting struct{ inSink, handedBack, reportedLost int }

// accountFor checks that every secret the server holds for keys Apply
// touched is in the sink, handed back by err, or reported lost by err.
func accountFor(t *testing.T, srv *streamkaptest.Server, before map[string]bool, sink *memorySink, err error) accounting {
	t.Helper()
	stored, handed := map[string]bool{}, map[string]bool{}
	collect := func(into map[string]bool, s declarative.ShownOnceSecret) {
		file := s.File()
		if file.API != nil {
			into[file.API.ClientSecret.Reveal()] = true
		}
		if file.Kafka != nil {
			into[file.Kafka.Password.Reveal()] = true
		}
	}
	for _, s := range sink.all() {
		collect(stored, s)
	}
	for _, s := range declarative.UnstoredSecrets(err) {
		collect(handed, s)
	}
	// An API secret whose write's outcome was unknown, or which the SDK
	// knows is lost, has been reported as possibly lost.
	apiLossReported := errors.Is(err, streamkap.ErrSecretLost) || errors.Is(err, streamkap.ErrOutcomeUnknown)
	var a accounting
	for _, id := range srv.KeyIDs() {
		state, _ := srv.Key(id)
		check := func(what string, s streamkap.Secret, mayBeLost bool) {
			switch v := s.Reveal(); {
			case s.IsZero(), before[v]:
			case stored[v]:
				a.inSink++
			case handed[v]:
				a.handedBack++
			case mayBeLost && apiLossReported:
				a.reportedLost++
			default:
				t.Errorf("key %s: its %s is neither in the sink, nor handed back, nor reported lost (err: %v)", id, what, err)
			}
		}
		check("API client secret", state.ClientSecret, true)
		check("Kafka password", state.KafkaPassword, false)
	}
	return a
}

// heldSecrets are the secrets the server holds now: those seeded before
// Apply, which no Apply issued.
func heldSecrets(srv *streamkaptest.Server) map[string]bool {
	out := map[string]bool{}
	for _, id := range srv.KeyIDs() {
		state, _ := srv.Key(id)
		for _, s := range []streamkap.Secret{state.ClientSecret, state.KafkaPassword} {
			if !s.IsZero() {
				out[s.Reveal()] = true
			}
		}
	}
	return out
}

func keysNamed(srv *streamkaptest.Server, name string) []string {
	var out []string
	for _, id := range srv.KeyIDs() {
		if state, _ := srv.Key(id); state.Name == name {
			out = append(out, id)
		}
	}
	return out
}

func TestEveryRoundIsGuarded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := streamkaptest.NewServer(t)
	key := srv.AddKey(streamkaptest.Key{Name: "bot", API: true, RoleIDs: []string{"role-admin"}})
	client, err := srv.NewClient(streamkap.WithAttemptTimeout(attemptTimeout))
	require.NoError(t, err)
	// The rename's answer is lost, and meanwhile someone deletes the key:
	// the next round would create it, which issues a secret, and there is
	// no sink.
	srv.InjectFault(http.MethodPatch, "/project-keys/"+key.ID, 1, streamkaptest.ApplyLate(attemptTimeout+lateBy))
	deleted := make(chan struct{})
	go func() {
		defer close(deleted)
		for len(srv.RequestsTo(http.MethodPatch, "/project-keys/"+key.ID)) == 0 {
			time.Sleep(time.Millisecond)
		}
		assert.NoError(t, srv.Client().ProjectKeys.Delete(ctx, key.ID))
	}()
	spec := declarative.KeySpec{Name: "bot", Description: streamkap.NullableValue("renamed"),
		API: streamkap.NullableValue(declarative.APISpec{Roles: []string{"Admin"}})}
	_, err = declarative.Apply(ctx, client, spec, declarative.ApplyOptions{})
	<-deleted
	require.ErrorIs(t, err, declarative.ErrNoSink)
	assert.ErrorIs(t, err, streamkap.ErrOutcomeUnknown, "the first round's unknown outcome is kept")
	assert.Empty(t, srv.RequestsTo(http.MethodPost, "/project-keys"), "no create without a sink")
}

func TestAReplacementWhoseDeleteAnswerIsLostWaits(t *testing.T) {
	t.Parallel()
	srv := streamkaptest.NewServer(t, streamkaptest.WithDeleteDelay(100*time.Millisecond))
	old := srv.AddKey(streamkaptest.Key{Name: "bot", Kafka: true, KafkaUsername: "old"})
	srv.InjectFault(http.MethodDelete, "/project-keys/"+old.ID, 1, streamkaptest.DropAfterApply())
	sink := &memorySink{}
	spec := declarative.KeySpec{Name: "bot", Kafka: streamkap.NullableValue(declarative.KafkaSpec{Username: "new"})}
	res, err := declarative.Apply(context.Background(), srv.Client(), spec, declarative.ApplyOptions{Sink: sink, AllowReplace: true,
		Wait: &streamkap.WaitOptions{MinInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond}})
	require.NoError(t, err)
	assert.Equal(t, []string{res.KeyID}, srv.KeyIDs(), "the old key is gone, the new one is there")
	state, _ := srv.Key(res.KeyID)
	assert.Equal(t, "new", state.KafkaUsername)
	require.Len(t, sink.all(), 1)
}

func TestFleetPruningWaitsAndReportsOnlyWhatWasTried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fast := &streamkap.WaitOptions{MinInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond}
	t.Run("pruned keys are gone when ApplyFleet returns", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t, streamkaptest.WithDeleteDelay(100*time.Millisecond))
		srv.AddKey(streamkaptest.Key{Name: "fleet-keep", API: true})
		stale := srv.AddKey(streamkaptest.Key{Name: "fleet-stale", API: true})
		specs := []declarative.KeySpec{{Name: "fleet-keep"}}
		opts := declarative.FleetOptions{ApplyOptions: declarative.ApplyOptions{Wait: fast}, Prune: true, PrunePrefix: "fleet-"}
		res, err := declarative.ApplyFleet(ctx, srv.Client(), specs, opts)
		require.NoError(t, err)
		require.Len(t, res.Pruned, 1)
		assert.Equal(t, stale.ID, res.Pruned[0].KeyID)
		_, exists := srv.Key(stale.ID)
		assert.False(t, exists, "waited until it was gone")

		srv.ResetRequests()
		again, err := declarative.ApplyFleet(ctx, srv.Client(), specs, opts)
		require.NoError(t, err)
		assert.Empty(t, again.Pruned)
		assert.Empty(t, writes(srv), "nothing left to delete")
	})
	t.Run("a fleet stopped by an error prunes nothing and reports nothing pruned", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		broken := srv.AddKey(streamkaptest.Key{Name: "fleet-broken", API: true, RoleIDs: []string{"role-admin"}})
		stale := srv.AddKey(streamkaptest.Key{Name: "fleet-stale", API: true})
		srv.InjectFault(http.MethodPatch, "/project-keys/"+broken.ID, 1, streamkaptest.Status(http.StatusForbidden, `{"detail":"no"}`, nil))
		specs := []declarative.KeySpec{{Name: "fleet-broken", Description: streamkap.NullableValue("x")}}
		res, err := declarative.ApplyFleet(ctx, srv.Client(), specs, declarative.FleetOptions{
			ApplyOptions: declarative.ApplyOptions{Wait: fast}, Prune: true, PrunePrefix: "fleet-", StopOnError: true})
		require.ErrorIs(t, err, streamkap.ErrForbidden)
		assert.Empty(t, res.Pruned)
		_, exists := srv.Key(stale.ID)
		assert.True(t, exists)
		assert.Empty(t, srv.RequestsTo(http.MethodDelete, "/project-keys/"+stale.ID))
	})
}

func TestDocumentedFacts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("SpecError.Index is -1 for a spec alone, its place in a fleet", func(t *testing.T) {
		bad := declarative.KeySpec{Name: ""}
		var specErr *declarative.SpecError
		require.ErrorAs(t, bad.Validate(), &specErr)
		assert.Equal(t, -1, specErr.Index)
		srv := streamkaptest.NewServer(t)
		_, err := declarative.PlanFleet(ctx, srv.Client(), []declarative.KeySpec{{Name: "ok"}, bad}, declarative.FleetOptions{})
		require.ErrorAs(t, err, &specErr)
		assert.Equal(t, 1, specErr.Index)
	})
	t.Run("permissions: not compared on a key with permissions, a replacement on a key with roles", func(t *testing.T) {
		srv := streamkaptest.NewServer(t)
		srv.AddKey(streamkaptest.Key{Name: "perm", API: true, PermissionIDs: []string{"project_keys:read"}})
		srv.AddKey(streamkaptest.Key{Name: "role", API: true, RoleIDs: []string{"role-admin"}})
		api := streamkap.NullableValue(declarative.APISpec{Permissions: []string{"project_keys:write"}})
		p, err := declarative.Plan(ctx, srv.Client(), declarative.KeySpec{Name: "perm", API: api})
		require.NoError(t, err)
		assert.True(t, p.NoChanges(), "%v", p.Actions)
		p, err = declarative.Plan(ctx, srv.Client(), declarative.KeySpec{Name: "role", API: api})
		require.NoError(t, err)
		assert.NotEmpty(t, p.ReplaceReasons)
	})
}
