package streamkap_test

// The fault matrix: every method against every fault, through streamkaptest
// over loopback HTTP. Each cell checks the number of requests, the typed
// outcome, that nothing was lost (a change applied is either reported as a
// success carrying its secret, or as an error that says the outcome is
// unknown or the secret lost), and that nothing leaked.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

type opClass int

const (
	read           opClass = iota // never an unknown outcome
	idempotentCall                // retried like a read; a write, so it can be ambiguous
	unsafeCall                    // may hand out a shown-once secret: never resent once it may have arrived
)

const matrixPassword = "matrix-kafka-password-7"

// matrixOp is one SDK method under test.
type matrixOp struct {
	name  string
	class opClass
	seed  streamkaptest.Key
	// readsFirst: the op reads before the request the fault hits, so a
	// token refused once is refused on that read.
	readsFirst bool
	// method and path of the request the fault hits.
	method string
	path   func(id string) string
	run    func(ctx context.Context, c *streamkap.Client, id string) (any, error)
	// applied reports whether the call's change is on the server (writes).
	applied func(srv *streamkaptest.Server, id string) bool
	// secretsOK checks that a successful result carries the secret the
	// server holds (unsafe calls).
	secretsOK func(t *testing.T, srv *streamkaptest.Server, id string, result any)
}

func keyPath(id string) string { return "/project-keys/" + id }

var matrixOps = []matrixOp{
	{name: "List", class: read, method: http.MethodGet, path: func(string) string { return "/project-keys" },
		run: func(ctx context.Context, c *streamkap.Client, _ string) (any, error) {
			return c.ProjectKeys.List(ctx, nil)
		}},
	{name: "Get", class: read, method: http.MethodGet, path: keyPath,
		run: func(ctx context.Context, c *streamkap.Client, id string) (any, error) {
			return c.ProjectKeys.Get(ctx, id)
		}},
	{name: "MCPConfig", class: read, method: http.MethodGet, path: func(id string) string { return keyPath(id) + "/mcp-config" },
		run: func(ctx context.Context, c *streamkap.Client, id string) (any, error) {
			return c.ProjectKeys.MCPConfig(ctx, id)
		}},
	{name: "Roles.List", class: read, method: http.MethodGet, path: func(string) string { return "/auth/roles" },
		run: func(ctx context.Context, c *streamkap.Client, _ string) (any, error) { return c.Roles.List(ctx) }},
	{name: "Update rename", class: idempotentCall, method: http.MethodPatch, path: keyPath,
		run: func(ctx context.Context, c *streamkap.Client, id string) (any, error) {
			return c.ProjectKeys.Update(ctx, id, streamkap.UpdateProjectKeyParams{Name: streamkap.Value("renamed")})
		},
		applied: func(srv *streamkaptest.Server, id string) bool { k, _ := srv.Key(id); return k.Name == "renamed" }},
	{name: "SetToolScoping", class: idempotentCall, method: http.MethodPatch, path: keyPath,
		run: func(ctx context.Context, c *streamkap.Client, id string) (any, error) {
			return c.ProjectKeys.SetToolScoping(ctx, id, streamkap.ToolScoping{Profile: streamkap.NullableValue(streamkap.ToolProfileReadOnly)})
		},
		applied: func(srv *streamkaptest.Server, id string) bool {
			k, _ := srv.Key(id)
			return k.ToolProfile == streamkap.ToolProfileReadOnly
		}},
	{name: "RotateKafkaPassword", class: idempotentCall, seed: streamkaptest.Key{Kafka: true}, method: http.MethodPatch, path: keyPath,
		run: func(ctx context.Context, c *streamkap.Client, id string) (any, error) {
			return c.ProjectKeys.RotateKafkaPassword(ctx, id, streamkap.NewSecret(matrixPassword))
		},
		applied: func(srv *streamkaptest.Server, id string) bool {
			k, _ := srv.Key(id)
			return k.KafkaPassword.Reveal() == matrixPassword
		}},
	{name: "SetRoles", class: idempotentCall, readsFirst: true, method: http.MethodPatch, path: keyPath,
		run: func(ctx context.Context, c *streamkap.Client, id string) (any, error) {
			return c.ProjectKeys.SetRoles(ctx, id, []string{"Data Admin"})
		},
		applied: func(srv *streamkaptest.Server, id string) bool {
			k, _ := srv.Key(id)
			return len(k.RoleIDs) == 1 && k.RoleIDs[0] == "role-data-admin"
		}},
	{name: "Delete", class: idempotentCall, method: http.MethodDelete, path: keyPath,
		run: func(ctx context.Context, c *streamkap.Client, id string) (any, error) {
			return nil, c.ProjectKeys.Delete(ctx, id)
		},
		applied: func(srv *streamkaptest.Server, id string) bool {
			k, exists := srv.Key(id)
			return !exists || k.Status == streamkap.StatusDeleting
		}},
	{name: "Update roles", class: unsafeCall, method: http.MethodPatch, path: keyPath,
		run: func(ctx context.Context, c *streamkap.Client, id string) (any, error) {
			return c.ProjectKeys.Update(ctx, id, streamkap.UpdateProjectKeyParams{RoleIDs: streamkap.Value([]string{"role-data-admin"})})
		},
		applied: func(srv *streamkaptest.Server, id string) bool {
			k, _ := srv.Key(id)
			return len(k.RoleIDs) == 1 && k.RoleIDs[0] == "role-data-admin"
		}},
	{name: "Create", class: unsafeCall, method: http.MethodPost, path: func(string) string { return "/project-keys" },
		run: func(ctx context.Context, c *streamkap.Client, _ string) (any, error) {
			return c.ProjectKeys.Create(ctx, streamkap.CreateProjectKeyParams{Name: "created", RoleIDs: []string{"role-admin"},
				KafkaConfig: &streamkap.KafkaConfig{Username: "created", Password: streamkap.NewSecret(matrixPassword)}})
		},
		applied: func(srv *streamkaptest.Server, _ string) bool { return len(srv.KeyIDs()) == 2 },
		secretsOK: func(t *testing.T, srv *streamkaptest.Server, _ string, result any) {
			file := result.(*streamkap.CredentialFile)
			state, _ := srv.Key(file.ProjectKeyID)
			assert.True(t, file.API.ClientSecret.Equal(state.ClientSecret))
			assert.True(t, file.Kafka.Password.Equal(state.KafkaPassword))
		}},
	{name: "AddKafkaAccess", class: unsafeCall, method: http.MethodPatch, path: keyPath,
		run: func(ctx context.Context, c *streamkap.Client, id string) (any, error) {
			return c.ProjectKeys.AddKafkaAccess(ctx, id, streamkap.AddKafkaAccessParams{Username: "matrix"})
		},
		applied: func(srv *streamkaptest.Server, id string) bool {
			k, _ := srv.Key(id)
			return k.KafkaUsername == "matrix"
		},
		secretsOK: func(t *testing.T, srv *streamkaptest.Server, id string, result any) {
			state, _ := srv.Key(id)
			assert.True(t, result.(*streamkap.KafkaAccess).Credentials.Password.Equal(state.KafkaPassword))
		}},
	{name: "AddAPIAccess", class: unsafeCall, readsFirst: true, seed: streamkaptest.Key{Kafka: true}, method: http.MethodPatch, path: keyPath,
		run: func(ctx context.Context, c *streamkap.Client, id string) (any, error) {
			return c.ProjectKeys.AddAPIAccess(ctx, id, streamkap.AddAPIAccessParams{RoleIDs: []string{"role-read-only"}})
		},
		applied: func(srv *streamkaptest.Server, id string) bool { k, _ := srv.Key(id); return k.ClientID != "" },
		secretsOK: func(t *testing.T, srv *streamkaptest.Server, id string, result any) {
			state, _ := srv.Key(id)
			assert.True(t, result.(*streamkap.UpdateProjectKeyResult).NewAPICredentials.ClientSecret.Equal(state.ClientSecret))
		}},
}

// matrixFault is one fault, injected on the op's request.
type matrixFault struct {
	name   string
	fault  streamkaptest.Fault
	times  int
	expect func(op matrixOp) outcome
}

// faultTimeout bounds the call for faults that need a short deadline;
// the others get 30 s.
var faultTimeout = map[string]time.Duration{"slow trickling body": 300 * time.Millisecond}

// outcome is what a cell must show.
type outcome struct {
	requests int // requests the faulted route received
	ok       bool
	is       []error
	isNot    []error
	text     string // the error says this
}

func byClass(r, i, u outcome) func(matrixOp) outcome {
	return func(op matrixOp) outcome {
		switch op.class {
		case read:
			return r
		case idempotentCall:
			return i
		}
		return u
	}
}

var (
	ok      = func(n int) outcome { return outcome{requests: n, ok: true} }
	unknown = func(n int, more ...error) outcome {
		return outcome{requests: n, is: append([]error{streamkap.ErrOutcomeUnknown}, more...)}
	}
	definite = func(n int, is ...error) outcome {
		return outcome{requests: n, is: is, isNot: []error{streamkap.ErrOutcomeUnknown}}
	}
)

// afterApply is the outcome of an unsafe call whose change was applied but
// whose answer was lost: AddKafkaAccess reconciles it, AddAPIAccess reports
// the lost secret, the others report an unknown outcome.
func afterApply(op matrixOp, lost outcome) outcome {
	switch op.name {
	case "AddKafkaAccess":
		return ok(1)
	case "AddAPIAccess":
		lost.is = append(lost.is, streamkap.ErrSecretLost)
	}
	return lost
}

var matrixFaults = []matrixFault{
	{"connection dropped before apply", streamkaptest.DropBeforeApply(), 1, byClass(ok(2), ok(2), unknown(1))},
	{"connection dropped after apply", streamkaptest.DropAfterApply(), 1, func(op matrixOp) outcome {
		return byClass(ok(2), ok(2), afterApply(op, unknown(1)))(op)
	}},
	{"429 small Retry-After", streamkaptest.RateLimited("0"), 1, byClass(ok(2), ok(2), ok(2))},
	{"429 large Retry-After", streamkaptest.RateLimited("3600"), 1, byClass(definite(1, streamkap.ErrRateLimited), definite(1, streamkap.ErrRateLimited), definite(1, streamkap.ErrRateLimited))},
	{"429 HTTP-date Retry-After", streamkaptest.RateLimited(time.Now().Add(-time.Minute).UTC().Format(http.TimeFormat)), 1, byClass(ok(2), ok(2), ok(2))},
	{"429 garbage Retry-After", streamkaptest.RateLimited("after lunch"), 1, byClass(ok(2), ok(2), ok(2))},
	{"500", streamkaptest.Status(500, `{"detail":"Kafka Connect API call failed"}`, nil), 1, byClass(definite(1), unknown(1), unknown(1))},
	{"502 HTML burst", streamkaptest.GatewayHTML(502), 3, byClass(ok(4), ok(4), unknown(1))},
	{"503 burst", streamkaptest.Unavailable(), 3, byClass(ok(4), ok(4), unknown(1))},
	{"504 HTML burst", streamkaptest.GatewayHTML(504), 3, byClass(ok(4), ok(4), unknown(1))},
	{"503 until attempts run out", streamkaptest.Unavailable(), 100, byClass(definite(4), unknown(4), unknown(1))},
	{"truncated JSON", streamkaptest.MalformedJSON(), 1, bodyFault(streamkap.ErrMalformedResponse)},
	{"empty 2xx body", streamkaptest.EmptyBody(), 1, bodyFault(streamkap.ErrMalformedResponse)},
	{"50 MiB body", streamkaptest.OversizedBody(50 << 20), 1, bodyFault(streamkap.ErrResponseTooLarge)},
	{"slow trickling body", streamkaptest.Trickle(100 * time.Millisecond), 1, func(op matrixOp) outcome {
		switch {
		case op.name == "Delete":
			return ok(1) // accepted (2xx); its body is not needed
		case op.class == read:
			return definite(1, context.DeadlineExceeded)
		}
		// The context is over, so reconciling is impossible too.
		return unknown(1, context.DeadlineExceeded)
	}},
}

// bodyFault is the outcome of a 2xx whose body cannot be read.
func bodyFault(cause error) func(matrixOp) outcome {
	return func(op matrixOp) outcome {
		switch {
		case op.name == "Delete":
			return ok(1) // accepted (2xx); its body is not needed
		case op.class == read:
			return definite(1, cause)
		case op.class == idempotentCall:
			return unknown(1, cause)
		}
		return afterApply(op, unknown(1, cause))
	}
}

// redirectFaults are the five redirects to the same host, to another
// host, and to a host nothing listens on. None may be followed: every
// cell sends one request and reports ErrRedirect, an unknown outcome for
// a write (whatever answered may have passed it on first).
func redirectFaults(other string) []matrixFault {
	var out []matrixFault
	for _, status := range []int{301, 302, 303, 307, 308} {
		for place, base := range map[string]string{"same host": "", "another host": other, "an unreachable host": "http://127.0.0.1:1"} {
			out = append(out, matrixFault{
				name:  fmt.Sprintf("%d to %s", status, place),
				fault: streamkaptest.Redirect(status, base+"/project-keys/elsewhere"),
				times: 1,
				expect: func(op matrixOp) outcome {
					if op.class == read {
						return definite(1, streamkap.ErrRedirect)
					}
					return unknown(1, streamkap.ErrRedirect)
				},
			})
		}
	}
	return out
}

// echoFaults send back, through every channel a server has, the request's
// body and bearer token: the leak scanner then proves that nothing the
// client sent (a Kafka password, a token) comes back out of it.
var echoFaults = func() []matrixFault {
	var out []matrixFault
	for _, channel := range []string{"detail", "list", "object", "request-id", "base64"} {
		out = append(out, matrixFault{"echo through " + channel, streamkaptest.Echo(channel), 1, byClass(definite(1), definite(1), definite(1))})
	}
	out = append(out,
		matrixFault{"echo through html", streamkaptest.Echo("html"), 1, byClass(ok(2), ok(2), unknown(1))},
		matrixFault{"echo through location", streamkaptest.Echo("location"), 1, func(op matrixOp) outcome {
			if op.class == read {
				return definite(1, streamkap.ErrRedirect)
			}
			return unknown(1, streamkap.ErrRedirect)
		}})
	return out
}()

func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	var reachedOther atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reachedOther.Add(1)
		_, _ = io.WriteString(w, `{"id":"pk-1","project_key_id":"pk-1","accessToken":"evil"}`)
	}))
	t.Cleanup(func() {
		assert.Zero(t, reachedOther.Load(), "nothing may reach another host")
		other.Close()
	})
	faults := append(append(append([]matrixFault{}, matrixFaults...), echoFaults...), redirectFaults(other.URL)...)
	cells := 0
	for _, op := range matrixOps {
		for _, f := range faults {
			cells++
			t.Run(op.name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				want := f.expect(op)
				runCell(t, op, want, faultTimeout[f.name], func(srv *streamkaptest.Server, id string) {
					srv.InjectFault(op.method, op.path(id), f.times, f.fault)
				})
			})
		}
		t.Run(op.name+"/token expires mid-run", func(t *testing.T) {
			t.Parallel()
			want := ok(2)
			if op.readsFirst {
				want = ok(1) // its first request, a GET, meets the 401
			}
			runCell(t, op, want, 0, func(srv *streamkaptest.Server, _ string) { srv.ExpireTokens() })
		})
		t.Run(op.name+"/token endpoint redirects to another host", func(t *testing.T) {
			t.Parallel()
			want := outcome{requests: 1, is: []error{streamkap.ErrRedirect}, isNot: []error{streamkap.ErrOutcomeUnknown}, text: "getting an access token"}
			if op.readsFirst {
				want.requests = 0 // its GET met the refusal
			}
			runCell(t, op, want, 0, func(srv *streamkaptest.Server, _ string) {
				srv.ExpireTokens()
				srv.InjectFault(http.MethodPost, "/auth/access-token", 1000, streamkaptest.Redirect(http.StatusTemporaryRedirect, other.URL+"/auth/access-token"))
			})
		})
		t.Run(op.name+"/token endpoint down", func(t *testing.T) {
			t.Parallel()
			// The expired token is refused once (nothing applied), and its
			// renewal fails: the error says why, and nothing is resent.
			want := outcome{requests: 1, isNot: []error{streamkap.ErrOutcomeUnknown}, text: "getting an access token"}
			if op.readsFirst {
				want.requests = 0 // its GET met the refusal
			}
			runCell(t, op, want, 0, func(srv *streamkaptest.Server, _ string) {
				srv.ExpireTokens()
				srv.InjectFault(http.MethodPost, "/auth/access-token", 1000, streamkaptest.DropBeforeApply())
			})
		})
	}
	total := cells + 3*len(matrixOps)
	t.Cleanup(func() {
		t.Logf("%d operations × %d faults (+3 token faults each) = %d cells; leak scanner: %d (output, secret) pairs scanned, 0 hits",
			len(matrixOps), len(faults), total, scannedPairs.Load())
	})
}

// runCell seeds a server, warms the client's token, injects the fault,
// runs the op and checks the outcome.
func runCell(t *testing.T, op matrixOp, want outcome, timeout time.Duration, inject func(srv *streamkaptest.Server, id string)) {
	t.Helper()
	scan := newLeakScanner(t)
	srv := streamkaptest.NewServer(t, streamkaptest.WithClientOptions(streamkap.WithLogger(scan.logger())))
	seed := op.seed
	if !seed.API && !seed.Kafka {
		seed.API = true
	}
	seed.Name = "matrix-key"
	key := srv.AddKey(seed)
	ctx := context.Background()
	_, err := srv.Client().Roles.List(ctx) // a token is cached before the fault
	require.NoError(t, err)
	srv.ResetRequests()
	inject(srv, key.ID)

	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	result, err := op.run(ctx, srv.Client(), key.ID)

	requests := len(srv.RequestsTo(op.method, op.path(key.ID)))
	assert.Equal(t, want.requests, requests, "requests to %s %s", op.method, op.path(key.ID))
	if want.ok {
		require.NoError(t, err)
		if op.secretsOK != nil {
			op.secretsOK(t, srv, key.ID, result)
		}
	} else {
		require.Error(t, err)
	}
	for _, kind := range want.is {
		assert.ErrorIs(t, err, kind)
	}
	for _, kind := range want.isNot {
		assert.NotErrorIs(t, err, kind)
	}
	if want.text != "" {
		assert.ErrorContains(t, err, want.text)
	}
	if op.applied != nil {
		applied := op.applied(srv, key.ID)
		switch {
		case err == nil:
			assert.True(t, applied, "a success means the change is there")
		case applied:
			// Nothing lost silently: an applied change that failed says so.
			assert.True(t, errors.Is(err, streamkap.ErrOutcomeUnknown) || errors.Is(err, streamkap.ErrSecretLost),
				"the change was applied, but the error does not say it may have been: %v", err)
		}
	}
	if op.name == "Create" {
		assert.LessOrEqual(t, requests, 2, "a create is sent twice only after a 429")
	}

	scan.plant(key.ClientSecret, key.KafkaPassword, streamkap.NewSecret(matrixPassword))
	scan.plantServer(srv)
	scan.check(result, err)
}
