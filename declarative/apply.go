package declarative

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/streamkap-go/streamkap"
)

// maxRounds bounds how many times Apply reads a key back and writes again
// after writes whose outcome was unknown.
const maxRounds = 4

// ApplyOptions change how Apply writes.
type ApplyOptions struct {
	// Sink receives every shown-once secret before Apply does anything
	// else. A plan that issues one is refused, before any write, without a
	// sink ([ErrNoSink]). [DirSink] writes credential files.
	Sink SecretSink
	// AllowReplace lets Apply delete a key and create it again when no
	// update can reach its spec; otherwise such a key is a
	// [*ReplaceRequiredError] and is left alone.
	AllowReplace bool
	// Wait tunes the polling while a replaced key is deleted (nil: the
	// SDK's defaults).
	Wait *streamkap.WaitOptions
}

// Result is what Apply did for one spec.
type Result struct {
	// Name is the spec's name, KeyID the key's id afterwards (empty when
	// the key could not be created).
	Name  string `json:"name"`
	KeyID string `json:"key_id,omitempty"`
	// Plan is the plan as first made.
	Plan *KeyPlan `json:"plan,omitempty"`
	// Writes is how many writes were sent, those read back and sent again
	// after an unknown outcome included.
	Writes int `json:"writes"`
	// Err is why the spec was not reached; nil when it was. Error is its
	// text, for JSON.
	Err   error  `json:"-"`
	Error string `json:"error,omitempty"`
}

func (r *Result) fail(err error) {
	r.Err, r.Error = err, err.Error()
}

// Apply brings the key named by spec to the spec, with the fewest writes
// (none when it matches):
//
//   - every shown-once secret (a created key's credential file, added Kafka
//     or API credentials) goes to opts.Sink before anything else is done;
//     if the sink fails, Apply stops and the [*SinkError] carries the secret;
//   - Kafka passwords are generated client-side, so a lost answer never
//     loses one;
//   - after a write whose outcome is unknown, Apply reads the key back and
//     converges, instead of resending blindly; a create whose answer was
//     lost is found by name, never created twice, and reported as a
//     [*LostSecretError] when the key has API access (its client secret is
//     gone);
//   - a key only a replacement can bring to its spec is replaced only with
//     opts.AllowReplace (otherwise a [*ReplaceRequiredError] holding the plan);
//   - a name that matches more than one key is an [*AmbiguousNameError].
//
// The error is the result's Err.
func Apply(ctx context.Context, client *streamkap.Client, spec KeySpec, opts ApplyOptions) (*Result, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	a := newApplier(client, opts)
	res := &Result{Name: spec.Name}
	cur, err := read(ctx, client, &spec)
	if err == nil {
		var p *KeyPlan
		if p, err = plan(&spec, cur); err == nil {
			a.apply(ctx, &spec, p, res)
			return res, res.Err
		}
	}
	res.fail(err)
	return res, err
}

// applier applies specs with one client; a fleet shares one.
type applier struct {
	client *streamkap.Client
	opts   ApplyOptions

	mu    sync.Mutex
	roles map[string]string // role name, key or id -> id, resolved once
}

func newApplier(client *streamkap.Client, opts ApplyOptions) *applier {
	return &applier{client: client, opts: opts, roles: map[string]string{}}
}

// apply carries out p, reading back and planning again after an unknown
// outcome, and records what happened in res.
func (a *applier) apply(ctx context.Context, spec *KeySpec, p *KeyPlan, res *Result) {
	res.Plan, res.KeyID = p, p.KeyID
	switch {
	case p.NoChanges():
		return
	case len(p.ReplaceReasons) > 0 && !a.opts.AllowReplace:
		res.fail(&ReplaceRequiredError{Plan: p})
		return
	case len(p.ShownOnce()) > 0 && a.opts.Sink == nil:
		res.fail(ErrNoSink)
		return
	}
	// One password for the Kafka user this apply creates, whatever round
	// creates it.
	password := streamkap.NewSecret(streamkap.GeneratePassword())
	for round := 1; ; round++ {
		err := a.execute(ctx, spec, p, password, res)
		if err == nil {
			return
		}
		// Only an unknown outcome is read back; a lost secret is known to
		// be lost (its error also wraps the unknown outcome that lost it).
		converge := errors.Is(err, streamkap.ErrOutcomeUnknown) && !errors.Is(err, streamkap.ErrSecretLost)
		if !converge || round == maxRounds || ctx.Err() != nil {
			res.fail(err)
			return
		}
		// The outcome is unknown: read the key back and converge.
		cur, readErr := read(ctx, a.client, spec)
		if readErr != nil {
			res.fail(errors.Join(err, readErr))
			return
		}
		next, planErr := plan(spec, cur)
		if planErr != nil {
			res.fail(errors.Join(err, planErr))
			return
		}
		if next.KeyID != "" {
			res.KeyID = next.KeyID
		}
		if next.NoChanges() {
			return
		}
		p = next
	}
}

// execute sends p's actions in order.
func (a *applier) execute(ctx context.Context, spec *KeySpec, p *KeyPlan, password streamkap.Secret, res *Result) error {
	keys := a.client.ProjectKeys
	id := p.KeyID
	for _, action := range p.Actions {
		res.Writes++
		switch action.Kind {
		case ActionDelete:
			if err := keys.Delete(ctx, id); err != nil {
				return err
			}
			if err := keys.WaitUntilGone(ctx, id, a.opts.Wait); err != nil {
				return err
			}
			id = ""
		case ActionCreate:
			newID, err := a.create(ctx, spec, password)
			if newID != "" {
				id, res.KeyID = newID, newID
			}
			if err != nil {
				return err
			}
		case ActionAddKafkaAccess:
			kafka, _ := spec.Kafka.Get()
			kc := kafka.config(password)
			access, err := keys.AddKafkaAccess(ctx, id, streamkap.AddKafkaAccessParams(kc))
			if err != nil {
				return err
			}
			if err := a.store(ctx, ShownOnceSecret{KeyName: spec.Name, KeyID: id, Kafka: &access.Credentials}); err != nil {
				return err
			}
		case ActionAddAPIAccess:
			api, _ := spec.API.Get()
			params := streamkap.AddAPIAccessParams{PermissionIDs: api.Permissions}
			if len(api.Permissions) == 0 {
				ids, err := a.roleIDs(ctx, api.Roles)
				if err != nil {
					return err
				}
				params.RoleIDs = ids
			}
			added, err := keys.AddAPIAccess(ctx, id, params)
			if err != nil {
				return err // an *APIAccessLostError says the secret is lost
			}
			if err := a.store(ctx, ShownOnceSecret{KeyName: spec.Name, KeyID: id, API: added.NewAPICredentials}); err != nil {
				return err
			}
		case ActionUpdate:
			params, err := a.updateParams(ctx, spec, action.Changes)
			if err != nil {
				return err
			}
			if _, err := keys.Update(ctx, id, params); err != nil {
				return err
			}
		}
	}
	return nil
}

// create creates the key and stores its credential file. After a lost
// answer it looks for the key by name: not there, the create was not
// applied (the caller converges and creates it); there, its Kafka password
// (chosen here) is stored, and an API secret is reported lost.
func (a *applier) create(ctx context.Context, spec *KeySpec, password streamkap.Secret) (string, error) {
	var roleIDs []string
	if api, ok := spec.API.Get(); ok && len(api.Permissions) == 0 {
		ids, err := a.roleIDs(ctx, api.Roles)
		if err != nil {
			return "", err
		}
		roleIDs = ids
	}
	params := spec.createParams(roleIDs, password)
	file, err := a.client.ProjectKeys.Create(ctx, params)
	if err == nil {
		return file.ProjectKeyID, a.store(ctx, ShownOnceSecret{KeyName: spec.Name, KeyID: file.ProjectKeyID, CredentialFile: file})
	}
	var unknown *streamkap.CreateOutcomeUnknownError
	if !errors.As(err, &unknown) {
		return "", err
	}
	found, findErr := a.client.ProjectKeys.FindByName(ctx, spec.Name)
	switch {
	case findErr != nil:
		return "", errors.Join(err, findErr)
	case len(found) == 0:
		return "", err // not created
	case len(found) > 1:
		return "", ambiguousName(spec.Name, found)
	}
	key := found[0]
	if params.KafkaConfig != nil && key.HasKafkaAccess() {
		creds := &streamkap.KafkaCredentials{Username: key.KafkaUsername, Password: unknown.KafkaPassword}
		if err := a.store(ctx, ShownOnceSecret{KeyName: spec.Name, KeyID: key.ID, Kafka: creds}); err != nil {
			return key.ID, err
		}
	}
	if key.HasAPIAccess() {
		return key.ID, &LostSecretError{Name: spec.Name, KeyID: key.ID, Cause: err}
	}
	return key.ID, nil
}

// updateParams builds the PATCH for an update action's changes.
func (a *applier) updateParams(ctx context.Context, spec *KeySpec, changes []Change) (streamkap.UpdateProjectKeyParams, error) {
	var p streamkap.UpdateProjectKeyParams
	kafka, _ := spec.Kafka.Get()
	for _, c := range changes {
		switch c.Field {
		case "description":
			if d, _ := spec.Description.Get(); d != "" {
				p.Description = streamkap.NullableValue(d)
			} else {
				p.Description = streamkap.Null[string]()
			}
		case "api.roles":
			api, _ := spec.API.Get()
			ids, err := a.roleIDs(ctx, api.Roles)
			if err != nil {
				return p, err
			}
			p.RoleIDs = streamkap.Value(ids)
		case "kafka.acls":
			acls, _ := kafka.ACLs.Get()
			p.KafkaACLs = streamkap.Value(kafkaACLs(acls))
		case "kafka.whitelist_ips":
			ips, _ := kafka.WhitelistIPs.Get()
			normalized, _ := normalizeIPs(ips)
			p.WhitelistIPs = streamkap.Value(strings.Join(normalized, ","))
		case "tools.profile":
			p.ToolProfile = spec.Tools.Profile
			if profile, _ := spec.Tools.Profile.Get(); profile == "" {
				p.ToolProfile = streamkap.Null[streamkap.ToolProfile]()
			}
		case "tools.allowed":
			p.AllowedTools = spec.Tools.Allowed
		case "tools.blocked":
			p.BlockedTools = spec.Tools.Blocked
		}
	}
	return p, nil
}

// roleIDs resolves roles by name, key or id, each once for the applier.
func (a *applier) roleIDs(ctx context.Context, roles []string) ([]string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var missing []string
	for _, r := range roles {
		if _, ok := a.roles[r]; !ok {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		ids, err := a.client.Roles.ResolveIDs(ctx, missing)
		if err != nil {
			return nil, err
		}
		for i, r := range missing {
			a.roles[r] = ids[i]
		}
	}
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = a.roles[r]
	}
	return out, nil
}

// store hands a secret to the sink; its failure carries the secret.
func (a *applier) store(ctx context.Context, s ShownOnceSecret) error {
	if a.opts.Sink == nil {
		return &SinkError{Secret: s, Err: ErrNoSink}
	}
	if err := a.opts.Sink.Store(ctx, s); err != nil {
		return &SinkError{Secret: s, Err: err}
	}
	return nil
}

// LostSecretError reports a key whose creation's answer was lost: the key
// exists, and its API client secret, shown only in that answer, is gone.
// Delete the key and apply again (or allow replacement). It matches
// streamkap.ErrSecretLost.
type LostSecretError struct {
	Name  string
	KeyID string
	// Cause is the failure that lost the answer. The error does not unwrap
	// to it: its outcome was unknown, and is now known (the key exists).
	Cause error
}

// Error says what happened and what to do.
func (e *LostSecretError) Error() string {
	return fmt.Sprintf("declarative: key %q (%s) was created but the answer carrying its API client secret was lost; "+
		"delete the key and apply again: %v", e.Name, e.KeyID, e.Cause)
}

// Is matches streamkap.ErrSecretLost.
func (e *LostSecretError) Is(target error) bool { return target == streamkap.ErrSecretLost }
