package streamkaptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
)

// TestNoTypeRevealsASecret prints and encodes every type of this package
// that holds a secret, with real secrets in it.
func TestNoTypeRevealsASecret(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	seeded := srv.AddKey(Key{API: true, Kafka: true})
	_, err := srv.Client().ProjectKeys.Update(t.Context(), seeded.ID, streamkap.UpdateProjectKeyParams{
		KafkaPassword: streamkap.Value(streamkap.NewSecret("rotated-password-for-leak-test")),
	})
	require.NoError(t, err)
	state, ok := srv.Key(seeded.ID)
	require.True(t, ok)
	requests := srv.RequestsTo(http.MethodPatch, "/project-keys/"+seeded.ID)
	require.Len(t, requests, 1)
	_, serverSecret := srv.ClientCredentials()

	secrets := []string{seeded.ClientSecret.Reveal(), seeded.KafkaPassword.Reveal(), "rotated-password-for-leak-test", serverSecret.Reveal()}
	for _, s := range secrets {
		require.NotEmpty(t, s)
	}
	values := map[string]any{
		"SeededKey": seeded, "*SeededKey": &seeded, "KeyState": state, "*KeyState": &state,
		"Request": requests[0], "Body": requests[0].Body, "[]Request": srv.Requests(),
		"*Server": srv, "Server": *srv, "Client": srv.Client(),
	}
	pairs := 0
	for name, v := range values {
		outputs := map[string]string{}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			outputs[verb] = fmt.Sprintf(verb, v)
		}
		if b, err := json.Marshal(v); err == nil {
			outputs["json"] = string(b)
		}
		var logs bytes.Buffer
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("v", "v", v)
		slog.New(slog.NewTextHandler(&logs, nil)).Info("v", "v", v)
		outputs["slog"] = logs.String()
		for form, text := range outputs {
			for _, s := range secrets {
				pairs++
				assert.NotContains(t, text, s, "%s under %s", name, form)
			}
		}
	}
	t.Logf("scanned %d (output, secret) pairs", pairs)
	assert.Equal(t, fmt.Sprintf("<%d bytes>", len(requests[0].Body.Bytes())), requests[0].Body.String())
	assert.Contains(t, requests[0].Body.Text(), "rotated-password-for-leak-test", "the body is there on purpose")
}

func TestZeroServerPrints(t *testing.T) {
	t.Parallel()
	var s Server
	assert.Equal(t, "streamkaptest.Server{} (not started)", fmt.Sprint(s))
	assert.Equal(t, "streamkaptest.Server{} (not started)", fmt.Sprintf("%#v", &s))
}
