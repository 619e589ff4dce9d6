package streamkap

// One test (or more) for each finding of the hardening review: what a
// hostile or broken API host, proxy or gateway could make the SDK do.
// Each failed on the code before the fix.

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// otherHost is a server no request may ever reach.
func otherHost(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var reached atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		_, _ = io.WriteString(w, `{"accessToken":"`+plantedTokenPrefix+`evil","id":"pk-1","project_key_id":"pk-1"}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &reached
}

// Finding 1: a 307/308 from the token endpoint replayed the client secret
// to another host, whose token was then used.
func TestTokenEndpointRedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	other, reached := otherHost(t)
	for _, status := range []int{301, 302, 303, 307, 308} {
		var exchanges atomic.Int32
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/auth/access-token" {
				exchanges.Add(1)
				http.Redirect(w, r, other.URL+"/auth/access-token", status)
				return
			}
			t.Errorf("%d: %s reached the API without a token", status, r.URL.Path)
		}))
		c, err := NewClient(WithBaseURL(api.URL), WithClientCredentials(plantedClientID, plantedClientSecret),
			WithRetryWait(time.Millisecond, time.Millisecond))
		require.NoError(t, err)
		_, err = c.ProjectKeys.Get(context.Background(), "pk-1")
		require.ErrorIs(t, err, ErrRedirect, "%d", status)
		assert.ErrorContains(t, err, "getting an access token")
		assert.EqualValues(t, 1, exchanges.Load(), "%d: a redirect is not retried", status)
		api.Close()
	}
	assert.Zero(t, reached.Load(), "the client secret never left for another host")
}

// Finding 1: 301/302/303 turned a PATCH into a GET, and Update,
// RotateKafkaPassword and an add-Kafka update reported success although
// nothing was applied; a redirect to an unreachable host made a create look
// never sent, so it was sent four times.
func TestWriteRedirectsAreErrorsNotSuccesses(t *testing.T) {
	t.Parallel()
	other, reached := otherHost(t)
	unreachable := "http://" + refusedAddr(t)
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, target := range []string{"", other.URL, unreachable} {
			var writes atomic.Int32
			api := newLoopbackAPI(t, func(w http.ResponseWriter, r *http.Request) {
				writes.Add(1)
				http.Redirect(w, r, target+r.URL.Path, status)
			})
			c := api.client(t)
			ctx := context.Background()
			_, err := c.ProjectKeys.Update(ctx, "pk-1", UpdateProjectKeyParams{Name: Value("n")})
			assert.ErrorIs(t, err, ErrRedirect)
			_, err = c.ProjectKeys.RotateKafkaPassword(ctx, "pk-1", NewSecret(plantedKafkaPass))
			assert.ErrorIs(t, err, ErrRedirect)
			_, err = c.ProjectKeys.Update(ctx, "pk-1", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{Username: "usr", Password: NewSecret(plantedKafkaPass)})})
			assert.ErrorIs(t, err, ErrRedirect)
			var kafkaErr *KafkaOutcomeUnknownError
			require.ErrorAs(t, err, &kafkaErr, "a redirect leaves a write's outcome open")
			assert.Equal(t, plantedKafkaPass, kafkaErr.Password.Reveal())
			_, err = c.ProjectKeys.Create(ctx, CreateProjectKeyParams{Name: "n", RoleIDs: []string{"r"}})
			assert.ErrorIs(t, err, ErrRedirect)
			assert.ErrorIs(t, err, ErrOutcomeUnknown)
			assert.EqualValues(t, 4, writes.Load(), "%d to %q: each write sent once", status, target)
		}
	}
	assert.Zero(t, reached.Load())
}

// Finding 1: ids with "/" reached another key or endpoint once the API
// decoded the path ("K/" is answered with a redirect to K).
func TestIDsThatCannotNameOneKeyAreRefused(t *testing.T) {
	t.Parallel()
	api := newLoopbackAPI(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("%s %s was sent", r.Method, r.URL.RawPath)
	})
	c := api.client(t)
	for _, id := range []string{"K/", "K/mcp-config", "/K", "..", ".", `K\`, "K\r\nX: y", "K\x1b[31m", "K\u2028"} {
		ctx := context.Background()
		_, err := c.ProjectKeys.Get(ctx, id)
		assert.ErrorIs(t, err, ErrValidation, "%q", id)
		_, err = c.ProjectKeys.Update(ctx, id, UpdateProjectKeyParams{Name: Value("n")})
		assert.ErrorIs(t, err, ErrValidation, "%q", id)
		assert.ErrorIs(t, c.ProjectKeys.Delete(ctx, id), ErrValidation, "%q", id)
		_, err = c.ProjectKeys.MCPConfig(ctx, id)
		assert.ErrorIs(t, err, ErrValidation, "%q", id)
		var verr *ValidationError
		require.ErrorAs(t, err, &verr)
		assert.NotContains(t, verr.Error(), "\n")
	}
	assert.Equal(t, 0, len(api.uris), "not even a token exchange")
}

// Finding 2: a possibly-applied attempt followed by an answer that proves
// nothing (429 until attempts ran out, 400, 409) lost the unknown outcome.
func TestOutcomeMemory(t *testing.T) {
	t.Parallel()
	rename := func(c *Client) error {
		_, err := c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{Name: Value("n")})
		return err
	}
	cases := map[string]struct {
		method    string
		call      func(c *Client) error
		responses []httpmock.Responder
		is        []error
	}{
		"503 then 429 until attempts run out": {http.MethodPatch, rename,
			[]httpmock.Responder{jsonResponder(503, `{}`), jsonResponder(429, `{"detail":"slow down"}`)}, []error{ErrOutcomeUnknown, ErrRateLimited}},
		"reset then 409": {http.MethodPatch, rename,
			[]httpmock.Responder{errorResponder(errReset), jsonResponder(409, `{"detail":"conflict"}`)}, []error{ErrOutcomeUnknown, ErrConflict}},
		"502 then 400": {http.MethodPatch, rename,
			[]httpmock.Responder{jsonResponder(502, `{}`), jsonResponder(400, `{"detail":"bad"}`)}, []error{ErrOutcomeUnknown}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(tc.method, "/project-keys/pk-1", tc.responses...)
			err := tc.call(h.c)
			for _, kind := range tc.is {
				assert.ErrorIs(t, err, kind)
			}
		})
	}
	t.Run("DELETE dropped after apply, then a 400 while deleting: done", func(t *testing.T) {
		t.Parallel()
		for _, detail := range []string{"Project key is deleting", "Cannot delete project key while its status is 'deleting'", "Bad request"} {
			h := newHarness(t)
			h.on(http.MethodDelete, "/project-keys/pk-1", errorResponder(io.ErrUnexpectedEOF), jsonResponder(400, `{"detail":"`+detail+`"}`))
			h.on(http.MethodGet, "/project-keys/pk-1", jsonResponder(200, `{"id":"pk-1","name":"k","service_id":"s","status":"deleting"}`))
			require.NoError(t, h.c.ProjectKeys.Delete(context.Background(), "pk-1"), detail)
			assert.Len(t, h.sent(http.MethodGet, "/project-keys/pk-1"), 1, "one read settles it")
		}
	})
	t.Run("a read is never an unknown outcome", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(http.MethodGet, "/project-keys/pk-1", jsonResponder(503, `{}`), jsonResponder(404, `{"detail":"gone"}`))
		_, err := h.c.ProjectKeys.Get(context.Background(), "pk-1")
		assert.ErrorIs(t, err, ErrNotFound)
		assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	})
}

// Finding 3: Update with KafkaConfig and no password let the server make
// one; a lost answer left a Kafka user whose password nobody held.
func TestAKafkaPasswordIsAlwaysTheCallers(t *testing.T) {
	t.Parallel()
	sent := make(chan string, 1)
	api := newLoopbackAPI(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var wire struct {
			KafkaConfig struct {
				Password string `json:"password"`
			} `json:"kafka_config"`
		}
		assert.NoError(t, jsonUnmarshal(string(body), &wire)) // not require: this is the server's goroutine
		sent <- wire.KafkaConfig.Password
		conn, _, _ := w.(http.Hijacker).Hijack() // applied, then the answer is lost
		_ = conn.Close()
	})
	_, err := api.client(t).ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{Username: "usr"})})
	var kafkaErr *KafkaOutcomeUnknownError
	require.ErrorAs(t, err, &kafkaErr)
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	sentPassword := <-sent
	assert.Len(t, sentPassword, 32, "a password was generated client-side")
	assert.Equal(t, sentPassword, kafkaErr.Password.Reveal(), "and the error carries it")
	assert.Equal(t, "usr", kafkaErr.Username)
	assert.NotContains(t, err.Error(), sentPassword)
}

// Finding 4: a 101 answer followed by silence hung past every deadline.
func TestSwitchingProtocolsThenSilenceDoesNotHang(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	api := newLoopbackAPI(t, func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: evil\r\nConnection: Upgrade\r\nX-Request-Id: req-101\r\n\r\n")
		_ = buf.Flush()
		<-release // silence
	})
	c := api.client(t, WithAttemptTimeout(time.Minute))
	done := make(chan error, 2)
	go func() {
		_, err := c.ProjectKeys.Get(context.Background(), "pk-1")
		done <- err
		_, err = c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{Name: Value("n")})
		done <- err
	}()
	for _, write := range []bool{false, true} {
		select {
		case err := <-done:
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, http.StatusSwitchingProtocols, apiErr.StatusCode)
			assert.Equal(t, write, errors.Is(err, ErrOutcomeUnknown), "only the write's outcome is open")
		case <-time.After(20 * time.Second): // a hang guard, not a timing goal
			t.Fatal("the call hung on a 101 answer")
		}
	}
}

// Finding 4: the per-attempt timeout was lost with WithHTTPClient(&http.Client{}).
func TestTheAttemptTimeoutHoldsWithACallersClient(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		mt := httpmock.NewMockTransport()
		mt.RegisterResponder(http.MethodGet, testBase+"/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")).Delay(time.Hour))
		c, err := NewClient(WithBaseURL(testBase), WithToken(plantedTokenPrefix+"1"), WithMaxAttempts(1),
			WithHTTPClient(&http.Client{Transport: mt})) // what otelhttp users pass: no Timeout
		require.NoError(t, err)
		start := time.Now()
		_, err = c.ProjectKeys.Get(context.Background(), "pk-1")
		assert.Equal(t, DefaultAttemptTimeout, time.Since(start))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

// Finding 4: the per-attempt timeout also bounds a body that never ends,
// on a transport that does not watch the context itself.
func TestTheAttemptTimeoutBoundsBodiesOnAnyTransport(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		stuck := &blockingBody{closed: make(chan struct{})}
		rt := roundTripFunc(func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 503, Header: http.Header{}, Body: stuck}, nil
		})
		c, err := NewClient(WithBaseURL(testBase), WithToken("t"), WithMaxAttempts(1),
			WithHTTPClient(&http.Client{Transport: rt}), WithAttemptTimeout(5*time.Second))
		require.NoError(t, err)
		start := time.Now()
		_, err = c.ProjectKeys.Get(context.Background(), "pk-1")
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 5*time.Second, time.Since(start), "the error body's read ends at the deadline")
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// blockingBody blocks every Read until closed, as a stalled connection does.
type blockingBody struct{ closed chan struct{} }

func (b *blockingBody) Read([]byte) (int, error) { <-b.closed; return 0, net.ErrClosed }
func (b *blockingBody) Close() error {
	select {
	case <-b.closed:
	default:
		close(b.closed)
	}
	return nil
}

// Finding 4: expiresIn 9999999999 overflowed time.Duration: two exchanges per call.
func TestAHugeTokenLifetimeIsClamped(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.onToken(jsonResponder(200, `{"accessToken":"`+plantedTokenPrefix+`1","expiresIn":9999999999}`))
	h.on(http.MethodGet, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")))
	for range 3 {
		_, err := h.c.ProjectKeys.Get(context.Background(), "pk-1")
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, h.exchanges.Load())
}

// Finding 4 and 7: a token that cannot go in a header is refused once, not
// cached; the same for a WithToken, admin ids and user-agent suffix.
func TestTokensAndHeaderValuesWithLineBreaks(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.onToken(jsonResponder(200, `{"accessToken":"tok\r\nX-Evil: 1","expiresIn":3600}`))
	_, err := h.c.ProjectKeys.Get(context.Background(), "pk-1")
	require.ErrorIs(t, err, ErrMalformedResponse)
	assert.Empty(t, h.sent(http.MethodGet, "/project-keys/pk-1"))
	assert.NotContains(t, err.Error(), "X-Evil")

	for name, opt := range map[string]Option{
		"token":        WithToken("tok\r\nX-Evil: 1"),
		"admin tenant": WithAdminTenant("t\r\nX-Evil: 1"),
		"admin svc":    WithAdminService("s\nX"),
		"user agent":   WithUserAgent("app/1\r\nX-Evil: 1"),
	} {
		opts := []Option{opt}
		if name != "token" {
			opts = append(opts, WithToken("t"))
		}
		_, err := NewClient(opts...)
		var cfgErr *ConfigError
		require.ErrorAs(t, err, &cfgErr, name)
		assert.NotContains(t, err.Error(), "X-Evil", name)
	}
}

// Finding 5: server text reached errors unredacted, through every channel.
func TestEveryServerTextChannelIsRedacted(t *testing.T) {
	t.Parallel()
	b64 := base64.StdEncoding.EncodeToString([]byte(plantedKafkaPass))
	embedded := base64.StdEncoding.EncodeToString([]byte("xy:" + plantedKafkaPass + ":z"))
	// The 200-character cut falls 15 characters into the password.
	html := "<html><body>" + strings.Repeat("a", maxSnippetRunes-len("<html><body>")-15) + plantedKafkaPass + "</body></html>"
	spaced := "<p>\r\n" + plantedClientSecret + "\t\t</p>"
	channels := map[string]httpmock.Responder{
		"422 loc":                jsonResponder(422, `{"detail":[{"loc":["body","`+plantedKafkaPass+`"],"msg":"bad","type":"t"}]}`),
		"422 type":               jsonResponder(422, `{"detail":[{"loc":["body"],"msg":"bad","type":"`+plantedClientSecret+`"}]}`),
		"422 msg":                jsonResponder(422, `{"detail":[{"loc":["body"],"msg":"echo `+plantedKafkaPass+`","type":"t"}]}`),
		"detail string":          jsonResponder(400, `{"detail":"you sent `+plantedKafkaPass+`"}`),
		"detail object code":     jsonResponder(400, `{"detail":{"code":"`+plantedKafkaPass+`","message":"m"}}`),
		"detail object message":  jsonResponder(400, `{"detail":{"message":"m `+plantedClientSecret+`","input":"`+plantedKafkaPass+`"}}`),
		"X-Request-Id":           jsonResponder(400, `{"detail":"x"}`, "X-Request-Id", "req-"+plantedKafkaPass),
		"HTML at the cut":        jsonResponder(502, html, "Content-Type", "text/html"),
		"HTML with whitespace":   jsonResponder(502, spaced, "Content-Type", "text/html"),
		"base64 of the password": jsonResponder(400, `{"detail":"`+b64+`"}`),
		"base64 inside a blob":   jsonResponder(400, `{"detail":"`+embedded+`"}`),
		"JSON-escaped":           jsonResponder(400, `{"detail":"`+strings.ReplaceAll(plantedKafkaPass, "-", `\u002d`)+`"}`),
		"unparsable Location": func(*http.Request) (*http.Response, error) {
			resp := httpmock.NewStringResponse(302, "")
			resp.Header.Set("Location", "http://"+plantedKafkaPass+"%zz/\x7f")
			return resp, nil
		},
		"Location host": func(*http.Request) (*http.Response, error) {
			resp := httpmock.NewStringResponse(307, "")
			resp.Header.Set("Location", "https://"+strings.ToLower(plantedClientSecret)+".evil.test/x")
			return resp, nil
		},
		"current token": jsonResponder(400, `{"detail":"token `+plantedTokenPrefix+`1"}`),
	}
	for name, responder := range channels {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var logs strings.Builder
			h := newHarness(t, WithLogger(slog.New(slog.NewJSONHandler(&syncWriter{w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			h.on(http.MethodPatch, "/project-keys/pk-1", responder)
			_, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{KafkaPassword: Value(NewSecret(plantedKafkaPass))})
			require.Error(t, err)
			for form, text := range errorRenderings(err) {
				for _, secret := range []string{plantedKafkaPass, plantedClientSecret, strings.ToLower(plantedClientSecret), b64[:20], plantedTokenPrefix + "1",
					plantedKafkaPass[:12], plantedClientSecret[:12]} { // a cut must not leave a secret's start either
					assert.NotContains(t, text, secret, "%s leaks through %s", name, form)
				}
				assert.NotContains(t, strings.TrimSuffix(text, "\n"), "\n", "%s: %s stays on one line", name, form)
			}
			assert.NotContains(t, logs.String(), plantedKafkaPass)
		})
	}
}

// Finding 5: the secret of a credential file, and a token replaced by a
// renewal (still valid on the server), were unknown to the redactor.
func TestEarlierTokensAndFileSecretsAreRedacted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "key.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"api":{"client_id":"cid","client_secret":"`+plantedNewAPISecret+`"}}`), 0o600))
	h := newHarness(t)
	c, err := NewClient(WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: h.mt}), WithCredentialFile(path),
		WithRetryWait(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	// The first token is refused once (renewed), then the server echoes
	// both the old token and the file's secret.
	h.on(http.MethodGet, "/project-keys/pk-1",
		jsonResponder(401, `{"detail":"expired"}`),
		jsonResponder(400, `{"detail":"old `+plantedTokenPrefix+`1 secret `+plantedNewAPISecret+`"}`))
	_, err = c.ProjectKeys.Get(context.Background(), "pk-1")
	require.Error(t, err)
	assert.EqualValues(t, 2, h.exchanges.Load(), "the token was renewed")
	assert.NotContains(t, err.Error(), plantedTokenPrefix+"1")
	assert.NotContains(t, err.Error(), plantedNewAPISecret)
}

// Finding 5: CR, LF and ESC from the server forged log lines through Error().
func TestServerControlCharactersAreEscaped(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodGet, "/project-keys/pk-1", jsonResponder(400,
		`{"detail":"bad\r\ntime=2026 level=ERROR msg=forged \u001b[31mred\u2028"}`, "X-Request-Id", "r\x01q"))
	_, err := h.c.ProjectKeys.Get(context.Background(), "pk-1")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, `bad\r\ntime=2026 level=ERROR msg=forged \x1b[31mred\u2028`, apiErr.Detail)
	assert.NotContains(t, err.Error(), "\n")
	assert.NotContains(t, err.Error(), "\x1b")
}

// Finding 5: a base URL that did not parse was quoted whole, password included.
func TestConfigErrorsNeverQuoteUserInfo(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"https://user:" + plantedClientSecret + "@api.test/%zz",
		"https://user:" + plantedClientSecret + "@api.test",
		"ftp://user:" + plantedClientSecret + "@api.test",
		"http://user:" + plantedClientSecret + "@example.com",
		"https://api.test/?token=" + plantedClientSecret,
		"https://user:" + plantedClientSecret + "@[::1",
	} {
		_, err := NewClient(WithBaseURL(raw), WithToken("t"))
		var cfgErr *ConfigError
		require.ErrorAs(t, err, &cfgErr, raw)
		assert.NotContains(t, err.Error(), plantedClientSecret, raw)
	}
}

// Finding 7: a 2xx {} or null, or another endpoint's body, was a success
// with empty results.
func TestSuccessBodiesMustCarryWhatTheOperationReturns(t *testing.T) {
	t.Parallel()
	summary := `{"id":"pk-1","name":"k","status":"active"}` // a GET answer where a create answer was due
	cases := map[string]struct {
		method, path string
		body         string
		call         func(c *Client) error
		write        bool
	}{
		"Get {}":       {http.MethodGet, "/project-keys/pk-1", `{}`, func(c *Client) error { _, err := c.ProjectKeys.Get(context.Background(), "pk-1"); return err }, false},
		"Get null":     {http.MethodGet, "/project-keys/pk-1", `null`, func(c *Client) error { _, err := c.ProjectKeys.Get(context.Background(), "pk-1"); return err }, false},
		"List [{}]":    {http.MethodGet, "/project-keys", `[{}]`, func(c *Client) error { _, err := c.ProjectKeys.List(context.Background(), nil); return err }, false},
		"MCPConfig {}": {http.MethodGet, "/project-keys/pk-1/mcp-config", `{}`, func(c *Client) error { _, err := c.ProjectKeys.MCPConfig(context.Background(), "pk-1"); return err }, false},
		"Roles [{}]":   {http.MethodGet, "/auth/roles", `[{"name":"x"}]`, func(c *Client) error { _, err := c.Roles.List(context.Background()); return err }, false},
		"Update {}": {http.MethodPatch, "/project-keys/pk-1", `{}`, func(c *Client) error {
			_, err := c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{Name: Value("n")})
			return err
		}, true},
		"Create {}": {http.MethodPost, "/project-keys", `{}`, func(c *Client) error {
			_, err := c.ProjectKeys.Create(context.Background(), CreateProjectKeyParams{Name: "n", RoleIDs: []string{"r"}})
			return err
		}, true},
		"Create null": {http.MethodPost, "/project-keys", `null`, func(c *Client) error {
			_, err := c.ProjectKeys.Create(context.Background(), CreateProjectKeyParams{Name: "n", RoleIDs: []string{"r"}})
			return err
		}, true},
		"Create summary": {http.MethodPost, "/project-keys", summary, func(c *Client) error {
			_, err := c.ProjectKeys.Create(context.Background(), CreateProjectKeyParams{Name: "n", RoleIDs: []string{"r"}})
			return err
		}, true},
		"Create no secret": {http.MethodPost, "/project-keys", `{"project_key_id":"pk-1","api":{"client_id":"c"}}`, func(c *Client) error {
			_, err := c.ProjectKeys.Create(context.Background(), CreateProjectKeyParams{Name: "n", RoleIDs: []string{"r"}})
			return err
		}, true},
		"add Kafka, GET answer": {http.MethodPatch, "/project-keys/pk-1", summary, func(c *Client) error {
			_, err := c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{Username: "usr"})})
			return err
		}, true},
		"permission_ids, no secret": {http.MethodPatch, "/project-keys/pk-1", summary, func(c *Client) error {
			_, err := c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{PermissionIDs: Value([]string{"p"})})
			return err
		}, true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(tc.method, tc.path, jsonResponder(200, tc.body))
			err := tc.call(h.c)
			require.ErrorIs(t, err, ErrMalformedResponse)
			assert.Equal(t, tc.write, errors.Is(err, ErrOutcomeUnknown))
			assert.Len(t, h.sent(tc.method, tc.path), 1)
		})
	}
}

// Finding 7: key ids reached log records inside error strings.
func TestLogsCarryNoIDs(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	h := newHarness(t, WithLogger(slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	const id = "pk-secret-looking-id-42"
	h.on(http.MethodGet, "/project-keys/"+id, jsonResponder(503, `{"detail":"no `+id+`"}`), jsonResponder(404, `{"detail":"Project key `+id+` not found"}`))
	h.on(http.MethodDelete, "/project-keys/"+id, errorResponder(errReset))
	_, _ = h.c.ProjectKeys.Get(context.Background(), id)
	_ = h.c.ProjectKeys.Delete(context.Background(), id)
	out := logs.String()
	assert.NotContains(t, out, id)
	assert.Contains(t, out, "route=/project-keys/{project_key_id}")
	assert.Contains(t, out, "error_kind=not_found")
	assert.Contains(t, out, "level=WARN", "a call that fails logs at Warn")
	assert.Contains(t, out, `msg="streamkap retry" method=GET route=/project-keys/{project_key_id} attempt=1 wait=`)
	assert.Contains(t, out, "status=503")
	assert.Contains(t, out, "error_kind=connection")
}

// Finding 7: a credential file that is a FIFO blocked every call, a huge
// one was read whole before the size check, a world-readable one was used
// silently.
func TestCredentialFilesAreReadSafely(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	exchange := func(t *testing.T, path string) (logged string, err error) {
		t.Helper()
		var logs strings.Builder
		h := newHarness(t)
		c, err := NewClient(WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: h.mt}), WithCredentialFile(path),
			WithLogger(slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil))))
		require.NoError(t, err)
		h.on(http.MethodGet, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err = c.ProjectKeys.Get(ctx, "pk-1")
		return logs.String(), err
	}
	if runtime.GOOS != "windows" {
		t.Run("FIFO", func(t *testing.T) {
			fifo := filepath.Join(dir, "fifo.json")
			require.NoError(t, syscall.Mkfifo(fifo, 0o600))
			_, err := exchange(t, fifo)
			require.Error(t, err)
			assert.ErrorContains(t, err, "not a regular file")
			assert.NotErrorIs(t, err, context.DeadlineExceeded, "refused at once, not after blocking")
		})
		t.Run("world-readable", func(t *testing.T) {
			open := filepath.Join(dir, "open.json")
			require.NoError(t, os.WriteFile(open, []byte(`{"api":{"client_id":"cid","client_secret":"`+plantedNewAPISecret+`"}}`), 0o644))
			require.NoError(t, os.Chmod(open, 0o644))
			logs, err := exchange(t, open)
			require.NoError(t, err, "it is used")
			assert.Contains(t, logs, "level=WARN")
			assert.Contains(t, logs, "readable by other users")
			assert.NotContains(t, logs, plantedNewAPISecret)
		})
	}
	t.Run("256 MiB, sparse", func(t *testing.T) {
		huge := filepath.Join(dir, "huge.json")
		f, err := os.Create(huge)
		require.NoError(t, err)
		require.NoError(t, f.Truncate(256<<20))
		require.NoError(t, f.Close())
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err = exchange(t, huge)
		runtime.ReadMemStats(&after)
		require.Error(t, err)
		assert.ErrorContains(t, err, "more than a credential file's")
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "the file was not read")
	})
	t.Run("a directory", func(t *testing.T) {
		_, err := exchange(t, dir)
		assert.ErrorContains(t, err, "not a regular file")
	})
}

// syncWriter makes a strings.Builder safe for concurrent log handlers.
type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// errorRenderings is every way a program might print an error.
func errorRenderings(err error) map[string]string {
	out := map[string]string{"Error()": err.Error()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out["fmt "+verb] = fmt.Sprintf(verb, err)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		out["APIError fields"] = fmt.Sprintf("%#v %s", *apiErr, apiErr.RawDetail)
	}
	var b strings.Builder
	slog.New(slog.NewJSONHandler(&b, nil)).Error("failed", "err", err)
	out["slog"] = b.String()
	return out
}

// A create with a Kafka user and no password sends a generated one, and an
// unknown outcome hands it back.
func TestCreateChoosesTheKafkaPassword(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodPost, "/project-keys", errorResponder(io.ErrUnexpectedEOF))
	kc := &KafkaConfig{Username: "loader"}
	_, err := h.c.ProjectKeys.Create(context.Background(), CreateProjectKeyParams{Name: "loader", KafkaConfig: kc})
	var createErr *CreateOutcomeUnknownError
	require.ErrorAs(t, err, &createErr)
	sent := h.sent(http.MethodPost, "/project-keys")
	require.Len(t, sent, 1)
	password := patchBodyPassword(t, sent[0].Body)
	assert.Len(t, password, 32)
	assert.Equal(t, password, createErr.KafkaPassword.Reveal())
	assert.Equal(t, "loader", createErr.KafkaUsername)
	assert.True(t, kc.Password.IsZero(), "the caller's KafkaConfig is not changed")
	assert.NotContains(t, err.Error(), password)
}

// The token exchange is bounded by the per-attempt timeout too.
func TestTheTokenExchangeIsBounded(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, WithMaxAttempts(1), WithAttemptTimeout(10*time.Second))
		h.onToken(h.tokenResponder(3600).Delay(time.Hour))
		start := time.Now()
		_, err := h.c.ProjectKeys.Get(context.Background(), "pk-1")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorContains(t, err, "getting an access token")
		assert.Equal(t, 10*time.Second, time.Since(start))
	})
}

// A secret the answer brings, echoed in X-Request-Id, is redacted there:
// the request id is cleaned once the answer's secrets are known.
func TestARequestIDEchoingTheAnswersSecretIsRedacted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	created := `{"project_key_id":"pk-9","type":"streamkap_project_key","api":{"client_id":"cid","client_secret":"` + plantedNewAPISecret + `"}}`
	added := `{"id":"pk-1","name":"k","service_id":"s","status":"active","api_client_id":"cid","new_api_credentials":{"client_id":"cid","client_secret":"` + plantedNewAPISecret + `"}}`
	for name, tc := range map[string]struct {
		method, path, body string
		call               func(c *Client, info *ResponseInfo) error
	}{
		"create": {http.MethodPost, "/project-keys", created, func(c *Client, info *ResponseInfo) error {
			_, err := c.ProjectKeys.Create(ctx, CreateProjectKeyParams{Name: "k", RoleIDs: []string{"r"}}, WithResponseInfo(info))
			return err
		}},
		"added API access": {http.MethodPatch, "/project-keys/pk-1", added, func(c *Client, info *ResponseInfo) error {
			_, err := c.ProjectKeys.Update(ctx, "pk-1", UpdateProjectKeyParams{PermissionIDs: Value([]string{"p"})}, WithResponseInfo(info))
			return err
		}},
		"an unreadable create answer": {http.MethodPost, "/project-keys", created[:len(created)-3], func(c *Client, info *ResponseInfo) error {
			_, err := c.ProjectKeys.Create(ctx, CreateProjectKeyParams{Name: "k", RoleIDs: []string{"r"}}, WithResponseInfo(info))
			if err == nil {
				return errors.New("no error")
			}
			if strings.Contains(err.Error(), plantedNewAPISecret) {
				return errors.New("the secret is in the error")
			}
			return nil
		}},
	} {
		var logs bytes.Buffer
		h := newHarness(t, WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		h.on(tc.method, tc.path, jsonResponder(200, tc.body, "X-Request-Id", "req-"+plantedNewAPISecret))
		var info ResponseInfo
		require.NoError(t, tc.call(h.c, &info), name)
		assert.NotContains(t, info.RequestID, plantedNewAPISecret, name)
		assert.NotContains(t, logs.String(), plantedNewAPISecret, name)
	}
}
