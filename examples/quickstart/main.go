// Command quickstart tours streamkap-go's Project Keys support.
//
// With no credentials in the environment it starts an in-process fake
// Streamkap (package streamkaptest) and shows, against it: a rename and a
// role change by name, adding Kafka access with a password generated
// client-side, a Kafka password rotation, MCP tool scoping, the errors the
// SDK gives (a request refused before sending, a rule only the server
// knows, a missing key), and a key's whole life: create, save its
// credential file to a temporary directory, add API access, delete. It
// never prints a secret: it shows that printing one prints [REDACTED].
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
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// errUsage marks a command-line mistake (exit status 2).
var errUsage = errors.New("usage")

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// options are the command line's flags.
type options struct {
	keyID, rename, toolProfile string
}

func run(args []string, out, errOut io.Writer) error {
	flags := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	flags.SetOutput(errOut)
	var opts options
	flags.StringVar(&opts.keyID, "key", "", "real API only: the key to show or change")
	flags.StringVar(&opts.rename, "rename", "", "real API only: rename -key to this name")
	flags.StringVar(&opts.toolProfile, "tool-profile", "", "real API only: set the tool profile of -key (full, read-only, agent-operator, infra-admin)")
	flags.Usage = func() {
		fmt.Fprintf(errOut, "Usage: go run ./examples/quickstart [-key ID [-rename NAME] [-tool-profile PROFILE]]\n\n"+
			"Without %s and %s it tours the SDK on an in-process fake Streamkap;\n"+
			"with them it talks to the real API and changes nothing unless -rename or -tool-profile asks.\n\n",
			streamkap.EnvClientID, streamkap.EnvSecret)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return err // flag.ErrHelp for -h, printed already otherwise
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, flags.Arg(0))
	}
	if (opts.rename != "" || opts.toolProfile != "") && opts.keyID == "" {
		return fmt.Errorf("%w: -rename and -tool-profile need -key", errUsage)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if os.Getenv(streamkap.EnvClientID) != "" || os.Getenv(streamkap.EnvSecret) != "" {
		return realAPI(ctx, out, opts)
	}
	if opts != (options{}) {
		return fmt.Errorf("%w: -key, -rename and -tool-profile act on the real API: set %s and %s (without them the tour runs on a fake)",
			errUsage, streamkap.EnvClientID, streamkap.EnvSecret)
	}
	srv, err := startFake()
	if err != nil {
		return err
	}
	defer srv.Close()
	return tour(ctx, out, srv)
}

// startFake starts the in-process fake Streamkap the tour runs on.
func startFake() (*streamkaptest.Server, error) {
	return streamkaptest.Start(
		streamkaptest.WithClientOptions(streamkap.WithUserAgent("quickstart/1.0")),
		streamkaptest.WithCreateDelay(200*time.Millisecond),
		streamkaptest.WithDeleteDelay(200*time.Millisecond),
	)
}

// tour runs every step against the fake.
func tour(ctx context.Context, out io.Writer, srv *streamkaptest.Server) error {
	seeded := srv.AddKey(streamkaptest.Key{Name: "ingest-bot", API: true})
	fmt.Fprintf(out, "No %s/%s: using an in-process fake Streamkap at %s\n\n", streamkap.EnvClientID, streamkap.EnvSecret, srv.URL())

	client := srv.Client()
	keys := client.ProjectKeys

	// 1. Rename the key (only the fields set are sent), then change its
	// roles by name. SetRoles is safe to resend, so a 503 is retried.
	var info streamkap.ResponseInfo
	res, err := keys.Update(ctx, seeded.ID, streamkap.UpdateProjectKeyParams{Name: streamkap.Value("ingest-bot-v2")},
		streamkap.WithResponseInfo(&info))
	if err != nil {
		return fmt.Errorf("rename: %w", err)
	}
	fmt.Fprintf(out, "1. Renamed %s to %q (request id %s)\n", res.ID, res.Name, info.RequestID)
	srv.InjectFault(http.MethodPatch, "/project-keys/"+seeded.ID, 1, streamkaptest.Unavailable())
	res, err = keys.SetRoles(ctx, seeded.ID, []string{"Data Admin"}, streamkap.WithResponseInfo(&info))
	if err != nil {
		return fmt.Errorf("set roles: %w", err)
	}
	detail, err := keys.Get(ctx, seeded.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   roles now %s (%d attempts: the first met a 503); tokens already issued keep their old roles for up to %s\n\n",
		roleNames(res.Roles), info.Attempts, detail.TokenTTL)

	// 2. Add Kafka access. The SDK generates the password client-side, so
	// it is known even if the answer were lost, and never sends this twice.
	res, err = keys.Update(ctx, seeded.ID, streamkap.UpdateProjectKeyParams{
		KafkaConfig: streamkap.Value(streamkap.KafkaConfig{
			Username: "ingest-bot",
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
	fmt.Fprintf(out, "   its password (%d characters) prints as %v, and as %s in JSON: store it with creds.Password.Reveal()\n\n",
		creds.Password.Len(), creds.Password, jsonOf(creds.Password))

	// 3. Rotate the Kafka password: safe to resend, so the SDK retries it.
	rotated := streamkap.GeneratePassword()
	if _, err := keys.RotateKafkaPassword(ctx, seeded.ID, rotated); err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	fmt.Fprintf(out, "3. Rotated the Kafka password (%d characters, printed %v)\n\n", rotated.Len(), rotated)

	// 4. Scope the MCP tools an AI agent may use with this key: a profile,
	// a block list, and no allow-list (null clears it).
	res, err = keys.SetToolScoping(ctx, seeded.ID, streamkap.ToolScoping{
		Profile:      streamkap.NullableValue(streamkap.ToolProfileAgentOperator),
		BlockedTools: streamkap.NullableValue([]string{"delete_pipeline"}),
		AllowedTools: streamkap.Null[[]string](),
	})
	if err != nil {
		return fmt.Errorf("tool scoping: %w", err)
	}
	fmt.Fprintf(out, "4. Tool profile %q, blocked %v, allow-list cleared: %v\n\n", res.ToolProfile, res.BlockedTools, res.AllowedTools == nil)

	if err := errorsTour(ctx, out, keys, seeded.ID); err != nil {
		return err
	}
	return lifecycle(ctx, out, keys, client.Roles)
}

// errorsTour shows the three ways a call can be refused.
func errorsTour(ctx context.Context, out io.Writer, keys *streamkap.ProjectKeysService, id string) error {
	// An invalid request fails before anything is sent, listing every problem.
	_, err := keys.Update(ctx, id, streamkap.UpdateProjectKeyParams{
		Name:          streamkap.Value(""),
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

	// A rule only the server knows: a 422 with the fields it refused.
	_, err = keys.Update(ctx, id, streamkap.UpdateProjectKeyParams{WhitelistIPs: streamkap.Value(strings.Repeat("10.0.0.1,", 120))})
	var apiErr *streamkap.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("expected a 422, got %v", err)
	}
	fmt.Fprintf(out, "   refused by the server (errors.Is ErrValidation: %v): %d %s [request id %s]\n",
		errors.Is(err, streamkap.ErrValidation), apiErr.StatusCode, apiErr.Detail, apiErr.RequestID)

	// A key that does not exist.
	_, err = keys.Get(ctx, "pk-missing")
	fmt.Fprintf(out, "   a missing key (errors.Is ErrNotFound: %v): %v\n\n", errors.Is(err, streamkap.ErrNotFound), err)
	return nil
}

// lifecycle creates a Kafka-only key, keeps its credential file, adds API
// access to it, and deletes it.
func lifecycle(ctx context.Context, out io.Writer, keys *streamkap.ProjectKeysService, roles *streamkap.RolesService) error {
	file, err := keys.Create(ctx, streamkap.CreateProjectKeyParams{
		Name:        "quickstart-temp",
		KafkaConfig: &streamkap.KafkaConfig{Username: "quickstart-temp"}, // password generated client-side
		ToolProfile: streamkap.ToolProfileReadOnly,
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	id := file.ProjectKeyID

	// The credential file's secrets are shown once: save it at once. Here it
	// goes to a temporary directory, removed when the tour ends.
	dir, err := os.MkdirTemp("", "streamkap-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, id+".json")
	if err := file.WriteFile(path); err != nil {
		return err
	}
	stat, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "6. Created %s with Kafka user %q; its credential file is saved as %s (mode %v; the directory is removed at the end)\n",
		id, file.Kafka.Username, path, stat.Mode().Perm())

	key, err := keys.WaitUntilActive(ctx, id, nil)
	if err != nil {
		return fmt.Errorf("wait: %w", err)
	}
	fmt.Fprintf(out, "   it is %s\n", key.Status)

	roleIDs, err := roles.ResolveIDs(ctx, []string{"Read Only"})
	if err != nil {
		return err
	}
	res, err := keys.AddAPIAccess(ctx, id, streamkap.AddAPIAccessParams{RoleIDs: roleIDs})
	if err != nil {
		return fmt.Errorf("add API access: %w", err)
	}
	fmt.Fprintf(out, "   added API access: client %s, its secret (shown once) prints as %v\n", res.NewAPICredentials.ClientID, res.NewAPICredentials.ClientSecret)

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
func realAPI(ctx context.Context, out io.Writer, opts options) error {
	client, err := streamkap.NewClient(streamkap.WithEnvironment(), streamkap.WithUserAgent("quickstart/1.0"))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Using the Streamkap API at %s\n", client.BaseURL())

	if opts.keyID == "" {
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
	if opts.rename != "" {
		params.Name = streamkap.Value(opts.rename)
	}
	if opts.toolProfile != "" {
		params.ToolProfile = streamkap.NullableValue(streamkap.ToolProfile(opts.toolProfile))
	}
	if params.Name.IsSet() || params.ToolProfile.IsSet() {
		res, err := client.ProjectKeys.Update(ctx, opts.keyID, params)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Updated %s: name %q, tool profile %q\n", res.ID, res.Name, res.ToolProfile)
		return nil
	}
	k, err := client.ProjectKeys.Get(ctx, opts.keyID)
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

// jsonOf is how a value marshals.
func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
