package streamkap_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

func ExampleProjectKeysService_Update() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{Name: "ingest-bot", API: true})

	// Rename the key and give it a description; nothing else is sent.
	res, err := srv.Client().ProjectKeys.Update(context.Background(), key.ID, streamkap.UpdateProjectKeyParams{
		Name:        streamkap.Value("ingest-bot-v2"),
		Description: streamkap.NullableValue("Loads orders every night"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Name, "-", res.Description)
	// Output:
	// ingest-bot-v2 - Loads orders every night
}

func ExampleProjectKeysService_Update_addKafkaAccess() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{Name: "ingest-bot", API: true})

	// The password is chosen client-side (generated here, as none is
	// given), so it is known even if the answer is lost.
	res, err := srv.Client().ProjectKeys.Update(context.Background(), key.ID, streamkap.UpdateProjectKeyParams{
		KafkaConfig: streamkap.Value(streamkap.KafkaConfig{
			Username: "ingest-bot",
			KafkaACLs: []streamkap.KafkaACL{
				{TopicName: "orders.", Operation: streamkap.OperationRead, ResourcePatternType: streamkap.PatternPrefixed},
			},
		}),
	})
	var unknown *streamkap.KafkaOutcomeUnknownError
	if errors.As(err, &unknown) {
		log.Fatalf("Get key %s: if it has Kafka user %s, its password is in the error", unknown.ProjectKeyID, unknown.Username)
	}
	if err != nil {
		log.Fatal(err)
	}
	creds := res.NewKafkaCredentials // store creds.Password.Reveal() in your vault now
	fmt.Println(creds.Username, creds.SASLMechanism, creds.Password, creds.Password.Len())
	// Output:
	// ingest-bot PLAIN [REDACTED] 32
}

func ExampleProjectKeysService_Update_validation() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	// Invalid requests fail before any I/O, with every problem listed.
	_, err = srv.Client().ProjectKeys.Update(context.Background(), "pk-1/mcp-config", streamkap.UpdateProjectKeyParams{
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
	fmt.Println(errors.Is(err, streamkap.ErrValidation), len(srv.Requests()), "requests sent")
	// Output:
	// project_key_id: must not contain / or \ (the API decodes the path before routing)
	// name: must have at least 1 character, has 0
	// permission_ids: role_ids and permission_ids are mutually exclusive: set one
	// true 0 requests sent
}

func ExampleProjectKeysService_SetRoles() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{Name: "ingest-bot", API: true, RoleIDs: []string{"role-read-only"}})
	kafkaOnly := srv.AddKey(streamkaptest.Key{Name: "reader", Kafka: true})
	ctx := context.Background()

	// Roles by name; a 503 on the way is retried, as for a rename.
	srv.InjectFault(http.MethodPatch, "/project-keys/"+key.ID, 1, streamkaptest.Unavailable())
	res, err := srv.Client().ProjectKeys.SetRoles(ctx, key.ID, []string{"Data Admin"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Roles[0].Name)

	// A key without API access is refused: AddAPIAccess gives it some.
	_, err = srv.Client().ProjectKeys.SetRoles(ctx, kafkaOnly.ID, []string{"Data Admin"})
	fmt.Println(errors.Is(err, streamkap.ErrRefused))
	// Output:
	// Data Admin
	// true
}

func ExampleProjectKeysService_Get() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{Name: "reader", Kafka: true, KafkaUsername: "reader", WhitelistIPs: "10.0.0.0/8"})

	detail, err := srv.Client().ProjectKeys.Get(context.Background(), key.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(detail.Name, detail.Status, detail.HasAPIAccess(), detail.KafkaUsername, detail.WhitelistIPs, detail.TokenTTL)

	_, err = srv.Client().ProjectKeys.Get(context.Background(), "pk-missing")
	fmt.Println(errors.Is(err, streamkap.ErrNotFound))
	// Output:
	// reader active false reader 10.0.0.0/8 1h0m0s
	// true
}

func ExampleProjectKeysService_List() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.AddKey(streamkaptest.Key{Name: "ingest-bot", API: true})
	srv.AddKey(streamkaptest.Key{Name: "reader", Kafka: true})

	keys, err := srv.Client().ProjectKeys.List(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range keys {
		fmt.Println(k.ID, k.Name, k.HasAPIAccess(), k.HasKafkaAccess())
	}
	// Output:
	// pk-1 ingest-bot true false
	// pk-2 reader false true
}

func ExampleProjectKeysService_Create() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	roleIDs, err := client.Roles.ResolveIDs(ctx, []string{"Data Admin"})
	if err != nil {
		log.Fatal(err)
	}
	file, err := client.ProjectKeys.Create(ctx, streamkap.CreateProjectKeyParams{
		Name:        "nightly-loader",
		RoleIDs:     roleIDs,
		KafkaConfig: &streamkap.KafkaConfig{Username: "nightly-loader"}, // its password is generated client-side
		ToolProfile: streamkap.ToolProfileReadOnly,
	})
	var unknown *streamkap.CreateOutcomeUnknownError
	if errors.As(err, &unknown) {
		log.Fatalf("look for %q with FindByName before creating it again", unknown.Name)
	}
	if err != nil {
		log.Fatal(err)
	}
	// The credential file holds secrets the API never shows again: store it
	// now (CredentialFile.WriteFile writes it with mode 0600).
	fmt.Println(file.ProjectKeyID, file.API.Roles, file.API.ClientSecret, file.Kafka.Username, file.Kafka.Password)
	// Output:
	// pk-1 [Data Admin] [REDACTED] nightly-loader [REDACTED]
}

func ExampleCredentialFile_WriteFile() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	file, err := srv.Client().ProjectKeys.Create(context.Background(), streamkap.CreateProjectKeyParams{Name: "ci", RoleIDs: []string{"role-admin"}})
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
	info, err := os.Stat(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Mode().Perm())
	// Output:
	// -rw-------
}

func ExampleProjectKeysService_Delete() {
	srv, err := streamkaptest.Start(streamkaptest.WithDeleteDelay(50 * time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{API: true})
	client := srv.Client()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	if err := client.ProjectKeys.Delete(ctx, key.ID); err != nil {
		log.Fatal(err)
	}
	deleting, _ := client.ProjectKeys.Get(ctx, key.ID)
	fmt.Println(deleting.Status)

	// Deletion is asynchronous: wait for the key to be gone.
	err = client.ProjectKeys.WaitUntilGone(ctx, key.ID, &streamkap.WaitOptions{MinInterval: 10 * time.Millisecond})
	fmt.Println(err)
	// Output:
	// deleting
	// <nil>
}

func ExampleProjectKeysService_WaitUntilActive() {
	srv, err := streamkaptest.Start(streamkaptest.WithCreateDelay(50 * time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client := srv.Client()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	file, err := client.ProjectKeys.Create(ctx, streamkap.CreateProjectKeyParams{Name: "slow", RoleIDs: []string{"role-admin"}})
	if err != nil {
		log.Fatal(err)
	}
	key, err := client.ProjectKeys.WaitUntilActive(ctx, file.ProjectKeyID, &streamkap.WaitOptions{MinInterval: 10 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.Name, key.Status)
	// Output:
	// slow active
}

func ExampleProjectKeysService_WaitUntilGone() {
	srv, err := streamkaptest.Start(streamkaptest.WithDeleteFailure())
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{ID: "pk-docs", API: true})
	ctx := context.Background()

	if err := srv.Client().ProjectKeys.Delete(ctx, key.ID); err != nil {
		log.Fatal(err)
	}
	err = srv.Client().ProjectKeys.WaitUntilGone(ctx, key.ID, nil)
	fmt.Println(errors.Is(err, streamkap.ErrDeleteFailed))
	fmt.Println(err)
	// Output:
	// true
	// streamkap: project key pk-docs is delete_failed while waiting for it to be gone
}

func ExampleProjectKeysService_MCPConfig() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{API: true, ToolProfile: streamkap.ToolProfileReadOnly, BlockedTools: []string{"query_topic"}})

	cfg, err := srv.Client().ProjectKeys.MCPConfig(context.Background(), key.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.ProjectKeyID, cfg.ToolProfile, cfg.BlockedTools, cfg.AllowedTools == nil)
	// Output:
	// pk-1 read-only [query_topic] true
}

func ExampleProjectKeysService_FindByName() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	// The create's answer is lost after the key was created.
	srv.InjectFault(http.MethodPost, "/project-keys", 1, streamkaptest.DropAfterApply())
	_, err = client.ProjectKeys.Create(ctx, streamkap.CreateProjectKeyParams{Name: "fragile", RoleIDs: []string{"role-admin"}})
	var unknown *streamkap.CreateOutcomeUnknownError
	if errors.As(err, &unknown) {
		found, err := client.ProjectKeys.FindByName(ctx, unknown.Name)
		if err != nil {
			log.Fatal(err)
		}
		// Its client secret is lost: delete it, then create it again.
		for _, k := range found {
			fmt.Println("found", k.ID, k.Name)
			if err := client.ProjectKeys.Delete(ctx, k.ID); err != nil {
				log.Fatal(err)
			}
		}
	}
	// Output:
	// found pk-1 fragile
}

func ExampleProjectKeysService_AddKafkaAccess() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{API: true})

	// No password given: a strong one is generated client-side. If the
	// answer is lost, AddKafkaAccess reads the key back.
	access, err := srv.Client().ProjectKeys.AddKafkaAccess(context.Background(), key.ID, streamkap.AddKafkaAccessParams{
		Username:  "ingest-bot",
		KafkaACLs: []streamkap.KafkaACL{{TopicName: "orders", Operation: streamkap.OperationWrite, ResourcePatternType: streamkap.PatternLiteral}},
	})
	if err != nil {
		log.Fatal(err)
	}
	creds := access.Credentials
	fmt.Println(creds.Username, creds.BootstrapServers, creds.Password, creds.Password.Len(), access.Reconciled)
	// Output:
	// ingest-bot kafka.streamkap.test:32400 [REDACTED] 32 false
}

func ExampleProjectKeysService_RotateKafkaPassword() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{Kafka: true})

	// A zero Secret: a new password is generated. The call is safe to
	// resend; on error the returned password is still the one that was sent.
	password, err := srv.Client().ProjectKeys.RotateKafkaPassword(context.Background(), key.ID, streamkap.GeneratePassword())
	if err != nil {
		log.Fatal(err)
	}
	state, _ := srv.Key(key.ID)
	fmt.Println(password, password.Len(), password.Equal(state.KafkaPassword))
	// Output:
	// [REDACTED] 32 true
}

func ExampleProjectKeysService_AddAPIAccess() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{Kafka: true})

	res, err := srv.Client().ProjectKeys.AddAPIAccess(context.Background(), key.ID, streamkap.AddAPIAccessParams{
		RoleIDs: []string{"role-read-only"},
	})
	var lost *streamkap.APIAccessLostError
	if errors.As(err, &lost) {
		log.Fatalf("the secret of key %s is lost: delete the key and create it again", lost.ProjectKeyID)
	}
	if err != nil {
		log.Fatal(err)
	}
	creds := res.NewAPICredentials // shown this once
	fmt.Println(res.HasAPIAccess(), creds.ClientID == res.APIClientID, creds.ClientSecret, creds.Roles)
	// Output:
	// true true [REDACTED] [Read Only]
}

func ExampleProjectKeysService_SetToolScoping() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	key := srv.AddKey(streamkaptest.Key{API: true, AllowedTools: []string{"list_pipelines"}})

	res, err := srv.Client().ProjectKeys.SetToolScoping(context.Background(), key.ID, streamkap.ToolScoping{
		Profile:      streamkap.NullableValue(streamkap.ToolProfileAgentOperator),
		BlockedTools: streamkap.NullableValue([]string{"restart_pipeline"}),
		AllowedTools: streamkap.Null[[]string](), // clear the allow-list
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.ToolProfile, res.BlockedTools, res.AllowedTools == nil)
	// Output:
	// agent-operator [restart_pipeline] true
}

func ExampleRolesService_List() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	roles, err := srv.Client().Roles.List(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range roles {
		fmt.Println(r.ID, r.Name)
	}
	// Output:
	// role-admin Admin
	// role-data-admin Data Admin
	// role-read-only Read Only
}

func ExampleRolesService_ResolveIDs() {
	srv, err := streamkaptest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()

	ids, err := srv.Client().Roles.ResolveIDs(ctx, []string{"Data Admin", "readonly"})
	fmt.Println(ids, err)

	_, err = srv.Client().Roles.ResolveIDs(ctx, []string{"Superuser"})
	fmt.Println(err)
	// Output:
	// [role-data-admin role-read-only] <nil>
	// streamkap: no role named "Superuser"; the roles are: Admin, Data Admin (DataAdmin), Read Only (ReadOnly)
}

func ExampleGeneratePassword() {
	password := streamkap.GeneratePassword()
	fmt.Println(password.Len(), password)
	// Output:
	// 32 [REDACTED]
}
