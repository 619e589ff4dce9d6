package streamkap_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// The whole tour: a client, a key changed, a typed error, the request id.
// Here the client talks to an in-process fake Streamkap; with real
// credentials, build it with streamkap.NewClient(streamkap.WithEnvironment()).
func Example() {
	srv, err := streamkaptest.Start() // a fake Streamkap on a loopback port
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{Name: "ingest-bot", API: true})
	client := srv.Client()
	ctx := context.Background()

	// Rename the key and scope its MCP tools; nothing else is sent.
	var info streamkap.ResponseInfo
	res, err := client.ProjectKeys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{
		Name:        streamkap.Value("ingest-bot-v2"),
		ToolProfile: streamkap.NullableValue(streamkap.ToolProfileReadOnly),
	}, streamkap.WithResponseInfo(&info))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Name, res.ToolProfile, "request id:", info.RequestID)

	// Failures are typed.
	_, err = client.ProjectKeys.Get(ctx, "pk-missing")
	fmt.Println(errors.Is(err, streamkap.ErrNotFound))
	// Output:
	// ingest-bot-v2 read-only request id: req-2
	// true
}

func ExampleNewClient() {
	// NewClient does no I/O: the credentials are exchanged for a token
	// when the first call needs one.
	client, err := streamkap.NewClient(
		streamkap.WithClientCredentials("my-client-id", "my-secret"),
		streamkap.WithUserAgent("provisioner/2.1"),
		streamkap.WithMaxAttempts(3),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client.BaseURL())
	fmt.Println(client) // never shows a credential
	// Output:
	// https://api.streamkap.com
	// streamkap.Client{BaseURL: "https://api.streamkap.com", Auth: exchanged token (WithClientCredentials)}
}

func ExampleNewClient_invalidOptions() {
	// Every problem is reported at once, and no URL's password is quoted.
	_, err := streamkap.NewClient(streamkap.WithBaseURL("http://api.example.com"), streamkap.WithMaxAttempts(0))
	var cfgErr *streamkap.ConfigError
	if errors.As(err, &cfgErr) {
		for _, p := range cfgErr.Problems {
			fmt.Println(p)
		}
	}
	// Output:
	// WithMaxAttempts: 0 is less than 1
	// no credentials: use WithClientCredentials, WithCredentialFile, WithCredentialFileData, WithToken, or WithEnvironment with STREAMKAP_CLIENT_ID and STREAMKAP_SECRET set
	// base URL "http://api.example.com": plain http is allowed only for a loopback host; use https
}

func ExampleWithEnvironment() {
	// What a deployment sets (here, for the example only).
	os.Setenv("STREAMKAP_CLIENT_ID", "ci-bot")
	os.Setenv("STREAMKAP_SECRET", "secret-from-the-ci-vault")
	os.Setenv("STREAMKAP_HOST", "https://api.eu.example.com")
	defer os.Unsetenv("STREAMKAP_CLIENT_ID")
	defer os.Unsetenv("STREAMKAP_SECRET")
	defer os.Unsetenv("STREAMKAP_HOST")

	client, err := streamkap.NewClient(streamkap.WithEnvironment())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client)

	// An explicit option wins over the environment, whatever the order.
	client, err = streamkap.NewClient(streamkap.WithEnvironment(), streamkap.WithBaseURL("https://api.streamkap.com"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client.BaseURL())
	// Output:
	// streamkap.Client{BaseURL: "https://api.eu.example.com", Auth: exchanged token (WithEnvironment)}
	// https://api.streamkap.com
}

func ExampleWithCredentialFile() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()

	// A key is created once; its credential file is saved (mode 0600).
	file, err := srv.Client().ProjectKeys.Create(ctx, streamkap.CreateProjectKeyParams{Name: "ci", RoleIDs: []string{"role-admin"}})
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "keys")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ci.json")
	if err := file.WriteFile(path); err != nil {
		log.Fatal(err)
	}

	// Later, a program authenticates with the file. Only its client id and
	// secret are sent, and only to the client's base URL.
	client, err := streamkap.NewClient(streamkap.WithBaseURL(srv.URL()), streamkap.WithCredentialFile(path))
	if err != nil {
		log.Fatal(err)
	}
	keys, err := client.ProjectKeys.List(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(keys), keys[0].Name)
	// Output:
	// 1 ci
}

func ExampleParseCredentialFile() {
	// A credential file as the API delivers it (JSON, or base64 of it).
	data := []byte(`{
		"project_key_id": "pk-7", "type": "streamkap_project_key",
		"api": {"client_id": "cid-7", "client_secret": "shown-once-secret", "roles": ["Admin"]},
		"kafka": {"username": "loader", "password": "shown-once-password", "bootstrap_servers": "kafka.example.com:32400"}
	}`)
	file, err := streamkap.ParseCredentialFile(data)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(file.ProjectKeyID, file.API.ClientID, file.API.ClientSecret, file.Kafka.Username, file.Kafka.Password)
	// Output:
	// pk-7 cid-7 [REDACTED] loader [REDACTED]
}

func ExampleWithLogger() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{API: true})

	// Drop the time and duration so that the output is the same each run.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{}
			}
			return a
		},
	}))
	client, err := srv.NewClient(streamkap.WithLogger(logger))
	if err != nil {
		log.Fatal(err)
	}
	// The first GET meets a 429 with Retry-After: 0, and is retried.
	srv.InjectFault(http.MethodGet, "/project-keys/"+key.ID, 1, streamkaptest.RateLimited("0"))
	_, _ = client.ProjectKeys.Get(context.Background(), key.ID)
	_, _ = client.ProjectKeys.Get(context.Background(), "pk-missing")
	// Output:
	// level=DEBUG msg="streamkap request" method=POST route=/auth/access-token
	// level=DEBUG msg="streamkap done" method=POST route=/auth/access-token status=200 attempts=1 request_id=req-1
	// level=DEBUG msg="streamkap request" method=GET route=/project-keys/{project_key_id}
	// level=INFO msg="streamkap retry" method=GET route=/project-keys/{project_key_id} attempt=1 wait=0s status=429
	// level=DEBUG msg="streamkap done" method=GET route=/project-keys/{project_key_id} status=200 attempts=2 request_id=req-3
	// level=DEBUG msg="streamkap request" method=GET route=/project-keys/{project_key_id}
	// level=WARN msg="streamkap done" method=GET route=/project-keys/{project_key_id} status=404 attempts=1 request_id=req-4 error_kind=not_found
}

// countingTransport counts the requests that go through it, as a tracing
// transport (otelhttp) would see them.
type countingTransport struct {
	next  http.RoundTripper
	count int
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.count++
	return t.next.RoundTrip(req)
}

func ExampleWithHTTPClient() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{API: true})

	// The caller's transport runs inside the retry loop: it sees every
	// attempt. Its Client.Timeout (none here) would bound each attempt; the
	// SDK's default of 30 s applies instead.
	tracing := &countingTransport{next: http.DefaultTransport}
	client, err := srv.NewClient(streamkap.WithHTTPClient(&http.Client{Transport: tracing}))
	if err != nil {
		log.Fatal(err)
	}
	srv.InjectFault(http.MethodGet, "/project-keys/"+key.ID, 2, streamkaptest.Unavailable())
	if _, err := client.ProjectKeys.Get(context.Background(), key.ID); err != nil {
		log.Fatal(err)
	}
	fmt.Println(tracing.count, "requests: a token exchange and three attempts")
	// Output:
	// 4 requests: a token exchange and three attempts
}

func ExampleWithResponseInfo() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{API: true})
	srv.InjectFault(http.MethodGet, "/project-keys/"+key.ID, 1, streamkaptest.Unavailable())

	var info streamkap.ResponseInfo
	_, err = srv.Client().ProjectKeys.Get(context.Background(), key.ID, streamkap.WithResponseInfo(&info))
	fmt.Println(err, info.StatusCode, info.RequestID, info.Attempts)
	// Output:
	// <nil> 200 req-3 2
}

func ExampleValue() {
	// Only the fields set are sent. Value sets a field; the params encode
	// as the request body would, secrets shown redacted.
	params := streamkap.UpdateProjectKeyParams{
		Name:          streamkap.Value("ingest-bot"),
		KafkaACLs:     streamkap.Value([]streamkap.KafkaACL{}), // an empty list, sent as []: removes every ACL
		KafkaPassword: streamkap.Value(streamkap.NewSecret("a-new-kafka-password")),
	}
	body, _ := json.Marshal(params)
	fmt.Println(string(body))
	// Output:
	// {"name":"ingest-bot","kafka_acls":[],"kafka_password":"[REDACTED]"}
}

func ExampleNull() {
	// Null clears a field on the server (JSON null); NullableValue sets it.
	params := streamkap.UpdateProjectKeyParams{
		Description:  streamkap.Null[string](),
		ToolProfile:  streamkap.NullableValue(streamkap.ToolProfileAgentOperator),
		AllowedTools: streamkap.Null[[]string](),
	}
	body, _ := json.Marshal(params)
	fmt.Println(string(body))
	fmt.Println(params.Description.IsSet(), params.Description.IsNull(), params.Name.IsSet())
	// Output:
	// {"description":null,"tool_profile":"agent-operator","allowed_tools":null}
	// true true false
}

func ExampleSecret() {
	password := streamkap.NewSecret("s3cr3t-kafka-password")
	fmt.Println(password)
	fmt.Printf("%v %+v %q %#v\n", password, password, password, password)
	b, _ := json.Marshal(struct{ Password streamkap.Secret }{password})
	fmt.Println(string(b))
	fmt.Println(password.Reveal()) // only on purpose
	// Output:
	// [REDACTED]
	// [REDACTED] [REDACTED] "[REDACTED]" streamkap.Secret("[REDACTED]")
	// {"Password":"[REDACTED]"}
	// s3cr3t-kafka-password
}

func ExampleAPIError() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{API: true})

	// A rule only the server knows: the Kafka allow-list is too long (422).
	_, err = srv.Client().ProjectKeys.Update(context.Background(), key.ID, streamkap.UpdateProjectKeyParams{
		KafkaConfig: streamkap.Value(streamkap.KafkaConfig{Username: "bot", WhitelistIPs: fmt.Sprint(make([]int, 600))}),
	})
	var apiErr *streamkap.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Fields[0].Field(), apiErr.Fields[0].Msg, apiErr.RequestID)
	}
	fmt.Println(errors.Is(err, streamkap.ErrValidation), errors.Is(err, streamkap.ErrOutcomeUnknown))
	// Output:
	// 422 kafka_config.whitelist_ips String should have at most 1000 characters req-2
	// true false
}
