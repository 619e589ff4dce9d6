package declarative

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// KubernetesSecret renders shown-once secrets as v1 Secret manifests, in
// JSON, which kubectl apply -f takes. The Secret is of type Opaque; its
// data has these keys, each present when the secret has the value:
//
//	client_id, client_secret          the API credentials
//	kafka_username, kafka_password    the Kafka user
//	bootstrap_servers, security_protocol, sasl_mechanism, schema_registry_url
//	credentials.json                  the whole document (ShownOnceSecret.RevealJSON)
//
// Deliver it to a cluster through an [ExecSink] running
// "kubectl apply -f -", or write it to files with [KubernetesSecretSink].
type KubernetesSecret struct {
	// Name is the Secret's metadata.name; empty: [KubernetesSecretName].
	Name string
	// Namespace is the Secret's namespace; empty leaves it out (kubectl
	// uses its current one).
	Namespace string
	// Labels are the Secret's labels.
	Labels map[string]string
}

// Render returns the manifest for s.
func (k KubernetesSecret) Render(s ShownOnceSecret) ([]byte, error) {
	doc, err := s.RevealJSON()
	if err != nil {
		return nil, err
	}
	defer clear(doc)
	file := s.File()
	data := map[string]string{}
	put := func(key, value string) {
		if value != "" {
			data[key] = base64.StdEncoding.EncodeToString([]byte(value))
		}
	}
	if api := file.API; api != nil {
		put("client_id", api.ClientID)
		put("client_secret", api.ClientSecret.Reveal())
	}
	if kafka := file.Kafka; kafka != nil {
		put("kafka_username", kafka.Username)
		put("kafka_password", kafka.Password.Reveal())
		put("bootstrap_servers", kafka.BootstrapServers)
		put("security_protocol", kafka.SecurityProtocol)
		put("sasl_mechanism", kafka.SASLMechanism)
		put("schema_registry_url", kafka.SchemaRegistryURL)
	}
	put("credentials.json", string(doc))
	name := k.Name
	if name == "" {
		name = KubernetesSecretName(s)
	}
	type metadata struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace,omitempty"`
		Labels    map[string]string `json:"labels,omitempty"`
	}
	return json.MarshalIndent(struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Metadata   metadata          `json:"metadata"`
		Type       string            `json:"type"`
		Data       map[string]string `json:"data"`
	}{"v1", "Secret", metadata{name, k.Namespace, k.Labels}, "Opaque", data}, "", "  ")
}

// KubernetesSecretName is the default name of s's Secret: "streamkap-",
// the key's name made a DNS label (lowercase letters, digits and '-'),
// "-api" or "-kafka" for added access, and, when the key's name had to be
// changed for that, 8 hex digits of its SHA-256, so that two keys never
// share a Secret.
func KubernetesSecretName(s ShownOnceSecret) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s.KeyName) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	label := strings.Trim(b.String(), "-")
	if label != s.KeyName || label == "" {
		sum := sha256.Sum256([]byte(s.KeyName))
		if len(label) > 40 {
			label = strings.Trim(label[:40], "-")
		}
		label = strings.TrimPrefix(label+"-"+hex.EncodeToString(sum[:4]), "-")
	}
	name := "streamkap-" + label
	if kind := s.Kind(); kind != KindCredentialFile {
		name += "-" + kind
	}
	return name
}

// KubernetesSecretSink writes each secret as a Secret manifest (see
// [KubernetesSecret]) into dir, mode 0600, under the one-to-one file names
// [DirSink] uses; like DirSink it writes each file once per sink.
func KubernetesSecretSink(dir string, k KubernetesSecret) SecretSink {
	return &fileSink{dir: dir, render: k.Render, written: map[string]bool{}}
}
