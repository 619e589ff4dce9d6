package streamkap

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// An update's params, their validation and their wire encoding.

// UpdateProjectKeyParams are the changes [ProjectKeysService.Update] sends.
// Every field is optional and only the fields set are sent: the zero value
// of [Optional] and [Nullable] leaves a field out. Fields of type [Nullable]
// can also be cleared with [Null]. A list set to an empty slice is sent as
// [], which is different from leaving it out.
//
// role_ids, permission_ids and kafka_config can add credentials whose secret
// the API shows only once, so an Update carrying any of them is never sent
// twice unless the first attempt provably did not leave the client (see
// [ErrOutcomeUnknown]).
type UpdateProjectKeyParams struct {
	// Name renames the key: 1 to 100 characters.
	Name Optional[string] `json:"name,omitzero"`
	// Description replaces the description; Null clears it. The server
	// sanitizes HTML in it.
	Description Nullable[string] `json:"description,omitzero"`
	// RoleIDs replaces the roles of the key's API credentials (at least one
	// id; ids come from [RolesService.List], or use
	// [ProjectKeysService.SetRoles] with names). On a Kafka-only key it adds
	// API access, and the result's NewAPICredentials holds the new secret;
	// that makes an update with RoleIDs unsafe to resend, so SetRoles is the
	// way to change the roles of a key that has API access. A role change
	// reaches tokens already issued when they expire ([ProjectKeyDetail.TokenTTL]).
	// Mutually exclusive with PermissionIDs.
	RoleIDs Optional[[]string] `json:"role_ids,omitzero"`
	// PermissionIDs adds API access to a Kafka-only key with these
	// permissions (at least one). The API accepts it only while the key has
	// no API credentials. Mutually exclusive with RoleIDs.
	PermissionIDs Optional[[]string] `json:"permission_ids,omitzero"`
	// KafkaACLs replaces the ACLs of the key's Kafka user; an empty list
	// removes them all.
	KafkaACLs Optional[[]KafkaACL] `json:"kafka_acls,omitzero"`
	// WhitelistIPs replaces the Kafka user's IP allow-list: comma-separated
	// IPs or CIDRs; the empty string allows any IP.
	WhitelistIPs Optional[string] `json:"whitelist_ips,omitzero"`
	// KafkaConfig adds Kafka access to a key that has none; the result's
	// NewKafkaCredentials holds the new credentials. Not together with
	// KafkaPassword.
	KafkaConfig Optional[KafkaConfig] `json:"kafka_config,omitzero"`
	// KafkaPassword rotates the password of the key's existing Kafka user:
	// 12 to 128 characters. Not together with KafkaConfig.
	KafkaPassword Optional[Secret] `json:"kafka_password,omitzero"`
	// ToolProfile sets the MCP tool profile; Null clears it.
	ToolProfile Nullable[ToolProfile] `json:"tool_profile,omitzero"`
	// AllowedTools sets the MCP tool allow-list, which overrides the profile
	// and the block list; Null clears it.
	AllowedTools Nullable[[]string] `json:"allowed_tools,omitzero"`
	// BlockedTools sets the MCP tool block-list; Null clears it.
	BlockedTools Nullable[[]string] `json:"blocked_tools,omitzero"`
}

// KafkaConfig describes the Kafka user to create when adding Kafka access.
// Empty optional fields are left out and take the server's defaults.
type KafkaConfig struct {
	// Username is the SASL username, required: 3 to 24 lowercase letters,
	// digits or '-', not starting or ending with '-'. (The rule of
	// Streamkap's Terraform provider; the Project Keys reference states none.)
	Username string `json:"username,omitzero"`
	// Password is the SASL password, 12 to 128 characters. When zero, the
	// SDK generates one ([GeneratePassword]) and sends it: a Kafka password
	// is always chosen client-side, so the caller holds it even when the
	// answer is lost (see [KafkaOutcomeUnknownError]).
	Password Secret `json:"password,omitzero"`
	// WhitelistIPs is a comma-separated IP/CIDR allow-list; empty allows any IP.
	WhitelistIPs string `json:"whitelist_ips,omitzero"`
	// KafkaACLs are the user's ACLs. A nil slice is left out; an empty one is sent as [].
	KafkaACLs []KafkaACL `json:"kafka_acls,omitzero"`
	// CreateSchemaRegistry also provisions Schema Registry access.
	CreateSchemaRegistry bool `json:"is_create_schema_registry,omitzero"`
}

// addsCapability reports whether the update may add credentials whose
// secret is shown once, which makes it unsafe to send twice.
func (p *UpdateProjectKeyParams) addsCapability() bool {
	return p.RoleIDs.IsSet() || p.PermissionIDs.IsSet() || p.KafkaConfig.IsSet()
}

// onlyRoleChange reports whether role_ids is the only capability-bearing
// field, which on a key with API access is a plain role change.
func (p *UpdateProjectKeyParams) onlyRoleChange() bool {
	return p.RoleIDs.IsSet() && !p.PermissionIDs.IsSet() && !p.KafkaConfig.IsSet()
}

// secrets lists the plaintexts the request will carry.
func (p *UpdateProjectKeyParams) secrets() []string {
	var out []string
	if pw, ok := p.KafkaPassword.Get(); ok && !pw.IsZero() {
		out = append(out, pw.Reveal())
	}
	if kc, ok := p.KafkaConfig.Get(); ok && !kc.Password.IsZero() {
		out = append(out, kc.Password.Reveal())
	}
	return out
}

// updateWire is an update's wire body.
type updateWire struct {
	Name          *string          `json:"name,omitempty"`
	Description   any              `json:"description,omitempty"`
	RoleIDs       *[]string        `json:"role_ids,omitempty"`
	PermissionIDs *[]string        `json:"permission_ids,omitempty"`
	KafkaACLs     *[]KafkaACL      `json:"kafka_acls,omitempty"`
	WhitelistIPs  *string          `json:"whitelist_ips,omitempty"`
	KafkaConfig   *kafkaConfigWire `json:"kafka_config,omitempty"`
	KafkaPassword string           `json:"kafka_password,omitempty"`
	ToolProfile   any              `json:"tool_profile,omitempty"`
	AllowedTools  any              `json:"allowed_tools,omitempty"`
	BlockedTools  any              `json:"blocked_tools,omitempty"`
}

// encodeUpdate returns an update's wire body.
func encodeUpdate(p *UpdateProjectKeyParams) ([]byte, error) {
	w := updateWire{
		Name:          optional(&p.Name),
		Description:   nullable(&p.Description),
		RoleIDs:       optionalList(&p.RoleIDs),
		PermissionIDs: optionalList(&p.PermissionIDs),
		KafkaACLs:     optionalList(&p.KafkaACLs),
		WhitelistIPs:  optional(&p.WhitelistIPs),
		ToolProfile:   nullable(&p.ToolProfile),
		AllowedTools:  nullableList(&p.AllowedTools),
		BlockedTools:  nullableList(&p.BlockedTools),
	}
	if p.KafkaConfig.set {
		w.KafkaConfig = kafkaWire(&p.KafkaConfig.value)
	}
	if pw, ok := p.KafkaPassword.Get(); ok {
		w.KafkaPassword = pw.Reveal()
	}
	return json.Marshal(&w)
}

// Limits the API documents for Update.
const (
	maxNameRunes          = 100
	minKafkaPasswordRunes = 12
	maxKafkaPasswordRunes = 128
)

// validate checks every rule the API documents that needs no server state,
// and reports all problems at once, in the name of operation.
func (p *UpdateProjectKeyParams) validate(operation, projectKeyID string) error {
	var v validator
	if problem, ok := checkKeyID(projectKeyID); !ok {
		v.add(problem)
	}
	if !p.anySet() {
		v.add(FieldError{Loc: []string{"body"}, Msg: "set at least one field to update", Type: "missing"})
	}
	if name, ok := p.Name.Get(); ok {
		v.length("body.name", name, 1, maxNameRunes)
	}
	if p.RoleIDs.IsSet() && p.PermissionIDs.IsSet() {
		v.add(errRolesAndPermissions())
	}
	if ids, ok := p.RoleIDs.Get(); ok {
		v.ids("body.role_ids", ids, 1)
	}
	if ids, ok := p.PermissionIDs.Get(); ok {
		v.ids("body.permission_ids", ids, 1)
	}
	if acls, ok := p.KafkaACLs.Get(); ok {
		v.acls("body.kafka_acls", acls)
	}
	if kc, ok := p.KafkaConfig.Get(); ok {
		v.kafkaConfig("body.kafka_config", &kc)
		if p.KafkaPassword.IsSet() {
			v.add(FieldError{Loc: []string{"body", "kafka_password"}, Msg: "kafka_config adds a Kafka user and kafka_password rotates an existing one's password: send them in separate updates", Type: "mutually_exclusive"})
		}
	}
	if pw, ok := p.KafkaPassword.Get(); ok {
		// Only the length is reported: a message never quotes a password.
		v.length("body.kafka_password", pw.Reveal(), minKafkaPasswordRunes, maxKafkaPasswordRunes)
	}
	if profile, ok := p.ToolProfile.Get(); ok && !profile.IsKnown() {
		v.add(errUnknownToolProfile())
	}
	if tools, ok := p.AllowedTools.Get(); ok {
		v.ids("body.allowed_tools", tools, 0)
	}
	if tools, ok := p.BlockedTools.Get(); ok {
		v.ids("body.blocked_tools", tools, 0)
	}
	return v.err(operation)
}

func (p *UpdateProjectKeyParams) anySet() bool {
	return p.Name.IsSet() || p.Description.IsSet() || p.RoleIDs.IsSet() || p.PermissionIDs.IsSet() ||
		p.KafkaACLs.IsSet() || p.WhitelistIPs.IsSet() || p.KafkaConfig.IsSet() || p.KafkaPassword.IsSet() ||
		p.ToolProfile.IsSet() || p.AllowedTools.IsSet() || p.BlockedTools.IsSet()
}

// errRolesAndPermissions and errUnknownToolProfile are field problems more
// than one operation reports; each call returns a fresh value.
func errRolesAndPermissions() FieldError {
	return FieldError{Loc: []string{"body", "permission_ids"}, Msg: "role_ids and permission_ids are mutually exclusive: set one", Type: "mutually_exclusive"}
}

func errUnknownToolProfile() FieldError {
	return FieldError{Loc: []string{"body", "tool_profile"}, Msg: "must be one of full, read-only, agent-operator, infra-admin", Type: "enum"}
}

// validator collects field problems in the order they are found.
type validator struct{ fields []FieldError }

func (v *validator) add(f FieldError) { v.fields = append(v.fields, f) }

func (v *validator) err(operation string) error {
	if len(v.fields) == 0 {
		return nil
	}
	return &ValidationError{Operation: operation, Fields: v.fields}
}

// The validator's checks name a field by its dotted location
// ("body.kafka_config.password"), split into a FieldError's Loc only when
// there is a problem: a valid request costs no allocation.

// length checks a string's length in characters, as the API counts them.
func (v *validator) length(field string, s string, lo, hi int) {
	switch n := utf8.RuneCountInString(s); {
	case n < lo:
		v.add(FieldError{Loc: fieldLoc(field), Msg: "must have at least " + count(lo, "character") + ", has " + strconv.Itoa(n), Type: "string_too_short"})
	case n > hi:
		v.add(FieldError{Loc: fieldLoc(field), Msg: "must have at most " + count(hi, "character") + ", has " + strconv.Itoa(n), Type: "string_too_long"})
	}
}

// ids checks a list of identifiers: at least minItems, none empty.
func (v *validator) ids(field string, ids []string, minItems int) {
	if len(ids) < minItems {
		v.add(FieldError{Loc: fieldLoc(field), Msg: "must have at least " + count(minItems, "item"), Type: "too_short"})
	}
	for i, id := range ids {
		if id == "" {
			v.add(FieldError{Loc: fieldLoc(field, strconv.Itoa(i)), Msg: "must not be empty", Type: "string_too_short"})
		}
	}
}

// acls checks that every ACL names a resource, an operation and a
// pattern type.
func (v *validator) acls(field string, acls []KafkaACL) {
	for i, a := range acls {
		if a.TopicName == "" {
			v.add(FieldError{Loc: fieldLoc(field, strconv.Itoa(i), "topic_name"), Msg: "must not be empty", Type: "missing"})
		}
		if a.Operation == "" {
			v.add(FieldError{Loc: fieldLoc(field, strconv.Itoa(i), "operation"), Msg: "must not be empty", Type: "missing"})
		}
		if a.ResourcePatternType == "" {
			v.add(FieldError{Loc: fieldLoc(field, strconv.Itoa(i), "resource_pattern_type"), Msg: "must not be empty (LITERAL or PREFIXED)", Type: "missing"})
		}
	}
}

// kafkaConfig checks a Kafka user to create. A zero password is allowed:
// the SDK generates one before sending.
func (v *validator) kafkaConfig(field string, kc *KafkaConfig) {
	if !validKafkaUsername(kc.Username) {
		v.add(FieldError{Loc: fieldLoc(field, "username"),
			Msg:  kafkaUsernameRule,
			Type: "string_pattern_mismatch"})
	}
	if !kc.Password.IsZero() {
		// Only the length is reported: a message never quotes a password.
		v.length(field+".password", kc.Password.Reveal(), minKafkaPasswordRunes, maxKafkaPasswordRunes)
	}
	v.acls(field+".kafka_acls", kc.KafkaACLs)
}

// fieldLoc is a dotted field location, and more, as a FieldError's Loc.
func fieldLoc(field string, more ...string) []string {
	return append(strings.Split(field, "."), more...)
}

// The Kafka username rule is Streamkap's Terraform provider's (its
// kafka_user resource): 3 to 24 lowercase letters, digits or '-', not
// starting or ending with '-'. The Project Keys docs do not state one.
const (
	minKafkaUsernameLen = 3
	maxKafkaUsernameLen = 24
)

// kafkaUsernameRule is the rule in words, for errors and help.
var kafkaUsernameRule = "must be " + strconv.Itoa(minKafkaUsernameLen) + " to " + strconv.Itoa(maxKafkaUsernameLen) +
	" lowercase letters, digits or '-', not starting or ending with '-'"

func validKafkaUsername(name string) bool {
	if len(name) < minKafkaUsernameLen || len(name) > maxKafkaUsernameLen || name[0] == '-' || name[len(name)-1] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// count writes "1 item", "2 items".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
