package streamkaptest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// Start a server, seed a key, call it through the ready client, and look
// at what the server received and holds.
func ExampleStart() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{Name: "ingest-bot", API: true, Kafka: true, KafkaUsername: "ingest-bot"})

	_, err = srv.Client().ProjectKeys.Update(context.Background(), key.ID, streamkap.UpdateProjectKeyParams{
		Name:         streamkap.Value("ingest-bot-v2"),
		WhitelistIPs: streamkap.Value("10.0.0.0/8"),
	})
	if err != nil {
		log.Fatal(err)
	}

	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Path, r.Body) // a body prints as its size: it may hold secrets
	}
	patch := srv.RequestsTo(http.MethodPatch, "/project-keys/"+key.ID)[0]
	fmt.Println(patch.Body.Text())
	state, _ := srv.Key(key.ID)
	fmt.Println(state.Name, state.WhitelistIPs)
	// Output:
	// POST /auth/access-token <78 bytes>
	// PATCH /project-keys/pk-1 <53 bytes>
	// {"name":"ingest-bot-v2","whitelist_ips":"10.0.0.0/8"}
	// ingest-bot-v2 10.0.0.0/8
}

// Inject faults: the client's retries and typed errors meet them.
func ExampleServer_InjectFault() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{Name: "ingest-bot", API: true})
	path := "/project-keys/" + key.ID
	ctx := context.Background()

	// Two 503s, then the real answer: a read is retried.
	srv.InjectFault(http.MethodGet, path, 2, streamkaptest.Unavailable())
	_, err = srv.Client().ProjectKeys.Get(ctx, key.ID)
	fmt.Println(err, len(srv.RequestsTo(http.MethodGet, path)))

	// The connection drops after a role change is applied: an update that
	// may add credentials is never resent, and its error says so.
	srv.InjectFault(http.MethodPatch, path, 1, streamkaptest.DropAfterApply())
	_, err = srv.Client().ProjectKeys.Update(ctx, key.ID, streamkap.UpdateProjectKeyParams{RoleIDs: streamkap.Value([]string{"role-read-only"})})
	state, _ := srv.Key(key.ID)
	fmt.Println(errors.Is(err, streamkap.ErrOutcomeUnknown), state.RoleIDs, len(srv.RequestsTo(http.MethodPatch, path)))

	// A redirect is never followed.
	srv.InjectFault(http.MethodGet, path, 1, streamkaptest.Redirect(http.StatusTemporaryRedirect, "https://elsewhere.example.com/"))
	_, err = srv.Client().ProjectKeys.Get(ctx, key.ID)
	fmt.Println(errors.Is(err, streamkap.ErrRedirect))
	// Output:
	// <nil> 3
	// true [role-read-only] 1
	// true
}

// The server validates requests as the API does: a 422 with the fields it
// refused, pydantic-style, which the client turns into a typed error.
func ExampleServer_validation() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{API: true})

	_, err = srv.Client().ProjectKeys.Update(context.Background(), key.ID, streamkap.UpdateProjectKeyParams{
		KafkaConfig: streamkap.Value(streamkap.KafkaConfig{Username: "bot", WhitelistIPs: strings.Repeat("1", 1001)}),
	})
	var apiErr *streamkap.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Fields[0].Field(), "-", apiErr.Fields[0].Msg)
	}
	fmt.Println(errors.Is(err, streamkap.ErrValidation))
	// Output:
	// 422 kafka_config.whitelist_ips - String should have at most 1000 characters
	// true
}

// A key's own credentials (seeded, or from a credential file) make a
// client with that key's permissions.
func ExampleServer_ClientOptions() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	readOnly := srv.AddKey(streamkaptest.Key{Name: "viewer", API: true, RoleIDs: []string{"role-read-only"}})

	client, err := streamkap.NewClient(append(srv.ClientOptions(),
		streamkap.WithClientCredentials(readOnly.ClientID, readOnly.ClientSecret.Reveal()))...)
	if err != nil {
		log.Fatal(err)
	}
	keys, err := client.ProjectKeys.List(context.Background(), nil)
	fmt.Println(len(keys), err)
	_, err = client.ProjectKeys.Update(context.Background(), readOnly.ID, streamkap.UpdateProjectKeyParams{Name: streamkap.Value("x")})
	fmt.Println(errors.Is(err, streamkap.ErrForbidden))
	// Output:
	// 1 <nil>
	// true
}

// The package overview as an example: a test of code that renames a key,
// with a fault the code must survive. In a test, use NewServer(t), which
// stops the server when the test ends; Start is for programs.
func Example() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{Name: "bot", API: true})
	srv.InjectFault(http.MethodPatch, "/project-keys/"+key.ID, 1, streamkaptest.Unavailable()) // the client retries it

	_, err = srv.Client().ProjectKeys.Update(context.Background(), key.ID, streamkap.UpdateProjectKeyParams{Name: streamkap.Value("bot-2")})
	state, _ := srv.Key(key.ID)
	fmt.Println(err, state.Name, len(srv.RequestsTo(http.MethodPatch, "/project-keys/"+key.ID)), "PATCHes")
	// Output: <nil> bot-2 2 PATCHes
}
