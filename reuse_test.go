package streamkap_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// TestOneConnectionForThousandsOfCalls: 5,000 sequential calls mixing
// successes, 404s, 422s and 503-then-success retries open exactly one TCP
// connection, because every body, error bodies included, is drained and closed.
func TestOneConnectionForThousandsOfCalls(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	var retried sync.Map // path -> already failed once
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch {
		case r.URL.Path == "/auth/access-token":
			_, _ = io.WriteString(w, `{"accessToken":"tok","expiresIn":3600}`)
		case r.URL.Path == "/project-keys/missing":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"detail":"Project key not found"}`)
		case r.Method == http.MethodPatch && r.URL.Path == "/project-keys/invalid":
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"detail":[{"loc":["body","name"],"msg":"String should have at most 100 characters","type":"string_too_long","input":"xxxxxxxx"}]}`)
		case r.URL.Path != "/project-keys/pk-1":
			if _, failed := retried.LoadOrStore(r.URL.Path, true); !failed {
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = io.WriteString(w, `<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>`)
				return
			}
			fallthrough
		default:
			_, _ = io.WriteString(w, streamkap.BenchKeyJSON)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	// net/http returns a drained connection to its idle pool from another
	// goroutine, so a strictly sequential caller can race it and dial a
	// second connection. One connection per host rules that race out; a
	// body the SDK failed to drain would still cost a new connection
	// (counted), and one it failed to close would stall the next call
	// (caught by the per-call deadline).
	transport := &http.Transport{MaxConnsPerHost: 1}
	t.Cleanup(transport.CloseIdleConnections)
	c, err := streamkap.NewClient(streamkap.WithBaseURL(srv.URL), streamkap.WithClientCredentials("id", "secret"),
		streamkap.WithRetryWait(0, 0), streamkap.WithHTTPClient(&http.Client{Transport: transport}))
	require.NoError(t, err)

	counts := map[string]int{}
	for i := range 5000 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var err error
		switch i % 4 {
		case 0:
			_, err = c.ProjectKeys.Get(ctx, "pk-1")
			counts["ok"]++
		case 1:
			_, err = c.ProjectKeys.Get(ctx, "missing")
			if errors.Is(err, streamkap.ErrNotFound) {
				err = nil
				counts["404"]++
			}
		case 2:
			_, err = c.ProjectKeys.Update(ctx, "invalid", streamkap.UpdateProjectKeyParams{Name: streamkap.Value("n")})
			if errors.Is(err, streamkap.ErrValidation) {
				err = nil
				counts["422"]++
			}
		case 3:
			// A fresh path each time: 503 first, then success.
			_, err = c.ProjectKeys.Get(ctx, "retry-"+string(rune('a'+i%26))+time.Duration(i).String())
			counts["503 then 200"]++
		}
		cancel()
		require.NoError(t, err, "call %d", i)
	}
	assert.Equal(t, map[string]int{"ok": 1250, "404": 1250, "422": 1250, "503 then 200": 1250}, counts)
	assert.EqualValues(t, 1, conns.Load(), "TCP connections opened")
}

// TestTokenStampede: 1,000 concurrent calls on an expired token cause
// exactly one token exchange, and all succeed, over real loopback HTTP.
func TestTokenStampede(t *testing.T) {
	t.Parallel()
	srv := streamkaptest.NewServer(t)
	key := srv.AddKey(streamkaptest.Key{API: true})
	// A bounded pool, so the test needs few file descriptors.
	transport := &http.Transport{MaxConnsPerHost: 32, MaxIdleConnsPerHost: 32}
	t.Cleanup(transport.CloseIdleConnections)
	c, err := srv.NewClient(streamkap.WithHTTPClient(&http.Client{Transport: transport}))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = c.ProjectKeys.Get(ctx, key.ID)
	require.NoError(t, err)

	srv.ExpireTokens()
	srv.ResetRequests()
	var wg sync.WaitGroup
	var failures atomic.Int32
	for range 1000 {
		wg.Go(func() {
			if _, err := c.ProjectKeys.Get(ctx, key.ID); err != nil {
				failures.Add(1)
				t.Error(err)
			}
		})
	}
	wg.Wait()
	assert.Zero(t, failures.Load())
	assert.Len(t, srv.RequestsTo(http.MethodPost, "/auth/access-token"), 1, "exactly one token exchange")
}
