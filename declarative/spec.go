package declarative

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/streamkap-go/streamkap"
)

// KeySpec is the desired state of one Project Key, identified by its name.
// Whatever the spec leaves unset is not managed: Plan and Apply never
// change it. Build one in Go, or load many from JSON with [LoadSpecs]:
//
//	{"name": "ingest-bot",
//	 "description": "Nightly loads",
//	 "api": {"roles": ["Data Admin"]},
//	 "kafka": {"username": "ingest-bot",
//	           "acls": [{"topic": "orders.", "operation": "READ", "pattern": "PREFIXED"}],
//	           "whitelist_ips": ["10.0.0.0/8"]},
//	 "tools": {"profile": "read-only", "allowed": null, "blocked": ["delete_pipeline"]}}
type KeySpec struct {
	// Name identifies the key: the spec applies to the one key of that name
	// (more than one is an [*AmbiguousNameError]), or to a key it creates.
	// 1 to 100 characters.
	Name string `json:"name"`
	// Description: unset is not managed; null (or "") is no description.
	Description streamkap.Nullable[string] `json:"description,omitzero"`
	// API: unset is not managed; null means the key must not have API
	// access (a key that has it must be replaced); a value means API
	// access with these roles or permissions.
	API streamkap.Nullable[APISpec] `json:"api,omitzero"`
	// Kafka: unset is not managed; null means the key must not have a
	// Kafka user (a key that has one must be replaced); a value means this
	// Kafka user.
	Kafka streamkap.Nullable[KafkaSpec] `json:"kafka,omitzero"`
	// Tools is the MCP tool scoping; nil is not managed.
	Tools *ToolsSpec `json:"tools,omitempty"`
}

// APISpec is a key's API access: roles or permissions, not both.
type APISpec struct {
	// Roles by name, key or id ("Data Admin", "DataAdmin", "role-123"),
	// compared with the key's as a set.
	Roles []string `json:"roles,omitempty"`
	// Permissions are permission ids. The API takes them only when API
	// access is created, and neither shows nor changes them afterwards: on
	// a key whose API access has permissions they are not compared. A key
	// whose API access has roles cannot trade them for permissions, so
	// such a spec plans a replacement.
	Permissions []string `json:"permissions,omitempty"`
}

// KafkaSpec is a key's Kafka user. Its password is always generated
// client-side and handed to the secret sink.
type KafkaSpec struct {
	// Username cannot change in place: a different one needs the key replaced.
	Username string `json:"username"`
	// ACLs: unset is not managed; a list, even empty, is exactly these
	// ACLs, compared as a set.
	ACLs streamkap.Optional[[]ACLSpec] `json:"acls,omitzero"`
	// WhitelistIPs: unset is not managed; a list is exactly these IPs and
	// CIDRs, normalised (10.0.0.1 and 10.0.0.1/32 are the same) and
	// compared as a set; an empty list allows any IP.
	WhitelistIPs streamkap.Optional[[]string] `json:"whitelist_ips,omitzero"`
	// SchemaRegistry asks for Schema Registry access when the Kafka user is
	// created. An existing user cannot gain it: that needs the key replaced.
	SchemaRegistry bool `json:"schema_registry,omitempty"`
}

// ACLSpec is one Kafka ACL.
type ACLSpec struct {
	// Topic is the resource's name, or its prefix with pattern PREFIXED.
	Topic string `json:"topic"`
	// Operation is READ, WRITE, ALL, ... (see streamkap.ACLOperation).
	Operation streamkap.ACLOperation `json:"operation"`
	// Pattern is LITERAL or PREFIXED.
	Pattern streamkap.ACLPatternType `json:"pattern"`
	// Resource is TOPIC (the default when empty) or GROUP, ...
	Resource streamkap.ACLResource `json:"resource,omitempty"`
}

// ToolsSpec is a key's MCP tool scoping. Each field: unset is not
// managed, null clears it, a value sets it.
type ToolsSpec struct {
	Profile streamkap.Nullable[streamkap.ToolProfile] `json:"profile,omitzero"`
	// Allowed, when set to a list, overrides the profile and Blocked.
	Allowed streamkap.Nullable[[]string] `json:"allowed,omitzero"`
	Blocked streamkap.Nullable[[]string] `json:"blocked,omitzero"`
}

// The spec types decode strictly: an unknown field is an error, wherever
// it is (encoding/json's DisallowUnknownFields does not reach into a
// type's own UnmarshalJSON, so each type applies it itself).

// UnmarshalJSON decodes strictly.
func (s *KeySpec) UnmarshalJSON(b []byte) error {
	type plain KeySpec
	return decodeStrict(b, (*plain)(s), "")
}

// UnmarshalJSON decodes strictly.
func (s *APISpec) UnmarshalJSON(b []byte) error {
	type plain APISpec
	return decodeStrict(b, (*plain)(s), "api")
}

// UnmarshalJSON decodes strictly.
func (s *KafkaSpec) UnmarshalJSON(b []byte) error {
	type plain KafkaSpec
	return decodeStrict(b, (*plain)(s), "kafka")
}

// UnmarshalJSON decodes strictly.
func (s *ACLSpec) UnmarshalJSON(b []byte) error {
	type plain ACLSpec
	return decodeStrict(b, (*plain)(s), "acl")
}

// UnmarshalJSON decodes strictly.
func (s *ToolsSpec) UnmarshalJSON(b []byte) error {
	type plain ToolsSpec
	return decodeStrict(b, (*plain)(s), "tools")
}

// decodeStrict decodes b into v, refusing unknown fields, and names where.
func decodeStrict(b []byte, v any, where string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if where != "" {
			return fmt.Errorf("%s: %w", where, err)
		}
		return err
	}
	return nil
}

// Validate checks the spec without any I/O: the rules of a create (name,
// roles or permissions, the Kafka username, ACLs, the tool profile), that
// IPs parse, and that a spec does not ask both for and against the same
// thing. It returns a [*SpecError] listing every problem, or nil.
func (s *KeySpec) Validate() error {
	var problems []string
	params := s.createParams(nil, streamkap.Secret{})
	var verr *streamkap.ValidationError
	if err := params.Validate(); errors.As(err, &verr) {
		for _, f := range verr.Fields {
			problems = append(problems, f.String())
		}
	}
	if api, ok := s.API.Get(); ok {
		if len(api.Roles) == 0 && len(api.Permissions) == 0 {
			problems = append(problems, "api: give roles or permissions")
		}
	}
	if kafka, ok := s.Kafka.Get(); ok {
		if ips, ok := kafka.WhitelistIPs.Get(); ok {
			if _, err := normalizeIPs(ips); err != nil {
				problems = append(problems, "kafka.whitelist_ips: "+err.Error())
			}
		}
	}
	if len(problems) > 0 {
		return &SpecError{Name: s.Name, Index: -1, Problems: problems}
	}
	return nil
}

// SpecError lists what is wrong with a spec; nothing was sent.
type SpecError struct {
	// Name is the spec's name. Index is the spec's place in the list given
	// to ApplyFleet or PlanFleet, -1 for a spec given alone (Validate,
	// Plan, Apply); Line is 0 (a loaded file reports its problems, with
	// lines, in a [*LoadError]).
	Name  string
	Index int
	Line  int
	// Problems are the problems found, one sentence each.
	Problems []string
}

// Error names the spec and lists its problems.
func (e *SpecError) Error() string {
	var b strings.Builder
	b.WriteString("declarative: ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "keys[%d] (line %d)", e.Index, e.Line)
		if e.Name != "" {
			b.WriteByte(' ')
		}
	}
	if e.Name != "" {
		fmt.Fprintf(&b, "%q", e.Name)
	}
	b.WriteString(": ")
	b.WriteString(strings.Join(e.Problems, "; "))
	return b.String()
}

// Is matches streamkap.ErrValidation: an invalid spec is never sent.
func (e *SpecError) Is(target error) bool { return target == streamkap.ErrValidation }

// createParams are the params that create the key the spec describes,
// with roleIDs in place of the roles (the roles as given when nil).
func (s *KeySpec) createParams(roleIDs []string, password streamkap.Secret) streamkap.CreateProjectKeyParams {
	p := streamkap.CreateProjectKeyParams{Name: s.Name}
	if d, ok := s.Description.Get(); ok {
		p.Description = d
	}
	if api, ok := s.API.Get(); ok {
		switch {
		case len(api.Permissions) > 0:
			p.PermissionIDs = api.Permissions
		case roleIDs != nil:
			p.RoleIDs = roleIDs
		case len(api.Roles) > 0:
			p.RoleIDs = api.Roles
		}
		if len(api.Roles) > 0 && len(api.Permissions) > 0 {
			p.RoleIDs = api.Roles // both: let Validate say so
		}
	}
	if kafka, ok := s.Kafka.Get(); ok {
		kc := kafka.config(password)
		p.KafkaConfig = &kc
	}
	if t := s.Tools; t != nil {
		if profile, ok := t.Profile.Get(); ok {
			p.ToolProfile = profile
		}
		if allowed, ok := t.Allowed.Get(); ok {
			p.AllowedTools = nonNil(allowed)
		}
		if blocked, ok := t.Blocked.Get(); ok {
			p.BlockedTools = nonNil(blocked)
		}
	}
	return p
}

// config is the kafka_config that creates the user, with password.
func (k *KafkaSpec) config(password streamkap.Secret) streamkap.KafkaConfig {
	kc := streamkap.KafkaConfig{Username: k.Username, Password: password, CreateSchemaRegistry: k.SchemaRegistry}
	if acls, ok := k.ACLs.Get(); ok {
		kc.KafkaACLs = kafkaACLs(acls)
	}
	if ips, ok := k.WhitelistIPs.Get(); ok {
		normalized, _ := normalizeIPs(ips)
		kc.WhitelistIPs = strings.Join(normalized, ",")
	}
	return kc
}

// kafkaACLs turns spec ACLs into the SDK's.
func kafkaACLs(acls []ACLSpec) []streamkap.KafkaACL {
	out := make([]streamkap.KafkaACL, len(acls))
	for i, a := range acls {
		out[i] = streamkap.KafkaACL{TopicName: a.Topic, Operation: a.Operation, ResourcePatternType: a.Pattern, Resource: a.Resource}
	}
	return out
}

// aclKey is an ACL in a canonical text form, for set comparison and display.
func aclKey(a streamkap.KafkaACL) string {
	resource := a.Resource
	if resource == "" {
		resource = streamkap.ResourceTopic
	}
	return fmt.Sprintf("%s %s %s %s", resource, a.ResourcePatternType, a.TopicName, a.Operation)
}

// aclKeys is a sorted, deduplicated set of ACLs in canonical form.
func aclKeys(acls []streamkap.KafkaACL) []string {
	out := make([]string, 0, len(acls))
	for _, a := range acls {
		out = append(out, aclKey(a))
	}
	return sortedSet(out)
}

// normalizeIPs returns the canonical, sorted, deduplicated form of IPs and
// CIDRs: an address is its /32 (or /128) prefix, a prefix is masked.
func normalizeIPs(ips []string) ([]string, error) {
	out := make([]string, 0, len(ips))
	for _, raw := range ips {
		s := strings.TrimSpace(raw)
		if s == "" {
			continue
		}
		var p netip.Prefix
		if addr, err := netip.ParseAddr(s); err == nil {
			p = netip.PrefixFrom(addr, addr.BitLen())
		} else if p, err = netip.ParsePrefix(s); err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR", s)
		}
		p = p.Masked()
		if p.IsSingleIP() {
			out = append(out, p.Addr().String())
		} else {
			out = append(out, p.String())
		}
	}
	return sortedSet(out), nil
}

// splitIPs reads the API's comma-separated allow-list; what does not parse
// is kept as it is, so that a difference shows.
func splitIPs(list string) []string {
	parts := strings.Split(list, ",")
	if normalized, err := normalizeIPs(parts); err == nil {
		return normalized
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return sortedSet(out)
}

// sortedSet sorts and deduplicates, never returning nil.
func sortedSet(v []string) []string {
	out := slices.Clone(v)
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// nonNil returns v, or an empty list for nil: a set list is sent as [].
func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}
