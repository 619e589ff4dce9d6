package streamkap

// Tests against real loopback servers, for what a mocked transport cannot
// show: connections dropped mid-request, real dial errors, redirects.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loopbackAPI is a tiny loopback Streamkap: a token endpoint and a PATCH
// handler the test supplies. It records the raw request URIs it sees.
type loopbackAPI struct {
	srv     *httptest.Server
	mu      sync.Mutex
	uris    []string
	patches atomic.Int32
}

func newLoopbackAPI(t *testing.T, patch http.HandlerFunc) *loopbackAPI {
	t.Helper()
	api := &loopbackAPI{}
	api.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.mu.Lock()
		api.uris = append(api.uris, r.Method+" "+r.RequestURI)
		api.mu.Unlock()
		if r.URL.Path == "/auth/access-token" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"accessToken":"`+plantedTokenPrefix+`1","expiresIn":3600}`)
			return
		}
		api.patches.Add(1)
		patch(w, r)
	}))
	t.Cleanup(api.srv.Close)
	return api
}

func (api *loopbackAPI) client(t *testing.T, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(append([]Option{
		WithBaseURL(api.srv.URL), WithClientCredentials(plantedClientID, plantedClientSecret),
		WithRetryWait(time.Millisecond, 2*time.Millisecond),
	}, opts...)...)
	require.NoError(t, err)
	return c
}

// dropAfterReading reads the whole request, as a server that applied it
// would, then closes the connection without answering.
func dropAfterReading(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestConnectionDroppedAfterACapabilityPATCHIsAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	for name, params := range map[string]UpdateProjectKeyParams{
		"kafka_config":   {KafkaConfig: Value(KafkaConfig{Username: "usr", Password: NewSecret(plantedKafkaPass)})},
		"role_ids":       {RoleIDs: Value([]string{"r"})},
		"permission_ids": {PermissionIDs: Value([]string{"p"})},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api := newLoopbackAPI(t, dropAfterReading)
			_, err := api.client(t).ProjectKeys.Update(context.Background(), "pk-1", params)
			require.ErrorIs(t, err, ErrOutcomeUnknown)
			var reqErr *RequestError
			require.ErrorAs(t, err, &reqErr)
			assert.Equal(t, 1, reqErr.Attempts)
			assert.EqualValues(t, 1, api.patches.Load(), "exactly one request reached the server")
			assert.NotContains(t, err.Error(), api.srv.URL, "errors name the path, not the URL")
		})
	}
}

func TestConnectionDroppedAfterAnIdempotentPATCHIsRetried(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	api := newLoopbackAPI(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			dropAfterReading(w, r)
			return
		}
		_, _ = io.WriteString(w, keyJSON("pk-1"))
	})
	res, err := api.client(t).ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{Name: Value("n")})
	require.NoError(t, err)
	assert.Equal(t, "pk-1", res.ID)
	assert.EqualValues(t, 2, api.patches.Load())
}

// refusedAddr is a loopback address nothing listens on.
func refusedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestRealDialErrorsAreRetriedEvenForACapabilityPATCH(t *testing.T) {
	t.Parallel()
	api := newLoopbackAPI(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"id":"pk-1","new_kafka_credentials":{"username":"usr","password":"`+plantedKafkaPass+`"}}`)
	})
	refused := refusedAddr(t)
	var dials atomic.Int32
	dialer := &net.Dialer{}
	transport := &http.Transport{
		// The first two dials go to a closed port: real ECONNREFUSED errors.
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) <= 2 {
				addr = refused
			}
			return dialer.DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(transport.CloseIdleConnections)
	c := api.client(t, WithHTTPClient(&http.Client{Transport: transport}))
	res, err := c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{
		KafkaConfig: Value(KafkaConfig{Username: "usr", Password: NewSecret(plantedKafkaPass)}),
	})
	require.NoError(t, err)
	assert.Equal(t, plantedKafkaPass, res.NewKafkaCredentials.Password.Reveal())
	assert.EqualValues(t, 1, api.patches.Load())
	assert.GreaterOrEqual(t, dials.Load(), int32(3))
}

func TestNothingListeningGivesAClearErrorAfterEveryAttempt(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithBaseURL("http://"+refusedAddr(t)), WithToken("t"), WithRetryWait(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	_, err = c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{RoleIDs: Value([]string{"r"})})
	var reqErr *RequestError
	require.ErrorAs(t, err, &reqErr)
	var opErr *net.OpError
	require.ErrorAs(t, err, &opErr)
	assert.Equal(t, "dial", opErr.Op)
	assert.Equal(t, DefaultMaxAttempts, reqErr.Attempts)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown, "nothing ever left the client")
}

func TestRawPathReachesTheServerIntact(t *testing.T) {
	t.Parallel()
	api := newLoopbackAPI(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, keyJSON("x"))
	})
	c := api.client(t)
	for _, id := range []string{"x?y#z", "100%", "a b", "ключ"} {
		_, err := c.ProjectKeys.Update(context.Background(), id, UpdateProjectKeyParams{Name: Value("n")})
		require.NoError(t, err, id)
	}
	// Ids the API would decode into another path are refused, unsent.
	for _, id := range []string{"..", ".", "../auth/roles", "a/b", "K/", "K/mcp-config", `a\b`, "a\x00b"} {
		_, err := c.ProjectKeys.Update(context.Background(), id, UpdateProjectKeyParams{Name: Value("n")})
		require.ErrorIs(t, err, ErrValidation, "%q", id)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	assert.Equal(t, []string{
		"POST /auth/access-token",
		"PATCH /project-keys/x%3Fy%23z",
		"PATCH /project-keys/100%25",
		"PATCH /project-keys/a%20b",
		"PATCH /project-keys/%D0%BA%D0%BB%D1%8E%D1%87",
	}, api.uris)
}

func TestRedirectToAnotherHostIsNotFollowed(t *testing.T) {
	t.Parallel()
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		_, _ = io.WriteString(w, keyJSON("pk-1"))
	}))
	t.Cleanup(other.Close)
	api := newLoopbackAPI(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	_, err := api.client(t, WithAdminService("svc-1")).ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{Name: Value("n")})
	require.ErrorIs(t, err, ErrRedirect)
	assert.Zero(t, reached.Load(), "nothing reached the other host")
	assert.EqualValues(t, 1, api.patches.Load(), "a redirect is not retried")
}

func TestSlowBodyIsBoundedByTheContext(t *testing.T) {
	t.Parallel()
	api := newLoopbackAPI(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		for i := 0; i < 1000; i++ {
			if _, err := io.WriteString(w, " "); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := api.client(t).ProjectKeys.Update(ctx, "pk-1", UpdateProjectKeyParams{Name: Value("n")})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestHugeBodyIsRefused(t *testing.T) {
	t.Parallel()
	api := newLoopbackAPI(t, func(w http.ResponseWriter, r *http.Request) {
		// Chunked, so the size is not announced.
		chunk := make([]byte, 64<<10)
		for i := range chunk {
			chunk[i] = 'x'
		}
		_, _ = io.WriteString(w, `{"id":"`)
		for i := 0; i < 50*16; i++ { // 50 MiB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	_, err := api.client(t).ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{Name: Value("n")})
	require.ErrorIs(t, err, ErrResponseTooLarge)
	assert.Contains(t, err.Error(), fmt.Sprint(DefaultMaxResponseBytes))
}

func TestServerSeesAValidJSONBody(t *testing.T) {
	t.Parallel()
	var body map[string]any
	api := newLoopbackAPI(t, func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(&body)
		_, _ = io.WriteString(w, keyJSON("pk-1"))
	})
	_, err := api.client(t).ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{
		Name: Value("n\u2028\x00"), Description: Null[string](), AllowedTools: NullableValue([]string{}),
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"name": "n\u2028\x00", "description": nil, "allowed_tools": []any{}}, body)
}

// TestACappedReadHoldsLessThanTwiceTheCap: an endless body, with no length
// announced, is refused at the cap after allocating less than twice the
// cap in all (so its peak is lower still); bytes.Buffer's doubling used to
// reach about 28 MiB for the 8 MiB cap.
func TestACappedReadHoldsLessThanTwiceTheCap(t *testing.T) {
	api := newLoopbackAPI(t, func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 64<<10)
		for i := range chunk {
			chunk[i] = 'x'
		}
		_, _ = io.WriteString(w, `{"detail":"`)
		for sent := 0; sent < 50<<20; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	c := api.client(t, WithMaxAttempts(1))
	_, _ = c.ProjectKeys.Get(context.Background(), "pk-1") // the token, the connection
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := c.ProjectKeys.Get(context.Background(), "pk-1")
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, ErrResponseTooLarge)
	allocated := after.TotalAlloc - before.TotalAlloc
	assert.Less(t, allocated, uint64(2*DefaultMaxResponseBytes), "%d bytes allocated for a cap of %d", allocated, DefaultMaxResponseBytes)
	t.Logf("%.1f MiB allocated for a cap of %d MiB", float64(allocated)/(1<<20), DefaultMaxResponseBytes>>20)
}
