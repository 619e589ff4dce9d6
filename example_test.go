package streamkap_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// fakeStreamkap starts an in-process Streamkap (package streamkaptest)
// with an API-only key, "pk-docs", and a Kafka-only key, "pk-kafka", and
// returns a client for it.
func fakeStreamkap(opts ...streamkaptest.Option) (*streamkap.Client, func()) {
	srv := fakeStreamkapServer(opts...)
	return srv.Client(), srv.Close
}

func fakeStreamkapServer(opts ...streamkaptest.Option) *streamkaptest.Server {
	srv, err := streamkaptest.Start(opts...)
	if err != nil {
		log.Fatal(err)
	}
	srv.AddKey(streamkaptest.Key{ID: "pk-docs", Name: "ingest-bot", API: true, RoleIDs: []string{"role-read-only"}})
	srv.AddKey(streamkaptest.Key{ID: "pk-kafka", Name: "stream-reader", Kafka: true, KafkaUsername: "stream-reader"})
	return srv
}

func ExampleNewClient() {
	// NewClient does no I/O: the credentials are exchanged for a token
	// when the first call needs one. streamkap.WithEnvironment() would read
	// them from STREAMKAP_CLIENT_ID and STREAMKAP_SECRET instead.
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
	_, err := streamkap.NewClient(streamkap.WithBaseURL("http://api.example.com"), streamkap.WithMaxAttempts(0))
	fmt.Println(err)
	// Output:
	// streamkap: invalid client configuration: WithMaxAttempts: 0 is less than 1; no credentials: use WithClientCredentials, WithCredentialFile, WithCredentialFileData, WithToken, or WithEnvironment with STREAMKAP_CLIENT_ID and STREAMKAP_SECRET set; base URL "http://api.example.com": plain http is allowed only for a loopback host; use https
}

func ExampleProjectKeysService_Update() {
	client, done := fakeStreamkap()
	defer done()

	// Rename the key and replace its roles; nothing else is sent.
	key, err := client.ProjectKeys.Update(context.Background(), "pk-docs", streamkap.UpdateProjectKeyParams{
		Name:    streamkap.Value("ingest-bot-v2"),
		RoleIDs: streamkap.Value([]string{"role-data-admin"}),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.Name, key.Roles[0].Name)
	fmt.Println(key.Warnings[0])
	fmt.Println("role change reaches issued tokens within", key.TokenTTL)
	// Output:
	// ingest-bot-v2 Data Admin
	// Role changes take effect when the key's current access tokens expire, within 3600 seconds (token_ttl_seconds).
	// role change reaches issued tokens within 1h0m0s
}

func ExampleProjectKeysService_Update_addKafkaAccess() {
	client, done := fakeStreamkap()
	defer done()

	key, err := client.ProjectKeys.Update(context.Background(), "pk-docs", streamkap.UpdateProjectKeyParams{
		KafkaConfig: streamkap.Value(streamkap.KafkaConfig{
			Username: "ingest-bot",
			// Choose the password yourself: you then hold it even if the
			// response is lost.
			Password: streamkap.NewSecret("a-long-random-password-from-your-vault"),
			KafkaACLs: []streamkap.KafkaACL{
				{TopicName: "orders.", Operation: streamkap.OperationRead, ResourcePatternType: streamkap.PatternPrefixed},
			},
		}),
	})
	if err != nil {
		log.Fatal(err)
	}
	creds := key.NewKafkaCredentials // shown this once
	fmt.Println(creds.Username, creds.SASLMechanism, creds.Password)
	fmt.Println(len(creds.Password.Reveal()), "characters to store in your vault")
	// Output:
	// ingest-bot PLAIN [REDACTED]
	// 38 characters to store in your vault
}

func ExampleProjectKeysService_Update_toolScoping() {
	client, done := fakeStreamkap()
	defer done()

	// A profile, a block list, and explicitly no allow-list (JSON null).
	key, err := client.ProjectKeys.Update(context.Background(), "pk-docs", streamkap.UpdateProjectKeyParams{
		ToolProfile:  streamkap.NullableValue(streamkap.ToolProfileReadOnly),
		BlockedTools: streamkap.NullableValue([]string{"query_topic"}),
		AllowedTools: streamkap.Null[[]string](),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.ToolProfile, key.BlockedTools, key.AllowedTools == nil)
	// Output:
	// read-only [query_topic] true
}

func ExampleProjectKeysService_Update_validation() {
	client, done := fakeStreamkap()
	defer done()

	// Invalid requests fail before any I/O, with every problem listed.
	_, err := client.ProjectKeys.Update(context.Background(), "pk-docs", streamkap.UpdateProjectKeyParams{
		Name:          streamkap.Value(""),
		RoleIDs:       streamkap.Value([]string{"role-admin"}),
		PermissionIDs: streamkap.Value([]string{"project_keys:write"}),
	})
	var invalid *streamkap.ValidationError
	if errors.As(err, &invalid) {
		for _, f := range invalid.Fields {
			fmt.Printf("%s: %s\n", f.Field(), f.Msg)
		}
	}
	fmt.Println(errors.Is(err, streamkap.ErrValidation))
	// Output:
	// name: must have at least 1 character, has 0
	// permission_ids: role_ids and permission_ids are mutually exclusive: set one
	// true
}

func ExampleProjectKeysService_Get() {
	client, done := fakeStreamkap()
	defer done()

	key, err := client.ProjectKeys.Get(context.Background(), "pk-docs")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.Name, key.Status, key.HasAPIAccess(), key.HasKafkaAccess(), key.TokenTTL)

	_, err = client.ProjectKeys.Get(context.Background(), "pk-missing")
	fmt.Println(errors.Is(err, streamkap.ErrNotFound))
	// Output:
	// ingest-bot active true false 1h0m0s
	// true
}

func ExampleProjectKeysService_List() {
	client, done := fakeStreamkap()
	defer done()

	keys, err := client.ProjectKeys.List(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range keys {
		fmt.Println(k.ID, k.Name, k.MaskedAPIClientSecret != "")
	}
	// Output:
	// pk-docs ingest-bot true
	// pk-kafka stream-reader false
}

func ExampleSecret() {
	password := streamkap.NewSecret("s3cr3t-kafka-password")
	fmt.Println(password)
	fmt.Printf("%v %+v %q %#v\n", password, password, password, password)
	fmt.Println(password.Reveal()) // only on purpose
	// Output:
	// [REDACTED]
	// [REDACTED] [REDACTED] "[REDACTED]" streamkap.Secret("[REDACTED]")
	// s3cr3t-kafka-password
}

func ExampleAPIError() {
	client, done := fakeStreamkap()
	defer done()

	_, err := client.ProjectKeys.Update(context.Background(), "pk-missing", streamkap.UpdateProjectKeyParams{
		Name: streamkap.Value("x"),
	})
	var apiErr *streamkap.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Detail, apiErr.Attempts, apiErr.RequestID != "")
	}
	fmt.Println(errors.Is(err, streamkap.ErrNotFound), errors.Is(err, streamkap.ErrOutcomeUnknown))
	// Output:
	// 404 Project key not found 1 true
	// true false
}
