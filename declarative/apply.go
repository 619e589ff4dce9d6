package declarative

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

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
	// Warnings are the API's notes on the updates sent (how long a role
	// change takes to reach issued tokens, say), to show the user.
	Warnings []string `json:"warnings,omitempty"`
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
//   - after an update or delete whose outcome is unknown, Apply reads the
//     key back and converges, instead of resending blindly;
//   - a write that may issue a shown-once secret (create, added access) is
//     sent at most once per Apply: after a lost answer the key is read
//     back; a created key found by name is adopted (a [*LostSecretError]
//     when it has API access, whose client secret is gone); otherwise the
//     error is an [*OutcomeUnknownError] carrying the Kafka password that
//     was sent, and the next Apply adopts the key or creates it;
//   - every round's plan passes the same checks as the first: a key only a
//     replacement can bring to its spec is replaced only with
//     opts.AllowReplace (otherwise a [*ReplaceRequiredError] holding the
//     plan), and a plan that issues a secret needs a sink ([ErrNoSink]);
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
// outcome, and records what happened in res. Every round's plan passes
// the same guards as the first.
func (a *applier) apply(ctx context.Context, spec *KeySpec, p *KeyPlan, res *Result) {
	res.Plan, res.KeyID = p, p.KeyID
	// One password for the Kafka user this apply creates, whatever round
	// creates it.
	password := streamkap.GeneratePassword()
	var previous error // the unknown outcome that led to this round
	for round := 1; ; round++ {
		if err := a.guard(p); err != nil {
			res.fail(errors.Join(previous, err))
			return
		}
		if p.NoChanges() {
			return
		}
		err := a.execute(ctx, spec, p, password, res)
		if err == nil {
			return
		}
		if !converges(err) || round == maxRounds || ctx.Err() != nil {
			res.fail(err)
			return
		}
		// The outcome of a write that issues no secret is unknown: read
		// the key back and converge.
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
		p, previous = next, err
	}
}

// guard refuses a plan Apply may not carry out with its options.
func (a *applier) guard(p *KeyPlan) error {
	switch {
	case p.NoChanges():
		return nil
	case len(p.ReplaceReasons) > 0 && !a.opts.AllowReplace:
		return &ReplaceRequiredError{Plan: p}
	case len(p.ShownOnce()) > 0 && a.opts.Sink == nil:
		return ErrNoSink
	}
	return nil
}

// converges reports whether Apply may read back and plan again after err:
// only after an unknown outcome of a write that issues no secret. A write
// that may have issued one (create, added access) is never sent again in
// the same Apply: a read that finds nothing right after it proves
// nothing, since the server may still apply it.
func converges(err error) bool {
	var unknown *OutcomeUnknownError
	var sinkErr *SinkError
	return errors.Is(err, streamkap.ErrOutcomeUnknown) && !errors.Is(err, streamkap.ErrSecretLost) &&
		!errors.As(err, &unknown) && !errors.As(err, &sinkErr)
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
			if err := a.addKafkaAccess(ctx, spec, id, password, res); err != nil {
				return err
			}
		case ActionAddAPIAccess:
			if err := a.addAPIAccess(ctx, spec, id, res); err != nil {
				return err
			}
		case ActionUpdate:
			params, err := a.updateParams(ctx, spec, action.Changes)
			if err != nil {
				return err
			}
			updated, err := keys.Update(ctx, id, params)
			if err != nil {
				return err
			}
			res.Warnings = append(res.Warnings, updated.Warnings...)
		}
	}
	return nil
}

// create creates the key and stores its credential file. After a lost
// answer it looks for the key by name: there, the key is adopted, its
// Kafka password (chosen here) is stored, and an API secret is reported
// lost; not there (or the lookup failed), the outcome stays unknown and
// the error carries the Kafka password: the server may still apply the
// create, and the next Apply adopts the key or creates it.
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
	var kafka *streamkap.KafkaCredentials
	if params.KafkaConfig != nil {
		kafka = &streamkap.KafkaCredentials{Username: params.KafkaConfig.Username, Password: unknown.KafkaPassword}
	}
	found, findErr := a.findAfterUnknown(ctx, spec.Name)
	switch {
	case findErr != nil:
		return "", &OutcomeUnknownError{Name: spec.Name, Action: ActionCreate, Kafka: kafka, Err: errors.Join(err, findErr)}
	case len(found) == 0:
		return "", &OutcomeUnknownError{Name: spec.Name, Action: ActionCreate, Kafka: kafka, Err: err}
	case len(found) > 1:
		return "", &OutcomeUnknownError{Name: spec.Name, Action: ActionCreate, Kafka: kafka, Err: errors.Join(err, ambiguousName(spec.Name, found))}
	}
	key := found[0]
	if !key.HasKafkaAccess() {
		kafka = nil // the key was created without the Kafka user: no password in effect
	}
	var stored error
	if kafka != nil {
		stored = a.store(ctx, ShownOnceSecret{KeyName: spec.Name, KeyID: key.ID, Kafka: kafka})
	}
	if key.HasAPIAccess() {
		return key.ID, errors.Join(stored, &LostSecretError{Name: spec.Name, KeyID: key.ID, Kafka: kafka, Cause: err})
	}
	return key.ID, stored
}

// findAfterUnknown looks a key up by name after a create whose outcome is
// unknown, trying a few times: the read is retried by the client, and a
// failure of the whole read (the API still unavailable) is tried again.
func (a *applier) findAfterUnknown(ctx context.Context, name string) ([]streamkap.ProjectKey, error) {
	var err error
	for attempt := range lookupAttempts {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, errors.Join(err, ctx.Err())
			case <-time.After(lookupPause << attempt):
			}
		}
		var found []streamkap.ProjectKey
		if found, err = a.client.ProjectKeys.FindByName(ctx, name); err == nil {
			return found, nil
		}
	}
	return nil, err
}

// How often and how patiently a lost create is looked up.
const (
	lookupAttempts = 3
	lookupPause    = 250 * time.Millisecond
)

// addKafkaAccess adds the spec's Kafka user with the password Apply chose
// and stores its credentials. An unknown outcome is an
// [*OutcomeUnknownError] that carries the password.
func (a *applier) addKafkaAccess(ctx context.Context, spec *KeySpec, id string, password streamkap.Secret, res *Result) error {
	kafka, _ := spec.Kafka.Get()
	kc := kafka.config(password)
	access, err := a.client.ProjectKeys.AddKafkaAccess(ctx, id, streamkap.AddKafkaAccessParams(kc))
	if err != nil {
		if errors.Is(err, streamkap.ErrOutcomeUnknown) {
			return &OutcomeUnknownError{Name: spec.Name, KeyID: id, Action: ActionAddKafkaAccess,
				Kafka: &streamkap.KafkaCredentials{Username: kafka.Username, Password: password}, Err: err}
		}
		return err
	}
	res.Warnings = append(res.Warnings, access.Warnings...)
	return a.store(ctx, ShownOnceSecret{KeyName: spec.Name, KeyID: id, Kafka: &access.Credentials})
}

// addAPIAccess gives the key the spec's API access and stores the new
// credentials. The secret is the server's: an unknown outcome that the
// SDK could not settle is an [*OutcomeUnknownError], never success.
func (a *applier) addAPIAccess(ctx context.Context, spec *KeySpec, id string, res *Result) error {
	api, _ := spec.API.Get()
	params := streamkap.AddAPIAccessParams{PermissionIDs: api.Permissions}
	if len(api.Permissions) == 0 {
		ids, err := a.roleIDs(ctx, api.Roles)
		if err != nil {
			return err
		}
		params.RoleIDs = ids
	}
	added, err := a.client.ProjectKeys.AddAPIAccess(ctx, id, params)
	switch {
	case err == nil:
		res.Warnings = append(res.Warnings, added.Warnings...)
		return a.store(ctx, ShownOnceSecret{KeyName: spec.Name, KeyID: id, API: added.NewAPICredentials})
	case errors.Is(err, streamkap.ErrSecretLost):
		return err // an *APIAccessLostError: added, and its secret lost
	case errors.Is(err, streamkap.ErrOutcomeUnknown):
		return &OutcomeUnknownError{Name: spec.Name, KeyID: id, Action: ActionAddAPIAccess, Err: err}
	}
	return err
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
// exists (Apply adopted it), and its API client secret, shown only in that
// answer, is gone. Recover by deleting the key, waiting until it is gone,
// and applying again: the new key has a new id (see the package example
// of recovery). Allowing replacement does not help: the adopted key
// matches its spec, so the next Apply plans nothing. It matches
// streamkap.ErrSecretLost.
type LostSecretError struct {
	Name  string
	KeyID string
	// Kafka are the Kafka credentials of the adopted key, with the password
	// Apply chose (also handed to the sink); nil when the key has no
	// Kafka user.
	Kafka *streamkap.KafkaCredentials
	// Cause is the failure that lost the answer. The error does not unwrap
	// to it: its outcome was unknown, and is now known (the key exists).
	Cause error
}

// Error says what happened and what to do.
func (e *LostSecretError) Error() string {
	return fmt.Sprintf("declarative: key %q (%s) was created but the answer carrying its API client secret was lost; "+
		"delete the key, wait until it is gone and apply again: %v", e.Name, e.KeyID, e.Cause)
}

// Is matches streamkap.ErrSecretLost.
func (e *LostSecretError) Is(target error) bool { return target == streamkap.ErrSecretLost }

// OutcomeUnknownError reports a write that may issue a shown-once secret
// (a create, added Kafka or API access) whose outcome Apply could not
// learn: the answer was lost, and reading the key back failed or did not
// show the change yet. Apply sent nothing more for the key: the server may
// still apply the write, and the next Apply adopts what it finds. Kafka,
// when set, holds the password Apply sent, in effect if the write was
// applied: keep it. It matches streamkap.ErrOutcomeUnknown.
type OutcomeUnknownError struct {
	Name string
	// KeyID is empty for a create.
	KeyID  string
	Action ActionKind
	// Kafka are the Kafka credentials Apply sent (nil when the write sent
	// none): username and password, as a streamkap.Secret.
	Kafka *streamkap.KafkaCredentials
	// Err is the failure, with the read-back's when it failed too.
	Err error
}

// Error names the key and what to do; never the password.
func (e *OutcomeUnknownError) Error() string {
	kept := ""
	if e.Kafka != nil {
		kept = "; the Kafka password that was sent is in this error's Kafka field"
	}
	return fmt.Sprintf("declarative: %s of key %q may have been applied, and could not be confirmed%s; "+
		"apply again to adopt the key or create it: %v", e.Action, e.Name, kept, e.Err)
}

// Unwrap returns the failure.
func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// Is matches streamkap.ErrOutcomeUnknown.
func (e *OutcomeUnknownError) Is(target error) bool { return target == streamkap.ErrOutcomeUnknown }

// UnstoredSecrets returns every secret err hands back because no sink
// holds it: a [*SinkError]'s secret, the Kafka credentials of an
// [*OutcomeUnknownError], and the password the answer named in a
// streamkap.KafkaPasswordMismatchError. A caller that keeps them loses
// nothing Apply obtained or chose. It walks joined and wrapped errors.
func UnstoredSecrets(err error) []ShownOnceSecret {
	var out []ShownOnceSecret
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
			return
		case *SinkError:
			out = append(out, e.Secret)
		case *OutcomeUnknownError:
			if e.Kafka != nil {
				out = append(out, ShownOnceSecret{KeyName: e.Name, KeyID: e.KeyID, Kafka: e.Kafka, Unconfirmed: true})
			}
		case *streamkap.KafkaPasswordMismatchError:
			// The sent password is the OutcomeUnknownError's; the answer's too.
			out = append(out, ShownOnceSecret{KeyID: e.ProjectKeyID, Unconfirmed: true,
				Kafka: &streamkap.KafkaCredentials{Username: e.Username, Password: e.Reported}})
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}
