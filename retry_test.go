package streamkap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	errReset = &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	errDial  = &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	errDNS   = &net.DNSError{Err: "no such host", Name: "api.test", IsNotFound: true}
	errTLS   = &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
)

// callKinds are the calls the retry matrix exercises, each with its class.
var callKinds = map[string]func(ctx context.Context, c *Client) error{
	// A PATCH that adds no capability: idempotent.
	"patch": func(ctx context.Context, c *Client) error {
		_, err := c.ProjectKeys.Update(ctx, "pk-1", UpdateProjectKeyParams{Name: Value("n"), KafkaPassword: Value(NewSecret(plantedKafkaPass))})
		return err
	},
	// PATCHes that may add a shown-once secret.
	"patch+role_ids": func(ctx context.Context, c *Client) error {
		_, err := c.ProjectKeys.Update(ctx, "pk-1", UpdateProjectKeyParams{RoleIDs: Value([]string{"r"})})
		return err
	},
	"patch+permission_ids": func(ctx context.Context, c *Client) error {
		_, err := c.ProjectKeys.Update(ctx, "pk-1", UpdateProjectKeyParams{PermissionIDs: Value([]string{"p"})})
		return err
	},
	"patch+kafka_config": func(ctx context.Context, c *Client) error {
		_, err := c.ProjectKeys.Update(ctx, "pk-1", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{Username: "usr", Password: NewSecret(plantedKafkaPass)})})
		return err
	},
	"get": func(ctx context.Context, c *Client) error {
		var out map[string]any
		return c.do(ctx, &call{method: http.MethodGet, route: "/project-keys/{project_key_id}", path: "/project-keys/pk-1", idempotent: true, out: &out})
	},
	"delete": func(ctx context.Context, c *Client) error {
		return c.do(ctx, &call{method: http.MethodDelete, route: "/project-keys/{project_key_id}", path: "/project-keys/pk-1", idempotent: true})
	},
}

func TestRetryMatrix(t *testing.T) {
	t.Parallel()
	ok := patchAnswer("pk-1")
	status := func(code int) httpmock.Responder {
		return jsonResponder(code, `{"detail":"status `+http.StatusText(code)+`"}`)
	}
	capability := []string{"patch+role_ids", "patch+permission_ids", "patch+kafka_config"}
	idempotent := []string{"patch", "get", "delete"}

	type row struct {
		calls      []string
		responses  []httpmock.Responder
		attempts   int
		wantStatus int   // 0: no APIError expected
		wantIs     error // an error kind the result must match
		wantNotIs  error // an error kind the result must not match
		wantOK     bool
	}
	rows := map[string]row{
		"503 503 200 is retried": {idempotent, []httpmock.Responder{status(503), status(503), ok}, 3, 0, nil, nil, true},
		"502 then 200":           {idempotent, []httpmock.Responder{status(502), ok}, 2, 0, nil, nil, true},
		"504 then 200":           {idempotent, []httpmock.Responder{status(504), ok}, 2, 0, nil, nil, true},
		"429 then 200":           {append(idempotent, capability...), []httpmock.Responder{status(429), ok}, 2, 0, nil, nil, true},
		"503 until attempts run out keeps the last answer": {idempotent, []httpmock.Responder{status(503)}, 4, 503, nil, nil, false},
		"429 until attempts run out":                       {append(idempotent, capability...), []httpmock.Responder{status(429)}, 4, 429, ErrRateLimited, ErrOutcomeUnknown, false},
		"500 is not retried":                               {idempotent, []httpmock.Responder{status(500), ok}, 1, 500, nil, nil, false},
		"501 is not retried and not ambiguous":             {append(idempotent, capability...), []httpmock.Responder{status(501), ok}, 1, 501, nil, ErrOutcomeUnknown, false},
		"404 is final":                                     {append(idempotent, capability...), []httpmock.Responder{status(404), ok}, 1, 404, ErrNotFound, ErrOutcomeUnknown, false},
		"422 is final":                                     {append(idempotent, capability...), []httpmock.Responder{status(422), ok}, 1, 422, ErrValidation, ErrOutcomeUnknown, false},
		"403 is final":                                     {append(idempotent, capability...), []httpmock.Responder{status(403), ok}, 1, 403, ErrForbidden, ErrOutcomeUnknown, false},
		"409 is final":                                     {append(idempotent, capability...), []httpmock.Responder{status(409), ok}, 1, 409, ErrConflict, ErrOutcomeUnknown, false},
		"reset then 200":                                   {idempotent, []httpmock.Responder{errorResponder(errReset), ok}, 2, 0, nil, nil, true},
		"unexpected EOF then 200":                          {idempotent, []httpmock.Responder{errorResponder(io.ErrUnexpectedEOF), ok}, 2, 0, nil, nil, true},
		"dial error then 200":                              {append(idempotent, capability...), []httpmock.Responder{errorResponder(errDial), ok}, 2, 0, nil, nil, true},
		"DNS error then 200":                               {append(idempotent, capability...), []httpmock.Responder{errorResponder(errDNS), ok}, 2, 0, nil, nil, true},
		"untrusted certificate is not retried":             {append(idempotent, capability...), []httpmock.Responder{errorResponder(errTLS), ok}, 1, 0, nil, ErrOutcomeUnknown, false},
		"capability PATCH: 503 is ambiguous":               {capability, []httpmock.Responder{status(503), ok}, 1, 503, ErrOutcomeUnknown, nil, false},
		"capability PATCH: 502 is ambiguous":               {capability, []httpmock.Responder{status(502), ok}, 1, 502, ErrOutcomeUnknown, nil, false},
		"capability PATCH: 504 is ambiguous":               {capability, []httpmock.Responder{status(504), ok}, 1, 504, ErrOutcomeUnknown, nil, false},
		"capability PATCH: 500 is ambiguous":               {capability, []httpmock.Responder{status(500), ok}, 1, 500, ErrOutcomeUnknown, nil, false},
		"capability PATCH: reset is ambiguous":             {capability, []httpmock.Responder{errorResponder(errReset), ok}, 1, 0, ErrOutcomeUnknown, nil, false},
		"capability PATCH: unexpected EOF is ambiguous":    {capability, []httpmock.Responder{errorResponder(io.ErrUnexpectedEOF), ok}, 1, 0, ErrOutcomeUnknown, nil, false},
		"write: resets until attempts run out":             {[]string{"patch", "delete"}, []httpmock.Responder{errorResponder(errReset)}, 4, 0, ErrOutcomeUnknown, nil, false},
		"write: 5xx until attempts run out":                {[]string{"patch", "delete"}, []httpmock.Responder{status(503)}, 4, 503, ErrOutcomeUnknown, nil, false},
		"read: 5xx is never an unknown outcome":            {[]string{"get"}, []httpmock.Responder{status(503)}, 4, 503, nil, ErrOutcomeUnknown, false},
		"read: resets are never an unknown outcome":        {[]string{"get"}, []httpmock.Responder{errorResponder(errReset)}, 4, 0, nil, ErrOutcomeUnknown, false},
	}
	for name, r := range rows {
		for _, kind := range r.calls {
			t.Run(name+"/"+kind, func(t *testing.T) {
				t.Parallel()
				h := newHarness(t)
				path := "/project-keys/pk-1"
				method := map[string]string{"get": http.MethodGet, "delete": http.MethodDelete}[kind]
				if method == "" {
					method = http.MethodPatch
				}
				h.on(method, path, r.responses...)

				err := callKinds[kind](context.Background(), h.c)

				sent := h.sent(method, path)
				assert.Len(t, sent, r.attempts, "requests sent")
				if len(sent) > 1 {
					for _, s := range sent[1:] {
						assert.Equal(t, sent[0].Body, s.Body, "a retry sends the same body")
					}
				}
				if r.wantOK {
					require.NoError(t, err)
					return
				}
				require.Error(t, err)
				if r.wantStatus != 0 {
					var apiErr *APIError
					require.ErrorAs(t, err, &apiErr)
					assert.Equal(t, r.wantStatus, apiErr.StatusCode)
					assert.Equal(t, r.attempts, apiErr.Attempts)
					assert.Equal(t, method, apiErr.Method)
					assert.Equal(t, path, apiErr.Path)
				} else {
					var reqErr *RequestError
					require.ErrorAs(t, err, &reqErr)
					assert.Equal(t, r.attempts, reqErr.Attempts)
				}
				if r.wantIs != nil {
					assert.ErrorIs(t, err, r.wantIs)
				}
				if r.wantNotIs != nil {
					assert.NotErrorIs(t, err, r.wantNotIs)
				}
				assert.NotContains(t, err.Error(), plantedKafkaPass)
			})
		}
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		status     int
		retryAfter func(now time.Time) string
		wantWait   time.Duration
	}{
		"429 seconds":        {429, func(time.Time) string { return "3" }, 3 * time.Second},
		"503 seconds":        {503, func(time.Time) string { return "2" }, 2 * time.Second},
		"429 zero":           {429, func(time.Time) string { return "0" }, 0},
		"503 HTTP date":      {503, func(now time.Time) string { return now.Add(5 * time.Second).UTC().Format(http.TimeFormat) }, 5 * time.Second},
		"429 date in past":   {429, func(now time.Time) string { return now.Add(-time.Hour).UTC().Format(http.TimeFormat) }, 0},
		"429 RFC 850 date":   {429, func(now time.Time) string { return now.Add(4 * time.Second).UTC().Format(time.RFC850) }, 4 * time.Second},
		"429 at the cap":     {429, func(time.Time) string { return "60" }, 60 * time.Second},
		"429 garbage: backs": {429, func(time.Time) string { return "soon-ish" }, 0},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, WithRetryWait(0, 0))
				start := time.Now()
				h.on(http.MethodPatch, "/project-keys/pk-1",
					jsonResponder(tc.status, `{"detail":"slow down"}`, "Retry-After", tc.retryAfter(start)),
					jsonResponder(200, keyJSON("pk-1")))
				_, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{Name: Value("n")})
				require.NoError(t, err)
				assert.Len(t, h.sent(http.MethodPatch, "/project-keys/pk-1"), 2)
				// An HTTP date has whole seconds: allow for the truncation.
				elapsed := time.Since(start)
				assert.LessOrEqual(t, elapsed, tc.wantWait)
				assert.Greater(t, elapsed, tc.wantWait-time.Second)
			})
		})
	}
}

func TestRetryAfterAboveTheCapFailsAtOnce(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"patch", "patch+role_ids", "get"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				method := http.MethodPatch
				if kind == "get" {
					method = http.MethodGet
				}
				h.on(method, "/project-keys/pk-1",
					jsonResponder(429, `{"detail":"Rate limit exceeded"}`, "Retry-After", "3600", "X-Request-Id", "req-rl"),
					jsonResponder(200, keyJSON("pk-1")))
				start := time.Now()
				err := callKinds[kind](context.Background(), h.c)
				assert.Zero(t, time.Since(start), "no wait at all")
				require.ErrorIs(t, err, ErrRateLimited)
				assert.NotErrorIs(t, err, ErrOutcomeUnknown)
				var apiErr *APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, time.Hour, apiErr.RetryAfter)
				assert.Equal(t, 1, apiErr.Attempts)
				assert.Equal(t, "req-rl", apiErr.RequestID)
				assert.Contains(t, apiErr.Error(), "retry after 1h0m0s")
				assert.Len(t, h.sent(method, "/project-keys/pk-1"), 1)
			})
		})
	}
}

func TestRetryAfterBeyondTheDeadlineFailsAtOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.on(http.MethodPatch, "/project-keys/pk-1",
			jsonResponder(503, `{"detail":"maintenance"}`, "Retry-After", "30"),
			jsonResponder(200, keyJSON("pk-1")))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		_, err := h.c.ProjectKeys.Update(ctx, "pk-1", UpdateProjectKeyParams{Name: Value("n")})
		assert.Zero(t, time.Since(start))
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 503, apiErr.StatusCode)
		assert.Equal(t, 30*time.Second, apiErr.RetryAfter)
		assert.Len(t, h.sent(http.MethodPatch, "/project-keys/pk-1"), 1)
	})
}

func TestWithMaxRetryAfterRaisesTheCap(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, WithMaxRetryAfter(2*time.Hour))
		h.on(http.MethodPatch, "/project-keys/pk-1",
			jsonResponder(429, `{}`, "Retry-After", "3600"), jsonResponder(200, keyJSON("pk-1")))
		start := time.Now()
		_, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{Name: Value("n")})
		require.NoError(t, err)
		assert.Equal(t, time.Hour, time.Since(start))
	})
}

func TestBackoffIsExponentialAndBounded(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, WithRetryWait(time.Second, 4*time.Second), WithMaxAttempts(5))
		var at []time.Duration
		start := time.Now()
		h.on(http.MethodGet, "/project-keys/pk-1", func(*http.Request) (*http.Response, error) {
			at = append(at, time.Since(start))
			return httpmock.NewStringResponse(503, ""), nil
		})
		err := callKinds["get"](context.Background(), h.c)
		require.Error(t, err)
		require.Len(t, at, 5)
		// Waits are jittered within [min, min*2^n], capped at max.
		bounds := [][2]time.Duration{{1, 1}, {1, 2}, {1, 4}, {1, 4}}
		for i, b := range bounds {
			wait := at[i+1] - at[i]
			assert.GreaterOrEqual(t, wait, b[0]*time.Second, "wait %d", i)
			assert.LessOrEqual(t, wait, b[1]*time.Second, "wait %d", i)
		}
	})
}

func TestCancellationStopsABackoffAtOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, WithRetryWait(time.Minute, time.Minute))
		h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(503, `{}`))
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := h.c.ProjectKeys.Update(ctx, "pk-1", UpdateProjectKeyParams{Name: Value("n")})
		assert.Equal(t, 100*time.Millisecond, time.Since(start))
		require.ErrorIs(t, err, context.Canceled)
		var reqErr *RequestError
		require.ErrorAs(t, err, &reqErr)
		assert.Equal(t, 1, reqErr.Attempts)
		assert.ErrorIs(t, err, ErrOutcomeUnknown, "the 503 left the write's outcome open")
	})
}

func TestCancellationBeforeSendingIsNotAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := h.c.ProjectKeys.Update(ctx, "pk-1", UpdateProjectKeyParams{RoleIDs: Value([]string{"r"})})
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, h.sent(http.MethodPatch, "/project-keys/pk-1"))
}

func TestDeadlineDuringAnAttempt(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, keyJSON("pk-1")).Delay(time.Hour))
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		_, err := h.c.ProjectKeys.Update(ctx, "pk-1", UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{Username: "usr"})})
		assert.Equal(t, time.Second, time.Since(start))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, err, ErrOutcomeUnknown, "the request was in flight")
		assert.Len(t, h.sent(http.MethodPatch, "/project-keys/pk-1"), 1)
	})
}

func TestWithMaxAttemptsOneTurnsRetriesOff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithMaxAttempts(1))
	h.on(http.MethodGet, "/project-keys/pk-1", jsonResponder(503, `{}`), jsonResponder(200, `{}`))
	err := callKinds["get"](context.Background(), h.c)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 1, apiErr.Attempts)
}

func TestUnknownCallsFailSafe(t *testing.T) {
	t.Parallel()
	// A request without call state (which never happens in the SDK) is
	// treated as unsafe to resend.
	h := newHarness(t)
	retry, err := h.c.checkRetry(context.Background(), nil, errReset)
	assert.False(t, retry)
	assert.NoError(t, err)
	retry, _ = h.c.checkRetry(context.Background(), &http.Response{StatusCode: 503, Header: http.Header{}}, nil)
	assert.False(t, retry)
	retry, _ = h.c.checkRetry(context.Background(), nil, errDial)
	assert.True(t, retry)
	assert.True(t, errors.Is(errDial, syscall.ECONNREFUSED))
}

func TestPerCallOptions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("CallMaxAttempts(1) sends once", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(http.MethodGet, "/project-keys/pk-1", jsonResponder(503, `{}`), jsonResponder(200, keyJSON("pk-1")))
		var info ResponseInfo
		_, err := h.c.ProjectKeys.Get(ctx, "pk-1", CallMaxAttempts(1), WithResponseInfo(&info))
		require.Error(t, err)
		assert.Len(t, h.sent(http.MethodGet, "/project-keys/pk-1"), 1)
		assert.Equal(t, 1, info.Attempts)
		// The client's own attempts still apply to the next call.
		_, err = h.c.ProjectKeys.Get(ctx, "pk-1")
		require.NoError(t, err)
	})
	t.Run("CallMaxAttempts(2) on a List", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(http.MethodGet, "/project-keys", jsonResponder(503, `{}`), jsonResponder(503, `{}`), jsonResponder(200, `[]`))
		_, err := h.c.ProjectKeys.List(ctx, nil, CallMaxAttempts(2))
		require.Error(t, err)
		assert.Len(t, h.sent(http.MethodGet, "/project-keys"), 2)
	})
	t.Run("CallAttemptTimeout bounds each attempt of one call", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}))
		t.Cleanup(srv.Close)
		c, err := NewClient(WithBaseURL(srv.URL), WithToken("t0ken-value"), WithRetryWait(time.Millisecond, time.Millisecond))
		require.NoError(t, err)
		_, err = c.ProjectKeys.Get(ctx, "pk-1", CallAttemptTimeout(50*time.Millisecond), CallMaxAttempts(1))
		require.ErrorIs(t, err, context.DeadlineExceeded, "the call's attempt ended at its own timeout, not the client's 30 s")
	})
}
