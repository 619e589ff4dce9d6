package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

func TestTourOnTheEmbeddedFake(t *testing.T) {
	srv, err := startFake()
	require.NoError(t, err)
	defer srv.Close()
	var out bytes.Buffer
	require.NoError(t, tour(context.Background(), &out, srv))
	text := out.String()
	for _, want := range []string{
		`1. Renamed pk-1 to "ingest-bot-v2" (request id req-`,
		"roles now [Data Admin] (2 attempts: the first met a 503); tokens already issued keep their old roles for up to 1h0m0s",
		`2. Added Kafka access: user "ingest-bot"`,
		`its password (32 characters) prints as [REDACTED], and as "[REDACTED]" in JSON`,
		"3. Rotated the Kafka password (32 characters, printed [REDACTED])",
		`4. Tool profile "agent-operator", blocked [delete_pipeline], allow-list cleared: true`,
		"5. Refused before sending (errors.Is ErrValidation: true):",
		"permission_ids: role_ids and permission_ids are mutually exclusive",
		"refused by the server (errors.Is ErrValidation: true): 422 whitelist_ips: String should have at most 1000 characters",
		"a missing key (errors.Is ErrNotFound: true): streamkap: GET /project-keys/pk-missing: 404 Not Found",
		`6. Created pk-2 with Kafka user "quickstart-temp"; its credential file is saved as `,
		"(mode -rw-------; the directory is removed at the end)",
		"   it is active",
		"   added API access: client cid-",
		"its secret (shown once) prints as [REDACTED]",
		"   deleted: Get now says not found: true",
	} {
		assert.Contains(t, text, want)
	}

	// No secret the server holds or issued, nor the client's own, is printed.
	_, clientSecret := srv.ClientCredentials()
	secrets := append(srv.IssuedTokens(), clientSecret)
	for _, id := range srv.KeyIDs() {
		state, _ := srv.Key(id)
		secrets = append(secrets, state.ClientSecret, state.KafkaPassword)
	}
	for _, s := range secrets {
		if !s.IsZero() {
			assert.NotContains(t, text, s.Reveal())
		}
	}
	// The credential file's directory is named, and gone.
	dir := regexp.MustCompile(`saved as (\S+)/pk-2\.json`).FindStringSubmatch(text)
	require.Len(t, dir, 2)
	_, err = os.Stat(dir[1])
	assert.True(t, errors.Is(err, os.ErrNotExist), "the temporary directory is removed")
}

func TestFlagsWithoutCredentials(t *testing.T) {
	t.Setenv(streamkap.EnvClientID, "")
	t.Setenv(streamkap.EnvSecret, "")
	var out, errOut bytes.Buffer
	err := run([]string{"-h"}, &out, &errOut)
	assert.ErrorIs(t, err, flag.ErrHelp, "-h is not a failure: main exits 0")
	assert.Contains(t, errOut.String(), "Usage: go run ./examples/quickstart")

	for _, args := range [][]string{{"-key", "pk-1"}, {"-key", "pk-1", "-rename", "x"}, {"-rename", "x"}, {"extra"}} {
		err := run(args, &out, &errOut)
		assert.ErrorIs(t, err, errUsage, "%v is not silently ignored", args)
	}
	assert.Error(t, run([]string{"-bogus"}, &out, &errOut))
	assert.Empty(t, out.String(), "nothing ran")
}

func TestRealAPIModeOnlyReadsUnlessAsked(t *testing.T) {
	srv := streamkaptest.NewServer(t)
	srv.AddClientCredentials("cid", "secret")
	key := srv.AddKey(streamkaptest.Key{ID: "pk-real", Name: "prod-bot", API: true, RoleIDs: []string{"role-admin"}})
	t.Setenv(streamkap.EnvClientID, "cid")
	t.Setenv(streamkap.EnvSecret, "secret")
	t.Setenv(streamkap.EnvHost, srv.URL())

	var out, errOut bytes.Buffer
	require.NoError(t, run(nil, &out, &errOut))
	assert.Contains(t, out.String(), "1 project keys:")
	assert.Contains(t, out.String(), `pk-real                  "prod-bot"`)

	out.Reset()
	require.NoError(t, run([]string{"-key", key.ID}, &out, &errOut))
	assert.Contains(t, out.String(), `pk-real "prod-bot": status active, roles [Admin]`)

	for _, r := range srv.Requests() {
		assert.NotEqual(t, "PATCH", r.Method, "nothing changes without a flag")
	}

	out.Reset()
	require.NoError(t, run([]string{"-key", key.ID, "-rename", "renamed", "-tool-profile", "read-only"}, &out, &errOut))
	assert.Contains(t, out.String(), `Updated pk-real: name "renamed", tool profile "read-only"`)
	state, ok := srv.Key(key.ID)
	require.True(t, ok)
	assert.Equal(t, "renamed", state.Name)

	err := run([]string{"-key", "missing"}, &out, &errOut)
	assert.ErrorIs(t, err, streamkap.ErrNotFound)
	assert.True(t, strings.Contains(err.Error(), "404"))
}
