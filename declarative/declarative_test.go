package declarative_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/declarative"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(execHelper(mode))
	}
	goleak.VerifyTestMain(m)
}

// memorySink keeps every secret it is given.
type memorySink struct {
	mu      sync.Mutex
	secrets []declarative.ShownOnceSecret
	fail    error
}

func (s *memorySink) Store(_ context.Context, secret declarative.ShownOnceSecret) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.secrets = append(s.secrets, secret)
	return nil
}

func (s *memorySink) all() []declarative.ShownOnceSecret {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]declarative.ShownOnceSecret(nil), s.secrets...)
}

// writes returns the requests that change something (not GETs, not the
// token exchange).
func writes(srv *streamkaptest.Server) []streamkaptest.Request {
	var out []streamkaptest.Request
	for _, r := range srv.Requests() {
		if r.Method != http.MethodGet && r.Path != "/auth/access-token" {
			out = append(out, r)
		}
	}
	return out
}

func acl(topic string, op streamkap.ACLOperation, pattern streamkap.ACLPatternType) declarative.ACLSpec {
	return declarative.ACLSpec{Topic: topic, Operation: op, Pattern: pattern}
}

// fullSpec manages everything a key has.
func fullSpec(name string) declarative.KeySpec {
	return declarative.KeySpec{
		Name:        name,
		Description: streamkap.NullableValue("Nightly loads"),
		API:         streamkap.NullableValue(declarative.APISpec{Roles: []string{"Data Admin", "read only"}}),
		Kafka: streamkap.NullableValue(declarative.KafkaSpec{
			Username:     "ingest-bot",
			ACLs:         streamkap.Value([]declarative.ACLSpec{acl("orders.", streamkap.OperationRead, streamkap.PatternPrefixed), acl("audit", streamkap.OperationWrite, streamkap.PatternLiteral)}),
			WhitelistIPs: streamkap.Value([]string{"10.0.0.0/8", "192.168.1.7"}),
		}),
		Tools: &declarative.ToolsSpec{
			Profile: streamkap.NullableValue(streamkap.ToolProfileReadOnly),
			Allowed: streamkap.Null[[]string](),
			Blocked: streamkap.NullableValue([]string{"delete_pipeline"}),
		},
	}
}

func TestApplyCreatesAndASecondApplySendsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := streamkaptest.NewServer(t)
	client := srv.Client()
	sink := &memorySink{}
	spec := fullSpec("ingest-bot")

	res, err := declarative.Apply(ctx, client, spec, declarative.ApplyOptions{Sink: sink})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Writes)
	require.Len(t, writes(srv), 1)
	assert.Equal(t, "POST /project-keys", writes(srv)[0].Method+" "+writes(srv)[0].Path)

	state, ok := srv.Key(res.KeyID)
	require.True(t, ok)
	assert.Equal(t, "ingest-bot", state.Name)
	assert.Equal(t, "Nightly loads", *state.Description)
	assert.ElementsMatch(t, []string{"role-data-admin", "role-read-only"}, state.RoleIDs)
	assert.Equal(t, "ingest-bot", state.KafkaUsername)
	assert.Equal(t, "10.0.0.0/8,192.168.1.7", state.WhitelistIPs)
	assert.Len(t, state.KafkaACLs, 2)
	assert.Equal(t, streamkap.ToolProfileReadOnly, state.ToolProfile)
	assert.Equal(t, []string{"delete_pipeline"}, state.BlockedTools)

	// The shown-once credential file went to the sink, with both secrets.
	secrets := sink.all()
	require.Len(t, secrets, 1)
	file := secrets[0].CredentialFile
	require.NotNil(t, file)
	assert.True(t, file.API.ClientSecret.Equal(state.ClientSecret))
	assert.True(t, file.Kafka.Password.Equal(state.KafkaPassword))
	assert.Len(t, file.Kafka.Password.Reveal(), 32, "the Kafka password was chosen client-side")

	srv.ResetRequests()
	again, err := declarative.Apply(ctx, client, spec, declarative.ApplyOptions{Sink: sink})
	require.NoError(t, err)
	assert.Zero(t, again.Writes)
	assert.True(t, again.Plan.NoChanges())
	assert.Empty(t, writes(srv), "a second apply sends no write")
	assert.Len(t, sink.all(), 1)
}

func TestPlanActions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := streamkaptest.NewServer(t)
	client := srv.Client()
	apiOnly := srv.AddKey(streamkaptest.Key{Name: "api-only", API: true, RoleIDs: []string{"role-read-only"}})
	kafkaOnly := srv.AddKey(streamkaptest.Key{Name: "kafka-only", Kafka: true, KafkaUsername: "kafka-only",
		KafkaACLs: []streamkap.KafkaACL{{TopicName: "t", Operation: streamkap.OperationRead, ResourcePatternType: streamkap.PatternLiteral}}})
	srv.AddKey(streamkaptest.Key{Name: "both", API: true, Kafka: true, KafkaUsername: "both"})

	kinds := func(p *declarative.KeyPlan) []declarative.ActionKind {
		var out []declarative.ActionKind
		for _, a := range p.Actions {
			out = append(out, a.Kind)
		}
		return out
	}
	cases := []struct {
		name   string
		spec   declarative.KeySpec
		kinds  []declarative.ActionKind
		change []string // fields of the last action
	}{
		{"create", declarative.KeySpec{Name: "new", API: streamkap.NullableValue(declarative.APISpec{Roles: []string{"Admin"}})},
			[]declarative.ActionKind{declarative.ActionCreate}, []string{"api.roles"}},
		{"add Kafka access", declarative.KeySpec{Name: "api-only", Kafka: streamkap.NullableValue(declarative.KafkaSpec{Username: "bot"})},
			[]declarative.ActionKind{declarative.ActionAddKafkaAccess}, []string{"kafka.username"}},
		{"add API access", declarative.KeySpec{Name: "kafka-only", API: streamkap.NullableValue(declarative.APISpec{Roles: []string{"Admin"}})},
			[]declarative.ActionKind{declarative.ActionAddAPIAccess}, []string{"api.roles"}},
		{"update", declarative.KeySpec{Name: "api-only", Description: streamkap.NullableValue("d"),
			API:   streamkap.NullableValue(declarative.APISpec{Roles: []string{"Admin"}}),
			Tools: &declarative.ToolsSpec{Profile: streamkap.NullableValue(streamkap.ToolProfileFull)}},
			[]declarative.ActionKind{declarative.ActionUpdate}, []string{"description", "api.roles", "tools.profile"}},
		{"roles compare as a set, by name, key or id", declarative.KeySpec{Name: "api-only", API: streamkap.NullableValue(declarative.APISpec{Roles: []string{"readonly"}})},
			nil, nil},
		{"ACLs compare as a set", declarative.KeySpec{Name: "kafka-only", Kafka: streamkap.NullableValue(declarative.KafkaSpec{Username: "kafka-only",
			ACLs: streamkap.Value([]declarative.ACLSpec{{Topic: "t", Operation: "READ", Pattern: "LITERAL", Resource: "TOPIC"}})})},
			nil, nil},
		{"all together", declarative.KeySpec{Name: "kafka-only",
			API: streamkap.NullableValue(declarative.APISpec{Roles: []string{"Admin"}}),
			Kafka: streamkap.NullableValue(declarative.KafkaSpec{Username: "kafka-only", ACLs: streamkap.Value([]declarative.ACLSpec{}),
				WhitelistIPs: streamkap.Value([]string{"10.1.2.3/32"})}),
			Tools: &declarative.ToolsSpec{Blocked: streamkap.NullableValue([]string{"x"})}},
			[]declarative.ActionKind{declarative.ActionAddAPIAccess, declarative.ActionUpdate}, []string{"kafka.acls", "kafka.whitelist_ips", "tools.blocked"}},
		{"replace: a new Kafka username", declarative.KeySpec{Name: "both", Kafka: streamkap.NullableValue(declarative.KafkaSpec{Username: "other"})},
			[]declarative.ActionKind{declarative.ActionDelete, declarative.ActionCreate}, []string{"kafka.username"}},
		{"replace: no API access wanted", declarative.KeySpec{Name: "both", API: streamkap.Null[declarative.APISpec](),
			Kafka: streamkap.NullableValue(declarative.KafkaSpec{Username: "both"})},
			[]declarative.ActionKind{declarative.ActionDelete, declarative.ActionCreate}, []string{"kafka.username"}},
	}
	api, kafka := declarative.SecretAPIClientSecret, declarative.SecretKafkaPassword
	shownOnce := map[string][]string{
		"create": {api}, "add Kafka access": {kafka}, "add API access": {api}, "all together": {api},
		"replace: a new Kafka username": {kafka}, "replace: no API access wanted": {kafka},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetRequests()
			p, err := declarative.Plan(ctx, client, tc.spec)
			require.NoError(t, err)
			assert.Equal(t, tc.kinds, kinds(p))
			assert.Equal(t, shownOnce[tc.name], p.ShownOnce())
			if len(p.Actions) > 0 && tc.change != nil {
				var fields []string
				for _, c := range p.Actions[len(p.Actions)-1].Changes {
					fields = append(fields, c.Field)
				}
				assert.Equal(t, tc.change, fields)
			}
			assert.Empty(t, writes(srv), "a plan sends no write")
		})
	}
	_, _ = apiOnly, kafkaOnly

	// A replacement creates the key from its spec alone: a spec that would
	// create a key with neither API nor Kafka access is refused.
	_, err := declarative.Plan(ctx, client, declarative.KeySpec{Name: "both", API: streamkap.Null[declarative.APISpec]()})
	var specErr *declarative.SpecError
	require.ErrorAs(t, err, &specErr)
	assert.Contains(t, specErr.Problems[0], "api access cannot be removed")
}

func TestDriftIsPlannedBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := streamkaptest.NewServer(t)
	client := srv.Client()
	sink := &memorySink{}
	spec := fullSpec("bot")
	res, err := declarative.Apply(ctx, client, spec, declarative.ApplyOptions{Sink: sink})
	require.NoError(t, err)

	// Someone changes the key by hand.
	_, err = client.ProjectKeys.Update(ctx, res.KeyID, streamkap.UpdateProjectKeyParams{
		Description:  streamkap.NullableValue("changed by hand"),
		KafkaACLs:    streamkap.Value([]streamkap.KafkaACL{}),
		WhitelistIPs: streamkap.Value(""),
		ToolProfile:  streamkap.NullableValue(streamkap.ToolProfileFull),
		AllowedTools: streamkap.NullableValue([]string{"everything"}),
	})
	require.NoError(t, err)
	_, err = client.ProjectKeys.SetRoles(ctx, res.KeyID, []string{"Admin"})
	require.NoError(t, err)

	p, err := declarative.Plan(ctx, client, spec)
	require.NoError(t, err)
	require.Len(t, p.Actions, 1)
	fields := map[string]declarative.Change{}
	for _, c := range p.Actions[0].Changes {
		fields[c.Field] = c
	}
	assert.Equal(t, declarative.Change{Field: "description", Before: "changed by hand", After: "Nightly loads"}, fields["description"])
	assert.Equal(t, []string{"Admin"}, fields["api.roles"].Before)
	assert.Equal(t, []string{}, fields["kafka.acls"].Before)
	assert.Equal(t, []string{"10.0.0.0/8", "192.168.1.7"}, fields["kafka.whitelist_ips"].After)
	assert.Equal(t, "full", fields["tools.profile"].Before)
	assert.Equal(t, declarative.Change{Field: "tools.allowed", Before: []string{"everything"}, After: nil}, fields["tools.allowed"])

	srv.ResetRequests()
	res, err = declarative.Apply(ctx, client, spec, declarative.ApplyOptions{Sink: sink})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Writes, "one PATCH brings it back")
	require.Len(t, writes(srv), 1)
	again, err := declarative.Plan(ctx, client, spec)
	require.NoError(t, err)
	assert.True(t, again.NoChanges(), "%s", again)
}

func TestLostAnswers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a create with API access: found by name, secret reported lost, never created twice", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		srv.InjectFault(http.MethodPost, "/project-keys", 1, streamkaptest.DropAfterApply())
		sink := &memorySink{}
		_, err := declarative.Apply(ctx, srv.Client(), fullSpec("bot"), declarative.ApplyOptions{Sink: sink})
		require.ErrorIs(t, err, streamkap.ErrSecretLost)
		var lost *declarative.LostSecretError
		require.ErrorAs(t, err, &lost)
		require.NotNil(t, lost.Kafka)
		assert.Len(t, srv.KeyIDs(), 1)
		assert.Len(t, srv.RequestsTo(http.MethodPost, "/project-keys"), 1)
		// Its Kafka password was chosen here: it is not lost.
		secrets := sink.all()
		require.Len(t, secrets, 1)
		state, _ := srv.Key(lost.KeyID)
		assert.True(t, secrets[0].Kafka.Password.Equal(state.KafkaPassword))
	})

	t.Run("a Kafka-only create converges", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		srv.InjectFault(http.MethodPost, "/project-keys", 1, streamkaptest.DropAfterApply())
		sink := &memorySink{}
		spec := declarative.KeySpec{Name: "reader", Kafka: streamkap.NullableValue(declarative.KafkaSpec{Username: "reader"})}
		res, err := declarative.Apply(ctx, srv.Client(), spec, declarative.ApplyOptions{Sink: sink})
		require.NoError(t, err)
		state, _ := srv.Key(res.KeyID)
		require.Len(t, sink.all(), 1)
		assert.True(t, sink.all()[0].Kafka.Password.Equal(state.KafkaPassword))
		assert.Len(t, srv.RequestsTo(http.MethodPost, "/project-keys"), 1)
	})

	t.Run("a create whose answer was lost is not sent again in the same Apply", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		srv.InjectFault(http.MethodPost, "/project-keys", 1, streamkaptest.DropBeforeApply())
		sink := &memorySink{}
		_, err := declarative.Apply(ctx, srv.Client(), fullSpec("bot"), declarative.ApplyOptions{Sink: sink})
		require.ErrorIs(t, err, streamkap.ErrOutcomeUnknown)
		var unknown *declarative.OutcomeUnknownError
		require.ErrorAs(t, err, &unknown)
		require.NotNil(t, unknown.Kafka, "the password that was sent is handed back")
		assert.Len(t, declarative.UnstoredSecrets(err), 1)
		assert.Empty(t, srv.KeyIDs())
		assert.Len(t, srv.RequestsTo(http.MethodPost, "/project-keys"), 1)
		assert.Empty(t, sink.all())

		// The next Apply finds no key and creates it, once.
		res, err := declarative.Apply(ctx, srv.Client(), fullSpec("bot"), declarative.ApplyOptions{Sink: sink})
		require.NoError(t, err)
		assert.Len(t, srv.KeyIDs(), 1)
		assert.Len(t, srv.RequestsTo(http.MethodPost, "/project-keys"), 2)
		assert.Equal(t, 1, res.Writes)
		require.Len(t, sink.all(), 1)
	})

	t.Run("adding Kafka access", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		key := srv.AddKey(streamkaptest.Key{Name: "bot", API: true})
		srv.InjectFault(http.MethodPatch, "/project-keys/"+key.ID, 1, streamkaptest.DropAfterApply())
		sink := &memorySink{}
		spec := declarative.KeySpec{Name: "bot", Kafka: streamkap.NullableValue(declarative.KafkaSpec{Username: "bot"})}
		_, err := declarative.Apply(ctx, srv.Client(), spec, declarative.ApplyOptions{Sink: sink})
		require.NoError(t, err)
		state, _ := srv.Key(key.ID)
		require.Len(t, sink.all(), 1)
		assert.True(t, sink.all()[0].Kafka.Password.Equal(state.KafkaPassword), "the password sent is the one in effect")
		assert.Len(t, srv.RequestsTo(http.MethodPatch, "/project-keys/"+key.ID), 1)
	})

	t.Run("adding API access: the secret is reported lost", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		key := srv.AddKey(streamkaptest.Key{Name: "bot", Kafka: true})
		srv.InjectFault(http.MethodPatch, "/project-keys/"+key.ID, 1, streamkaptest.DropAfterApply())
		sink := &memorySink{}
		spec := declarative.KeySpec{Name: "bot", API: streamkap.NullableValue(declarative.APISpec{Roles: []string{"Admin"}})}
		_, err := declarative.Apply(ctx, srv.Client(), spec, declarative.ApplyOptions{Sink: sink})
		require.ErrorIs(t, err, streamkap.ErrSecretLost)
		assert.Empty(t, sink.all())
		assert.Len(t, srv.RequestsTo(http.MethodPatch, "/project-keys/"+key.ID), 1, "never sent twice")
	})

	t.Run("an update converges", func(t *testing.T) {
		t.Parallel()
		srv := streamkaptest.NewServer(t)
		key := srv.AddKey(streamkaptest.Key{Name: "bot", API: true})
		srv.InjectFault(http.MethodPatch, "/project-keys/"+key.ID, 1, streamkaptest.Status(503, `{"detail":"busy"}`, nil))
		spec := declarative.KeySpec{Name: "bot", API: streamkap.NullableValue(declarative.APISpec{Roles: []string{"Read Only"}}),
			Description: streamkap.NullableValue("x")}
		_, err := declarative.Apply(ctx, srv.Client(), spec, declarative.ApplyOptions{})
		require.NoError(t, err)
		state, _ := srv.Key(key.ID)
		assert.Equal(t, []string{"role-read-only"}, state.RoleIDs)
	})
}

func TestAFailingSinkStopsTheApplyAndLosesNothing(t *testing.T) {
	t.Parallel()
	srv := streamkaptest.NewServer(t)
	key := srv.AddKey(streamkaptest.Key{Name: "bot", Kafka: true, KafkaUsername: "bot"})
	_ = key
	sink := &memorySink{fail: errors.New("vault unreachable")}
	// Two secrets in a row: API access for a Kafka-only key, then (after
	// the sink failed) nothing else may be sent.
	spec := declarative.KeySpec{Name: "bot", API: streamkap.NullableValue(declarative.APISpec{Roles: []string{"Admin"}}),
		Description: streamkap.NullableValue("after")}
	srv.ResetRequests()
	res, err := declarative.Apply(context.Background(), srv.Client(), spec, declarative.ApplyOptions{Sink: sink})
	var sinkErr *declarative.SinkError
	require.ErrorAs(t, err, &sinkErr)
	state, _ := srv.Key(res.KeyID)
	require.NotNil(t, sinkErr.Secret.API)
	assert.True(t, sinkErr.Secret.API.ClientSecret.Equal(state.ClientSecret), "the error carries the secret")
	assert.NotContains(t, err.Error(), state.ClientSecret.Reveal())
	assert.Len(t, writes(srv), 1, "the update after it was not sent")
	assert.Nil(t, state.Description)

	// A plan that issues a secret is refused without a sink, before any write.
	srv.ResetRequests()
	_, err = declarative.Apply(context.Background(), srv.Client(), fullSpec("new"), declarative.ApplyOptions{})
	require.ErrorIs(t, err, declarative.ErrNoSink)
	assert.Empty(t, writes(srv))
}

func TestReplacement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := streamkaptest.NewServer(t)
	old := srv.AddKey(streamkaptest.Key{Name: "bot", Kafka: true, KafkaUsername: "old-user"})
	spec := declarative.KeySpec{Name: "bot", Kafka: streamkap.NullableValue(declarative.KafkaSpec{Username: "new-user"})}
	sink := &memorySink{}

	_, err := declarative.Apply(ctx, srv.Client(), spec, declarative.ApplyOptions{Sink: sink})
	var replace *declarative.ReplaceRequiredError
	require.ErrorAs(t, err, &replace)
	assert.Equal(t, old.ID, replace.Plan.KeyID)
	assert.Contains(t, replace.Plan.ReplaceReasons[0], "kafka.username cannot change")
	assert.Empty(t, writes(srv), "refused: nothing sent")

	res, err := declarative.Apply(ctx, srv.Client(), spec, declarative.ApplyOptions{Sink: sink, AllowReplace: true})
	require.NoError(t, err)
	assert.NotEqual(t, old.ID, res.KeyID)
	_, exists := srv.Key(old.ID)
	assert.False(t, exists, "the old key is gone")
	state, _ := srv.Key(res.KeyID)
	assert.Equal(t, "new-user", state.KafkaUsername)
	require.Len(t, sink.all(), 1)
	assert.True(t, sink.all()[0].CredentialFile.Kafka.Password.Equal(state.KafkaPassword))
}

func TestAnAmbiguousNameChangesNothing(t *testing.T) {
	t.Parallel()
	srv := streamkaptest.NewServer(t)
	a := srv.AddKey(streamkaptest.Key{Name: "twin", API: true})
	b := srv.AddKey(streamkaptest.Key{Name: "twin", API: true})
	_, err := declarative.Apply(context.Background(), srv.Client(), declarative.KeySpec{Name: "twin", Description: streamkap.NullableValue("x")}, declarative.ApplyOptions{})
	var ambiguous *declarative.AmbiguousNameError
	require.ErrorAs(t, err, &ambiguous)
	assert.Equal(t, []string{a.ID, b.ID}, ambiguous.KeyIDs)
	assert.ErrorIs(t, err, streamkap.ErrConflict)
	assert.Empty(t, writes(srv))
}

func TestDirSinkWritesCredentialFiles(t *testing.T) {
	t.Parallel()
	srv := streamkaptest.NewServer(t)
	dir := filepath.Join(t.TempDir(), "secrets")
	spec := fullSpec("../etc/passwd")
	res, err := declarative.Apply(context.Background(), srv.Client(), spec, declarative.ApplyOptions{Sink: declarative.DirSink(dir)})
	require.NoError(t, err)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "%2E%2E%2Fetc%2Fpasswd.json", entries[0].Name(), "a name cannot leave the directory")
	info, err := entries[0].Info()
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	dirInfo, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), dirInfo.Mode().Perm())
	data, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	require.NoError(t, err)
	state, _ := srv.Key(res.KeyID)
	assert.Contains(t, string(data), state.ClientSecret.Reveal())
	assert.Contains(t, string(data), state.KafkaPassword.Reveal())
}

func TestDirSinkNamesAreOneToOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	sink := declarative.DirSink(dir)
	names := []string{"team/a", "team_a", "team a", "Team_a", "ключ", "клуб", "svc.api", "svc", "a%2Fb", "a/b",
		strings.Repeat("й", 100), strings.Repeat("й", 99) + "ц"}
	var wrote []string
	for i, name := range names {
		s := declarative.ShownOnceSecret{KeyName: name, KeyID: fmt.Sprintf("pk-%d", i),
			CredentialFile: &streamkap.CredentialFile{ProjectKeyID: fmt.Sprintf("pk-%d", i), Type: streamkap.CredentialFileType,
				API: &streamkap.APICredentials{ClientID: "c", ClientSecret: streamkap.NewSecret(fmt.Sprintf("secret-%d", i))}}}
		require.NoError(t, sink.Store(ctx, s), name)
		wrote = append(wrote, declarative.SecretFileName(s))
	}
	// "svc" given API access must not land on the file of the key "svc.api".
	api := declarative.ShownOnceSecret{KeyName: "svc", KeyID: "pk-svc", API: &streamkap.APICredentials{ClientID: "c2", ClientSecret: streamkap.NewSecret("secret-api")}}
	require.NoError(t, sink.Store(ctx, api))
	wrote = append(wrote, declarative.SecretFileName(api))

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, len(names)+1, "one file per secret: %v", wrote)
	for i := range names {
		data, err := os.ReadFile(filepath.Join(dir, wrote[i]))
		require.NoError(t, err)
		assert.Contains(t, string(data), fmt.Sprintf(`"secret-%d"`, i), "file %s holds its own key's secret", wrote[i])
		assert.LessOrEqual(t, len(wrote[i]), 255)
	}

	// A second secret for a file already written in this run is refused,
	// and the file keeps the first.
	again := declarative.ShownOnceSecret{KeyName: "team/a", KeyID: "pk-x", CredentialFile: &streamkap.CredentialFile{ProjectKeyID: "pk-x",
		API: &streamkap.APICredentials{ClientSecret: streamkap.NewSecret("other")}}}
	require.Error(t, sink.Store(ctx, again))
	data, err := os.ReadFile(filepath.Join(dir, wrote[0]))
	require.NoError(t, err)
	assert.Contains(t, string(data), `"secret-0"`)
}

func TestPlanMarshalsToJSON(t *testing.T) {
	t.Parallel()
	srv := streamkaptest.NewServer(t)
	srv.AddKey(streamkaptest.Key{ID: "pk-9", Name: "bot", API: true, RoleIDs: []string{"role-admin"}})
	p, err := declarative.Plan(context.Background(), srv.Client(), declarative.KeySpec{Name: "bot",
		Description: streamkap.NullableValue("d"), Kafka: streamkap.NullableValue(declarative.KafkaSpec{Username: "bot"})})
	require.NoError(t, err)
	b, err := json.Marshal(p)
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"bot","key_id":"pk-9","actions":[
		{"kind":"add_kafka_access","changes":[{"field":"kafka.username","before":null,"after":"bot"}],"shown_once":["kafka_password"]},
		{"kind":"update","changes":[{"field":"description","before":null,"after":"d"}]}]}`, string(b))
}

func TestLoadSpecs(t *testing.T) {
	t.Parallel()
	good := `{"keys": [
  {"name": "ingest-bot", "description": "Nightly loads",
   "api": {"roles": ["Data Admin"]},
   "kafka": {"username": "ingest-bot", "acls": [{"topic": "orders.", "operation": "READ", "pattern": "PREFIXED"}], "whitelist_ips": ["10.0.0.0/8"]},
   "tools": {"profile": "read-only", "allowed": null, "blocked": ["delete_pipeline"]}},
  {"name": "reader", "kafka": {"username": "reader"}, "description": null}
]}`
	specs, err := declarative.LoadSpecs(bytes.NewReader([]byte(good)))
	require.NoError(t, err)
	require.Len(t, specs, 2)
	assert.Equal(t, "ingest-bot", specs[0].Name)
	assert.True(t, specs[0].Tools.Allowed.IsNull(), "null clears, absent is unmanaged")
	assert.False(t, specs[1].Tools != nil)
	assert.True(t, specs[1].Description.IsNull())
	assert.False(t, specs[1].API.IsSet())
	list, err := declarative.LoadSpecs(bytes.NewReader([]byte(`[{"name":"a","api":{"roles":["Admin"]}}]`)))
	require.NoError(t, err)
	assert.Len(t, list, 1, "a bare list works too")

	bad := `[
  {"name": "a", "api": {"roles": ["Admin"]}},
  {"name": "b",
   "kafka": {"username": "b", "acls": [{"topic": "t", "operation": "READ", "pattern": "LITERAL", "colour": "red"}]}},
  {"name": "a", "api": {"roles": ["Admin"]}},
  {"name": "c", "api": {"roles": ["Admin"], "permissions": ["p"]}},
  {"name": "d", "nickname": "x"},
  {"name": "e", "kafka": {"username": "UPPER", "whitelist_ips": ["not-an-ip"]}}
]`
	_, err = declarative.LoadSpecs(bytes.NewReader([]byte(bad)))
	var loadErr *declarative.LoadError
	require.ErrorAs(t, err, &loadErr)
	text := err.Error()
	for _, want := range []string{
		`keys[1].kafka.acls[0] (line 4, column 98): unknown member "colour"`,
		`keys[2] (line 5, column 3): duplicate name "a" (first at line 2, column 3)`,
		`keys[3] "c" (line 6, column 3): permission_ids: role_ids and permission_ids are mutually exclusive`,
		`keys[4] (line 7, column 17): unknown member "nickname"`,
		`keys[5] "e" (line 8, column 3): kafka_config.username: must be 3 to 24 lowercase letters`,
		`keys[5] "e" (line 8, column 3): kafka.whitelist_ips: "not-an-ip" is not an IP address or CIDR`,
	} {
		assert.Contains(t, text, want)
	}

	_, err = declarative.LoadSpecs(bytes.NewReader([]byte("[\n  {\"name\": \"a\",,}\n]")))
	require.ErrorAs(t, err, &loadErr)
	assert.Contains(t, err.Error(), "line 2, column 16")
	_, err = declarative.LoadSpecs(bytes.NewReader([]byte(`{"specs": []}`)))
	assert.ErrorContains(t, err, `unknown member "specs"`)
	_, err = declarative.LoadSpecs(bytes.NewReader([]byte(`{"keys": [], "extra": 1}`)))
	assert.ErrorContains(t, err, `unknown member "extra"`)
}

func ExampleWritePlan() {
	srv, err := streamkaptest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.AddKey(streamkaptest.Key{Name: "reporter", API: true, RoleIDs: []string{"role-admin"}, ToolProfile: streamkap.ToolProfileFull})
	srv.AddKey(streamkaptest.Key{Name: "steady", API: true})
	specs := []declarative.KeySpec{
		{Name: "ingest-bot", API: streamkap.NullableValue(declarative.APISpec{Roles: []string{"Data Admin"}}),
			Kafka: streamkap.NullableValue(declarative.KafkaSpec{Username: "ingest-bot",
				ACLs: streamkap.Value([]declarative.ACLSpec{{Topic: "orders.", Operation: "READ", Pattern: "PREFIXED"}})})},
		{Name: "reporter", API: streamkap.NullableValue(declarative.APISpec{Roles: []string{"Read Only"}}),
			Tools: &declarative.ToolsSpec{Profile: streamkap.NullableValue(streamkap.ToolProfileReadOnly)}},
		{Name: "steady", API: streamkap.NullableValue(declarative.APISpec{Roles: []string{"Admin"}})},
	}
	plan, err := declarative.PlanFleet(context.Background(), srv.Client(), specs, declarative.FleetOptions{})
	if err != nil {
		panic(err)
	}
	_ = declarative.WritePlan(os.Stdout, plan.Plans())
	// Output:
	// Plan: 1 to create, 1 to change, 0 to replace, 0 to delete, 1 unchanged.
	//
	// + "ingest-bot": create
	//     create (shown once: api_client_secret, kafka_password)
	//       api.roles             ["Data Admin"]
	//       kafka.username        "ingest-bot"
	//       kafka.acls            ["TOPIC PREFIXED orders. READ"]
	//
	// ~ "reporter" (pk-1): update
	//     update
	//       api.roles             ["Admin"] -> ["Read Only"]
	//       tools.profile         "full" -> "read-only"
	//
	// = "steady" (pk-2): no changes
}

func ExampleApply() {
	srv, err := streamkaptest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	dir, err := os.MkdirTemp("", "secrets")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	spec := declarative.KeySpec{
		Name:  "ingest-bot",
		API:   streamkap.NullableValue(declarative.APISpec{Roles: []string{"Data Admin"}}),
		Kafka: streamkap.NullableValue(declarative.KafkaSpec{Username: "ingest-bot"}),
	}
	opts := declarative.ApplyOptions{Sink: declarative.DirSink(dir)} // credential files, mode 0600

	res, err := declarative.Apply(context.Background(), srv.Client(), spec, opts)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.KeyID, res.Writes, "write")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	fmt.Println(len(files), "credential file:", filepath.Base(files[0]))

	// Applying the same spec again sends nothing.
	res, err = declarative.Apply(context.Background(), srv.Client(), spec, opts)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Writes, "writes:", res.Plan.NoChanges())
	// Output:
	// pk-1 1 write
	// 1 credential file: ingest-bot.json
	// 0 writes: true
}
