package streamkap

import (
	"encoding/json"
)

// The types below marshal in the API's own shapes, so that a value
// marshalled is what the API sent: members the API sends as null when
// they are empty (a Kafka-only key's api_client_id, a cleared
// description, ...) are null, a key's ACLs have their name under "name",
// and times are the API's own text. Decoding needs no help: null and "" both read
// as empty.

// nullIfEmpty is nil for "", for members the API sends as null.
func nullIfEmpty[T ~string](s T) *T {
	if s == "" {
		return nil
	}
	return &s
}

// projectKeyJSON is a ProjectKey in the API's shape.
type projectKeyJSON struct {
	ID                    string           `json:"id"`
	Name                  string           `json:"name"`
	ServiceID             string           `json:"service_id"`
	Status                ProjectKeyStatus `json:"status"`
	Description           *string          `json:"description"`
	CreatedAt             Timestamp        `json:"created_at"`
	CreatedBy             *User            `json:"created_by_user"`
	APIClientID           *string          `json:"api_client_id"`
	MaskedAPIClientSecret *string          `json:"api_client_id_masked_secret"`
	KafkaUsername         *string          `json:"kafka_username"`
	Roles                 []Role           `json:"roles"`
	LastUsedAt            Timestamp        `json:"last_used_at"`
	ToolProfile           *ToolProfile     `json:"tool_profile"`
	AllowedTools          []string         `json:"allowed_tools"`
	BlockedTools          []string         `json:"blocked_tools"`
}

func (k *ProjectKey) apiJSON() projectKeyJSON {
	return projectKeyJSON{
		ID: k.ID, Name: k.Name, ServiceID: k.ServiceID, Status: k.Status, Description: nullIfEmpty(k.Description),
		CreatedAt: k.CreatedAt, CreatedBy: k.CreatedBy, APIClientID: nullIfEmpty(k.APIClientID),
		MaskedAPIClientSecret: nullIfEmpty(k.MaskedAPIClientSecret), KafkaUsername: nullIfEmpty(k.KafkaUsername),
		Roles: k.Roles, LastUsedAt: k.LastUsedAt, ToolProfile: nullIfEmpty(k.ToolProfile),
		AllowedTools: k.AllowedTools, BlockedTools: k.BlockedTools,
	}
}

// MarshalJSON encodes the key in the API's shape.
func (k ProjectKey) MarshalJSON() ([]byte, error) { return json.Marshal(k.apiJSON()) }

// MarshalJSON encodes the key in the API's shape, TokenTTL as
// token_ttl_seconds, so that a key marshalled and read back is the same.
func (d ProjectKeyDetail) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		projectKeyJSON
		KafkaACLs           []aclOut `json:"kafka_acls"`
		WhitelistIPs        *string  `json:"whitelist_ips"`
		KafkaProxyEndpoint  *string  `json:"kafka_proxy_endpoint"`
		SchemaProxyEndpoint *string  `json:"schema_proxy_endpoint"`
		TokenTTLSeconds     *float64 `json:"token_ttl_seconds,omitempty"`
	}{d.apiJSON(), aclsOut(d.KafkaACLs), whitelistJSON(&d), nullIfEmpty(d.KafkaProxyEndpoint),
		nullIfEmpty(d.SchemaProxyEndpoint), ttlSeconds(d.TokenTTL)})
}

// MarshalJSON encodes the result in the API's shape, TokenTTL as
// token_ttl_seconds; the new credentials' secrets are redacted, as
// everywhere.
func (r UpdateProjectKeyResult) MarshalJSON() ([]byte, error) {
	warnings := r.Warnings
	if warnings == nil {
		warnings = []string{}
	}
	return json.Marshal(struct {
		projectKeyJSON
		NewAPICredentials   *APICredentials   `json:"new_api_credentials"`
		NewKafkaCredentials *KafkaCredentials `json:"new_kafka_credentials"`
		TokenTTLSeconds     *float64          `json:"token_ttl_seconds,omitempty"`
		Warnings            []string          `json:"warnings"`
	}{r.apiJSON(), r.NewAPICredentials, r.NewKafkaCredentials, ttlSeconds(r.TokenTTL), warnings})
}

// whitelistJSON is null for a key without a Kafka user; for one with a
// user, "" is its allow-list (any IP), not null.
func whitelistJSON(d *ProjectKeyDetail) *string {
	if d.WhitelistIPs == "" && !d.HasKafkaAccess() {
		return nil
	}
	return &d.WhitelistIPs
}

// aclsOut are ACLs as the API answers them, the name under "name" (a
// KafkaACL marshals as requests send it, under "topic_name"; both decode).
func aclsOut(acls []KafkaACL) []aclOut {
	if acls == nil {
		return nil
	}
	out := make([]aclOut, len(acls))
	for i, a := range acls {
		out[i] = aclOut{a.TopicName, string(a.Operation), string(a.ResourcePatternType), string(a.Resource)}
	}
	return out
}

// ttlSeconds is token_ttl_seconds, nil (left out) for zero.
func ttlSeconds(d interface{ Seconds() float64 }) *float64 {
	secs := d.Seconds()
	if secs <= 0 {
		return nil
	}
	return &secs
}

// MarshalJSON encodes the role in the API's shape (a missing description
// is null).
func (r Role) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID          string    `json:"id"`
		Key         string    `json:"key"`
		Name        string    `json:"name"`
		Description *string   `json:"description"`
		CreatedAt   Timestamp `json:"created_at"`
		UpdatedAt   Timestamp `json:"updated_at"`
		Permissions []string  `json:"permissions"`
	}{r.ID, r.Key, r.Name, nullIfEmpty(r.Description), r.CreatedAt, r.UpdatedAt, r.Permissions})
}

// MarshalJSON encodes the user in the API's shape: the profile fields the
// user has not filled in are null.
func (u User) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID                string  `json:"id"`
		Email             string  `json:"email"`
		Name              string  `json:"name"`
		TenantID          string  `json:"tenant_id"`
		ProfilePictureURL *string `json:"profile_picture_url"`
		PhoneNumber       *string `json:"phone_number"`
		CreatedAt         string  `json:"created_at"`
		LastLogin         *string `json:"last_login"`
	}{u.ID, u.Email, u.Name, u.TenantID, nullIfEmpty(u.ProfilePictureURL), nullIfEmpty(u.PhoneNumber), u.CreatedAt, nullIfEmpty(u.LastLogin)})
}

// MarshalJSON encodes the config in the API's shape.
func (c MCPConfig) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ProjectKeyID  string       `json:"project_key_id"`
		TenantID      string       `json:"tenant_id"`
		ServiceID     string       `json:"service_id"`
		KafkaUsername *string      `json:"kafka_username"`
		ToolProfile   *ToolProfile `json:"tool_profile"`
		AllowedTools  []string     `json:"allowed_tools"`
		BlockedTools  []string     `json:"blocked_tools"`
	}{c.ProjectKeyID, c.TenantID, c.ServiceID, nullIfEmpty(c.KafkaUsername), nullIfEmpty(c.ToolProfile), c.AllowedTools, c.BlockedTools})
}
