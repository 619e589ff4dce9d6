// Command quickstart tours streamkap-go's Project Keys support.
//
// With no credentials in the environment it starts an in-process fake
// Streamkap (package streamkaptest) and shows, against it: a rename plus a
// role change, adding Kafka access (with the shown-once password revealed,
// once, on purpose), a Kafka password rotation, MCP tool scoping, the error
// the SDK gives before sending an invalid request, and a key's whole life:
// create, save its credential file, add API access, delete.
//
// With STREAMKAP_CLIENT_ID and STREAMKAP_SECRET set it talks to the real API
// (STREAMKAP_HOST overrides the address) and only reads, unless flags ask
// for a change:
//
//	go run ./examples/quickstart                          # list keys
//	go run ./examples/quickstart -key pk_123              # show one key
//	go run ./examples/quickstart -key pk_123 -rename bot  # rename it
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	flags := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	keyID := flags.String("key", "", "real API: the key to show or change")
	rename := flags.String("rename", "", "real API: rename -key to this name")
	toolProfile := flags.String("tool-profile", "", "real API: set the tool profile of -key (full, read-only, agent-operator, infra-admin)")
	if err := flags.Parse(args); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if os.Getenv(streamkap.EnvClientID) != "" || os.Getenv(streamkap.EnvSecret) != "" {
		return realAPI(ctx, out, *keyID, *rename, *toolProfile)
	}
	return tour(ctx, out)
}

// tour runs every step against an in-process fake Streamkap.
func tour(ctx context.Context, out io.Writer) error {
	srv, err := streamkaptest.Start(
		streamkaptest.WithClientOptions(streamkap.WithUserAgent("quickstart/1.0")),
		streamkaptest.WithCreateDelay(200*time.Millisecond),
		streamkaptest.WithDeleteDelay(200*time.Millisecond),
	)
	if err != nil {
		return err
	}
	defer srv.Close()
	apiOnly := srv.AddKey(streamkaptest.Key{Name: "ingest-bot", API: true, RoleIDs: []string{"role-read-only"}})
	fmt.Fprintf(out, "No STREAMKAP_CLIENT_ID/STREAMKAP_SECRET: using an in-process fake Streamkap at %s\n\n", srv.URL())

	client := srv.Client()
	keys := client.ProjectKeys

	// 1. Rename the key and change its roles. Only the fields set are sent.
	res, err := keys.Update(ctx, apiOnly.ID, streamkap.UpdateProjectKeyParams{
		Name:    streamkap.Value("ingest-bot-v2"),
		RoleIDs: streamkap.Value([]string{"role-data-admin"}),
	})
	if err != nil {
		return fmt.Errorf("rename: %w", err)
	}
	fmt.Fprintf(out, "1. Renamed %s to %q with roles %s\n", res.ID, res.Name, roleNames(res.Roles))
	for _, w := range res.Warnings {
		fmt.Fprintf(out, "   warning: %s\n", w)
	}
	fmt.Fprintf(out, "   tokens already issued keep their old roles for up to %s\n\n", res.TokenTTL)

	// 2. Add Kafka access. Choosing the password here means we hold it even
	// if the response were lost; the SDK never sends this PATCH twice.
	password := streamkap.NewSecret(strongPassword())
	res, err = keys.Update(ctx, apiOnly.ID, streamkap.UpdateProjectKeyParams{
		KafkaConfig: streamkap.Value(streamkap.KafkaConfig{
			Username: "ingest-bot",
			Password: password,
			KafkaACLs: []streamkap.KafkaACL{{
				TopicName: "orders.", Operation: streamkap.OperationRead, ResourcePatternType: streamkap.PatternPrefixed,
			}},
		}),
	})
	if err != nil {
		return fmt.Errorf("add Kafka access: %w", err)
	}
	creds := res.NewKafkaCredentials
	fmt.Fprintf(out, "2. Added Kafka access: user %q via %s (%s/%s)\n", creds.Username, creds.BootstrapServers, creds.SecurityProtocol, creds.SASLMechanism)
	fmt.Fprintf(out, "   printed, the password is %v; it is shown once, so store it now:\n", creds.Password)
	fmt.Fprintf(out, "   password (revealed on purpose): %s\n\n", creds.Password.Reveal())

	// 3. Rotate the Kafka password: safe to retry, so the SDK retries it.
	rotated := streamkap.NewSecret(strongPassword())
	if _, err := keys.Update(ctx, apiOnly.ID, streamkap.UpdateProjectKeyParams{KafkaPassword: streamkap.Value(rotated)}); err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	fmt.Fprintf(out, "3. Rotated the Kafka password (%d characters, held as %v)\n\n", rotated.Len(), rotated)

	// 4. Scope the MCP tools an AI agent may use with this key: a profile,
	// a block list, and no allow-list (null clears it).
	res, err = keys.Update(ctx, apiOnly.ID, streamkap.UpdateProjectKeyParams{
		ToolProfile:  streamkap.NullableValue(streamkap.ToolProfileAgentOperator),
		BlockedTools: streamkap.NullableValue([]string{"delete_pipeline"}),
		AllowedTools: streamkap.Null[[]string](),
	})
	if err != nil {
		return fmt.Errorf("tool scoping: %w", err)
	}
	fmt.Fprintf(out, "4. Tool profile %q, blocked %v, allow-list cleared: %v\n\n", res.ToolProfile, res.BlockedTools, res.AllowedTools == nil)

	// 5. An invalid request fails before anything is sent, listing every problem.
	_, err = keys.Update(ctx, apiOnly.ID, streamkap.UpdateProjectKeyParams{
		RoleIDs:       streamkap.Value([]string{"role-admin"}),
		PermissionIDs: streamkap.Value([]string{"project_keys:write"}),
	})
	var invalid *streamkap.ValidationError
	if !errors.As(err, &invalid) {
		return fmt.Errorf("expected a validation error, got %v", err)
	}
	fmt.Fprintf(out, "5. Refused before sending (errors.Is ErrValidation: %v):\n", errors.Is(err, streamkap.ErrValidation))
	for _, f := range invalid.Fields {
		fmt.Fprintf(out, "   %s: %s\n", f.Field(), f.Msg)
	}
	fmt.Fprintln(out)
	return lifecycle(ctx, out, keys, client.Roles)
}

// lifecycle creates a Kafka-only key, keeps its credential file, adds API
// access to it, and deletes it.
func lifecycle(ctx context.Context, out io.Writer, keys *streamkap.ProjectKeysService, roles *streamkap.RolesService) error {
	file, err := keys.Create(ctx, streamkap.CreateProjectKeyParams{
		Name:        "quickstart-temp",
		KafkaConfig: &streamkap.KafkaConfig{Username: "quickstart-temp", Password: streamkap.NewSecret(strongPassword())},
		ToolProfile: streamkap.ToolProfileReadOnly,
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	id := file.ProjectKeyID
	dir, err := os.MkdirTemp("", "quickstart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, id+".json")
	if err := file.WriteFile(path); err != nil {
		return err
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "6. Created %s with Kafka user %q; its credential file (secrets shown once) is saved with mode %v\n", id, file.Kafka.Username, info.Mode().Perm())

	key, err := keys.WaitUntilActive(ctx, id, nil)
	if err != nil {
		return fmt.Errorf("wait: %w", err)
	}
	fmt.Fprintf(out, "   it is %s\n", key.Status)

	roleIDs, err := roles.ResolveIDs(ctx, "Read Only")
	if err != nil {
		return err
	}
	res, err := keys.AddAPIAccess(ctx, id, streamkap.AddAPIAccessParams{RoleIDs: roleIDs})
	if err != nil {
		return fmt.Errorf("add API access: %w", err)
	}
	fmt.Fprintf(out, "   added API access: client %s, secret %v (shown once)\n", res.NewAPICredentials.ClientID, res.NewAPICredentials.ClientSecret)

	if err := keys.Delete(ctx, id); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if err := keys.WaitUntilGone(ctx, id, nil); err != nil {
		return fmt.Errorf("wait for deletion: %w", err)
	}
	_, err = keys.Get(ctx, id)
	fmt.Fprintf(out, "   deleted: Get now says not found: %v\n", errors.Is(err, streamkap.ErrNotFound))
	return nil
}

// realAPI reads from the real API and changes a key only when asked to.
func realAPI(ctx context.Context, out io.Writer, keyID, rename, toolProfile string) error {
	client, err := streamkap.NewClient(streamkap.WithEnvironment(), streamkap.WithUserAgent("quickstart/1.0"))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Using the Streamkap API at %s\n", client.BaseURL())

	if keyID == "" {
		keys, err := client.ProjectKeys.List(ctx, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%d project keys:\n", len(keys))
		for _, k := range keys {
			fmt.Fprintf(out, "  %-24s %-32q %-14s api=%-5v kafka=%-5v tools=%s\n", k.ID, k.Name, k.Status, k.HasAPIAccess(), k.HasKafkaAccess(), k.ToolProfile)
		}
		return nil
	}

	var params streamkap.UpdateProjectKeyParams
	if rename != "" {
		params.Name = streamkap.Value(rename)
	}
	if toolProfile != "" {
		params.ToolProfile = streamkap.NullableValue(streamkap.ToolProfile(toolProfile))
	}
	if params.Name.IsSet() || params.ToolProfile.IsSet() {
		res, err := client.ProjectKeys.Update(ctx, keyID, params)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Updated %s: name %q, tool profile %q\n", res.ID, res.Name, res.ToolProfile)
		for _, w := range res.Warnings {
			fmt.Fprintf(out, "  warning: %s\n", w)
		}
		return nil
	}
	k, err := client.ProjectKeys.Get(ctx, keyID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s %q: status %s, roles %s, Kafka user %q, %d ACLs, tool profile %q, token TTL %s\n",
		k.ID, k.Name, k.Status, roleNames(k.Roles), k.KafkaUsername, len(k.KafkaACLs), k.ToolProfile, k.TokenTTL)
	return nil
}

func roleNames(roles []streamkap.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.Name
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// strongPassword returns 26 base32 characters from crypto/rand (130 bits),
// plus a lowercase letter and a digit for password policies that want them.
func strongPassword() string {
	return rand.Text() + "a1"
}
