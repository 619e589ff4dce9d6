package streamkap_test

// SDK overhead against the floor, both configured as users run them: the
// SDK as NewClient builds it (its own transport, the default 30 s
// per-attempt timeout), and a hand-written net/http + encoding/json call
// with an http.Client whose Timeout is the same 30 s. See BENCHMARKS.md.
//
// BenchmarkUpdate, BenchmarkGet and BenchmarkInterleaved call a server in
// this process (its work counts in ns/op, B/op and allocs/op);
// BenchmarkOutOfProcess calls a server in a child process, so that
// allocations and CPU time count the client only.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/streamkap-go/streamkap"
)

// inProcessServer serves the benchmark answers from this process.
func inProcessServer(b *testing.B) string {
	b.Helper()
	srv := httptest.NewServer(streamkap.BenchHandler())
	b.Cleanup(srv.Close)
	return srv.URL
}

// childServer re-executes the test binary as the benchmark server (see
// TestMain) and returns its URL; the child stops when its stdin closes.
func childServer(b *testing.B) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), streamkap.BenchChildEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("the benchmark server did not start: %v", err)
	}
	return strings.TrimSpace(line)
}

// rawUpdate is the PATCH body: the same fields the SDK sends.
type rawUpdate struct {
	Name         string   `json:"name,omitempty"`
	ToolProfile  string   `json:"tool_profile,omitempty"`
	BlockedTools []string `json:"blocked_tools,omitempty"`
}

// The floor's own types: what a hand-written client declares for the
// API's JSON (API.md), with pointers where the API sends null and times
// kept as the API's strings.
type (
	rawUser struct {
		ID                string  `json:"id"`
		Email             string  `json:"email"`
		Name              string  `json:"name"`
		TenantID          string  `json:"tenant_id"`
		ProfilePictureURL *string `json:"profile_picture_url"`
		PhoneNumber       *string `json:"phone_number"`
		CreatedAt         string  `json:"created_at"`
		LastLogin         *string `json:"last_login"`
	}
	rawRole struct {
		ID          string   `json:"id"`
		Key         string   `json:"key"`
		Name        string   `json:"name"`
		Description *string  `json:"description"`
		CreatedAt   string   `json:"created_at"`
		UpdatedAt   string   `json:"updated_at"`
		Permissions []string `json:"permissions"`
	}
	rawKey struct {
		ID            string    `json:"id"`
		Name          string    `json:"name"`
		ServiceID     string    `json:"service_id"`
		Status        string    `json:"status"`
		Description   *string   `json:"description"`
		CreatedAt     *string   `json:"created_at"`
		CreatedBy     *rawUser  `json:"created_by_user"`
		APIClientID   *string   `json:"api_client_id"`
		MaskedSecret  *string   `json:"api_client_id_masked_secret"`
		KafkaUsername *string   `json:"kafka_username"`
		Roles         []rawRole `json:"roles"`
		LastUsedAt    *string   `json:"last_used_at"`
		ToolProfile   *string   `json:"tool_profile"`
		AllowedTools  []string  `json:"allowed_tools"`
		BlockedTools  []string  `json:"blocked_tools"`
	}
	rawACL struct {
		Name                string `json:"name"`
		Operation           string `json:"operation"`
		ResourcePatternType string `json:"resource_pattern_type"`
		Resource            string `json:"resource"`
	}
	rawDetail struct {
		rawKey
		KafkaACLs           []rawACL `json:"kafka_acls"`
		WhitelistIPs        *string  `json:"whitelist_ips"`
		KafkaProxyEndpoint  *string  `json:"kafka_proxy_endpoint"`
		SchemaProxyEndpoint *string  `json:"schema_proxy_endpoint"`
		TokenTTLSeconds     *int     `json:"token_ttl_seconds"`
	}
	rawCredentials struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		Username     string `json:"username"`
		Password     string `json:"password"`
	}
	rawUpdateAnswer struct {
		rawKey
		NewAPICredentials   *rawCredentials `json:"new_api_credentials"`
		NewKafkaCredentials *rawCredentials `json:"new_kafka_credentials"`
		TokenTTLSeconds     *int            `json:"token_ttl_seconds"`
		Warnings            []string        `json:"warnings"`
	}
)

// rawCall is the floor: one request, the bearer header, JSON in and out,
// decoded into the floor's own types. The difference is the SDK's own
// work: validation, encoding, the retry loop, authentication, typed
// results (times parsed, tri-state fields), typed errors.
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
	req.Header.Set("Authorization", "Bearer "+streamkap.BenchToken)
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

// benchNames are the operations benchPairs measures, in order.
var benchNames = []string{"Update", "Get", "List1", "List100", "List2000"}

// benchPairs returns the pairs of benchNames against the server at base.
func benchPairs(b *testing.B, base string) map[string]benchPair {
	b.Helper()
	// The floor as users write it: the default transport, a 30 s timeout.
	hc := &http.Client{Timeout: streamkap.DefaultAttemptTimeout}
	// The SDK as NewClient builds it: nothing but the address and a token.
	newClient := func(base string) *streamkap.Client {
		c, err := streamkap.NewClient(streamkap.WithBaseURL(base), streamkap.WithToken(streamkap.BenchToken))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(c.CloseIdleConnections)
		return c
	}
	c := newClient(base)
	ctx := context.Background()
	keyURL := base + "/project-keys/pk-1"
	pairs := map[string]benchPair{
		"Update": {
			raw: func() error {
				var out rawUpdateAnswer
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
				var out rawDetail
				return rawCall(ctx, hc, http.MethodGet, keyURL, nil, &out)
			},
			sdk: func() error { _, err := c.ProjectKeys.Get(ctx, "pk-1"); return err },
		},
	}
	for _, n := range streamkap.BenchListSizes {
		listBase := base + "/n" + strconv.Itoa(n)
		lc := newClient(listBase)
		pairs["List"+strconv.Itoa(n)] = benchPair{
			raw: func() error {
				var out []rawKey
				return rawCall(ctx, hc, http.MethodGet, listBase+"/project-keys", nil, &out)
			},
			sdk: func() error { _, err := lc.ProjectKeys.List(ctx, nil); return err },
		}
	}
	return pairs
}

// runCalls runs call b.N times and reports cpu-ns/op next to ns/op.
func runCalls(b *testing.B, call func() error) {
	b.ReportAllocs()
	if err := call(); err != nil { // warm up: a connection, the token
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu := processCPU()
	for b.Loop() {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}

// benchRawAndSDK runs a pair as the sub-benchmarks raw and sdk.
func benchRawAndSDK(b *testing.B, pair benchPair) {
	b.Run("raw", func(b *testing.B) { runCalls(b, pair.raw) })
	b.Run("sdk", func(b *testing.B) { runCalls(b, pair.sdk) })
}

func BenchmarkUpdate(b *testing.B) { benchRawAndSDK(b, benchPairs(b, inProcessServer(b))["Update"]) }

func BenchmarkGet(b *testing.B) { benchRawAndSDK(b, benchPairs(b, inProcessServer(b))["Get"]) }

func BenchmarkList(b *testing.B) {
	pairs := benchPairs(b, inProcessServer(b))
	for _, n := range streamkap.BenchListSizes {
		b.Run(strconv.Itoa(n), func(b *testing.B) { benchRawAndSDK(b, pairs["List"+strconv.Itoa(n)]) })
	}
}

// BenchmarkInterleaved runs the floor and the SDK call by call, in turn
// (alternating which goes first), and reports the ratio of their total
// times. On a noisy machine this cancels the drift that separate
// sub-benchmarks see; BENCHMARKS.md gives both.
func BenchmarkInterleaved(b *testing.B) {
	pairs := benchPairs(b, inProcessServer(b))
	for _, name := range benchNames {
		b.Run(name, func(b *testing.B) { interleave(b, pairs[name]) })
	}
}

func interleave(b *testing.B, pair benchPair) {
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
}

// BenchmarkOutOfProcess calls a server in a child process, so that B/op,
// allocs/op and cpu-ns/op count the client only:
//
//   - Update/raw, Update/sdk, Get/raw, Get/sdk: each side on its own;
//   - Interleaved/Update, Interleaved/Get: the time ratio, call by call;
//   - Rounds/Update, Rounds/Get: 10 rounds, the order of the sides rotated,
//     each side running b.N calls per round; it reports the median over the
//     rounds of the per-round ratio of client CPU per call (cpu-sdk/raw)
//     and of time per call (sdk/raw). ns/op is per call.
func BenchmarkOutOfProcess(b *testing.B) {
	pairs := benchPairs(b, childServer(b))
	for _, name := range benchNames {
		b.Run(name, func(b *testing.B) { benchRawAndSDK(b, pairs[name]) })
	}
	for _, name := range benchNames {
		b.Run("Interleaved/"+name, func(b *testing.B) { interleave(b, pairs[name]) })
	}
	for _, name := range benchNames {
		b.Run("Rounds/"+name, func(b *testing.B) { rounds(b, pairs[name]) })
	}
}

// rounds measures client CPU per call, one side at a time, in rounds.
func rounds(b *testing.B, pair benchPair) {
	const n = 10
	measure := func(call func() error) (cpu, wall time.Duration) {
		startCPU, start := processCPU(), time.Now()
		for range b.N {
			if err := call(); err != nil {
				b.Fatal(err)
			}
		}
		return processCPU() - startCPU, time.Since(start)
	}
	_ = pair.raw()
	_ = pair.sdk()
	var cpuRatios, wallRatios []float64
	var total time.Duration
	for r := range n {
		var rawCPU, rawWall, sdkCPU, sdkWall time.Duration
		if r%2 == 0 {
			rawCPU, rawWall = measure(pair.raw)
			sdkCPU, sdkWall = measure(pair.sdk)
		} else {
			sdkCPU, sdkWall = measure(pair.sdk)
			rawCPU, rawWall = measure(pair.raw)
		}
		if rawCPU > 0 {
			cpuRatios = append(cpuRatios, float64(sdkCPU)/float64(rawCPU))
		}
		wallRatios = append(wallRatios, float64(sdkWall)/float64(rawWall))
		total += rawWall + sdkWall
	}
	b.ReportMetric(median(cpuRatios), "cpu-sdk/raw")
	b.ReportMetric(median(wallRatios), "sdk/raw")
	b.ReportMetric(float64(total)/float64(2*n*b.N), "ns/op")
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
