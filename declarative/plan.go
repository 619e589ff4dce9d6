package declarative

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/streamkap-go/streamkap"
)

// ActionKind is what an action does to a key.
type ActionKind string

// The actions, in the order a plan takes them.
const (
	// ActionDelete deletes the key (to replace it, or to prune it) and
	// waits until it is gone.
	ActionDelete ActionKind = "delete"
	// ActionCreate creates the key, with everything the spec manages.
	ActionCreate ActionKind = "create"
	// ActionAddKafkaAccess adds the Kafka user to a key that has none.
	ActionAddKafkaAccess ActionKind = "add_kafka_access"
	// ActionAddAPIAccess adds API access to a key that has none.
	ActionAddAPIAccess ActionKind = "add_api_access"
	// ActionUpdate changes the key in place, in one PATCH.
	ActionUpdate ActionKind = "update"
)

// Shown-once secrets an action issues, as [Action.ShownOnce] names them.
const (
	SecretAPIClientSecret = "api_client_secret" // made by the server: a lost answer loses it
	SecretKafkaPassword   = "kafka_password"    // chosen client-side: a lost answer cannot lose it
)

// KeyPlan is what it takes to bring one key to its spec.
type KeyPlan struct {
	// Name is the spec's name.
	Name string `json:"name"`
	// KeyID is the id of the key the spec names; empty when there is none yet.
	KeyID string `json:"key_id,omitempty"`
	// Actions are the writes to send, in order; none when the key matches.
	Actions []Action `json:"actions"`
	// ReplaceReasons say why an update cannot reach the spec (removing a
	// capability, changing the Kafka username, ...): the key must be
	// deleted and created again. Empty when it need not be.
	ReplaceReasons []string `json:"replace_reasons,omitempty"`
	// Prune is set on the plan of a key deleted because no spec names it.
	Prune bool `json:"prune,omitempty"`
}

// Action is one write of a plan.
type Action struct {
	Kind ActionKind `json:"kind"`
	// Changes are the fields the action sets, with their values before and
	// after (before is nil for a key being created).
	Changes []Change `json:"changes,omitempty"`
	// ShownOnce names the secrets the action issues, which Apply hands to
	// the secret sink before doing anything else (SecretAPIClientSecret,
	// SecretKafkaPassword).
	ShownOnce []string `json:"shown_once,omitempty"`
}

// Change is one field an action sets. Before and After are nil (none or
// null), a string, or a list of strings (roles, ACLs as "TOPIC PREFIXED
// orders. READ", IPs, tools).
type Change struct {
	Field  string `json:"field"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// NoChanges reports whether the key already matches its spec.
func (p *KeyPlan) NoChanges() bool { return len(p.Actions) == 0 }

// Writes is how many writes the plan sends.
func (p *KeyPlan) Writes() int { return len(p.Actions) }

// ShownOnce lists the shown-once secrets the plan's actions issue, in
// order ([SecretAPIClientSecret], [SecretKafkaPassword]); Apply refuses a
// plan that issues any without a secret sink.
func (p *KeyPlan) ShownOnce() []string {
	var out []string
	for _, a := range p.Actions {
		out = append(out, a.ShownOnce...)
	}
	return out
}

// current is what the server holds for the key a spec names.
type current struct {
	key    *streamkap.ProjectKey       // nil: no key of that name
	detail *streamkap.ProjectKeyDetail // nil unless the spec needs details
}

// needsDetail reports whether comparing the spec needs the key's details
// (ACLs, IP list, Schema Registry), which a list does not carry.
func (s *KeySpec) needsDetail() bool {
	kafka, ok := s.Kafka.Get()
	return ok && (kafka.ACLs.IsSet() || kafka.WhitelistIPs.IsSet() || kafka.SchemaRegistry)
}

// Plan reads a key and returns what it takes to bring it to spec: one
// list of the keys, and the key's details when the spec manages them. It
// sends no write. A spec that does not validate is a [*SpecError]; a name
// that matches more than one key an [*AmbiguousNameError].
func Plan(ctx context.Context, client *streamkap.Client, spec KeySpec) (*KeyPlan, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	cur, err := read(ctx, client, &spec)
	if err != nil {
		return nil, err
	}
	return plan(&spec, cur)
}

// read finds the key spec names, and its details if the spec needs them.
func read(ctx context.Context, client *streamkap.Client, spec *KeySpec) (current, error) {
	keys, err := client.ProjectKeys.FindByName(ctx, spec.Name)
	if err != nil {
		return current{}, err
	}
	return readDetail(ctx, client, spec, keys)
}

// readDetail completes what a list found for spec.
func readDetail(ctx context.Context, client *streamkap.Client, spec *KeySpec, named []streamkap.ProjectKey) (current, error) {
	switch len(named) {
	case 0:
		return current{}, nil
	case 1:
	default:
		return current{}, ambiguousName(spec.Name, named)
	}
	cur := current{key: &named[0]}
	if spec.needsDetail() && cur.key.HasKafkaAccess() {
		detail, err := client.ProjectKeys.Get(ctx, cur.key.ID)
		if err != nil {
			return current{}, err
		}
		cur.key, cur.detail = &detail.ProjectKey, detail
	}
	return cur, nil
}

// plan compares spec with what the server holds.
func plan(spec *KeySpec, cur current) (*KeyPlan, error) {
	p := &KeyPlan{Name: spec.Name, Actions: []Action{}}
	// A key is created from its spec alone: it needs API or Kafka access.
	canCreate := spec.API.IsSet() && !spec.API.IsNull() || spec.Kafka.IsSet() && !spec.Kafka.IsNull()
	if cur.key == nil {
		if !canCreate {
			return nil, &SpecError{Name: spec.Name, Index: -1,
				Problems: []string{"no key has this name, and a new key needs API or Kafka access: give the spec api or kafka"}}
		}
		p.Actions = append(p.Actions, createAction(spec))
		return p, nil
	}
	key := cur.key
	p.KeyID = key.ID
	if reasons := replaceReasons(spec, cur); len(reasons) > 0 {
		if !canCreate {
			return nil, &SpecError{Name: spec.Name, Index: -1, Problems: []string{"the key must be replaced (" + strings.Join(reasons, "; ") +
				"), and a key is created from its spec alone: give the spec the api or kafka access the new key needs"}}
		}
		p.ReplaceReasons = reasons
		p.Actions = append(p.Actions, Action{Kind: ActionDelete}, createAction(spec))
		return p, nil
	}
	if kafka, ok := spec.Kafka.Get(); ok && !key.HasKafkaAccess() {
		p.Actions = append(p.Actions, Action{Kind: ActionAddKafkaAccess, Changes: kafkaChanges(&kafka), ShownOnce: []string{SecretKafkaPassword}})
	}
	if api, ok := spec.API.Get(); ok && !key.HasAPIAccess() {
		p.Actions = append(p.Actions, Action{Kind: ActionAddAPIAccess, Changes: apiChanges(&api), ShownOnce: []string{SecretAPIClientSecret}})
	}
	if changes := updateChanges(spec, cur); len(changes) > 0 {
		p.Actions = append(p.Actions, Action{Kind: ActionUpdate, Changes: changes})
	}
	return p, nil
}

// createAction creates everything the spec manages.
func createAction(spec *KeySpec) Action {
	a := Action{Kind: ActionCreate}
	if d, ok := spec.Description.Get(); ok && d != "" {
		a.Changes = append(a.Changes, Change{Field: "description", After: d})
	}
	if api, ok := spec.API.Get(); ok {
		a.Changes = append(a.Changes, apiChanges(&api)...)
		a.ShownOnce = append(a.ShownOnce, SecretAPIClientSecret)
	}
	if kafka, ok := spec.Kafka.Get(); ok {
		a.Changes = append(a.Changes, kafkaChanges(&kafka)...)
		a.ShownOnce = append(a.ShownOnce, SecretKafkaPassword)
	}
	if t := spec.Tools; t != nil {
		a.Changes = append(a.Changes, toolChanges(t, nil)...)
	}
	return a
}

func apiChanges(api *APISpec) []Change {
	if len(api.Permissions) > 0 {
		return []Change{{Field: "api.permissions", After: api.Permissions}}
	}
	return []Change{{Field: "api.roles", After: api.Roles}}
}

func kafkaChanges(k *KafkaSpec) []Change {
	out := []Change{{Field: "kafka.username", After: k.Username}}
	if acls, ok := k.ACLs.Get(); ok {
		out = append(out, Change{Field: "kafka.acls", After: aclKeys(kafkaACLs(acls))})
	}
	if ips, ok := k.WhitelistIPs.Get(); ok {
		normalized, _ := normalizeIPs(ips)
		out = append(out, Change{Field: "kafka.whitelist_ips", After: normalized})
	}
	if k.SchemaRegistry {
		out = append(out, Change{Field: "kafka.schema_registry", After: "true"})
	}
	return out
}

// replaceReasons lists what an update cannot reach.
func replaceReasons(spec *KeySpec, cur current) []string {
	key := cur.key
	var reasons []string
	if spec.API.IsNull() && key.HasAPIAccess() {
		reasons = append(reasons, "api access cannot be removed from a key")
	}
	if spec.Kafka.IsNull() && key.HasKafkaAccess() {
		reasons = append(reasons, "kafka access cannot be removed from a key")
	}
	if kafka, ok := spec.Kafka.Get(); ok && key.HasKafkaAccess() {
		if kafka.Username != key.KafkaUsername {
			reasons = append(reasons, fmt.Sprintf("kafka.username cannot change in place (%q -> %q)", key.KafkaUsername, kafka.Username))
		}
		if kafka.SchemaRegistry && cur.detail != nil && cur.detail.SchemaProxyEndpoint == "" {
			reasons = append(reasons, "kafka.schema_registry cannot be added to an existing Kafka user")
		}
	}
	if api, ok := spec.API.Get(); ok && key.HasAPIAccess() && len(api.Permissions) > 0 && len(key.Roles) > 0 {
		reasons = append(reasons, "api.permissions cannot replace the roles of existing API credentials")
	}
	return reasons
}

// updateChanges are the in-place changes: one PATCH.
func updateChanges(spec *KeySpec, cur current) []Change {
	key := cur.key
	var out []Change
	if spec.Description.IsSet() {
		want, _ := spec.Description.Get() // "" for null: no description
		if want != key.Description {
			out = append(out, Change{Field: "description", Before: nilIfEmpty(key.Description), After: nilIfEmpty(want)})
		}
	}
	if api, ok := spec.API.Get(); ok && key.HasAPIAccess() && len(api.Permissions) == 0 && !sameRoles(api.Roles, key.Roles) {
		out = append(out, Change{Field: "api.roles", Before: roleNames(key.Roles), After: api.Roles})
	}
	if kafka, ok := spec.Kafka.Get(); ok && key.HasKafkaAccess() && cur.detail != nil {
		if acls, ok := kafka.ACLs.Get(); ok {
			before, after := aclKeys(cur.detail.KafkaACLs), aclKeys(kafkaACLs(acls))
			if !slices.Equal(before, after) {
				out = append(out, Change{Field: "kafka.acls", Before: before, After: after})
			}
		}
		if ips, ok := kafka.WhitelistIPs.Get(); ok {
			before := splitIPs(cur.detail.WhitelistIPs)
			after, _ := normalizeIPs(ips)
			if !slices.Equal(before, after) {
				out = append(out, Change{Field: "kafka.whitelist_ips", Before: before, After: after})
			}
		}
	}
	if t := spec.Tools; t != nil {
		out = append(out, toolChanges(t, key)...)
	}
	return out
}

// toolChanges compares the tool scoping with a key's (nil for a new key).
func toolChanges(t *ToolsSpec, key *streamkap.ProjectKey) []Change {
	var profile streamkap.ToolProfile
	var allowed, blocked []string
	if key != nil {
		profile, allowed, blocked = key.ToolProfile, key.AllowedTools, key.BlockedTools
	}
	var out []Change
	if t.Profile.IsSet() {
		want, _ := t.Profile.Get() // "" for null
		if want != profile {
			out = append(out, Change{Field: "tools.profile", Before: nilIfEmpty(string(profile)), After: nilIfEmpty(string(want))})
		}
	}
	for _, l := range []struct {
		field   string
		spec    streamkap.Nullable[[]string]
		current []string
	}{{"tools.allowed", t.Allowed, allowed}, {"tools.blocked", t.Blocked, blocked}} {
		if !l.spec.IsSet() {
			continue
		}
		before, after := listOrNil(l.current), any(nil)
		if want, isList := l.spec.Get(); isList {
			after = sortedSet(want)
		}
		if !sameList(before, after) {
			out = append(out, Change{Field: l.field, Before: before, After: after})
		}
	}
	return out
}

// sameList compares two listOrNil values.
func sameList(a, b any) bool {
	la, aok := a.([]string)
	lb, bok := b.([]string)
	return aok == bok && slices.Equal(la, lb)
}

// sameRoles compares roles given by name, key or id with a key's roles,
// as sets: each wanted role names one of the key's, and each of the key's
// is named.
func sameRoles(want []string, have []streamkap.Role) bool {
	matched := make([]bool, len(have))
	for _, w := range want {
		found := false
		for i, r := range have {
			if r.ID == w || strings.EqualFold(r.Name, w) || strings.EqualFold(r.Key, w) {
				matched[i], found = true, true
			}
		}
		if !found {
			return false
		}
	}
	return !slices.Contains(matched, false)
}

func roleNames(roles []streamkap.Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = r.Name
	}
	return out
}

// nilIfEmpty is nil for "" (none), the string otherwise.
func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// listOrNil is nil for a nil list (null), the sorted set otherwise.
func listOrNil(l []string) any {
	if l == nil {
		return nil
	}
	return sortedSet(l)
}

// AmbiguousNameError reports a spec whose name more than one key has:
// Plan and Apply cannot tell which one it means, and change none.
type AmbiguousNameError struct {
	Name   string
	KeyIDs []string
}

// Error names the keys.
func (e *AmbiguousNameError) Error() string {
	return fmt.Sprintf("declarative: %d keys are named %q (%s): rename or delete all but one", len(e.KeyIDs), e.Name, strings.Join(e.KeyIDs, ", "))
}

// Is matches streamkap.ErrConflict.
func (e *AmbiguousNameError) Is(target error) bool { return target == streamkap.ErrConflict }

func ambiguousName(name string, keys []streamkap.ProjectKey) *AmbiguousNameError {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	return &AmbiguousNameError{Name: name, KeyIDs: ids}
}

// ReplaceRequiredError reports a key that only a replacement (delete, then
// create) can bring to its spec, when replacing was not allowed. Plan
// holds the plan; nothing was sent.
type ReplaceRequiredError struct {
	Plan *KeyPlan
}

// Error names the key and why.
func (e *ReplaceRequiredError) Error() string {
	return fmt.Sprintf("declarative: key %q (%s) must be replaced to reach its spec (%s); allow replacement to delete and create it",
		e.Plan.Name, e.Plan.KeyID, strings.Join(e.Plan.ReplaceReasons, "; "))
}

// Is matches streamkap.ErrRefused.
func (e *ReplaceRequiredError) Is(target error) bool { return target == streamkap.ErrRefused }

// ErrNoSink is returned, before any write, when a plan would issue a
// shown-once secret and no secret sink was given to receive it.
var ErrNoSink = errors.New("declarative: the plan issues a shown-once secret and no secret sink was given")
