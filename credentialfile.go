package streamkap

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/streamkap-go/streamkap/internal/securefile"
)

// maxCredentialFileBytes bounds what ParseCredentialFile accepts; real files
// are a few kilobytes.
const maxCredentialFileBytes = 1 << 20

// CredentialFileType is the Type of a Project Key credential file.
const CredentialFileType = "streamkap_project_key"

// CredentialFile is a Project Key credential file: what the API returns,
// once, when a key is created. Its API and Kafka sections hold plaintext
// secrets as [Secret] values.
type CredentialFile struct {
	// ProjectKeyID is the new key's id.
	ProjectKeyID string `json:"project_key_id"`
	// Type is the file's kind, [CredentialFileType].
	Type string `json:"type"`
	// CreatedAt is zero when the file does not say.
	CreatedAt Timestamp `json:"created_at"`
	// CreatedBy names the creator (an id or an email; the API does not say which).
	CreatedBy string `json:"created_by"`
	// Project describes the project the key belongs to; its shape is not documented.
	Project json.RawMessage `json:"project,omitempty"`
	// API is nil for a Kafka-only key.
	API *APICredentials `json:"api"`
	// Kafka is nil for an API-only key.
	Kafka *KafkaCredentials `json:"kafka"`
	// KafkaACLs are the Kafka user's ACLs; empty for an API-only key.
	KafkaACLs []KafkaACL `json:"kafka_acls"`
	// ToolProfile, AllowedTools and BlockedTools are the key's MCP tool
	// scoping; empty or nil when not set.
	ToolProfile  ToolProfile `json:"tool_profile"`
	AllowedTools []string    `json:"allowed_tools"`
	BlockedTools []string    `json:"blocked_tools"`

	// raw is the file exactly as the API delivered it (or as it was parsed),
	// held as a Secret because it carries the plaintext secrets; RevealJSON
	// keeps from it the members the typed fields do not model.
	raw Secret
}

// errCredentialFileFormat is returned for content that is neither JSON nor
// base64-encoded JSON. Parse errors never quote the content: it holds secrets.
var errCredentialFileFormat = errors.New("a credential file must be a JSON object, raw or base64-encoded")

// ParseCredentialFile reads a credential file given as raw JSON or as
// base64-encoded JSON (both forms the API and its token endpoint accept).
func ParseCredentialFile(data []byte) (*CredentialFile, error) {
	if len(data) > maxCredentialFileBytes {
		return nil, fmt.Errorf("the credential file is larger than %d bytes", maxCredentialFileBytes)
	}
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] != '{' {
		decoded, ok := decodeBase64(data)
		if !ok {
			return nil, errCredentialFileFormat
		}
		data = bytes.TrimSpace(decoded)
	}
	if len(data) == 0 || data[0] != '{' {
		return nil, errCredentialFileFormat
	}
	var f CredentialFile
	if err := json.Unmarshal(data, &f); err != nil && !isFieldTypeError(err) {
		return nil, errCredentialFileFormat
	}
	f.raw = NewSecret(string(data))
	return &f, nil
}

// RevealJSON returns the credential file as JSON with its secrets in
// plaintext. It encodes the typed fields as they stand, so an edit (a
// rotated Kafka password, say) is saved; members the SDK does not model,
// at the top level and inside "api" and "kafka", are kept as the API
// delivered them (or as they were parsed).
func (f *CredentialFile) RevealJSON() ([]byte, error) {
	typed, err := f.typedJSON()
	if err != nil || f.raw.IsZero() {
		return typed, err
	}
	original := []byte(f.raw.Reveal())
	defer clear(original)
	merged, err := mergeUnmodelled(typed, original)
	clear(typed)
	return merged, err
}

// mergeUnmodelled adds to the typed encoding the members of the original
// it lacks, one level deep in the "api" and "kafka" sections.
func mergeUnmodelled(typed, original []byte) ([]byte, error) {
	var out, orig map[string]json.RawMessage
	if err := json.Unmarshal(typed, &out); err != nil {
		return nil, err
	}
	if json.Unmarshal(original, &orig) != nil {
		return typed, nil // nothing to keep from an original that is not an object
	}
	for name, value := range orig {
		typedValue, modelled := out[name]
		switch {
		case !modelled:
			out[name] = value
		case name == "api" || name == "kafka":
			var section, origSection map[string]json.RawMessage
			if json.Unmarshal(typedValue, &section) != nil || section == nil || json.Unmarshal(value, &origSection) != nil {
				continue // a section the caller removed stays removed
			}
			for k, v := range origSection {
				if _, ok := section[k]; !ok {
					section[k] = v
				}
			}
			encoded, err := json.Marshal(section)
			if err != nil {
				return nil, err
			}
			out[name] = encoded
		}
	}
	return json.Marshal(out)
}

// typedJSON encodes the typed fields in the API's shape.
func (f *CredentialFile) typedJSON() ([]byte, error) {
	type plain struct {
		ClientID      string   `json:"client_id"`
		ClientSecret  string   `json:"client_secret"`
		TokenEndpoint string   `json:"token_endpoint"`
		APIURL        string   `json:"api_url"`
		Roles         []string `json:"roles"`
	}
	type plainKafka struct {
		Username          string `json:"username"`
		Password          string `json:"password"`
		BootstrapServers  string `json:"bootstrap_servers"`
		SecurityProtocol  string `json:"security_protocol"`
		SASLMechanism     string `json:"sasl_mechanism"`
		SchemaRegistryURL string `json:"schema_registry_url"`
	}
	out := struct {
		ProjectKeyID string          `json:"project_key_id"`
		Project      json.RawMessage `json:"project,omitempty"`
		CreatedAt    *Timestamp      `json:"created_at,omitempty"`
		Type         string          `json:"type"`
		API          *plain          `json:"api"`
		Kafka        *plainKafka     `json:"kafka"`
		KafkaACLs    []aclOut        `json:"kafka_acls"`
		ToolProfile  *ToolProfile    `json:"tool_profile"`
		AllowedTools []string        `json:"allowed_tools"`
		BlockedTools []string        `json:"blocked_tools"`
		CreatedBy    string          `json:"created_by,omitempty"`
	}{ProjectKeyID: f.ProjectKeyID, Project: f.Project, Type: f.Type, AllowedTools: f.AllowedTools, BlockedTools: f.BlockedTools, CreatedBy: f.CreatedBy}
	if !f.CreatedAt.IsZero() {
		out.CreatedAt = &f.CreatedAt
	}
	if f.API != nil {
		out.API = &plain{f.API.ClientID, f.API.ClientSecret.Reveal(), f.API.TokenEndpoint, f.API.APIURL, f.API.Roles}
	}
	if k := f.Kafka; k != nil {
		out.Kafka = &plainKafka{k.Username, k.Password.Reveal(), k.BootstrapServers, k.SecurityProtocol, k.SASLMechanism, k.SchemaRegistryURL}
	}
	if f.ToolProfile != "" {
		out.ToolProfile = &f.ToolProfile
	}
	out.KafkaACLs = aclsOut(f.KafkaACLs)
	if out.KafkaACLs == nil {
		out.KafkaACLs = []aclOut{}
	}
	return json.Marshal(out)
}

// aclOut is an ACL in the API's answer shape (the name under "name").
type aclOut struct {
	Name        string `json:"name"`
	Operation   string `json:"operation"`
	PatternType string `json:"resource_pattern_type"`
	Resource    string `json:"resource,omitempty"`
}

// WriteFile writes the credential file to path, readable by its owner
// only (mode 0600), replacing any file there atomically: the content goes
// to a temporary file in the same directory, which is then renamed. The
// bytes are those of [CredentialFile.RevealJSON]: the fields as they stand,
// edits included. Load it back with [WithCredentialFile] or
// [ParseCredentialFile].
func (f *CredentialFile) WriteFile(path string) error {
	data, err := f.RevealJSON()
	if err != nil {
		return fmt.Errorf("streamkap: encoding the credential file: %w", err)
	}
	defer clear(data)
	if err := securefile.Write(path, data); err != nil {
		return fmt.Errorf("streamkap: writing the credential file: %w", err)
	}
	return nil
}

// decodeBase64 accepts standard and URL-safe base64, padded or not.
func decodeBase64(data []byte) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		out := make([]byte, enc.DecodedLen(len(data)))
		if n, err := enc.Decode(out, data); err == nil {
			return out[:n], true
		}
	}
	return nil, false
}
