package streamkap

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// The benchmark server, shared by the in-process benchmarks and the child
// process of BenchmarkOutOfProcess (exported to the external test package).

// BenchToken is the bearer token the benchmark server accepts.
const BenchToken = "bench-access-token-0123456789abcdef"

// The benchmark answers are shaped like the API's (API.md §2, §3): a
// detail with a role and its permissions, both timestamps, the creator's
// whole profile, tool scoping, ACLs, the IP allow-list, the proxy
// endpoints and the token TTL; a PATCH answer with warnings and the TTL;
// lists of such summaries.

// benchSummary is one key's summary; %d makes each key its own.
const benchSummary = `{"id":"pk-%d","name":"ingest-bot-%d","service_id":"svc-7f3a9c2e","status":"active",
"description":"Nightly loads from the orders warehouse into the analytics cluster",
"created_at":"2026-11-26T08:00:00.123456","created_by_user":{"id":"user-5b1e","email":"ops@example.com","name":"Ops Team",
"tenant_id":"tenant-9c2e","profile_picture_url":"https://cdn.example.com/u/5b1e.png","phone_number":null,
"created_at":"2025-03-01T10:00:00","last_login":"2026-11-25T17:30:00"},
"api_client_id":"cid-4f8a2b9c1d7e","api_client_id_masked_secret":"sec******9xz","kafka_username":"ingest-bot-%d",
"roles":[{"id":"role-data-admin","key":"DataAdmin","name":"Data Admin","description":"Manage data pipelines",
"created_at":"2025-01-01T00:00:00","updated_at":"2025-06-01T00:00:00",
"permissions":["project_keys:read","project_keys:write","pipelines:read","pipelines:write","sources:read","sources:write",
"destinations:read","destinations:write","topics:read","topics:write"]}],
"last_used_at":"2026-11-26T09:15:42.654321","tool_profile":"read-only","allowed_tools":null,
"blocked_tools":["delete_pipeline","delete_source","delete_destination"]`

// BenchKeyJSON is the Get answer.
var BenchKeyJSON = fmt.Sprintf(benchSummary, 1, 1, 1) + `,
"kafka_acls":[{"name":"orders.","operation":"READ","resource_pattern_type":"PREFIXED","resource":"TOPIC"},
{"name":"audit","operation":"WRITE","resource_pattern_type":"LITERAL","resource":"TOPIC"},
{"name":"ingest-bot","operation":"READ","resource_pattern_type":"PREFIXED","resource":"GROUP"}],
"whitelist_ips":"10.0.0.0/8,192.168.1.7,172.16.4.0/24",
"kafka_proxy_endpoint":"kafka-proxy.svc-7f3a9c2e.streamkap.net:32400",
"schema_proxy_endpoint":"schema-proxy.svc-7f3a9c2e.streamkap.net:32401","token_ttl_seconds":3600}`

// BenchUpdateJSON is the PATCH answer.
var BenchUpdateJSON = fmt.Sprintf(benchSummary, 1, 1, 1) + `,
"new_api_credentials":null,"new_kafka_credentials":null,"token_ttl_seconds":3600,
"warnings":["Role changes take effect when the tokens already issued expire, within 1 hour"]}`

// BenchListSizes are the list lengths the benchmark server serves, under
// /nN/project-keys.
var BenchListSizes = []int{1, 100, 2000}

// benchList is a list answer of n summaries.
func benchList(n int) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, benchSummary, i, i, i)
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.Bytes()
}

// BenchListJSON is benchList, for the external test package.
func BenchListJSON(n int) []byte { return benchList(n) }

// BenchHandler answers after checking the bearer, with an X-Request-Id as
// the API sends: GET /project-keys/pk-1 the detail, PATCH the update's
// answer, GET /nN/project-keys a list of N keys.
func BenchHandler() http.Handler {
	bodies := map[string][]byte{
		"GET /project-keys/pk-1":   []byte(BenchKeyJSON),
		"PATCH /project-keys/pk-1": []byte(BenchUpdateJSON),
	}
	for _, n := range BenchListSizes {
		bodies[fmt.Sprintf("GET /n%d/project-keys", n)] = benchList(n)
	}
	var seq atomic.Uint64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Header.Get("Authorization") != "Bearer "+BenchToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		body, ok := bodies[r.Method+" "+r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("X-Request-Id", fmt.Sprintf("req-%016x", seq.Add(1)))
		_, _ = w.Write(body)
	})
}

// benchChildEnv, when set, makes the test binary the benchmark server.
const benchChildEnv = "STREAMKAP_BENCH_SERVER_CHILD"

// BenchChildEnv is benchChildEnv, for the external test package.
const BenchChildEnv = benchChildEnv

// serveBenchmarks serves BenchHandler on a loopback port, prints its URL,
// and stops when its standard input closes (the parent is done or gone).
func serveBenchmarks() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv := &http.Server{Handler: BenchHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Printf("http://%s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
	_ = srv.Close()
	return 0
}
