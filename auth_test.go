package streamkap

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func update(c *Client) error {
	_, err := c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{Name: Value("n")})
	return err
}

func TestTokenExchange(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithAdminTenant("tenant-9"), WithAdminService("svc-9"), WithUserAgent("my-app/1.2"))
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")))
	require.NoError(t, update(h.c))

	ex := h.sent(http.MethodPost, "/auth/access-token")
	require.Len(t, ex, 1)
	assert.JSONEq(t, `{"client_id":"`+plantedClientID+`","secret":"`+plantedClientSecret+`"}`, ex[0].Body)
	assert.Empty(t, ex[0].Header.Get("Authorization"), "the exchange carries no bearer")
	assert.Equal(t, "application/json", ex[0].Header.Get("Content-Type"))

	patch := h.sent(http.MethodPatch, "/project-keys/pk-1")
	require.Len(t, patch, 1)
	assert.Equal(t, "Bearer "+plantedTokenPrefix+"1", patch[0].Header.Get("Authorization"))
	assert.Equal(t, "tenant-9", patch[0].Header.Get("X-Admin-Tenant-Id"))
	assert.Equal(t, "svc-9", patch[0].Header.Get("X-Admin-Service-Id"))
	assert.Regexp(t, `^streamkap-go/\S+ \(go\S+; \S+/\S+\) my-app/1\.2$`, patch[0].Header.Get("User-Agent"))
}

func TestTokenIsCached(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")))
	for range 5 {
		require.NoError(t, update(h.c))
	}
	assert.EqualValues(t, 1, h.exchanges.Load())
	for _, r := range h.sent(http.MethodPatch, "/project-keys/pk-1") {
		assert.Equal(t, "Bearer "+plantedTokenPrefix+"1", r.Header.Get("Authorization"))
	}
}

func TestTokenIsRenewedBeforeItExpires(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.onToken(h.tokenResponder(120)) // renewed when a quarter (30 s) of its life remains
		h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")))

		require.NoError(t, update(h.c))
		time.Sleep(89 * time.Second)
		require.NoError(t, update(h.c))
		assert.EqualValues(t, 1, h.exchanges.Load(), "still fresh at 89 s")
		time.Sleep(2 * time.Second)
		require.NoError(t, update(h.c))
		assert.EqualValues(t, 2, h.exchanges.Load(), "renewed at 91 s, before the 120 s expiry")

		sent := h.sent(http.MethodPatch, "/project-keys/pk-1")
		require.Len(t, sent, 3)
		assert.Equal(t, "Bearer "+plantedTokenPrefix+"2", sent[2].Header.Get("Authorization"))
	})
}

func TestTokenRenewalMarginIsAtMostAMinute(t *testing.T) {
	t.Parallel()
	requested := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		resp    tokenResponse
		renewAt time.Duration
	}{
		{tokenResponse{AccessToken: NewSecret("t"), ExpiresIn: ptr(3600.0)}, 3540 * time.Second},
		{tokenResponse{AccessTokenSnake: NewSecret("t"), ExpiresInSnake: ptr(40.0)}, 30 * time.Second},
		{tokenResponse{AccessToken: NewSecret("t"), Expires: "2026-01-01T00:10:00Z"}, 9 * time.Minute},
		{tokenResponse{AccessToken: NewSecret("t")}, 4 * time.Minute},
		// Absurd lifetimes are clamped to a day instead of overflowing.
		{tokenResponse{AccessToken: NewSecret("t"), ExpiresIn: ptr(9999999999.0)}, 24*time.Hour - time.Minute},
		{tokenResponse{AccessToken: NewSecret("t"), ExpiresIn: ptr(1e300)}, 24*time.Hour - time.Minute},
		{tokenResponse{AccessToken: NewSecret("t"), Expires: "9999-01-01T00:00:00Z"}, 24*time.Hour - time.Minute},
	} {
		require.NoError(t, tc.resp.checkAnswer())
		tok := tc.resp.token(requested)
		assert.Equal(t, requested.Add(tc.renewAt), tok.renewAt)
	}
	assert.ErrorIs(t, (&tokenResponse{}).checkAnswer(), ErrMalformedResponse)
	for _, bad := range []string{"tok\r\nX-Evil: 1", "tok en", "tok\n", "\x00", "tök"} {
		assert.ErrorIs(t, (&tokenResponse{AccessToken: NewSecret(bad)}).checkAnswer(), ErrMalformedResponse, "%q", bad)
	}
}

func ptr[T any](v T) *T { return &v }

func TestUnauthorizedRenewsTheTokenAndReplaysOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodPatch, "/project-keys/pk-1",
		jsonResponder(401, `{"detail":"Token has expired"}`),
		jsonResponder(200, keyJSON("pk-1")))
	_, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{RoleIDs: Value([]string{"r"})})
	require.NoError(t, err)

	assert.EqualValues(t, 2, h.exchanges.Load())
	sent := h.sent(http.MethodPatch, "/project-keys/pk-1")
	require.Len(t, sent, 2)
	assert.Equal(t, "Bearer "+plantedTokenPrefix+"1", sent[0].Header.Get("Authorization"))
	assert.Equal(t, "Bearer "+plantedTokenPrefix+"2", sent[1].Header.Get("Authorization"))
	assert.JSONEq(t, `{"role_ids":["r"]}`, sent[1].Body, "the replay carries the same body")
}

func TestUnauthorizedTwiceIsReturnedWithoutALoop(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(401, `{"detail":"Token has expired"}`, "X-Request-Id", "req-401"))
	err := update(h.c)
	require.ErrorIs(t, err, ErrUnauthorized)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "Token has expired", apiErr.Detail)
	assert.Equal(t, 2, apiErr.Attempts, "the request and its one replay")
	assert.EqualValues(t, 2, h.exchanges.Load())
	assert.Len(t, h.sent(http.MethodPatch, "/project-keys/pk-1"), 2)
}

func TestBadCredentialsFailOnceWithoutRecursion(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.onToken(jsonResponder(401, `{"detail":"Invalid client credentials"}`, "X-Request-Id", "req-tok"))
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")))

	err := update(h.c)
	require.ErrorIs(t, err, ErrUnauthorized)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "/auth/access-token", apiErr.Path)
	assert.Equal(t, "req-tok", apiErr.RequestID)
	assert.Contains(t, err.Error(), "getting an access token")
	assert.NotErrorIs(t, err, ErrOutcomeUnknown, "nothing was sent")
	assert.EqualValues(t, 1, h.exchanges.Load())
	assert.Empty(t, h.sent(http.MethodPatch, "/project-keys/pk-1"))
	assert.NotContains(t, err.Error(), plantedClientSecret)

	// The next call tries again (failures are not cached), once.
	require.ErrorIs(t, update(h.c), ErrUnauthorized)
	assert.EqualValues(t, 2, h.exchanges.Load())
}

func TestTokenExchangeIsRetried(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.onToken(jsonResponder(503, `<html>busy</html>`), errorResponder(errReset), h.tokenResponder(3600))
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")))
	require.NoError(t, update(h.c))
	assert.EqualValues(t, 3, h.exchanges.Load())
}

func TestTokenEndpointDown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.onToken(errorResponder(errReset))
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")))
	_, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{RoleIDs: Value([]string{"r"})})
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown, "the PATCH never left")
	assert.ErrorIs(t, err, errReset.Err)
	assert.EqualValues(t, DefaultMaxAttempts, h.exchanges.Load())
	assert.Empty(t, h.sent(http.MethodPatch, "/project-keys/pk-1"))
}

func TestTokenResponseWithoutToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.onToken(jsonResponder(200, `{"expiresIn":3600}`))
	err := update(h.c)
	require.ErrorIs(t, err, ErrMalformedResponse)
}

func TestSingleFlightExchange(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		// The exchange takes a second, so every goroutine finds the token
		// missing while the first exchange is still running.
		h.onToken(h.tokenResponder(3600).Delay(time.Second))
		h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")))
		var wg sync.WaitGroup
		errs := make([]error, 100)
		for i := range errs {
			wg.Go(func() { errs[i] = update(h.c) })
		}
		synctest.Wait() // all 100 are blocked: on the one exchange
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		assert.EqualValues(t, 1, h.exchanges.Load())
		assert.Len(t, h.sent(http.MethodPatch, "/project-keys/pk-1"), 100)
	})
}

func TestAWaiterCanGiveUpOnAnExchange(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.onToken(h.tokenResponder(3600).Delay(10 * time.Second))
		h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")))
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		_, err := h.c.ProjectKeys.Update(ctx, "pk-1", UpdateProjectKeyParams{Name: Value("n")})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, time.Second, time.Since(start), "the caller returns at its deadline")
		// No goroutine works on for a caller that has gone: the abandoned
		// exchange ends with it (synctest.Wait returns only when every
		// goroutine of the bubble is blocked or gone; the exchange's
		// responder would still be sleeping for 9 s if it were not).
		synctest.Wait()
		assert.Equal(t, time.Second, time.Since(start))

		// The next caller starts an exchange of its own.
		h.onToken(h.tokenResponder(3600))
		require.NoError(t, update(h.c))
		assert.EqualValues(t, 2, h.exchanges.Load())
	})
}

func TestAnExchangeOthersWaitForIsNotCancelledByOne(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.onToken(h.tokenResponder(3600).Delay(2 * time.Second))
		h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")))
		short, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		var wg sync.WaitGroup
		var patient error
		wg.Go(func() { patient = update(h.c) })
		synctest.Wait() // the patient caller waits on the exchange
		_, err := h.c.ProjectKeys.Update(short, "pk-1", UpdateProjectKeyParams{Name: Value("n")})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		wg.Wait()
		require.NoError(t, patient)
		assert.EqualValues(t, 1, h.exchanges.Load())
	})
}

func TestStaticTokenIsNotRenewed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, err := NewClient(WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: h.mt}), WithToken(plantedTokenPrefix+"9"))
	require.NoError(t, err)
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(401, `{"detail":"Token has expired"}`))
	err = update(c)
	require.ErrorIs(t, err, ErrUnauthorized)
	sent := h.sent(http.MethodPatch, "/project-keys/pk-1")
	require.Len(t, sent, 1)
	assert.Equal(t, "Bearer "+plantedTokenPrefix+"9", sent[0].Header.Get("Authorization"))
	assert.Zero(t, h.exchanges.Load())
	assert.Equal(t, `streamkap.Client{BaseURL: "https://api.test", Auth: static token}`, c.String())
}

func credentialFileJSON(secret string) string {
	return fmt.Sprintf(`{"project_key_id":"pk-7","type":"streamkap_project_key","created_at":"2026-01-01T00:00:00Z",
		"project":{"name":"p"},"api":{"client_id":"cid-file","client_secret":%q,"token_endpoint":"https://evil.example/auth/access-token",
		"api_url":"https://evil.example","roles":["Admin"]},
		"kafka":{"username":"usr","password":%q,"bootstrap_servers":"b:1","security_protocol":"SASL_SSL","sasl_mechanism":"PLAIN"},
		"kafka_acls":[{"name":"t","operation":"READ","resource_pattern_type":"LITERAL"}],"tool_profile":"full"}`, secret, plantedKafkaPass)
}

func TestCredentialFileAuthentication(t *testing.T) {
	t.Parallel()
	raw := credentialFileJSON(plantedClientSecret)
	path := filepath.Join(t.TempDir(), "key.json")
	require.NoError(t, os.WriteFile(path, []byte(raw), 0o600))
	for name, opt := range map[string]Option{
		"path":                     WithCredentialFile(path),
		"json":                     WithCredentialFileData([]byte(raw)),
		"base64":                   WithCredentialFileData([]byte(base64.StdEncoding.EncodeToString([]byte(raw)))),
		"base64 url-safe unpadded": WithCredentialFileData([]byte(base64.RawURLEncoding.EncodeToString([]byte(raw)))),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			c, err := NewClient(WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: h.mt}), opt)
			require.NoError(t, err)
			h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")))
			require.NoError(t, update(c))
			ex := h.sent(http.MethodPost, "/auth/access-token")
			require.Len(t, ex, 1, "the exchange goes to the client's base URL, not the file's")
			assert.JSONEq(t, `{"client_id":"cid-file","secret":"`+plantedClientSecret+`"}`, ex[0].Body,
				"only the API credentials are sent, never the Kafka password")
		})
	}
}

func TestCredentialFileProblems(t *testing.T) {
	t.Parallel()
	_, err := NewClient(WithCredentialFileData([]byte("not a credential file")))
	var cfgErr *ConfigError
	require.ErrorAs(t, err, &cfgErr)
	assert.Contains(t, err.Error(), "JSON object, raw or base64-encoded")

	_, err = NewClient(WithCredentialFileData([]byte(`{"project_key_id":"pk","kafka":{"username":"usr","password":"` + plantedKafkaPass + `"}}`)))
	require.ErrorAs(t, err, &cfgErr)
	assert.Contains(t, err.Error(), "Kafka-only")
	assert.NotContains(t, err.Error(), plantedKafkaPass)

	// A path is read when the first token is needed: NewClient does no I/O.
	h := newHarness(t)
	c, err := NewClient(WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: h.mt}), WithCredentialFile(filepath.Join(t.TempDir(), "missing.json")))
	require.NoError(t, err)
	err = update(c)
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.Zero(t, h.exchanges.Load())

	kafkaOnly := filepath.Join(t.TempDir(), "kafka.json")
	require.NoError(t, os.WriteFile(kafkaOnly, []byte(`{"kafka":{"username":"usr"}}`), 0o600))
	c, err = NewClient(WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: h.mt}), WithCredentialFile(kafkaOnly))
	require.NoError(t, err)
	assert.ErrorContains(t, update(c), "no API credentials")

	garbage := filepath.Join(t.TempDir(), "garbage.json")
	require.NoError(t, os.WriteFile(garbage, []byte(`{"api": `+plantedClientSecret), 0o600))
	c, err = NewClient(WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: h.mt}), WithCredentialFile(garbage))
	require.NoError(t, err)
	err = update(c)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), plantedClientSecret)
}

func TestBearerGoesOnlyToTheConfiguredHost(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithAdminTenant("tenant-9"))
	h.on(http.MethodPatch, "/project-keys/pk-1", func(req *http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(http.StatusTemporaryRedirect, "")
		resp.Header.Set("Location", "https://elsewhere.test/project-keys/pk-1")
		return resp, nil
	})
	var seen http.Header
	h.mt.RegisterResponder(http.MethodPatch, "https://elsewhere.test/project-keys/pk-1", func(req *http.Request) (*http.Response, error) {
		seen = req.Header.Clone()
		return httpmock.NewStringResponse(200, keyJSON("pk-1")), nil
	})
	err := update(h.c)
	require.ErrorIs(t, err, ErrRedirect)
	assert.Nil(t, seen, "the redirect was not followed")
	assert.Contains(t, err.Error(), "Location host: elsewhere.test")
}

// TestARefusedCallDoesNotJoinARenewalStartedBeforeItsRefusal: a renewal
// for age was in flight when the server revoked every token, so the token
// it brings may be revoked too. A call refused with the old token must
// renew with an exchange that starts after its refusal, and the older
// exchange's token must never become current, whichever ends first.
func TestARefusedCallDoesNotJoinARenewalStartedBeforeItsRefusal(t *testing.T) {
	t.Parallel()
	for _, ageRenewalEndsFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("age renewal ends first: %v", ageRenewalEndsFirst), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				testRefusalDuringAgeRenewal(t, ageRenewalEndsFirst)
			})
		})
	}
}

func testRefusalDuringAgeRenewal(t *testing.T, ageRenewalEndsFirst bool) {
	h := newHarness(t)
	var mu sync.Mutex
	valid := map[string]bool{}
	issue := func(req *http.Request) (*http.Response, error) {
		resp, err := h.tokenResponder(4)(req) // renewed for age after 3 s
		mu.Lock()
		valid[fmt.Sprintf("Bearer %s%d", plantedTokenPrefix, h.exchanges.Load())] = true
		mu.Unlock()
		return resp, err
	}
	// issueHeld issues a token, then holds its answer until release closes.
	issueHeld := func(release chan struct{}) httpmock.Responder {
		return func(req *http.Request) (*http.Response, error) {
			resp, err := issue(req)
			<-release
			return resp, err
		}
	}
	releaseAgeRenewal, releaseFresh, releaseHeld := make(chan struct{}), make(chan struct{}), make(chan struct{})
	h.onToken(issue, issueHeld(releaseAgeRenewal), issueHeld(releaseFresh), issue)
	checked := func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		ok := valid[req.Header.Get("Authorization")]
		mu.Unlock()
		if !ok {
			return jsonResponder(401, `{"detail":"Token has expired"}`)(req)
		}
		return jsonResponder(200, keyJSON("pk"))(req)
	}
	h.on(http.MethodGet, "/project-keys/pk-warm", checked)
	h.on(http.MethodGet, "/project-keys/pk-other", checked)
	h.on(http.MethodGet, "/project-keys/pk-held", func(req *http.Request) (*http.Response, error) {
		<-releaseHeld
		return checked(req)
	}, checked)
	get := func(id string) error {
		_, err := h.c.ProjectKeys.Get(context.Background(), id)
		return err
	}

	require.NoError(t, get("pk-warm")) // token 1
	var wg sync.WaitGroup
	var held, other error
	wg.Go(func() { held = get("pk-held") }) // sent with token 1, held by the server
	synctest.Wait()
	time.Sleep(3 * time.Second)               // token 1 is due for renewal
	wg.Go(func() { other = get("pk-other") }) // starts the age renewal: token 2
	synctest.Wait()
	mu.Lock()
	clear(valid) // the server revokes tokens 1 and 2
	mu.Unlock()
	close(releaseHeld) // the held call is refused and renews: token 3
	synctest.Wait()
	if ageRenewalEndsFirst {
		close(releaseAgeRenewal)
		synctest.Wait()
		close(releaseFresh)
	} else {
		close(releaseFresh)
		synctest.Wait()
		close(releaseAgeRenewal)
	}
	wg.Wait()

	require.NoError(t, held, "renewed with an exchange of its own (token 3), not the age renewal's token 2")
	require.NoError(t, other, "refused with token 2, renewed once")
	sentWith := func(r wireRequest) string { return r.Header.Get("Authorization") }
	heldRequests := h.sent(http.MethodGet, "/project-keys/pk-held")
	require.Len(t, heldRequests, 2)
	assert.Equal(t, "Bearer "+plantedTokenPrefix+"1", sentWith(heldRequests[0]))
	assert.Equal(t, "Bearer "+plantedTokenPrefix+"3", sentWith(heldRequests[1]))

	require.NoError(t, get("pk-warm"))
	warm := h.sent(http.MethodGet, "/project-keys/pk-warm")
	assert.Equal(t, "Bearer "+plantedTokenPrefix+"3", sentWith(warm[len(warm)-1]), "the age renewal's token never became current")
	assert.EqualValues(t, 3, h.exchanges.Load())
}
