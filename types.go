package streamkap

import (
	"encoding/json"
	"math"
	"strings"
	"time"
)

// ProjectKeyStatus is the lifecycle state of a Project Key. The API treats it
// as an open string: values this SDK does not know are kept as they are.
type ProjectKeyStatus string

// Known Project Key states. The API refuses updates (HTTP 400) while a key
// is creating, deleting or delete_failed; see [ErrKeyNotReady].
const (
	StatusCreating     ProjectKeyStatus = "creating"
	StatusActive       ProjectKeyStatus = "active"
	StatusDeleting     ProjectKeyStatus = "deleting"
	StatusDeleteFailed ProjectKeyStatus = "delete_failed"
)

// ToolProfile selects which MCP tools an AI agent using the key may call.
// Values this SDK does not know are kept when decoding responses; requests
// accept only the four documented profiles.
type ToolProfile string

// The documented tool profiles.
const (
	// ToolProfileFull allows every tool.
	ToolProfileFull ToolProfile = "full"
	// ToolProfileReadOnly allows read and query tools only.
	ToolProfileReadOnly ToolProfile = "read-only"
	// ToolProfileAgentOperator allows reads plus safe operations (pause, resume, restart).
	ToolProfileAgentOperator ToolProfile = "agent-operator"
	// ToolProfileInfraAdmin allows infrastructure management without direct Kafka data access.
	ToolProfileInfraAdmin ToolProfile = "infra-admin"
)

// IsKnown reports whether p is one of the documented profiles.
func (p ToolProfile) IsKnown() bool {
	switch p {
	case ToolProfileFull, ToolProfileReadOnly, ToolProfileAgentOperator, ToolProfileInfraAdmin:
		return true
	}
	return false
}

// ACLOperation is a Kafka ACL operation such as READ or WRITE. The API takes
// any string; the constants are the documented values.
type ACLOperation string

// Documented Kafka ACL operations. TOPIC resources take all of them; GROUP
// resources take DELETE, DESCRIBE and READ.
const (
	OperationAll             ACLOperation = "ALL"
	OperationAlter           ACLOperation = "ALTER"
	OperationAlterConfigs    ACLOperation = "ALTER_CONFIGS"
	OperationCreate          ACLOperation = "CREATE"
	OperationDelete          ACLOperation = "DELETE"
	OperationDescribe        ACLOperation = "DESCRIBE"
	OperationDescribeConfigs ACLOperation = "DESCRIBE_CONFIGS"
	OperationRead            ACLOperation = "READ"
	OperationWrite           ACLOperation = "WRITE"
)

// ACLPatternType says how an ACL's name matches resources.
type ACLPatternType string

// Documented ACL pattern types.
const (
	// PatternLiteral matches the resource whose name equals the ACL's name.
	PatternLiteral ACLPatternType = "LITERAL"
	// PatternPrefixed matches every resource whose name starts with the ACL's name.
	PatternPrefixed ACLPatternType = "PREFIXED"
)

// ACLResource is the kind of Kafka resource an ACL applies to.
type ACLResource string

// Documented ACL resource kinds. The server's default is TOPIC.
const (
	ResourceTopic           ACLResource = "TOPIC"
	ResourceGroup           ACLResource = "GROUP"
	ResourceCluster         ACLResource = "CLUSTER"
	ResourceTransactionalID ACLResource = "TRANSACTIONAL_ID"
	ResourceDelegationToken ACLResource = "DELEGATION_TOKEN"
)

// KafkaACL is one Kafka access-control entry of a key's Kafka user.
//
// On the wire the API accepts the name as "topic_name" but answers with
// "name"; KafkaACL sends "topic_name" and reads either.
type KafkaACL struct {
	// TopicName is the resource name, or its prefix with PatternPrefixed.
	TopicName string `json:"topic_name"`
	// Operation is the permitted operation, e.g. OperationRead.
	Operation ACLOperation `json:"operation"`
	// ResourcePatternType is PatternLiteral or PatternPrefixed.
	ResourcePatternType ACLPatternType `json:"resource_pattern_type"`
	// Resource is the resource kind; empty means the server default (TOPIC).
	Resource ACLResource `json:"resource,omitempty"`
}

// UnmarshalJSON accepts the name under "name" (what the API returns) or
// "topic_name" (what it accepts).
func (a *KafkaACL) UnmarshalJSON(b []byte) error {
	var w aclWire
	if err := json.Unmarshal(b, &w); err != nil && !isFieldTypeError(err) {
		return err
	}
	*a = w.acl()
	return nil
}

// Role is a set of permissions that can be granted to a key's API
// credentials. Grant it by ID in [UpdateProjectKeyParams.RoleIDs].
type Role struct {
	// ID is what RoleIDs take, e.g. "role-123".
	ID string `json:"id"`
	// Key is the role's stable machine name, e.g. "DataAdmin".
	Key string `json:"key"`
	// Name is the role's display name, e.g. "Data Admin".
	Name string `json:"name"`
	// Description is empty when the role has none.
	Description string `json:"description"`
	// CreatedAt and UpdatedAt are zero when the API does not say.
	CreatedAt Timestamp `json:"created_at"`
	UpdatedAt Timestamp `json:"updated_at"`
	// Permissions are the permission ids the role grants, such as
	// "project_keys:write"; nil when the answer does not list them.
	Permissions []string `json:"permissions"`
}

// User is the person who created a key. Every field is empty when the API
// leaves it out.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	// TenantID is the Streamkap tenant (organisation) the user belongs to.
	TenantID          string `json:"tenant_id"`
	ProfilePictureURL string `json:"profile_picture_url"`
	PhoneNumber       string `json:"phone_number"`
	// CreatedAt and LastLogin are kept as the API's strings: their format
	// is not documented. LastLogin is empty when the user never logged in.
	CreatedAt string `json:"created_at"`
	LastLogin string `json:"last_login"`
}

// ProjectKey is a Project Key as the API describes it in lists and update
// responses. Secrets never appear here: the API masks them after creation.
type ProjectKey struct {
	// ID is the key's id, the project_key_id every other call takes.
	ID string `json:"id"`
	// Name is the key's name: 1 to 100 characters, not necessarily unique.
	Name string `json:"name"`
	// ServiceID is the Streamkap project (service) the key belongs to.
	ServiceID string `json:"service_id"`
	// Status is the key's lifecycle state; unknown values are kept.
	Status ProjectKeyStatus `json:"status"`
	// Description is empty when the key has none.
	Description string `json:"description"`
	// CreatedAt is zero when the API does not say.
	CreatedAt Timestamp `json:"created_at"`
	// CreatedBy is nil when the API does not say.
	CreatedBy *User `json:"created_by_user"`
	// APIClientID is empty when the key has no API access (a Kafka-only key).
	APIClientID string `json:"api_client_id"`
	// MaskedAPIClientSecret is the API's masked form of the client secret,
	// such as "abc******xyz". The plaintext is never returned after creation.
	MaskedAPIClientSecret string `json:"api_client_id_masked_secret"`
	// KafkaUsername is empty when the key has no Kafka access.
	KafkaUsername string `json:"kafka_username"`
	// Roles are the roles of the key's API credentials; empty for a key
	// without API access, or one whose access comes from permission ids.
	Roles []Role `json:"roles"`
	// LastUsedAt is when the key's credentials were last used; zero when
	// never (or when the API does not say).
	LastUsedAt Timestamp `json:"last_used_at"`
	// ToolProfile is empty when none is set. Unknown profiles are kept.
	ToolProfile ToolProfile `json:"tool_profile"`
	// AllowedTools, when non-nil, overrides the profile and the block list.
	AllowedTools []string `json:"allowed_tools"`
	// BlockedTools removes tools even when the profile allows them.
	BlockedTools []string `json:"blocked_tools"`
}

// ProjectKeyDetail is a Project Key with the details GET
// /project-keys/{id} adds to the summary.
type ProjectKeyDetail struct {
	ProjectKey
	// KafkaACLs are the ACLs of the key's Kafka user.
	KafkaACLs []KafkaACL `json:"kafka_acls"`
	// WhitelistIPs is the Kafka user's comma-separated IP allow-list; empty allows any IP.
	WhitelistIPs string `json:"whitelist_ips"`
	// KafkaProxyEndpoint is the Kafka proxy, as host:port.
	KafkaProxyEndpoint string `json:"kafka_proxy_endpoint"`
	// SchemaProxyEndpoint is the Schema Registry proxy, as host:port.
	SchemaProxyEndpoint string `json:"schema_proxy_endpoint"`
	// TokenTTL is the lifetime of the key's JWTs (the tenant's setting): a
	// role change reaches a caller holding a JWT within this time. Zero when
	// the server did not say. In JSON it is token_ttl_seconds, as the API
	// sends it.
	TokenTTL time.Duration `json:"-"`
}

// UnmarshalJSON decodes the API's shape, token_ttl_seconds included. A
// lifetime that is negative or does not fit a time.Duration is zero.
func (d *ProjectKeyDetail) UnmarshalJSON(b []byte) error {
	var a detailAnswer
	err := json.Unmarshal(b, &a)
	if err != nil && !isFieldTypeError(err) {
		return err
	}
	*d = *a.detail()
	return err // a field of the wrong type: the caller skips it and keeps the rest
}

// ttlFromSeconds reads token_ttl_seconds: zero when absent, negative or
// too large for a time.Duration.
func ttlFromSeconds(secs *float64) time.Duration {
	if secs == nil || !(*secs > 0 && *secs < float64(math.MaxInt64/time.Second)) {
		return 0
	}
	return time.Duration(*secs * float64(time.Second))
}

// HasAPIAccess reports whether the key has API credentials.
func (k *ProjectKey) HasAPIAccess() bool { return k.APIClientID != "" }

// HasKafkaAccess reports whether the key has a Kafka user.
func (k *ProjectKey) HasKafkaAccess() bool { return k.KafkaUsername != "" }

// APICredentials are API credentials delivered once, in plaintext: when a
// key is created with API access, or when an update adds API access to a
// Kafka-only key. Store ClientSecret before doing anything else; the API
// never shows it again.
type APICredentials struct {
	// ClientID is sent, with ClientSecret, to the token endpoint.
	ClientID string `json:"client_id"`
	// ClientSecret is the plaintext secret, shown this once.
	ClientSecret Secret `json:"client_secret"`
	// TokenEndpoint is the URL the credentials are exchanged at, as the API
	// gives it. The SDK does not trust it: a client exchanges them at its
	// own base URL.
	TokenEndpoint string `json:"token_endpoint"`
	// APIURL is the API's base URL, as the API gives it.
	APIURL string `json:"api_url"`
	// Roles are role names or keys, as the API lists them here.
	Roles []string `json:"roles"`
}

// KafkaCredentials are Kafka credentials delivered once, in plaintext: when
// a key is created with Kafka access, or when an update adds Kafka access to
// an API-only key. Store Password before doing anything else; the API never
// shows it again.
type KafkaCredentials struct {
	// Username is the SASL username.
	Username string `json:"username"`
	// Password is the SASL password in plaintext.
	Password Secret `json:"password"`
	// BootstrapServers is the Kafka proxy's host:port list, comma-separated;
	// empty when the answer does not give it.
	BootstrapServers string `json:"bootstrap_servers"`
	// SecurityProtocol is the Kafka client's security.protocol, e.g. "SASL_SSL".
	SecurityProtocol string `json:"security_protocol"`
	// SASLMechanism is the Kafka client's sasl.mechanism, e.g. "PLAIN";
	// use the value given, not a constant.
	SASLMechanism string `json:"sasl_mechanism"`
	// SchemaRegistryURL is empty unless the key has Schema Registry access.
	SchemaRegistryURL string `json:"schema_registry_url"`
}

// Timestamp is a time from the API. It decodes RFC 3339 times, the API's
// timezone-less ISO 8601 times (read as UTC), and null or an empty string
// (the zero time). An unreadable time decodes as the zero time rather than
// failing the whole response: a response carrying a shown-once secret must
// never be lost to a date format.
type Timestamp struct {
	time.Time
	// text is the API's own text for the time it decoded, JSON quotes
	// included, when Go would write it otherwise; MarshalJSON writes it
	// back while Time is unchanged, so a value marshalled is what the API
	// sent.
	text string
}

// timestampLayouts are tried in order: RFC 3339 (Go, and Python with a
// timezone), then Python's naive isoformat() and its space-separated form.
// time.Parse accepts a fractional second after the seconds field even when
// the layout has none, so microseconds need no layouts of their own.
var timestampLayouts = [...]string{
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

// keep sets the time, and keeps the API's text when Go would write it
// otherwise (b is a JSON string, checked by the decoder that passed it).
// Go writes RFC 3339 only, so a text in another layout is kept without
// formatting the time to compare.
func (t *Timestamp) keep(v time.Time, b []byte, layout string) {
	t.Time = v
	if layout != time.RFC3339 {
		t.text = string(b)
		return
	}
	var buf [64]byte
	if formatted := v.AppendFormat(append(buf[:0], '"'), time.RFC3339Nano); string(append(formatted, '"')) != string(b) {
		t.text = string(b)
	}
}

// keptTime is the time a kept text says (zero if none).
func keptTime(text string) time.Time {
	var t Timestamp
	_ = t.UnmarshalJSON([]byte(text))
	return t.Time
}

// timestampLayoutOf guesses which of timestampLayouts s has: a 'T' or a
// space after the date, a zone or none.
func timestampLayoutOf(s string) string {
	if len(s) == len("2006-01-02") {
		return timestampLayouts[4]
	}
	if len(s) < len("2006-01-02T15:04:05") {
		return ""
	}
	zoned := strings.HasSuffix(s, "Z") || strings.LastIndexAny(s, "+-") > len("2006-01-02T15")
	switch {
	case s[10] == 'T' && zoned:
		return timestampLayouts[0]
	case s[10] == 'T':
		return timestampLayouts[1]
	case s[10] == ' ' && zoned:
		return timestampLayouts[2]
	case s[10] == ' ':
		return timestampLayouts[3]
	}
	return ""
}

// UnmarshalJSON implements the tolerant decoding described on [Timestamp].
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	*t = Timestamp{}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return nil // null, a number or garbage: the zero time
	}
	if v, layout, ok := parseTimestampFast(b[1 : len(b)-1]); ok {
		t.keep(v, b, layout)
		return nil
	}
	if v, layout, ok := parseTimestampText(strings.TrimSpace(string(b[1 : len(b)-1]))); ok {
		t.keep(v, b, layout)
	}
	return nil
}

// parseTimestampFast reads the two forms the API sends, RFC 3339 and
// Python's naive isoformat() (read as UTC, as a "Z" says), with the
// standard library's strict RFC 3339 parser: it works on the bytes and
// costs a fraction of time.Parse with a layout, which a list of keys pays
// several times a key. What it refuses goes to parseTimestampText, which
// gives the same time for whatever this accepts (FuzzTimestamp).
func parseTimestampFast(s []byte) (v time.Time, layout string, ok bool) {
	const naiveLen = len("2006-01-02T15:04:05")
	if len(s) < naiveLen || s[10] != 'T' {
		return v, "", false
	}
	if last := s[len(s)-1]; last == 'Z' || (len(s) >= naiveLen+6 && (s[len(s)-6] == '+' || s[len(s)-6] == '-')) {
		return v, time.RFC3339, v.UnmarshalText(s) == nil
	}
	var buf [48]byte
	if len(s) >= len(buf) {
		return v, "", false
	}
	return v, timestampLayouts[1], v.UnmarshalText(append(append(buf[:0], s...), 'Z')) == nil
}

// parseTimestampText reads any of timestampLayouts, trying first the one
// the text seems to have: a failed parse costs more than the parse.
func parseTimestampText(s string) (time.Time, string, bool) {
	if layout := timestampLayoutOf(s); layout != "" {
		if v, err := time.Parse(layout, s); err == nil {
			return v, layout, true
		}
	}
	for _, layout := range timestampLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			return v, layout, true
		}
	}
	return time.Time{}, "", false
}

// MarshalJSON writes the API's own text for a time it decoded and that
// was not changed since, RFC 3339 for any other time, and null for the
// zero time.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	switch {
	case t.IsZero():
		return []byte("null"), nil
	case t.text != "" && t.Time.Equal(keptTime(t.text)):
		return []byte(t.text), nil
	}
	return t.Time.MarshalJSON()
}
