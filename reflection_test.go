package streamkap_test

// Reflection-based printers ignore String, Format and GoString: fmt on an
// unexported field, go-spew with DisableMethods, and testify's diffs (which
// use spew that way). No plaintext secret may be reachable by them: not a
// Secret's, not the client's bearer header, not its client secret.

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/davecgh/go-spew/spew"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// diffRecorder is a testify TestingT that keeps the failure messages.
type diffRecorder struct{ messages strings.Builder }

func (r *diffRecorder) Errorf(format string, args ...any) {
	fmt.Fprintf(&r.messages, format, args...)
}

// app is how a program holds a client: in an unexported field, by value.
type app struct {
	client streamkap.Client
	name   string
}

// reflectionDumps renders v the ways that ignore its methods.
func reflectionDumps(v any) map[string]string {
	noMethods := spew.ConfigState{DisableMethods: true, DisablePointerMethods: true, Indent: " "}
	return map[string]string{
		"spew DisableMethods": noMethods.Sdump(v),
		"spew default":        spew.Sdump(v),
		"fmt %+v":             fmt.Sprintf("%+v", v),
		"fmt %#v":             fmt.Sprintf("%#v", v),
	}
}

func TestReflectionPrintersCannotReachSecrets(t *testing.T) {
	t.Parallel()
	srv := streamkaptest.NewServer(t)
	key := srv.AddKey(streamkaptest.Key{API: true, Kafka: true})
	clientID, clientSecret := srv.ClientCredentials()
	client, err := streamkap.NewClient(append(srv.ClientOptions(), streamkap.WithClientCredentials(clientID, clientSecret.Reveal()))...)
	require.NoError(t, err)
	_, err = client.ProjectKeys.Get(context.Background(), key.ID) // a token is cached: the bearer header exists
	require.NoError(t, err)
	tokens := srv.IssuedTokens()
	require.NotEmpty(t, tokens)

	password := streamkap.NewSecret("PLANTED-reflection-password-1")
	values := map[string]any{
		"Secret":                   password,
		"*Secret":                  &password,
		"KafkaCredentials":         streamkap.KafkaCredentials{Username: "usr", Password: password},
		"an app holding a Client":  app{client: *client, name: "a"},
		"*Client":                  client,
		"UpdateProjectKeyParams":   streamkap.UpdateProjectKeyParams{KafkaPassword: streamkap.Value(password)},
		"KafkaOutcomeUnknownError": &streamkap.KafkaOutcomeUnknownError{Password: password},
	}
	secrets := []string{password.Reveal(), clientSecret.Reveal(), key.ClientSecret.Reveal(), key.KafkaPassword.Reveal()}
	for _, tok := range tokens {
		secrets = append(secrets, tok.Reveal())
	}
	for name, v := range values {
		for form, text := range reflectionDumps(v) {
			for _, secret := range secrets {
				assert.NotContains(t, text, secret, "%s through %s", name, form)
			}
		}
	}

	// testify's diff of two values that differ only in their secrets.
	var rec diffRecorder
	other := streamkap.NewSecret("PLANTED-reflection-password-2")
	assert.Equal(&rec, streamkap.KafkaCredentials{Username: "usr", Password: password}, streamkap.KafkaCredentials{Username: "v", Password: other})
	assert.Equal(&rec, app{client: *client}, app{client: streamkap.Client{}})
	assert.Equal(&rec, &streamkap.CredentialFile{Kafka: &streamkap.KafkaCredentials{Password: password}}, &streamkap.CredentialFile{})
	diffs := rec.messages.String()
	require.Contains(t, diffs, "Diff:", "testify printed its diffs")
	for _, secret := range append(secrets, other.Reveal()) {
		assert.NotContains(t, diffs, secret, "testify's diff")
	}
	assert.NotContains(t, diffs, "Bearer ")
}
