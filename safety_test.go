package streamkap

// Path and host safety, and the limits: ids that try to escape their path
// segment, credentials that must not cross hosts, cancellation during a
// slow body, and one client shared by many goroutines.

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileIDs try to reach another endpoint from a key id.
var hostileIDs = []string{
	"..", ".", "../auth/roles", "a/b", "/", "//evil.example/x", "x?role_ids=admin", "x#frag", "100%", "%2e%2e",
	"a b", "ключ", "🔑", "pk-1/mcp-config", "\\..\\", ";x=1", "x\x00y", "?", "#",
}

// everyKeyCall calls every method that takes a key id.
func everyKeyCall(ctx context.Context, c *Client, id string) {
	_, _ = c.ProjectKeys.Get(ctx, id)
	_, _ = c.ProjectKeys.Update(ctx, id, UpdateProjectKeyParams{Name: Value("n")})
	_ = c.ProjectKeys.Delete(ctx, id)
	_, _ = c.ProjectKeys.MCPConfig(ctx, id)
	_, _ = c.ProjectKeys.SetToolScoping(ctx, id, ToolScoping{Profile: Null[ToolProfile]()})
	_, _ = c.ProjectKeys.RotateKafkaPassword(ctx, id, NewSecret(plantedKafkaPass))
	_, _ = c.ProjectKeys.AddKafkaAccess(ctx, id, AddKafkaAccessParams{Username: "usr"})
	_, _ = c.ProjectKeys.AddAPIAccess(ctx, id, AddAPIAccessParams{RoleIDs: []string{"r"}})
}

func TestHostileIDsStayInTheirPathSegment(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var uris []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uris = append(uris, r.RequestURI)
		mu.Unlock()
		if r.URL.Path == "/auth/access-token" {
			_, _ = io.WriteString(w, `{"accessToken":"`+plantedTokenPrefix+`1","expiresIn":3600}`)
			return
		}
		_, _ = io.WriteString(w, `{"id":"x"}`)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithClientCredentials(plantedClientID, plantedClientSecret), WithMaxAttempts(1))
	require.NoError(t, err)

	for _, id := range hostileIDs {
		mu.Lock()
		uris = nil
		mu.Unlock()
		everyKeyCall(context.Background(), c, id)
		mu.Lock()
		seen := append([]string(nil), uris...)
		mu.Unlock()
		if _, ok := checkKeyID(id); !ok {
			assert.Empty(t, seen, "%q is refused before any I/O", id)
			continue
		}
		require.NotEmpty(t, seen, id)
		for _, uri := range seen {
			if uri == "/auth/access-token" {
				continue
			}
			assert.NotContains(t, uri, "?", "%q reached %s with a query", id, uri)
			rest, ok := strings.CutPrefix(uri, "/project-keys/")
			require.True(t, ok, "%q reached %s", id, uri)
			segment, suffix, _ := strings.Cut(rest, "/")
			assert.Contains(t, []string{"", "mcp-config"}, suffix, "%q reached %s", id, uri)
			got, err := url.PathUnescape(segment)
			require.NoError(t, err)
			assert.Equal(t, id, got, "the segment decodes to the id, and only to it")
		}
	}
}

func TestCredentialsNeverCrossToAnotherHost(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var leaked []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		for _, h := range []string{"Authorization", "X-Admin-Tenant-Id", "X-Admin-Service-Id"} {
			if v := r.Header.Get(h); v != "" {
				leaked = append(leaked, r.Method+" "+h+": "+v)
			}
		}
		mu.Unlock()
		_, _ = io.WriteString(w, `{"id":"x"}`)
	}))
	t.Cleanup(other.Close)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		api := newLoopbackAPI(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.Path, status)
		})
		c := api.client(t, WithAdminTenant("tenant"), WithAdminService("svc"))
		ctx := context.Background()
		everyKeyCall(ctx, c, "pk-1")
		_, _ = c.ProjectKeys.List(ctx, nil)
		_, _ = c.Roles.List(ctx)
		_, _ = c.ProjectKeys.Create(ctx, CreateProjectKeyParams{Name: "n", RoleIDs: []string{"r"}})
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, leaked)

	// Another port on the same host is another host.
	c, err := NewClient(WithBaseURL("http://127.0.0.1:1"), WithToken("t"))
	require.NoError(t, err)
	req, _ := http.NewRequest(http.MethodGet, other.URL, nil)
	assert.False(t, c.wire().transport.ownHost(req))
}

func TestCancellingDuringASlowBodyReturnsPromptly(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	api := newLoopbackAPI(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000")
		_, _ = io.WriteString(w, "{")
		w.(http.Flusher).Flush()
		started <- struct{}{}
		<-r.Context().Done() // never finishes on its own
	})
	c := api.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan time.Duration, 1)
	var cancelledAt atomic.Int64
	go func() {
		_, err := c.ProjectKeys.Get(ctx, "pk-1")
		assert.ErrorIs(t, err, context.Canceled)
		done <- time.Since(time.Unix(0, cancelledAt.Load()))
	}()
	<-started
	cancelledAt.Store(time.Now().UnixNano())
	cancel()
	select {
	case took := <-done:
		// A hang guard, not a timing goal: BenchmarkCancelDuringSlowBody measures it.
		assert.Less(t, took, 5*time.Second)
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not return after its context was cancelled")
	}
}

// BenchmarkCancelDuringSlowBody measures how long a call takes to return
// once its context is cancelled while the body trickles in.
func BenchmarkCancelDuringSlowBody(b *testing.B) {
	started := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth/access-token" {
			_, _ = io.WriteString(w, `{"accessToken":"t","expiresIn":3600}`)
			return
		}
		w.Header().Set("Content-Length", "100000")
		_, _ = io.WriteString(w, "{")
		w.(http.Flusher).Flush()
		started <- struct{}{}
		<-r.Context().Done()
	}))
	defer srv.Close()
	c, err := NewClient(WithBaseURL(srv.URL), WithClientCredentials("id", "secret"))
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan time.Time, 1)
		go func() {
			_, _ = c.ProjectKeys.Get(ctx, "pk-1")
			done <- time.Now()
		}()
		<-started
		at := time.Now()
		cancel()
		total += (<-done).Sub(at)
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs-to-return")
}

// TestOneClientSharedByManyGoroutines: 64 goroutines share one client
// while their keys answer 503, tokens are renewed for age and the server revokes every
// token now and then. No call fails, every update is applied once, and the
// exchanges stay single flight. The client's promise is one renewal and
// one replay per attempt, so a revocation waits until every goroutine has
// finished a call that began after the previous one: however slow the
// machine, no call meets two revocations (that would be an auth outage,
// which the client reports rather than rides out).
func TestOneClientSharedByManyGoroutines(t *testing.T) {
	t.Parallel()
	// Each goroutine makes at least minCalls calls, and goes on until the
	// server has revoked tokens minRevocations times and tokens have had
	// to be renewed for age: a fast machine runs longer, not less.
	const goroutines, minCalls, minRevocations = 64, 12, 3
	const tokenLife = 200 * time.Millisecond
	var exchanges, patches, updates atomic.Int32
	var mu sync.Mutex
	tokens := map[string]bool{}  // tokens not revoked
	failures := map[string]int{} // path -> 503s still to send
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth/access-token" {
			n := exchanges.Add(1)
			tok := plantedTokenPrefix + string(rune('a'+n%26)) + time.Now().Format("150405.000000000")
			mu.Lock()
			tokens[tok] = true
			mu.Unlock()
			_, _ = fmt.Fprintf(w, `{"accessToken":%q,"expiresIn":%g}`, tok, tokenLife.Seconds())
			return
		}
		mu.Lock()
		// A token is refused once revoked, not for age: on a loaded
		// machine a request can be late by more than a token's life, and a
		// second refusal is not what this test is about. Renewal before
		// expiry has its own test (TestTokenIsRenewedBeforeItExpires).
		_, valid := tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		fail := failures[r.URL.Path]
		if valid && fail > 0 {
			failures[r.URL.Path] = fail - 1
		}
		mu.Unlock()
		switch {
		case !valid:
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"detail":"Token has expired"}`)
		case fail > 0:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			if r.Method == http.MethodPatch {
				patches.Add(1)
			}
			_, _ = io.WriteString(w, `{"id":"x","token_ttl_seconds":1}`)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithClientCredentials(plantedClientID, plantedClientSecret),
		WithRetryWait(time.Millisecond, 5*time.Millisecond), WithMaxAttempts(6))
	require.NoError(t, err)

	// Every goroutine's key answers 503 twice.
	for g := range goroutines {
		failures["/project-keys/pk-"+string(rune('A'+g%26))+string(rune('a'+g/26))] = 2
	}
	// revocations counts the revocations so far; settled[g] is the count
	// when goroutine g's latest finished call began (the maximum once it
	// is done, so that it never holds a revocation back).
	var revocations atomic.Int32
	settled := make([]atomic.Int32, goroutines)
	allSettled := func(n int32) bool {
		for g := range settled {
			if settled[g].Load() < n {
				return false
			}
		}
		return true
	}
	stop := make(chan struct{})
	var revoker sync.WaitGroup
	revoker.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(250 * time.Millisecond): // longer than a token lives before renewal
			}
			mu.Lock()
			tokens = map[string]bool{}
			mu.Unlock()
			n := revocations.Add(1)
			for !allSettled(n) {
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
			}
		}
	})

	var wg sync.WaitGroup
	var failed atomic.Int32
	start := time.Now()
	enough := func() bool { return revocations.Load() >= minRevocations && time.Since(start) > 2*tokenLife }
	for g := range goroutines {
		wg.Go(func() {
			defer settled[g].Store(math.MaxInt32)
			id := "pk-" + string(rune('A'+g%26)) + string(rune('a'+g/26))
			for i := 0; i < minCalls || !enough(); i++ {
				began := revocations.Load()
				var err error
				if i%2 == 0 {
					_, err = c.ProjectKeys.Get(context.Background(), id)
				} else {
					updates.Add(1)
					_, err = c.ProjectKeys.Update(context.Background(), id, UpdateProjectKeyParams{Name: Value("n")})
				}
				settled[g].Store(began)
				if err != nil {
					failed.Add(1)
					t.Errorf("goroutine %d call %d: %v", g, i, err)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	revoker.Wait()
	elapsed := time.Since(start)
	assert.Zero(t, failed.Load())
	assert.Equal(t, updates.Load(), patches.Load(), "every update applied once")
	assert.GreaterOrEqual(t, revocations.Load(), int32(minRevocations))
	// Single flight: one exchange per renewal or revocation, not one per goroutine.
	maxExchanges := int32(elapsed/(tokenLife/4*3)) + revocations.Load() + 4
	assert.LessOrEqual(t, exchanges.Load(), maxExchanges, "%d exchanges in %v", exchanges.Load(), elapsed)
	t.Logf("%d goroutines, %d updates in %v: %d revocations, %d token exchanges", goroutines, updates.Load(), elapsed, revocations.Load(), exchanges.Load())
}
