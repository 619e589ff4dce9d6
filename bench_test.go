package streamkap_test

// SDK overhead against the floor: a hand-written net/http + encoding/json
// call with the same body and bearer header, against the same loopback
// server, in the same run. See BENCHMARKS.md.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/streamkap-go/streamkap"
)

const benchToken = "bench-access-token-0123456789abcdef"

// benchKeyJSON is a realistic answer: a key with one role and its details.
const benchKeyJSON = `{"id":"pk-1","name":"ingest-bot","service_id":"svc-1","status":"active","description":"nightly loads",
"created_at":"2026-11-26T08:00:00Z","created_by_user":{"id":"u-1","email":"ops@example.com","name":"Ops","tenant_id":"t-1"},
"api_client_id":"cid-1","api_client_id_masked_secret":"sec******xyz","kafka_username":"ingest-bot",
"roles":[{"id":"role-data-admin","key":"DataAdmin","name":"Data Admin","description":"Manage data pipelines","permissions":["project_keys:write"]}],
"last_used_at":"2026-11-26T09:00:00Z","tool_profile":"read-only","allowed_tools":null,"blocked_tools":["delete_pipeline"],
"kafka_acls":[{"name":"orders.","operation":"READ","resource_pattern_type":"PREFIXED","resource":"TOPIC"}],"whitelist_ips":"",
"kafka_proxy_endpoint":"kafka.streamkap.test:32400","schema_proxy_endpoint":null,"token_ttl_seconds":3600,
"new_api_credentials":null,"new_kafka_credentials":null,"warnings":[]}`

// benchServer answers every call with benchKeyJSON after checking the bearer.
func benchServer(tb testing.TB) *httptest.Server {
	tb.Helper()
	body := []byte(benchKeyJSON)
	length := strconv.Itoa(len(body))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Header.Get("Authorization") != "Bearer "+benchToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", length)
		_, _ = w.Write(body)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// rawUpdate is the PATCH body: the same fields the SDK sends.
type rawUpdate struct {
	Name         string   `json:"name,omitempty"`
	ToolProfile  string   `json:"tool_profile,omitempty"`
	BlockedTools []string `json:"blocked_tools,omitempty"`
}

// rawCall is the floor: one request, the bearer header, JSON in and out,
// decoded into the same result types the SDK returns, as a hand-written
// client using them would. The difference is the SDK's own work:
// validation, encoding, the retry loop, authentication, typed errors.
func rawCall(ctx context.Context, hc *http.Client, method, url string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+benchToken)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return io.ErrUnexpectedEOF
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// benchPair is one operation done both ways: the floor and the SDK.
type benchPair struct{ raw, sdk func() error }

// benchPairs returns the Update and Get pairs against one loopback server.
func benchPairs(b *testing.B) map[string]benchPair {
	b.Helper()
	srv := benchServer(b)
	hc := &http.Client{Transport: srv.Client().Transport}
	c, err := streamkap.NewClient(streamkap.WithBaseURL(srv.URL), streamkap.WithToken(benchToken),
		streamkap.WithHTTPClient(&http.Client{Transport: srv.Client().Transport}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	keyURL := srv.URL + "/project-keys/pk-1"
	return map[string]benchPair{
		"Update": {
			raw: func() error {
				var out streamkap.UpdateProjectKeyResult
				in := rawUpdate{Name: "ingest-bot", ToolProfile: "read-only", BlockedTools: []string{"delete_pipeline"}}
				return rawCall(ctx, hc, http.MethodPatch, keyURL, in, &out)
			},
			sdk: func() error {
				_, err := c.ProjectKeys.Update(ctx, "pk-1", streamkap.UpdateProjectKeyParams{
					Name:         streamkap.Value("ingest-bot"),
					ToolProfile:  streamkap.NullableValue(streamkap.ToolProfileReadOnly),
					BlockedTools: streamkap.NullableValue([]string{"delete_pipeline"}),
				})
				return err
			},
		},
		"Get": {
			raw: func() error {
				var out streamkap.ProjectKeyDetail
				return rawCall(ctx, hc, http.MethodGet, keyURL, nil, &out)
			},
			sdk: func() error { _, err := c.ProjectKeys.Get(ctx, "pk-1"); return err },
		},
	}
}

// benchRawAndSDK runs a pair as the sub-benchmarks raw and sdk.
func benchRawAndSDK(b *testing.B, pair benchPair) {
	for _, sub := range []struct {
		name string
		call func() error
	}{{"raw", pair.raw}, {"sdk", pair.sdk}} {
		call := sub.call
		b.Run(sub.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := call(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUpdate(b *testing.B) { benchRawAndSDK(b, benchPairs(b)["Update"]) }

func BenchmarkGet(b *testing.B) { benchRawAndSDK(b, benchPairs(b)["Get"]) }

// BenchmarkInterleaved runs the floor and the SDK call by call, in turn
// (alternating which goes first), and reports the ratio of their total
// times. On a noisy machine this cancels the drift that separate
// sub-benchmarks see; BENCHMARKS.md gives both.
func BenchmarkInterleaved(b *testing.B) {
	pairs := benchPairs(b)
	for _, name := range []string{"Update", "Get"} {
		pair := pairs[name]
		b.Run(name, func(b *testing.B) {
			var rawTotal, sdkTotal time.Duration
			timed := func(f func() error, total *time.Duration) {
				start := time.Now()
				if err := f(); err != nil {
					b.Fatal(err)
				}
				*total += time.Since(start)
			}
			i := 0
			for b.Loop() {
				if i%2 == 0 {
					timed(pair.raw, &rawTotal)
					timed(pair.sdk, &sdkTotal)
				} else {
					timed(pair.sdk, &sdkTotal)
					timed(pair.raw, &rawTotal)
				}
				i++
			}
			b.ReportMetric(float64(sdkTotal)/float64(rawTotal), "sdk/raw")
			b.ReportMetric(float64(sdkTotal-rawTotal)/float64(i), "ns-overhead/call")
		})
	}
}
