package streamkap

import (
	"bufio"
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

// BenchKeyJSON is a realistic answer: a key with one role and its details.
const BenchKeyJSON = `{"id":"pk-1","name":"ingest-bot","service_id":"svc-1","status":"active","description":"nightly loads",
"created_at":"2026-11-26T08:00:00Z","created_by_user":{"id":"u-1","email":"ops@example.com","name":"Ops","tenant_id":"t-1"},
"api_client_id":"cid-1","api_client_id_masked_secret":"sec******xyz","kafka_username":"ingest-bot",
"roles":[{"id":"role-data-admin","key":"DataAdmin","name":"Data Admin","description":"Manage data pipelines","permissions":["project_keys:write"]}],
"last_used_at":"2026-11-26T09:00:00Z","tool_profile":"read-only","allowed_tools":null,"blocked_tools":["delete_pipeline"],
"kafka_acls":[{"name":"orders.","operation":"READ","resource_pattern_type":"PREFIXED","resource":"TOPIC"}],"whitelist_ips":"",
"kafka_proxy_endpoint":"kafka.streamkap.test:32400","schema_proxy_endpoint":null,"token_ttl_seconds":3600,
"new_api_credentials":null,"new_kafka_credentials":null}`

// BenchHandler answers every call with BenchKeyJSON after checking the
// bearer, with an X-Request-Id as the API sends.
func BenchHandler() http.Handler {
	body := []byte(BenchKeyJSON)
	length := strconv.Itoa(len(body))
	var n atomic.Uint64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Header.Get("Authorization") != "Bearer "+BenchToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", length)
		w.Header().Set("X-Request-Id", fmt.Sprintf("req-%016x", n.Add(1)))
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
