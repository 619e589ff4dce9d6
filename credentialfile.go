package streamkap

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// maxCredentialFileBytes bounds what ParseCredentialFile accepts; real files
// are a few kilobytes.
const maxCredentialFileBytes = 1 << 20

// CredentialFile is a Project Key credential file: what the API returns,
// once, when a key is created. Its API and Kafka sections hold plaintext
// secrets as [Secret] values.
type CredentialFile struct {
	ProjectKeyID string    `json:"project_key_id"`
	Type         string    `json:"type"`
	CreatedAt    Timestamp `json:"created_at"`
	CreatedBy    string    `json:"created_by"`
	// Project describes the project the key belongs to; its shape is not documented.
	Project json.RawMessage `json:"project,omitempty"`
	// API is nil for a Kafka-only key.
	API *APICredentials `json:"api"`
	// Kafka is nil for an API-only key.
	Kafka        *KafkaCredentials `json:"kafka"`
	KafkaACLs    []KafkaACL        `json:"kafka_acls"`
	ToolProfile  ToolProfile       `json:"tool_profile"`
	AllowedTools []string          `json:"allowed_tools"`
	BlockedTools []string          `json:"blocked_tools"`
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
	return &f, nil
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
