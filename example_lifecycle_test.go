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

func ExampleProjectKeysService_Create() {
	client, done := fakeStreamkap()
	defer done()
	ctx := context.Background()

	roleIDs, err := client.Roles.ResolveIDs(ctx, "Data Admin")
	if err != nil {
		log.Fatal(err)
	}
	file, err := client.ProjectKeys.Create(ctx, streamkap.CreateProjectKeyParams{
		Name:        "nightly-loader",
		RoleIDs:     roleIDs,
		KafkaConfig: &streamkap.KafkaConfig{Username: "nightly-loader", Password: streamkap.NewSecret(streamkap.GeneratePassword())},
		ToolProfile: streamkap.ToolProfileReadOnly,
	})
	if err != nil {
		log.Fatal(err)
	}
	// The credential file holds secrets the API never shows again.
	fmt.Println(file.ProjectKeyID, file.API.Roles, file.API.ClientSecret, file.Kafka.Username)
	// Output:
	// pk-1 [Data Admin] [REDACTED] nightly-loader
}

func ExampleCredentialFile_WriteFile() {
	client, done := fakeStreamkap()
	defer done()

	file, err := client.ProjectKeys.Create(context.Background(), streamkap.CreateProjectKeyParams{Name: "ci", RoleIDs: []string{"role-admin"}})
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

	// Later, a program authenticates with the file.
	_, err = streamkap.NewClient(streamkap.WithCredentialFile(path))
	fmt.Println(err)
	// Output:
	// -rw-------
	// <nil>
}

func ExampleProjectKeysService_Delete() {
	client, done := fakeStreamkap(streamkaptest.WithDeleteDelay(50 * time.Millisecond))
	defer done()
	ctx := context.Background()

	if err := client.ProjectKeys.Delete(ctx, "pk-docs"); err != nil {
		log.Fatal(err)
	}
	key, _ := client.ProjectKeys.Get(ctx, "pk-docs")
	fmt.Println(key.Status)

	// Deletion is asynchronous: wait for the key to be gone.
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := client.ProjectKeys.WaitUntilGone(ctx, "pk-docs", &streamkap.WaitOptions{MinInterval: 10 * time.Millisecond})
	fmt.Println(err)
	_, err = client.ProjectKeys.Get(ctx, "pk-docs")
	fmt.Println(errors.Is(err, streamkap.ErrNotFound))
	// Output:
	// deleting
	// <nil>
	// true
}

func ExampleProjectKeysService_WaitUntilActive() {
	client, done := fakeStreamkap(streamkaptest.WithCreateDelay(50 * time.Millisecond))
	defer done()
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
	client, done := fakeStreamkap(streamkaptest.WithDeleteFailure())
	defer done()
	ctx := context.Background()

	if err := client.ProjectKeys.Delete(ctx, "pk-docs"); err != nil {
		log.Fatal(err)
	}
	err := client.ProjectKeys.WaitUntilGone(ctx, "pk-docs", nil)
	fmt.Println(errors.Is(err, streamkap.ErrDeleteFailed))
	fmt.Println(err)
	// Output:
	// true
	// streamkap: project key pk-docs is delete_failed while waiting for it to be gone
}

func ExampleProjectKeysService_MCPConfig() {
	client, done := fakeStreamkap()
	defer done()

	cfg, err := client.ProjectKeys.MCPConfig(context.Background(), "pk-kafka")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %q %q %v\n", cfg.ProjectKeyID, cfg.KafkaUsername, cfg.ToolProfile, cfg.AllowedTools == nil)
	// Output:
	// pk-kafka "stream-reader" "" true
}

func ExampleProjectKeysService_FindByName() {
	srv := fakeStreamkapServer()
	defer srv.Close()
	ctx := context.Background()

	// The create's answer is lost after the key was created.
	srv.InjectFault(http.MethodPost, "/project-keys", 1, streamkaptest.DropAfterApply())
	_, err := srv.Client().ProjectKeys.Create(ctx, streamkap.CreateProjectKeyParams{Name: "fragile", RoleIDs: []string{"role-admin"}})
	var unknown *streamkap.CreateOutcomeUnknownError
	if errors.As(err, &unknown) {
		found, err := srv.Client().ProjectKeys.FindByName(ctx, unknown.Name)
		if err != nil {
			log.Fatal(err)
		}
		// Its secrets are lost: delete it, then create it again.
		for _, k := range found {
			fmt.Println("found", k.ID, k.Name)
			if err := srv.Client().ProjectKeys.Delete(ctx, k.ID); err != nil {
				log.Fatal(err)
			}
		}
	}
	// Output:
	// found pk-1 fragile
}

func ExampleProjectKeysService_AddKafkaAccess() {
	client, done := fakeStreamkap()
	defer done()

	// No password given: a strong one is generated client-side, so it is
	// known even if the answer is lost.
	access, err := client.ProjectKeys.AddKafkaAccess(context.Background(), "pk-docs", streamkap.AddKafkaAccessParams{
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
	client, done := fakeStreamkap()
	defer done()

	password, err := client.ProjectKeys.RotateKafkaPassword(context.Background(), "pk-kafka", streamkap.Secret{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(password, password.Len())
	// Output:
	// [REDACTED] 32
}

func ExampleProjectKeysService_AddAPIAccess() {
	client, done := fakeStreamkap()
	defer done()

	res, err := client.ProjectKeys.AddAPIAccess(context.Background(), "pk-kafka", streamkap.AddAPIAccessParams{
		RoleIDs: []string{"role-read-only"},
	})
	if err != nil {
		var lost *streamkap.APIAccessLostError
		if errors.As(err, &lost) {
			log.Fatalf("recreate key %s: %v", lost.ProjectKeyID, err)
		}
		log.Fatal(err)
	}
	creds := res.NewAPICredentials // shown this once
	fmt.Println(res.HasAPIAccess(), creds.ClientID == res.APIClientID, creds.ClientSecret, creds.Roles)
	// Output:
	// true true [REDACTED] [Read Only]
}

func ExampleProjectKeysService_SetToolScoping() {
	client, done := fakeStreamkap()
	defer done()

	res, err := client.ProjectKeys.SetToolScoping(context.Background(), "pk-docs", streamkap.ToolScoping{
		Profile:      streamkap.NullableValue(streamkap.ToolProfileAgentOperator),
		BlockedTools: streamkap.NullableValue([]string{"restart_pipeline"}),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.ToolProfile, res.BlockedTools)
	// Output:
	// agent-operator [restart_pipeline]
}

func ExampleRolesService_List() {
	client, done := fakeStreamkap()
	defer done()

	roles, err := client.Roles.List(context.Background())
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
	client, done := fakeStreamkap()
	defer done()
	ctx := context.Background()

	ids, err := client.Roles.ResolveIDs(ctx, "Data Admin", "readonly")
	fmt.Println(ids, err)

	_, err = client.Roles.ResolveIDs(ctx, "Superuser")
	fmt.Println(err)
	// Output:
	// [role-data-admin role-read-only] <nil>
	// streamkap: no role named "Superuser"; the roles are: Admin, Data Admin (DataAdmin), Read Only (ReadOnly)
}

func ExampleGeneratePassword() {
	password := streamkap.NewSecret(streamkap.GeneratePassword())
	fmt.Println(password.Len(), password)
	// Output:
	// 32 [REDACTED]
}
