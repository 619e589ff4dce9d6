package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

func TestTourOnTheEmbeddedFake(t *testing.T) {
	t.Setenv(streamkap.EnvClientID, "")
	t.Setenv(streamkap.EnvSecret, "")
	var out bytes.Buffer
	require.NoError(t, run(nil, &out))
	text := out.String()
	for _, want := range []string{
		`1. Renamed pk-1 to "ingest-bot-v2" with roles [Data Admin]`,
		"warning: Role changes take effect",
		"keep their old roles for up to 1h0m0s",
		`2. Added Kafka access: user "ingest-bot"`,
		"printed, the password is [REDACTED]",
		"password (revealed on purpose): ",
		"3. Rotated the Kafka password (28 characters, held as [REDACTED])",
		`4. Tool profile "agent-operator", blocked [delete_pipeline], allow-list cleared: true`,
		"5. Refused before sending (errors.Is ErrValidation: true):",
		"permission_ids: role_ids and permission_ids are mutually exclusive",
		"6. Created pk-2 with Kafka user \"quickstart-temp\"; its credential file (secrets shown once) is saved with mode -rw-------",
		"   it is active",
		"   added API access: client cid-",
		", secret [REDACTED] (shown once)",
		"   deleted: Get now says not found: true",
	} {
		assert.Contains(t, text, want)
	}
	// The shown-once password appears exactly once: where it is revealed.
	line := text[strings.Index(text, "revealed on purpose): ")+len("revealed on purpose): "):]
	password := line[:strings.IndexByte(line, '\n')]
	assert.Len(t, password, 28)
	assert.Equal(t, 1, strings.Count(text, password))
}

func TestRealAPIModeOnlyReadsUnlessAsked(t *testing.T) {
	srv := streamkaptest.NewServer(t)
	srv.AddClientCredentials("cid", "secret")
	key := srv.AddKey(streamkaptest.Key{ID: "pk-real", Name: "prod-bot", API: true, RoleIDs: []string{"role-admin"}})
	t.Setenv(streamkap.EnvClientID, "cid")
	t.Setenv(streamkap.EnvSecret, "secret")
	t.Setenv(streamkap.EnvHost, srv.URL())

	var out bytes.Buffer
	require.NoError(t, run(nil, &out))
	assert.Contains(t, out.String(), "1 project keys:")
	assert.Contains(t, out.String(), `pk-real                  "prod-bot"`)

	out.Reset()
	require.NoError(t, run([]string{"-key", key.ID}, &out))
	assert.Contains(t, out.String(), `pk-real "prod-bot": status active, roles [Admin]`)

	for _, r := range srv.Requests() {
		assert.NotEqual(t, "PATCH", r.Method, "nothing changes without a flag")
	}

	out.Reset()
	require.NoError(t, run([]string{"-key", key.ID, "-rename", "renamed", "-tool-profile", "read-only"}, &out))
	assert.Contains(t, out.String(), `Updated pk-real: name "renamed", tool profile "read-only"`)
	state, ok := srv.Key(key.ID)
	require.True(t, ok)
	assert.Equal(t, "renamed", state.Name)

	require.Error(t, run([]string{"-key", "missing"}, &out))
	require.Error(t, run([]string{"-bogus"}, &out))
}
