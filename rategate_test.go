package streamkap_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// TestARateLimitHoldsBackEveryCall: when one call meets a 429 with
// Retry-After: 1, no call of the client sends a request until that second
// is over (each goroutine used to discover the 429 on its own).
func TestARateLimitHoldsBackEveryCall(t *testing.T) {
	t.Parallel()
	srv := streamkaptest.NewServer(t)
	keys := make([]string, 8)
	for i := range keys {
		keys[i] = srv.AddKey(streamkaptest.Key{API: true}).ID
	}
	client := srv.Client()
	ctx := context.Background()
	_, err := client.Roles.List(ctx) // the token is cached before the test
	require.NoError(t, err)
	srv.ResetRequests()
	srv.InjectFault(http.MethodGet, "/project-keys/"+keys[0], 1, streamkaptest.RateLimited("1"))

	var wg sync.WaitGroup
	for _, id := range keys {
		wg.Go(func() {
			for range 20 {
				_, err := client.ProjectKeys.Get(ctx, id)
				assert.NoError(t, err)
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	wg.Wait()

	var limited time.Time
	for _, r := range srv.Requests() {
		if r.Path == "/project-keys/"+keys[0] {
			limited = r.Time // the fault hit the first request to this path
			break
		}
	}
	require.False(t, limited.IsZero())
	// Requests already on their way when the 429 left may still arrive;
	// after that, nothing until the second is over.
	quiet, opens := limited.Add(100*time.Millisecond), limited.Add(time.Second)
	held := 0
	for _, r := range srv.Requests() {
		if r.Time.After(quiet) && r.Time.Before(opens) {
			t.Errorf("%s %s arrived %v after the 429, during the wait", r.Method, r.Path, r.Time.Sub(limited))
		}
		if r.Time.After(opens) {
			held++
		}
	}
	assert.Greater(t, held, 8, "the calls went on after the wait")
	assert.Len(t, srv.Requests(), 8*20+1, "each call sent once, and the limited one twice")
}

// TestARateLimitPastTheDeadlineFailsAtOnce: a call whose deadline comes
// before the client may send again fails at once, rate limited, unsent.
func TestARateLimitPastTheDeadlineFailsAtOnce(t *testing.T) {
	t.Parallel()
	srv := streamkaptest.NewServer(t)
	a := srv.AddKey(streamkaptest.Key{API: true})
	b := srv.AddKey(streamkaptest.Key{API: true})
	client := srv.Client()
	srv.InjectFault(http.MethodGet, "/project-keys/"+a.ID, 1, streamkaptest.RateLimited("30"))
	limitedCtx, stop := context.WithCancel(context.Background())
	var limited sync.WaitGroup
	limited.Go(func() { _, _ = client.ProjectKeys.Get(limitedCtx, a.ID) }) // it waits out its 30 s
	defer limited.Wait()
	defer stop()
	require.Eventually(t, func() bool { return len(srv.RequestsTo(http.MethodGet, "/project-keys/"+a.ID)) == 1 }, 5*time.Second, time.Millisecond)
	time.Sleep(20 * time.Millisecond) // the 429 reaches the client

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err := client.ProjectKeys.Update(ctx, b.ID, streamkap.UpdateProjectKeyParams{Name: streamkap.Value("n")})
	require.ErrorIs(t, err, streamkap.ErrRateLimited)
	assert.NotErrorIs(t, err, streamkap.ErrOutcomeUnknown)
	assert.Less(t, time.Since(start), 500*time.Millisecond, "no wait: the deadline is before the gate opens") // a hang guard
	assert.Empty(t, srv.RequestsTo(http.MethodPatch, "/project-keys/"+b.ID))
}

// A 429 on the token exchange with a Retry-After past the caller's
// deadline fails the caller at once with ErrRateLimited, as an ordinary
// call's 429 does, rather than when its deadline ends.
func TestATokenExchangeTold429FailsAWaiterAtOnce(t *testing.T) {
	t.Parallel()
	srv := streamkaptest.NewServer(t)
	srv.InjectFault(http.MethodPost, "/auth/access-token", 1, streamkaptest.RateLimited("20"))
	client, err := srv.NewClient()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = client.ProjectKeys.List(ctx, nil)
	require.ErrorIs(t, err, streamkap.ErrRateLimited)
	assert.NotErrorIs(t, err, context.DeadlineExceeded, "it did not wait out its deadline")
	assert.Contains(t, err.Error(), "wait")
	assert.NoError(t, ctx.Err(), "it returned before the deadline")
}
