package declarative_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/declarative"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// fleetSpecs returns n specs of every shape: API-only, Kafka-only with
// ACLs and an allow-list, both, tool scoping.
func fleetSpecs(n int) []declarative.KeySpec {
	specs := make([]declarative.KeySpec, n)
	for i := range specs {
		name := fmt.Sprintf("fleet-%03d", i)
		spec := declarative.KeySpec{Name: name, Description: streamkap.NullableValue("key " + name)}
		if i%3 != 1 {
			spec.API = streamkap.NullableValue(declarative.APISpec{Roles: []string{[]string{"Admin", "Data Admin", "Read Only"}[i%3]}})
		}
		if i%3 != 0 {
			spec.Kafka = streamkap.NullableValue(declarative.KafkaSpec{Username: fmt.Sprintf("user-%03d", i),
				ACLs:         streamkap.Value([]declarative.ACLSpec{{Topic: name + ".", Operation: "READ", Pattern: "PREFIXED"}}),
				WhitelistIPs: streamkap.Value([]string{fmt.Sprintf("10.0.%d.0/24", i%250)})})
		}
		if i%4 == 0 {
			spec.Tools = &declarative.ToolsSpec{Profile: streamkap.NullableValue(streamkap.ToolProfileReadOnly), Blocked: streamkap.NullableValue([]string{"delete_pipeline"})}
		}
		specs[i] = spec
	}
	return specs
}

func TestAFleetUnderFaultsConvergesAndASecondRunSendsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := streamkaptest.NewServer(t)
	// Half of the keys exist already, some drifted.
	specs := fleetSpecs(200)
	for i := 0; i < 200; i += 2 {
		key := streamkaptest.Key{Name: specs[i].Name}
		if specs[i].API.IsSet() {
			key.API, key.RoleIDs = true, []string{"role-admin"}
		}
		if kafka, ok := specs[i].Kafka.Get(); ok {
			key.Kafka, key.KafkaUsername = true, kafka.Username
		}
		srv.AddKey(key)
	}
	// Random 503s and 429s on every Project Keys request, from a fixed seed.
	for i, path := range []string{"/project-keys", "/project-keys/*"} {
		srv.InjectRandomFault("*", path, 0.05, uint64(1+i), streamkaptest.Unavailable())
		srv.InjectRandomFault("*", path, 0.05, uint64(11+i), streamkaptest.RateLimited("0"))
	}
	sink := &memorySink{}
	var progressMu sync.Mutex
	var progress []int
	opts := declarative.FleetOptions{
		ApplyOptions: declarative.ApplyOptions{Sink: sink},
		Concurrency:  8,
		Progress: func(done, total int) {
			progressMu.Lock()
			progress = append(progress, done)
			progressMu.Unlock()
			assert.Equal(t, 200, total)
		},
	}
	res, err := declarative.ApplyFleet(ctx, srv.Client(), specs, opts)
	require.Len(t, res.Keys, 200)
	assert.Len(t, progress, 200)
	assert.Equal(t, 200, progress[len(progress)-1])
	// A create or added access whose answer was lost is not sent again in
	// the same run: it is reported, and the next run finishes it.
	for run := 2; err != nil; run++ {
		for _, r := range res.Keys {
			if r.Err != nil {
				var unknown *declarative.OutcomeUnknownError
				require.ErrorAs(t, r.Err, &unknown, "only an unconfirmed secret-issuing write may fail: %v", r.Err)
			}
		}
		require.Less(t, run, 5, "converges within a few runs")
		res, err = declarative.ApplyFleet(ctx, srv.Client(), specs, declarative.FleetOptions{ApplyOptions: opts.ApplyOptions, Concurrency: 8})
	}
	assert.Len(t, srv.KeyIDs(), 200, "no key created twice")
	t.Logf("%d requests for 200 specs under faults", len(srv.Requests()))

	// Every shown-once secret reached the sink, and matches the server.
	created := 0
	for _, s := range sink.all() {
		state, ok := srv.Key(s.KeyID)
		require.True(t, ok)
		if s.CredentialFile != nil {
			created++
			if s.CredentialFile.API != nil {
				assert.True(t, s.CredentialFile.API.ClientSecret.Equal(state.ClientSecret))
			}
		}
		if s.Kafka != nil {
			assert.True(t, s.Kafka.Password.Equal(state.KafkaPassword))
		}
	}
	assert.Equal(t, 100, created)

	srv.ClearFaults()
	srv.ResetRequests()
	again, err := declarative.ApplyFleet(ctx, srv.Client(), specs, opts)
	require.NoError(t, err)
	assert.Zero(t, again.Writes())
	assert.Empty(t, writes(srv), "the second run sends no write")
}

func TestFleetPlanningReadsTheListOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := streamkaptest.NewServer(t)
	specs := fleetSpecs(30)
	// Create them, then count what a plan reads.
	_, err := declarative.ApplyFleet(ctx, srv.Client(), specs, declarative.FleetOptions{ApplyOptions: declarative.ApplyOptions{Sink: &memorySink{}}})
	require.NoError(t, err)
	srv.ResetRequests()
	res, err := declarative.PlanFleet(ctx, srv.Client(), specs, declarative.FleetOptions{})
	require.NoError(t, err)
	for _, r := range res.Keys {
		assert.True(t, r.Plan.NoChanges(), "%s", r.Plan)
	}
	detailed := 0
	for _, s := range specs {
		if s.Kafka.IsSet() {
			detailed++ // manages ACLs and an allow-list: the list does not carry them
		}
	}
	lists, gets := 0, 0
	for _, r := range srv.Requests() {
		switch {
		case r.Method == http.MethodGet && r.Path == "/project-keys":
			lists++
		case r.Method == http.MethodGet:
			gets++
		default:
			t.Errorf("planning sent %s %s", r.Method, r.Path)
		}
	}
	assert.Equal(t, 1, lists)
	assert.Equal(t, detailed, gets)

	// A change then costs exactly the writes needed.
	srv.ResetRequests()
	specs[0].Description = streamkap.NullableValue("changed")
	specs[1].Description = streamkap.NullableValue("changed")
	res, err = declarative.ApplyFleet(ctx, srv.Client(), specs, declarative.FleetOptions{})
	require.NoError(t, err)
	assert.Equal(t, 2, res.Writes())
	assert.Len(t, srv.Requests(), 1+detailed+2)
}

func TestFleetPruning(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := streamkaptest.NewServer(t)
	keep := srv.AddKey(streamkaptest.Key{Name: "bot-keep", API: true})
	stale := srv.AddKey(streamkaptest.Key{Name: "bot-stale", API: true})
	other := srv.AddKey(streamkaptest.Key{Name: "human-owned", API: true})
	specs := []declarative.KeySpec{{Name: "bot-keep", API: streamkap.NullableValue(declarative.APISpec{Roles: []string{"Admin"}})}}

	_, err := declarative.ApplyFleet(ctx, srv.Client(), specs, declarative.FleetOptions{Prune: true})
	require.ErrorIs(t, err, streamkap.ErrValidation, "pruning needs a prefix")

	plan, err := declarative.ApplyFleet(ctx, srv.Client(), specs, declarative.FleetOptions{Prune: true, PrunePrefix: "bot-", DryRun: true})
	require.NoError(t, err)
	require.Len(t, plan.Pruned, 1)
	assert.Equal(t, stale.ID, plan.Pruned[0].KeyID)
	assert.Empty(t, writes(srv), "never in a dry run")

	res, err := declarative.ApplyFleet(ctx, srv.Client(), specs, declarative.FleetOptions{Prune: true, PrunePrefix: "bot-"})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Writes())
	_, exists := srv.Key(stale.ID)
	assert.False(t, exists)
	for _, id := range []string{keep.ID, other.ID} {
		_, exists := srv.Key(id)
		assert.True(t, exists)
	}
}

func TestFleetFailuresAreReportedPerSpec(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := streamkaptest.NewServer(t)
	srv.AddKey(streamkaptest.Key{Name: "twin", API: true})
	srv.AddKey(streamkaptest.Key{Name: "twin", API: true})
	specs := []declarative.KeySpec{
		{Name: "twin", Description: streamkap.NullableValue("x")},
		{Name: "fine", API: streamkap.NullableValue(declarative.APISpec{Roles: []string{"Admin"}})},
	}
	res, err := declarative.ApplyFleet(ctx, srv.Client(), specs, declarative.FleetOptions{ApplyOptions: declarative.ApplyOptions{Sink: &memorySink{}}})
	require.Error(t, err)
	var ambiguous *declarative.AmbiguousNameError
	require.ErrorAs(t, res.Keys[0].Err, &ambiguous)
	assert.NoError(t, res.Keys[1].Err, "one failure does not stop the others")
	assert.Len(t, srv.KeyIDs(), 3)

	// Specs are checked before anything is read: a duplicate name is refused.
	srv.ResetRequests()
	_, err = declarative.ApplyFleet(ctx, srv.Client(), append(specs, specs[1]), declarative.FleetOptions{})
	require.ErrorIs(t, err, streamkap.ErrValidation)
	assert.Empty(t, srv.Requests())
}
