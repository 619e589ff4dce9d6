package streamkap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"
)

const (
	testBase = "https://api.test"
	// Planted secrets: tests scan every output for them.
	plantedClientID     = "client-id-1"
	plantedClientSecret = "PLANTED-client-secret-7f3a"
	plantedKafkaPass    = "PLANTED-kafka-password-91c2"
	plantedNewAPISecret = "PLANTED-new-api-secret-5d1e"
	plantedTokenPrefix  = "PLANTED-access-token-"
	plantedRefreshToken = "PLANTED-refresh-token-c0de"
)

// plantedSecrets lists every planted plaintext, including the tokens the
// default token responder hands out.
func plantedSecrets() []string {
	out := []string{plantedClientSecret, plantedKafkaPass, plantedNewAPISecret, plantedRefreshToken}
	for i := 1; i <= 5; i++ {
		out = append(out, fmt.Sprintf("%s%d", plantedTokenPrefix, i))
	}
	return out
}

// wireRequest is what a responder saw.
type wireRequest struct {
	Method  string
	Path    string // escaped path, as sent
	Query   string
	Header  http.Header
	Body    string
	Attempt int
}

// harness is a client wired to a per-test httpmock transport under the
// retry layer, with fast retry waits and a token endpoint.
type harness struct {
	t  *testing.T
	mt *httpmock.MockTransport
	c  *Client

	mu        sync.Mutex
	requests  []wireRequest
	exchanges atomic.Int32
}

func newHarness(t *testing.T, opts ...Option) *harness {
	t.Helper()
	h := &harness{t: t, mt: httpmock.NewMockTransport()}
	h.mt.RegisterNoResponder(httpmock.NewNotFoundResponder(t.Error))
	h.onToken(h.tokenResponder(3600))
	// A write refused with a 400 the SDK does not recognise is settled by
	// reading the key; unless a test answers that read, it finds nothing
	// and the write's own error stands. Not recorded in h.requests.
	h.mt.RegisterResponder(http.MethodGet, testBase+"/project-keys/pk-1",
		httpmock.NewStringResponder(http.StatusNotFound, `{"detail":"Not Found"}`))
	base := []Option{
		WithBaseURL(testBase),
		WithHTTPClient(&http.Client{Transport: h.mt}),
		WithClientCredentials(plantedClientID, plantedClientSecret),
		WithRetryWait(time.Millisecond, 2*time.Millisecond),
	}
	c, err := NewClient(append(base, opts...)...)
	require.NoError(t, err)
	h.c = c
	return h
}

// tokenResponder hands out PLANTED-access-token-1, -2, ... with the given lifetime.
func (h *harness) tokenResponder(expiresIn int) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		n := h.exchanges.Load()
		return httpmock.NewJsonResponse(200, map[string]any{
			"accessToken":  fmt.Sprintf("%s%d", plantedTokenPrefix, n),
			"refreshToken": plantedRefreshToken,
			"expiresIn":    expiresIn,
			"expires":      time.Now().Add(time.Duration(expiresIn) * time.Second).UTC().Format(time.RFC3339),
		})
	}
}

// onToken routes the token endpoint through responders (the last repeats),
// counting exchanges.
func (h *harness) onToken(responders ...httpmock.Responder) {
	h.on(http.MethodPost, "/auth/access-token", responders...)
}

// on routes method+path through responders in turn (the last one repeats),
// recording every request.
func (h *harness) on(method, path string, responders ...httpmock.Responder) {
	var mu sync.Mutex
	calls := 0
	h.mt.RegisterResponder(method, testBase+path, func(req *http.Request) (*http.Response, error) {
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		mu.Lock()
		i := calls
		calls++
		mu.Unlock()
		if path == "/auth/access-token" {
			h.exchanges.Add(1)
		}
		h.mu.Lock()
		h.requests = append(h.requests, wireRequest{
			Method: req.Method, Path: req.URL.EscapedPath(), Query: req.URL.RawQuery,
			Header: req.Header.Clone(), Body: string(body), Attempt: i + 1,
		})
		h.mu.Unlock()
		return responders[min(i, len(responders)-1)](req)
	})
}

// sent returns the recorded requests to method+path.
func (h *harness) sent(method, path string) []wireRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []wireRequest
	for _, r := range h.requests {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// all returns every recorded request.
func (h *harness) all() []wireRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]wireRequest(nil), h.requests...)
}

func jsonResponder(status int, body string, headers ...string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			resp.Header.Set(headers[i], headers[i+1])
		}
		return resp, nil
	}
}

func errorResponder(err error) httpmock.Responder { return httpmock.NewErrorResponder(err) }

// patchAnswer answers a PATCH as the API does: the key, and the new
// credentials when the body adds Kafka access (kafka_config) or API access
// (permission_ids, or role_ids on this Kafka-only key).
func patchAnswer(id string) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		var body struct {
			KafkaConfig *struct {
				Username string `json:"username"`
			} `json:"kafka_config"`
			RoleIDs       []string `json:"role_ids"`
			PermissionIDs []string `json:"permission_ids"`
		}
		if req.Body != nil {
			_ = json.NewDecoder(req.Body).Decode(&body)
		}
		out := map[string]any{"id": id, "name": "k", "service_id": "svc-1", "status": "active"}
		if body.KafkaConfig != nil {
			out["kafka_username"] = body.KafkaConfig.Username
			out["new_kafka_credentials"] = map[string]any{"username": body.KafkaConfig.Username, "bootstrap_servers": "kafka.test:9092"}
		}
		if body.RoleIDs != nil || body.PermissionIDs != nil {
			out["api_client_id"] = "cid-1"
			out["new_api_credentials"] = map[string]any{"client_id": "cid-1", "client_secret": plantedNewAPISecret}
		}
		return httpmock.NewJsonResponse(200, out)
	}
}

// keyJSON is a minimal update response for key id.
func keyJSON(id string) string {
	return fmt.Sprintf(`{"id":%q,"name":"k","service_id":"svc-1","status":"active","new_api_credentials":null,"new_kafka_credentials":null}`, id)
}
