package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/declarative"
	"github.com/streamkap-go/streamkap/kafkaconfig"
)

// commands lists the subcommands, in the order help shows them.
func commands() []command {
	return []command{
		{name: "list", summary: "list the Project Keys",
			example: "streamkap-keys list -o json | jq -r '.[].name'", setup: listCommand},
		{name: "get", args: "ID", summary: "show one key, with its details",
			example: "streamkap-keys get pk-123", setup: getCommand},
		{name: "create", summary: "create a key; its credential file (shown once) goes to --out",
			example:        "streamkap-keys create --name ingest-bot --role 'Data Admin' --kafka-username ingest-bot --acl 'orders.:READ:PREFIXED' --out ingest-bot.json",
			receivesSecret: true, setup: createCommand},
		{name: "update", args: "ID", summary: "change a key's fields; an update that adds access needs --out",
			example:          "streamkap-keys update pk-123 --name ingest-bot-v2 --clear-description --blocked-tool delete_pipeline",
			mayReceiveSecret: true, setup: updateCommand},
		{name: "delete", args: "ID", summary: "delete a key (asynchronous; --wait waits until it is gone)",
			example: "streamkap-keys delete pk-123 --wait", setup: deleteCommand},
		{name: "wait", args: "ID", summary: "wait until a key is active or gone",
			example: "streamkap-keys wait pk-123 --until active", setup: waitCommand},
		{name: "mcp-config", args: "ID", summary: "show the MCP tool scoping the MCP server enforces for a key",
			example: "streamkap-keys mcp-config pk-123 -o json", setup: mcpConfigCommand},
		{name: "add-kafka-access", args: "ID", summary: "add a Kafka user (password generated here) to a key that has none",
			example:        "streamkap-keys add-kafka-access pk-123 --username ingest-bot --acl 'orders.:READ:PREFIXED' --out kafka.json",
			receivesSecret: true, setup: addKafkaCommand},
		{name: "add-api-access", args: "ID", summary: "give a Kafka-only key API credentials (client secret shown once)",
			example:        "streamkap-keys add-api-access pk-123 --role 'Read Only' --out api.json",
			receivesSecret: true, setup: addAPICommand},
		{name: "rotate-kafka-password", args: "ID", summary: "set a new Kafka password (generated, or read with --password-stdin)",
			example:        "streamkap-keys rotate-kafka-password pk-123 --out kafka.json",
			receivesSecret: true, setup: rotateCommand},
		{name: "set-roles", args: "ID", summary: "replace the roles of a key that has API access (retried safely)",
			example: "streamkap-keys set-roles pk-123 --role 'Data Admin' --role 'Read Only'", setup: setRolesCommand},
		{name: "set-tools", args: "ID", summary: "set or clear a key's MCP tool profile, allow-list and block-list",
			example: "streamkap-keys set-tools pk-123 --profile read-only --clear-allowed-tools", setup: setToolsCommand},
		{name: "roles", summary: "list the roles keys can be given",
			example: "streamkap-keys roles", setup: rolesCommand},
		{name: "plan", summary: "show what applying a spec file would change (no write)",
			example: "streamkap-keys plan -f keys.json", setup: planCommand},
		{name: "apply", summary: "bring keys to a spec file; shown-once secrets go to --secrets-dir or --secret-command",
			example: "streamkap-keys apply -f keys.json --secrets-dir ./secrets --concurrency 8", deliversSecrets: true, setup: applyCommand},
		{name: "kafka-config", args: "CREDENTIAL-FILE", summary: "render a key's Kafka client settings (properties, librdkafka or env) from its credential file",
			example:        "streamkap-keys kafka-config ingest-bot.json --format properties --out client.properties",
			receivesSecret: true, setup: kafkaConfigCommand},
		{name: "completion", args: "bash|zsh|fish", summary: "print a shell completion script",
			example: "source <(streamkap-keys completion bash)", setup: completionCommand},
		{name: "version", summary: "print the version",
			example: "streamkap-keys version", setup: versionCommand},
	}
}

// listFlag is a flag that can be repeated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// oneID checks that the command got exactly one key id.
func oneID(args []string) (string, error) {
	switch len(args) {
	case 0:
		return "", usageError("give the key's id")
	case 1:
		return args[0], nil
	}
	return "", usageError("one key id, not %d arguments", len(args))
}

func noArgs(args []string) error {
	if len(args) > 0 {
		return usageError("unexpected argument %q", args[0])
	}
	return nil
}

// parseACL reads "TOPIC:OPERATION:PATTERN[:RESOURCE]".
func parseACL(s string) (streamkap.KafkaACL, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 3 || len(parts) > 4 || parts[0] == "" {
		return streamkap.KafkaACL{}, usageError("--acl %q: want TOPIC:OPERATION:PATTERN[:RESOURCE], e.g. orders.:READ:PREFIXED", s)
	}
	acl := streamkap.KafkaACL{TopicName: parts[0], Operation: streamkap.ACLOperation(strings.ToUpper(parts[1])),
		ResourcePatternType: streamkap.ACLPatternType(strings.ToUpper(parts[2]))}
	if len(parts) == 4 {
		acl.Resource = streamkap.ACLResource(strings.ToUpper(parts[3]))
	}
	return acl, nil
}

func parseACLs(flags []string) ([]streamkap.KafkaACL, error) {
	out := make([]streamkap.KafkaACL, 0, len(flags))
	for _, f := range flags {
		acl, err := parseACL(f)
		if err != nil {
			return nil, err
		}
		out = append(out, acl)
	}
	return out, nil
}

// body is what a command runs once its flags are parsed.
type body = func(ctx context.Context, a *app, args []string) error

// withClient is a command that takes no argument and needs the client.
func withClient(f func(ctx context.Context, a *app, c *streamkap.Client) error) body {
	return func(ctx context.Context, a *app, args []string) error {
		if err := noArgs(args); err != nil {
			return err
		}
		c, err := a.api()
		if err != nil {
			return err
		}
		return f(ctx, a, c)
	}
}

// withKey is a command that takes one key id and needs the client. f
// checks its flags before any I/O: building the client sends nothing.
func withKey(f func(ctx context.Context, a *app, c *streamkap.Client, id string) error) body {
	return func(ctx context.Context, a *app, args []string) error {
		id, err := oneID(args)
		if err != nil {
			return err
		}
		c, err := a.api()
		if err != nil {
			return err
		}
		return f(ctx, a, c, id)
	}
}

func listCommand(fs *flag.FlagSet) body {
	return withClient(func(ctx context.Context, a *app, c *streamkap.Client) error {
		keys, err := c.ProjectKeys.List(ctx, nil)
		if err != nil {
			return err
		}
		return a.print(keys, keysTable(keys))
	})
}

func getCommand(fs *flag.FlagSet) body {
	return withKey(func(ctx context.Context, a *app, c *streamkap.Client, id string) error {
		key, err := c.ProjectKeys.Get(ctx, id)
		if err != nil {
			return err
		}
		return a.print(key, detailTable(key))
	})
}

// accessFlags are the flags that describe API and Kafka access.
type accessFlags struct {
	roles, permissions, acls, whitelist listFlag
	kafkaUsername                       string
	schemaRegistry                      bool
}

func (f *accessFlags) declare(fs *flag.FlagSet, kafkaUser string) {
	fs.Var(&f.roles, "role", "a role, by name, key or id (repeat for more)")
	fs.Var(&f.permissions, "permission", "a permission id, instead of roles (repeat for more)")
	fs.StringVar(&f.kafkaUsername, kafkaUser, "", "the Kafka user to create (3 to 24 lowercase letters, digits or '-', not at either end)")
	fs.Var(&f.acls, "acl", "a Kafka ACL, TOPIC:OPERATION:PATTERN[:RESOURCE] (repeat for more)")
	fs.Var(&f.whitelist, "whitelist", "an IP or CIDR the Kafka user may connect from (repeat for more; none: any)")
	fs.BoolVar(&f.schemaRegistry, "schema-registry", false, "also give the Kafka user Schema Registry access")
}

// kafkaConfig is the Kafka user the flags describe, nil when none.
func (f *accessFlags) kafkaConfig() (*streamkap.KafkaConfig, error) {
	if f.kafkaUsername == "" {
		if f.schemaRegistry {
			return nil, usageError("--schema-registry needs the Kafka user's name")
		}
		return nil, nil
	}
	acls, err := parseACLs(f.acls)
	if err != nil {
		return nil, err
	}
	return &streamkap.KafkaConfig{Username: f.kafkaUsername, KafkaACLs: acls, WhitelistIPs: strings.Join(f.whitelist, ","),
		CreateSchemaRegistry: f.schemaRegistry}, nil
}

// roleIDs resolves the --role flags (names, keys or ids), nil for none.
func (a *app) roleIDs(ctx context.Context, roles []string) ([]string, error) {
	if len(roles) == 0 {
		return nil, nil
	}
	c, err := a.api()
	if err != nil {
		return nil, err
	}
	return c.Roles.ResolveIDs(ctx, roles)
}

// toolFlags set or clear the MCP tool scoping.
type toolFlags struct {
	profile                                  string
	allowed, blocked                         listFlag
	clearProfile, clearAllowed, clearBlocked bool
}

func (f *toolFlags) declare(fs *flag.FlagSet, profileFlag string) {
	fs.StringVar(&f.profile, profileFlag, "", "the MCP tool profile: full, read-only, agent-operator or infra-admin")
	fs.Var(&f.allowed, "allowed-tool", "an MCP tool to allow; the allow-list overrides the profile (repeat for more)")
	fs.Var(&f.blocked, "blocked-tool", "an MCP tool to block (repeat for more)")
}

func (f *toolFlags) declareClears(fs *flag.FlagSet, profileFlag string) {
	fs.BoolVar(&f.clearProfile, "clear-"+profileFlag, false, "clear the tool profile")
	fs.BoolVar(&f.clearAllowed, "clear-allowed-tools", false, "remove the allow-list")
	fs.BoolVar(&f.clearBlocked, "clear-blocked-tools", false, "remove the block-list")
}

// scoping turns the flags into the SDK's tri-state fields.
func (f *toolFlags) scoping(profileFlag string) (streamkap.ToolScoping, error) {
	var s streamkap.ToolScoping
	var err error
	if s.Profile, err = nullable(f.profile != "", f.clearProfile, streamkap.ToolProfile(f.profile), profileFlag); err != nil {
		return s, err
	}
	if s.AllowedTools, err = nullable(len(f.allowed) > 0, f.clearAllowed, []string(f.allowed), "allowed-tool"); err != nil {
		return s, err
	}
	if s.BlockedTools, err = nullable(len(f.blocked) > 0, f.clearBlocked, []string(f.blocked), "blocked-tool"); err != nil {
		return s, err
	}
	return s, nil
}

// nullable is a field set by a flag or cleared by its --clear- twin.
func nullable[T any](set, clearIt bool, v T, name string) (streamkap.Nullable[T], error) {
	switch {
	case set && clearIt:
		return streamkap.Nullable[T]{}, usageError("--%s and its --clear- flag together", name)
	case clearIt:
		return streamkap.Null[T](), nil
	case set:
		return streamkap.NullableValue(v), nil
	}
	return streamkap.Nullable[T]{}, nil
}

func createCommand(fs *flag.FlagSet) body {
	var name, description string
	var access accessFlags
	var tools toolFlags
	fs.StringVar(&name, "name", "", "the key's name (required)")
	fs.StringVar(&description, "description", "", "the key's description")
	access.declare(fs, "kafka-username")
	tools.declare(fs, "tool-profile")
	return func(ctx context.Context, a *app, args []string) error {
		if err := noArgs(args); err != nil {
			return err
		}
		kafka, err := access.kafkaConfig()
		if err != nil {
			return err
		}
		if len(access.acls) > 0 && kafka == nil || len(access.whitelist) > 0 && kafka == nil {
			return usageError("--acl and --whitelist describe the Kafka user: give --kafka-username")
		}
		params := streamkap.CreateProjectKeyParams{Name: name, Description: description, KafkaConfig: kafka,
			ToolProfile: streamkap.ToolProfile(tools.profile)}
		if len(access.roles) > 0 {
			params.RoleIDs = access.roles // names until resolved, to be checked first
		}
		if len(access.permissions) > 0 {
			params.PermissionIDs = access.permissions
		}
		if len(tools.allowed) > 0 {
			params.AllowedTools = tools.allowed
		}
		if len(tools.blocked) > 0 {
			params.BlockedTools = tools.blocked
		}
		if err := params.Validate(); err != nil {
			return err
		}
		if params.RoleIDs, err = a.roleIDs(ctx, access.roles); err != nil {
			return err
		}
		c, err := a.api()
		if err != nil {
			return err
		}
		file, err := c.ProjectKeys.Create(ctx, params)
		if err != nil {
			var unknown *streamkap.CreateOutcomeUnknownError
			if errors.As(err, &unknown) && !unknown.KafkaPassword.IsZero() {
				// Its Kafka password was chosen here: keep it.
				return errors.Join(err, a.rescueKafka(ctx, "", name, unknown.KafkaUsername, unknown.KafkaPassword))
			}
			return err
		}
		where, err := a.writeSecret(ctx, declarative.ShownOnceSecret{KeyName: name, KeyID: file.ProjectKeyID, CredentialFile: file})
		if err != nil {
			return err
		}
		return a.printSaved(where, map[string]any{"project_key_id": file.ProjectKeyID, "name": name}, "Created key %s (%q)", file.ProjectKeyID, name)
	}
}

// updateFlags are update's flags.
type updateFlags struct {
	name, description                           string
	clearDescription, clearACLs, clearWhitelist bool
	access                                      accessFlags
	tools                                       toolFlags
}

func (f *updateFlags) declare(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "name", "", "rename the key")
	fs.StringVar(&f.description, "description", "", "set the description")
	fs.BoolVar(&f.clearDescription, "clear-description", false, "remove the description")
	f.access.declare(fs, "kafka-username")
	fs.BoolVar(&f.clearACLs, "clear-acls", false, "remove every ACL of the key's Kafka user")
	fs.BoolVar(&f.clearWhitelist, "clear-whitelist", false, "let the Kafka user connect from any IP")
	f.tools.declare(fs, "tool-profile")
	f.tools.declareClears(fs, "tool-profile")
}

// params are the update the flags describe, roles not yet resolved.
func (f *updateFlags) params() (streamkap.UpdateProjectKeyParams, error) {
	var p streamkap.UpdateProjectKeyParams
	var err error
	if f.name != "" {
		p.Name = streamkap.Value(f.name)
	}
	if p.Description, err = nullable(f.description != "", f.clearDescription, f.description, "description"); err != nil {
		return p, err
	}
	scoping, err := f.tools.scoping("tool-profile")
	if err != nil {
		return p, err
	}
	p.ToolProfile, p.AllowedTools, p.BlockedTools = scoping.Profile, scoping.AllowedTools, scoping.BlockedTools
	kafka, err := f.access.kafkaConfig()
	if err != nil {
		return p, err
	}
	if kafka != nil { // --acl and --whitelist describe the new user
		p.KafkaConfig = streamkap.Value(*kafka)
	} else if err := f.kafkaChanges(&p); err != nil {
		return p, err
	}
	if len(f.access.permissions) > 0 {
		p.PermissionIDs = streamkap.Value([]string(f.access.permissions))
	}
	return p, nil
}

// kafkaChanges sets the ACL and allow-list changes of an existing user.
func (f *updateFlags) kafkaChanges(p *streamkap.UpdateProjectKeyParams) error {
	if len(f.access.acls) > 0 || f.clearACLs {
		if len(f.access.acls) > 0 && f.clearACLs {
			return usageError("--acl and --clear-acls together")
		}
		acls, err := parseACLs(f.access.acls)
		if err != nil {
			return err
		}
		p.KafkaACLs = streamkap.Value(acls)
	}
	if len(f.access.whitelist) > 0 || f.clearWhitelist {
		if len(f.access.whitelist) > 0 && f.clearWhitelist {
			return usageError("--whitelist and --clear-whitelist together")
		}
		p.WhitelistIPs = streamkap.Value(strings.Join(f.access.whitelist, ","))
	}
	return nil
}

// resolveRoles turns --role into ids, and tells whether the update adds
// access (a secret shown once): kafka_config or permission_ids do, and
// role_ids do on a key without API access.
func (f *updateFlags) resolveRoles(ctx context.Context, a *app, c *streamkap.Client, id string, p *streamkap.UpdateProjectKeyParams) (addsAccess bool, err error) {
	addsAccess = p.KafkaConfig.IsSet() || p.PermissionIDs.IsSet()
	if len(f.access.roles) == 0 {
		return addsAccess, nil
	}
	if !addsAccess {
		key, err := c.ProjectKeys.Get(ctx, id)
		if err != nil {
			return false, err
		}
		addsAccess = !key.HasAPIAccess()
	}
	ids, err := a.roleIDs(ctx, f.access.roles)
	if err != nil {
		return false, err
	}
	p.RoleIDs = streamkap.Value(ids)
	return addsAccess, nil
}

func updateCommand(fs *flag.FlagSet) body {
	var f updateFlags
	f.declare(fs)
	return func(ctx context.Context, a *app, args []string) error {
		id, err := oneID(args)
		if err != nil {
			return err
		}
		p, err := f.params()
		if err != nil {
			return err
		}
		c, err := a.api()
		if err != nil {
			return err
		}
		addsAccess, err := f.resolveRoles(ctx, a, c, id, &p)
		if err != nil {
			return err
		}
		if addsAccess { // somewhere for the secret before anything is sent
			if err := a.requireOut("this update adds access, whose secret is"); err != nil {
				return err
			}
		}
		res, err := c.ProjectKeys.Update(ctx, id, p)
		if err != nil {
			var unknown *streamkap.KafkaOutcomeUnknownError
			if errors.As(err, &unknown) {
				err = errors.Join(err, a.rescueKafka(ctx, id, "", unknown.Username, unknown.Password))
			}
			return errors.Join(err, a.rescueMismatch(err))
		}
		if res.NewAPICredentials == nil && res.NewKafkaCredentials == nil {
			return a.printUpdate(res)
		}
		where, err := a.writeSecret(ctx, declarative.ShownOnceSecret{KeyName: res.Name, KeyID: res.ID, API: res.NewAPICredentials, Kafka: res.NewKafkaCredentials})
		if err != nil {
			return err
		}
		a.warn(res.Warnings)
		return a.printSaved(where, &res.ProjectKey, "Updated key %s (%q)", res.ID, res.Name)
	}
}

func deleteCommand(fs *flag.FlagSet) body {
	var wait, yes bool
	fs.BoolVar(&wait, "wait", false, "wait until the key is gone")
	fs.BoolVar(&yes, "yes", false, "do not ask for confirmation on a terminal")
	return withKey(func(ctx context.Context, a *app, c *streamkap.Client, id string) error {
		if err := a.confirm(yes, "Delete key "+id); err != nil {
			return err
		}
		if err := c.ProjectKeys.Delete(ctx, id); err != nil {
			return err
		}
		status := "deleting"
		if wait {
			if err := a.waitGone(ctx, c, id); err != nil {
				return err
			}
			status = "gone"
		}
		return a.print(map[string]string{"id": id, "status": status}, statusTable(id, status))
	})
}

func waitCommand(fs *flag.FlagSet) body {
	var until string
	fs.StringVar(&until, "until", "", "what to wait for: active or gone (required)")
	return withKey(func(ctx context.Context, a *app, c *streamkap.Client, id string) error {
		if until != "active" && until != "gone" {
			return usageError("--until must be active or gone")
		}
		if until == "gone" {
			if err := a.waitGone(ctx, c, id); err != nil {
				return err
			}
			return a.print(map[string]string{"id": id, "status": "gone"}, statusTable(id, "gone"))
		}
		a.progress("waiting for %s to be active...", id)
		start := time.Now()
		key, err := c.ProjectKeys.WaitUntilActive(ctx, id, nil)
		a.progress("waiting for %s to be active... %s", id, time.Since(start).Round(time.Second))
		a.progressDone()
		if err != nil {
			return err
		}
		return a.print(key, detailTable(key))
	})
}

// waitGone waits for a deleted key to disappear, with progress on stderr.
func (a *app) waitGone(ctx context.Context, c *streamkap.Client, id string) error {
	a.progress("waiting for %s to be gone...", id)
	start := time.Now()
	err := c.ProjectKeys.WaitUntilGone(ctx, id, nil)
	a.progress("waiting for %s to be gone... %s", id, time.Since(start).Round(time.Second))
	a.progressDone()
	return err
}

func mcpConfigCommand(fs *flag.FlagSet) body {
	return withKey(func(ctx context.Context, a *app, c *streamkap.Client, id string) error {
		cfg, err := c.ProjectKeys.MCPConfig(ctx, id)
		if err != nil {
			return err
		}
		return a.print(cfg, mcpTable(cfg))
	})
}

func addKafkaCommand(fs *flag.FlagSet) body {
	var access accessFlags
	fs.StringVar(&access.kafkaUsername, "username", "", "the Kafka user to create (required)")
	fs.Var(&access.acls, "acl", "a Kafka ACL, TOPIC:OPERATION:PATTERN[:RESOURCE] (repeat for more)")
	fs.Var(&access.whitelist, "whitelist", "an IP or CIDR the user may connect from (repeat for more; none: any)")
	fs.BoolVar(&access.schemaRegistry, "schema-registry", false, "also give the user Schema Registry access")
	return withKey(func(ctx context.Context, a *app, c *streamkap.Client, id string) error {
		if access.kafkaUsername == "" {
			return usageError("give --username")
		}
		acls, err := parseACLs(access.acls)
		if err != nil {
			return err
		}
		password := streamkap.GeneratePassword()
		res, err := c.ProjectKeys.AddKafkaAccess(ctx, id, streamkap.AddKafkaAccessParams{Username: access.kafkaUsername, Password: password,
			KafkaACLs: acls, WhitelistIPs: strings.Join(access.whitelist, ","), CreateSchemaRegistry: access.schemaRegistry})
		if err != nil {
			if errors.Is(err, streamkap.ErrOutcomeUnknown) {
				err = errors.Join(err, a.rescueKafka(ctx, id, "", access.kafkaUsername, password))
			}
			return errors.Join(err, a.rescueMismatch(err))
		}
		where, err := a.writeSecret(ctx, declarative.ShownOnceSecret{KeyName: res.Key.Name, KeyID: id, Kafka: &res.Credentials})
		if err != nil {
			return err
		}
		return a.printSaved(where, map[string]any{"project_key_id": id, "kafka_username": res.Credentials.Username},
			"Added Kafka user %q to key %s", res.Credentials.Username, id)
	})
}

func addAPICommand(fs *flag.FlagSet) body {
	var access accessFlags
	fs.Var(&access.roles, "role", "a role, by name, key or id (repeat for more)")
	fs.Var(&access.permissions, "permission", "a permission id, instead of roles (repeat for more)")
	return withKey(func(ctx context.Context, a *app, c *streamkap.Client, id string) error {
		if len(access.roles) == 0 && len(access.permissions) == 0 {
			return usageError("give --role or --permission")
		}
		roleIDs, err := a.roleIDs(ctx, access.roles)
		if err != nil {
			return err
		}
		params := streamkap.AddAPIAccessParams{RoleIDs: roleIDs}
		if len(access.permissions) > 0 {
			params.PermissionIDs = access.permissions
		}
		res, err := c.ProjectKeys.AddAPIAccess(ctx, id, params)
		if err != nil {
			return err
		}
		where, err := a.writeSecret(ctx, declarative.ShownOnceSecret{KeyName: res.Name, KeyID: id, API: res.NewAPICredentials})
		if err != nil {
			return err
		}
		a.warn(res.Warnings)
		return a.printSaved(where, map[string]any{"project_key_id": id, "api_client_id": res.NewAPICredentials.ClientID},
			"Added API access to key %s (client %s)", id, res.NewAPICredentials.ClientID)
	})
}

func rotateCommand(fs *flag.FlagSet) body {
	var fromStdin bool
	fs.BoolVar(&fromStdin, "password-stdin", false, "read the new password from stdin instead of generating one")
	return withKey(func(ctx context.Context, a *app, c *streamkap.Client, id string) error {
		password := streamkap.GeneratePassword()
		if fromStdin {
			line, err := readLine(a.stdin)
			if err != nil {
				return usageError("reading the password from stdin: %v", err)
			}
			password = streamkap.NewSecret(line)
		}
		key, err := c.ProjectKeys.Get(ctx, id)
		if err != nil {
			return err
		}
		sent, err := c.ProjectKeys.RotateKafkaPassword(ctx, id, password)
		creds := &streamkap.KafkaCredentials{Username: key.KafkaUsername, Password: sent, BootstrapServers: key.KafkaProxyEndpoint}
		if err != nil {
			if errors.Is(err, streamkap.ErrOutcomeUnknown) {
				return errors.Join(err, a.rescueKafka(ctx, id, key.Name, key.KafkaUsername, sent))
			}
			return err
		}
		where, err := a.writeSecret(ctx, declarative.ShownOnceSecret{KeyName: key.Name, KeyID: id, Kafka: creds})
		if err != nil {
			return err
		}
		return a.printSaved(where, map[string]any{"project_key_id": id, "kafka_username": key.KafkaUsername},
			"Rotated the password of Kafka user %q of key %s", key.KafkaUsername, id)
	})
}

func setRolesCommand(fs *flag.FlagSet) body {
	var roles listFlag
	fs.Var(&roles, "role", "a role, by name, key or id (repeat for more; at least one)")
	return withKey(func(ctx context.Context, a *app, c *streamkap.Client, id string) error {
		if len(roles) == 0 {
			return usageError("give at least one --role")
		}
		res, err := c.ProjectKeys.SetRoles(ctx, id, roles)
		if err != nil {
			return err
		}
		return a.printUpdate(res)
	})
}

func setToolsCommand(fs *flag.FlagSet) body {
	var tools toolFlags
	tools.declare(fs, "profile")
	tools.declareClears(fs, "profile")
	return withKey(func(ctx context.Context, a *app, c *streamkap.Client, id string) error {
		scoping, err := tools.scoping("profile")
		if err != nil {
			return err
		}
		res, err := c.ProjectKeys.SetToolScoping(ctx, id, scoping)
		if err != nil {
			return err
		}
		return a.printUpdate(res)
	})
}

func rolesCommand(fs *flag.FlagSet) body {
	return withClient(func(ctx context.Context, a *app, c *streamkap.Client) error {
		roles, err := c.Roles.List(ctx)
		if err != nil {
			return err
		}
		return a.print(roles, rolesTable(roles))
	})
}

// fleetFlags are plan's and apply's.
type fleetFlags struct {
	file        string
	prune       bool
	prefix      string
	concurrency int
}

func (f *fleetFlags) declare(fs *flag.FlagSet) {
	fs.StringVar(&f.file, "f", "", "the spec file: a JSON list of key specs, or {\"keys\": [...]}; - reads stdin (required)")
	fs.BoolVar(&f.prune, "prune", false, "also delete the keys under --prefix that no spec names")
	fs.StringVar(&f.prefix, "prefix", "", "with --prune, the name prefix of the keys it may delete")
	fs.IntVar(&f.concurrency, "concurrency", declarative.DefaultConcurrency, "how many keys to work on at once")
}

// prepare checks the arguments, reads the spec file and builds the
// client, in that order: a bad flag or spec is reported before any
// credential is looked for.
func (f *fleetFlags) prepare(ctx context.Context, a *app, args []string) ([]declarative.KeySpec, *streamkap.Client, error) {
	if err := noArgs(args); err != nil {
		return nil, nil, err
	}
	specs, err := f.load(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	c, err := a.api()
	if err != nil {
		return nil, nil, err
	}
	return specs, c, nil
}

// load reads the spec file (stdin for "-"). Every problem with it is a
// usage error: nothing was sent.
func (f *fleetFlags) load(ctx context.Context, a *app) ([]declarative.KeySpec, error) {
	if f.file == "" {
		return nil, usageError("give the spec file with -f (- for stdin)")
	}
	if f.prune && f.prefix == "" {
		return nil, usageError("--prune needs --prefix: only keys whose names start with it can be deleted")
	}
	if f.concurrency < 1 {
		return nil, usageError("--concurrency must be at least 1")
	}
	data, err := readInput(ctx, a.stdin, f.file, maxInputBytes)
	if err != nil {
		return nil, usageError("-f %s: %v; nothing was sent", f.file, err)
	}
	specs, err := declarative.LoadSpecs(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	return specs, nil
}

func (f *fleetFlags) options() declarative.FleetOptions {
	return declarative.FleetOptions{Concurrency: f.concurrency, Prune: f.prune, PrunePrefix: f.prefix}
}

func planCommand(fs *flag.FlagSet) body {
	var fleet fleetFlags
	var detailed bool
	fleet.declare(fs)
	fs.BoolVar(&detailed, "detailed-exitcode", false, "exit 0 when nothing would change and 2 when something would (as terraform plan)")
	return func(ctx context.Context, a *app, args []string) error {
		specs, c, err := fleet.prepare(ctx, a, args)
		if err != nil {
			return err
		}
		res, err := declarative.PlanFleet(ctx, c, specs, fleet.options())
		if err = a.reportFleet(res, err, true); err != nil || !detailed {
			return err
		}
		for _, p := range res.Plans() {
			if !p.NoChanges() {
				return errChanges
			}
		}
		return nil
	}
}

// errChanges is plan --detailed-exitcode's success with changes to make.
var errChanges = errors.New("the plan has changes")

func applyCommand(fs *flag.FlagSet) body {
	var fleet fleetFlags
	var secretsDir string
	var allowReplace, dryRun, yes bool
	fleet.declare(fs)
	fs.StringVar(&secretsDir, "secrets-dir", "", "write each shown-once secret as a credential file (mode 0600) into this directory (after --secret-command, when both are given)")
	fs.BoolVar(&allowReplace, "allow-replace", false, "delete and create again the keys no update can bring to their spec")
	fs.BoolVar(&dryRun, "dry-run", false, "plan only: send no write")
	fs.BoolVar(&yes, "yes", false, "with --prune, do not ask for confirmation on a terminal")
	return func(ctx context.Context, a *app, args []string) error {
		specs, c, err := fleet.prepare(ctx, a, args)
		if err != nil {
			return err
		}
		if fleet.prune && !dryRun {
			if err := a.confirm(yes, "Delete every key named "+strconv.Quote(fleet.prefix+"*")+" that no spec names"); err != nil {
				return err
			}
		}
		opts := fleet.options()
		opts.AllowReplace, opts.DryRun = allowReplace, dryRun
		sink, err := a.applySink(secretsDir, dryRun)
		if err != nil {
			return err
		}
		if opts.Sink = sink; sink == nil && !dryRun {
			// A plan that issues a shown-once secret needs somewhere to put
			// it: find out before anything is sent.
			plan, err := declarative.PlanFleet(ctx, c, specs, opts)
			if plan == nil {
				return err
			}
			for _, p := range plan.Plans() {
				if secrets := p.ShownOnce(); len(secrets) > 0 {
					return usageError("key %q would receive a secret shown once (%s): give --secrets-dir or --secret-command; nothing was sent",
						p.Name, strings.Join(secrets, ", "))
				}
			}
		}
		opts.Progress = func(done, total int) { a.progress("applied %d of %d keys", done, total) }
		res, err := declarative.ApplyFleet(ctx, c, specs, opts)
		if res != nil && len(res.Keys)+len(res.Pruned) > 0 {
			a.progressDone()
		}
		kept := a.keepUnstored(res, secretsDir)
		return errors.Join(kept, a.reportFleet(res, err, dryRun))
	}
}

func kafkaConfigCommand(fs *flag.FlagSet) body {
	var format string
	var fromStdin bool
	fs.StringVar(&format, "format", "properties", "properties (Java client.properties), librdkafka (confluent-kafka-go, kcat -F) or env")
	fs.BoolVar(&fromStdin, "password-stdin", false, "read a rotated password from stdin instead of the file's")
	return func(ctx context.Context, a *app, args []string) error {
		path, err := oneArg(args, "the credential file")
		if err != nil {
			return err
		}
		if a.secretCommand != "" {
			return usageError("kafka-config writes to --out, not --secret-command")
		}
		f := kafkaconfig.Format(format)
		if !slices.Contains(kafkaconfig.Formats(), f) {
			return usageError("--format must be properties, librdkafka or env, not %q", format)
		}
		file, err := readCredentialFile(ctx, a.stdin, path, "the credential file")
		if err != nil {
			return err
		}
		if file.Kafka == nil {
			return usageError("%s has no Kafka credentials (an API-only key)", path)
		}
		cfg, err := kafkaconfig.New(file.Kafka)
		if err != nil {
			return usageError("%s: %v", path, err)
		}
		if fromStdin {
			line, err := readLine(a.stdin)
			if err != nil {
				return usageError("reading the password from stdin: %v", err)
			}
			cfg = cfg.WithPassword(streamkap.NewSecret(line))
		}
		if a.out == "-" {
			return cfg.Write(a.stdout, f)
		}
		if err := cfg.WriteFile(a.out, f); err != nil {
			return err
		}
		return a.print(map[string]string{"kafka_username": cfg.Username, "format": format, "out": a.out}, func(w io.Writer) {
			fmt.Fprintf(w, "Wrote the %s settings of Kafka user %q to %s (mode 0600)\n", format, streamkap.SafeCell(cfg.Username), a.out)
		})
	}
}

// oneArg checks that the command got exactly one argument.
func oneArg(args []string, what string) (string, error) {
	switch len(args) {
	case 0:
		return "", usageError("give %s", what)
	case 1:
		return args[0], nil
	}
	return "", usageError("one argument, %s, not %d", what, len(args))
}

func versionCommand(fs *flag.FlagSet) body {
	return func(_ context.Context, a *app, args []string) error {
		if err := noArgs(args); err != nil {
			return err
		}
		v := map[string]string{"version": buildVersion(), "sdk": streamkap.Version, "go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH}
		if a.output == "json" {
			return a.print(v, nil)
		}
		_, err := fmt.Fprintf(a.stdout, "streamkap-keys %s (SDK %s, %s, %s)\n", v["version"], v["sdk"], v["go"], v["platform"])
		return err
	}
}

// buildVersion is the module version the binary was built from (go install
// ...@v1.2.3 records it), or the SDK's Version for a build from a checkout.
func buildVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return streamkap.Version
}
