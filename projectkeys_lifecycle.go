package streamkap

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/streamkap-go/streamkap/internal/retry"
)

// CreateProjectKeyParams describe a new Project Key. Give it API access
// (RoleIDs or PermissionIDs), Kafka access (KafkaConfig), or both. Lists
// left nil are not sent; a non-nil empty list is sent as [].
type CreateProjectKeyParams struct {
	// Name is required: 1 to 100 characters. Names need not be unique.
	Name string `json:"name"`
	// Description is optional; the server sanitizes HTML in it.
	Description string `json:"description,omitzero"`
	// RoleIDs gives the key API credentials with these roles (at least
	// one; [RolesService.ResolveIDs] turns names into ids). Mutually
	// exclusive with PermissionIDs.
	RoleIDs []string `json:"role_ids,omitzero"`
	// PermissionIDs gives the key API credentials with these permissions
	// (at least one). They cannot be changed after creation.
	PermissionIDs []string `json:"permission_ids,omitzero"`
	// KafkaConfig gives the key a Kafka user.
	KafkaConfig *KafkaConfig `json:"kafka_config,omitempty"`
	// ToolProfile scopes the MCP tools of agents using the key; empty
	// leaves it to the server.
	ToolProfile ToolProfile `json:"tool_profile,omitzero"`
	// AllowedTools overrides the profile and the block list.
	AllowedTools []string `json:"allowed_tools,omitzero"`
	// BlockedTools removes tools even when the profile allows them.
	BlockedTools []string `json:"blocked_tools,omitzero"`
}

// Validate checks every rule [ProjectKeysService.Create] checks before
// sending (the documented rules that need no server state), without any
// I/O, and returns a [*ValidationError] listing every problem, or nil.
func (p *CreateProjectKeyParams) Validate() error {
	var v validator
	v.length("body.name", p.Name, 1, maxNameRunes)
	if p.RoleIDs != nil && p.PermissionIDs != nil {
		v.add(errRolesAndPermissions())
	}
	if p.RoleIDs != nil {
		v.ids("body.role_ids", p.RoleIDs, 1)
	}
	if p.PermissionIDs != nil {
		v.ids("body.permission_ids", p.PermissionIDs, 1)
	}
	if p.KafkaConfig != nil {
		v.kafkaConfig("body.kafka_config", p.KafkaConfig)
	}
	if p.ToolProfile != "" && !p.ToolProfile.IsKnown() {
		v.add(errUnknownToolProfile())
	}
	if p.AllowedTools != nil {
		v.ids("body.allowed_tools", p.AllowedTools, 0)
	}
	if p.BlockedTools != nil {
		v.ids("body.blocked_tools", p.BlockedTools, 0)
	}
	return v.err("ProjectKeys.Create")
}

// CreateOutcomeUnknownError is returned by Create when the request may
// have created the key but its answer, and with it the shown-once
// credential file, was lost. The SDK never sends a create twice. Look for
// the key with [ProjectKeysService.FindByName]: if it exists, its API
// client secret cannot be shown again, so delete it and create it anew. Its
// Kafka password, if it has a Kafka user, was chosen client-side and is
// here. The error matches ErrOutcomeUnknown and unwraps to the *APIError or
// *RequestError.
type CreateOutcomeUnknownError struct {
	// Name is the name of the key that may exist now.
	Name string
	// KafkaUsername and KafkaPassword are the Kafka user the create asked
	// for and the password that was sent; empty for a key without Kafka access.
	KafkaUsername string
	KafkaPassword Secret
	// Err is the failure.
	Err error
}

// Error names the key and the way to reconcile.
func (e *CreateOutcomeUnknownError) Error() string {
	return `streamkap: ProjectKeys.Create: the key "` + e.Name + `" may have been created, but its credentials were not received; ` +
		`find it with FindByName, delete it and create it again` + causeText(e.Err)
}

// Unwrap returns the failure.
func (e *CreateOutcomeUnknownError) Unwrap() error { return e.Err }

// Create creates a Project Key (POST /project-keys) and returns its
// credential file, whose secrets the API never shows again: store it at
// once, for example with [CredentialFile.WriteFile]. The key may start in
// the creating state; [ProjectKeysService.WaitUntilActive] waits for it.
//
// A create is never sent twice once it may have reached the server; when
// its outcome is unknown the error is a [*CreateOutcomeUnknownError].
func (s *ProjectKeysService) Create(ctx context.Context, params CreateProjectKeyParams, opts ...CallOption) (*CredentialFile, error) {
	if err := params.Validate(); err != nil {
		return nil, err
	}
	// A Kafka user is never created with a password the caller does not
	// hold. The caller's KafkaConfig is copied, not changed.
	var secrets []string
	if params.KafkaConfig != nil {
		kc := *params.KafkaConfig
		if kc.Password.IsZero() {
			kc.Password = GeneratePassword()
		}
		params.KafkaConfig = &kc
		secrets = append(secrets, kc.Password.Reveal())
	}
	body, err := encodeCreate(&params)
	if err != nil {
		return nil, fmt.Errorf("streamkap: ProjectKeys.Create: encoding the request: %w", err)
	}
	file := &CredentialFile{}
	err = s.client.do(ctx, &call{
		method: http.MethodPost, route: "/project-keys", path: "/project-keys", body: body,
		idempotent: false, secrets: secrets, out: &createAnswer{CredentialFile: file, params: &params}, raw: &file.raw,
		opts: parseCallOptions(opts),
	})
	if err != nil {
		if errors.Is(err, ErrOutcomeUnknown) {
			e := &CreateOutcomeUnknownError{Name: params.Name, Err: err}
			if kc := params.KafkaConfig; kc != nil {
				e.KafkaUsername, e.KafkaPassword = kc.Username, kc.Password
			}
			return nil, e
		}
		return nil, err
	}
	return file, nil
}

// createAnswer decodes a create's answer, knowing what was asked.
type createAnswer struct {
	*CredentialFile
	params *CreateProjectKeyParams
}

// checkAnswer refuses a create answer that lacks the key's id or a
// credential section the create asked for. A Kafka password the answer
// does not echo is the one that was sent.
func (a *createAnswer) checkAnswer() error {
	f, params := a.CredentialFile, a.params
	switch {
	case f.ProjectKeyID == "":
		return errMissing("project_key_id")
	case (params.RoleIDs != nil || params.PermissionIDs != nil) && (f.API == nil || f.API.ClientID == "" || f.API.ClientSecret.IsZero()):
		return errMissing("API credentials (api.client_id and api.client_secret)")
	case params.KafkaConfig != nil && (f.Kafka == nil || f.Kafka.Username == ""):
		return errMissing("Kafka credentials (kafka.username)")
	}
	if params.KafkaConfig != nil && f.Kafka.Password.IsZero() {
		f.Kafka.Password = params.KafkaConfig.Password
		f.raw = Secret{} // the delivered bytes lack it: RevealJSON encodes the fields
	}
	return nil
}

// FindByName returns the keys named name (names need not be unique), for
// reconciling after a [CreateOutcomeUnknownError].
func (s *ProjectKeysService) FindByName(ctx context.Context, name string, opts ...CallOption) ([]ProjectKey, error) {
	keys, err := s.List(ctx, nil, opts...)
	if err != nil {
		return nil, err
	}
	out := []ProjectKey{}
	for _, k := range keys {
		if k.Name == name {
			out = append(out, k)
		}
	}
	return out, nil
}

// Delete deletes a Project Key (DELETE /project-keys/{project_key_id}).
// Deletion is asynchronous: the key goes to the deleting state and then
// disappears (or ends in delete_failed); [ProjectKeysService.WaitUntilGone]
// waits for the end. A delete is safe to resend, so it is retried; when an
// earlier attempt may have worked and a retry then finds no key, the
// delete counts as done. A 400 answer is settled by reading the key once
// (the API's words for it are not documented): a key already deleting
// counts as done, since there is nothing more to do; a key creating or
// delete_failed is a [*RefusalError] matching [ErrKeyNotReady].
func (s *ProjectKeysService) Delete(ctx context.Context, projectKeyID string, opts ...CallOption) error {
	if err := validateKeyID("ProjectKeys.Delete", projectKeyID); err != nil {
		return err
	}
	target, path := s.client.keyEndpoint(projectKeyID, "")
	cl := &call{
		method: http.MethodDelete, route: "/project-keys/{project_key_id}", url: target, path: path,
		idempotent: true, opts: parseCallOptions(opts),
	}
	err := s.client.do(ctx, cl)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound) && cl.state.maybeApplied:
		return nil // an earlier attempt deleted it
	}
	if _, refused := refusalToSettle(err); !refused {
		return err
	}
	// A 400: the key may be deleting already (an earlier attempt, or an
	// earlier call, was applied), which is all Delete promises. Its status
	// says, whatever words the answer used.
	key, getErr := s.Get(ctx, projectKeyID)
	switch {
	case getErr == nil && key.Status == StatusDeleting:
		return nil
	case errors.Is(getErr, ErrNotFound) && cl.state.maybeApplied:
		return nil // gone already
	case getErr == nil:
		return newRefusalError(s.client, projectKeyID, key.Status, err)
	}
	return err
}

// MCPConfig is the tool scoping the MCP server enforces for a key.
type MCPConfig struct {
	ProjectKeyID string `json:"project_key_id"`
	// TenantID and ServiceID identify the organisation and the project, for
	// the MCP server's audit logs.
	TenantID  string `json:"tenant_id"`
	ServiceID string `json:"service_id"`
	// KafkaUsername is empty when the key has no Kafka user.
	KafkaUsername string `json:"kafka_username"`
	// ToolProfile is empty when none is set; unknown profiles are kept.
	ToolProfile ToolProfile `json:"tool_profile"`
	// AllowedTools is nil when no allow-list is set.
	AllowedTools []string `json:"allowed_tools"`
	// BlockedTools is nil when no block-list is set.
	BlockedTools []string `json:"blocked_tools"`
}

// MCPConfig returns the authoritative MCP tool scoping of a key (GET
// /project-keys/{project_key_id}/mcp-config), the one the MCP server checks
// when a session starts.
func (s *ProjectKeysService) MCPConfig(ctx context.Context, projectKeyID string, opts ...CallOption) (*MCPConfig, error) {
	if err := validateKeyID("ProjectKeys.MCPConfig", projectKeyID); err != nil {
		return nil, err
	}
	cfg := &MCPConfig{}
	target, path := s.client.keyEndpoint(projectKeyID, "/mcp-config")
	err := s.client.do(ctx, &call{
		method: http.MethodGet, route: "/project-keys/{project_key_id}/mcp-config",
		url: target, path: path, idempotent: true, out: cfg,
		opts: parseCallOptions(opts),
	})
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// checkAnswer refuses an answer without the key's id.
func (c *MCPConfig) checkAnswer() error {
	if c.ProjectKeyID == "" {
		return errMissing("project_key_id")
	}
	return nil
}

// ErrDeleteFailed matches the error of a waiter that found a key in the
// delete_failed state.
var ErrDeleteFailed = errors.New("streamkap: project key deletion failed")

// KeyStateError reports a key found in a state that a waiter cannot wait
// past. It matches ErrDeleteFailed for delete_failed, and ErrKeyNotReady.
type KeyStateError struct {
	ProjectKeyID string
	// Status is the state the key was found in.
	Status ProjectKeyStatus
	// Waiting says what the waiter was waiting for: "active" or "gone".
	Waiting string
}

// Error says which key is in which state.
func (e *KeyStateError) Error() string {
	return "streamkap: project key " + e.ProjectKeyID + " is " + string(e.Status) + " while waiting for it to be " + e.Waiting
}

// Is matches ErrDeleteFailed (for delete_failed) and ErrKeyNotReady.
func (e *KeyStateError) Is(target error) bool {
	return target == ErrKeyNotReady || (target == ErrDeleteFailed && e.Status == StatusDeleteFailed)
}

// WaitOptions tune how waiters poll. The zero value polls after 250 ms,
// backing off to every 5 s.
type WaitOptions struct {
	// MinInterval is the wait before the second poll (default 250 ms).
	MinInterval time.Duration
	// MaxInterval caps the growing wait between polls (default 5 s).
	MaxInterval time.Duration
}

func (o *WaitOptions) intervals() (lo, hi time.Duration) {
	lo, hi = 250*time.Millisecond, 5*time.Second
	if o != nil && o.MinInterval > 0 {
		lo = o.MinInterval
	}
	if o != nil && o.MaxInterval > 0 {
		hi = o.MaxInterval
	}
	return lo, max(lo, hi)
}

// WaitUntilActive polls Get until the key is active and returns it. It
// gives up when ctx ends, when the key is deleting or delete_failed (a
// [*KeyStateError]), or when it does not exist (ErrNotFound). opts may be nil.
func (s *ProjectKeysService) WaitUntilActive(ctx context.Context, projectKeyID string, opts *WaitOptions, callOpts ...CallOption) (*ProjectKeyDetail, error) {
	var found *ProjectKeyDetail
	err := s.poll(ctx, opts, func() (bool, error) {
		key, err := s.Get(ctx, projectKeyID, callOpts...)
		if err != nil {
			return false, err
		}
		switch key.Status {
		case StatusActive:
			found = key
			return true, nil
		case StatusDeleting, StatusDeleteFailed:
			return false, &KeyStateError{ProjectKeyID: projectKeyID, Status: key.Status, Waiting: "active"}
		}
		return false, nil // creating, or a state this SDK does not know yet
	})
	return found, err
}

// WaitUntilGone polls Get until the key no longer exists. It gives up when
// ctx ends or when the deletion failed (a [*KeyStateError] matching
// ErrDeleteFailed). opts may be nil.
func (s *ProjectKeysService) WaitUntilGone(ctx context.Context, projectKeyID string, opts *WaitOptions, callOpts ...CallOption) error {
	return s.poll(ctx, opts, func() (bool, error) {
		key, err := s.Get(ctx, projectKeyID, callOpts...)
		switch {
		case errors.Is(err, ErrNotFound):
			return true, nil
		case err != nil:
			return false, err
		case key.Status == StatusDeleteFailed:
			return false, &KeyStateError{ProjectKeyID: projectKeyID, Status: key.Status, Waiting: "gone"}
		}
		return false, nil
	})
}

// poll calls check until it reports done or fails, waiting a jittered,
// growing interval between calls, and stops at once when ctx ends.
func (s *ProjectKeysService) poll(ctx context.Context, opts *WaitOptions, check func() (bool, error)) error {
	lo, hi := opts.intervals()
	for attempt := 0; ; attempt++ {
		done, err := check()
		if done || err != nil {
			return err
		}
		timer := time.NewTimer(retry.Exponential(lo, hi, attempt))
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

// answerSecrets are the secrets the create's answer brought.
func (a *createAnswer) answerSecrets() []string { return credentialSecrets(a.API, a.Kafka) }

// credentialSecrets lists the plaintexts of new credentials.
func credentialSecrets(api *APICredentials, kafka *KafkaCredentials) []string {
	var out []string
	if api != nil && !api.ClientSecret.IsZero() {
		out = append(out, api.ClientSecret.Reveal())
	}
	if kafka != nil && !kafka.Password.IsZero() {
		out = append(out, kafka.Password.Reveal())
	}
	return out
}
