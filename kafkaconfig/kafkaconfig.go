// Package kafkaconfig turns a Project Key's Kafka credentials into the
// settings Kafka clients take: Java client properties (with the JAAS
// line), librdkafka / confluent-kafka-go settings, environment variables,
// and Schema Registry settings when the key has a Schema Registry URL.
// It follows the credentials' own security_protocol and sasl_mechanism
// (the API's example says PLAIN while its docs speak of SCRAM: the field
// decides, never a constant), and uses the standard library only.
//
// The password stays a [streamkap.Secret]: a Config prints, logs and
// marshals it as [REDACTED]. A rendering that contains it is written only
// on purpose, to an io.Writer or to a file of mode 0600.
//
//	cfg, err := kafkaconfig.New(file.Kafka) // from a credential file
//	err = cfg.WriteFile("client.properties", kafkaconfig.JavaProperties)
//
// For a franz-go client, the nested module
// github.com/streamkap-go/streamkap/kafka (package franz) builds client
// options from a Config.
package kafkaconfig

import (
	"errors"
	"fmt"
	"strings"

	"github.com/streamkap-go/streamkap"
)

// Mechanism is a SASL mechanism.
type Mechanism string

// The SASL mechanisms a Config supports.
const (
	Plain       Mechanism = "PLAIN"
	ScramSHA256 Mechanism = "SCRAM-SHA-256"
	ScramSHA512 Mechanism = "SCRAM-SHA-512"
)

// Protocol is a Kafka security protocol.
type Protocol string

// The security protocols a Config supports: SASL over TLS, or SASL over
// plain TCP (for a broker on a trusted network, or a test).
const (
	SASLSSL       Protocol = "SASL_SSL"
	SASLPlaintext Protocol = "SASL_PLAINTEXT"
)

// ErrUnsupported matches the error of a Config whose protocol or
// mechanism is missing or not one this package supports.
var ErrUnsupported = errors.New("kafkaconfig: unsupported Kafka setting")

// SettingError says which setting is missing or unsupported. It matches
// ErrUnsupported.
type SettingError struct {
	// Setting is "security_protocol", "sasl_mechanism", "bootstrap_servers"
	// or "username"; Value what was given ("" when missing).
	Setting, Value string
}

// Error names the setting and what is supported.
func (e *SettingError) Error() string {
	want := ""
	switch e.Setting {
	case "security_protocol":
		want = " (want SASL_SSL or SASL_PLAINTEXT)"
	case "sasl_mechanism":
		want = " (want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)"
	}
	if e.Value == "" {
		return "kafkaconfig: " + e.Setting + " is missing" + want
	}
	return fmt.Sprintf("kafkaconfig: %s %q is not supported%s", e.Setting, streamkap.SafeCell(e.Value), want)
}

// Is matches ErrUnsupported.
func (e *SettingError) Is(target error) bool { return target == ErrUnsupported }

// Config is what a Kafka client needs to connect with a key's credentials.
type Config struct {
	// Brokers are the bootstrap servers, host:port each.
	Brokers []string `json:"brokers"`
	// SecurityProtocol and SASLMechanism are as the credentials say.
	SecurityProtocol Protocol  `json:"security_protocol"`
	SASLMechanism    Mechanism `json:"sasl_mechanism"`
	// Username and Password are the key's Kafka user.
	Username string           `json:"username"`
	Password streamkap.Secret `json:"password"`
	// SchemaRegistryURL is empty unless the key has Schema Registry access.
	SchemaRegistryURL string `json:"schema_registry_url,omitempty"`
}

// New builds a Config from a key's Kafka credentials: a credential file's
// Kafka section, [streamkap.NewKafkaCredentials], or what AddKafkaAccess
// returned. It checks the protocol and mechanism; a missing or unknown one
// is a [*SettingError].
func New(creds *streamkap.KafkaCredentials) (*Config, error) {
	if creds == nil {
		return nil, &SettingError{Setting: "kafka credentials"}
	}
	c := &Config{
		SecurityProtocol: Protocol(strings.ToUpper(strings.TrimSpace(creds.SecurityProtocol))),
		SASLMechanism:    Mechanism(strings.ToUpper(strings.TrimSpace(creds.SASLMechanism))),
		Username:         creds.Username, Password: creds.Password, SchemaRegistryURL: creds.SchemaRegistryURL,
	}
	for _, b := range strings.Split(creds.BootstrapServers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			c.Brokers = append(c.Brokers, b)
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// WithPassword returns a copy of c with another password: the one a
// rotation set (RotateKafkaPassword returns it).
func (c Config) WithPassword(password streamkap.Secret) *Config {
	c.Brokers = append([]string(nil), c.Brokers...)
	c.Password = password
	return &c
}

// Validate checks that c can be rendered: brokers, a username, a
// supported protocol and mechanism, and no line break in any value.
func (c *Config) Validate() error {
	switch {
	case len(c.Brokers) == 0:
		return &SettingError{Setting: "bootstrap_servers"}
	case c.Username == "":
		return &SettingError{Setting: "username"}
	case c.SecurityProtocol != SASLSSL && c.SecurityProtocol != SASLPlaintext:
		return &SettingError{Setting: "security_protocol", Value: string(c.SecurityProtocol)}
	case c.SASLMechanism != Plain && c.SASLMechanism != ScramSHA256 && c.SASLMechanism != ScramSHA512:
		return &SettingError{Setting: "sasl_mechanism", Value: string(c.SASLMechanism)}
	}
	values := append([]string{c.Username, c.Password.Reveal(), c.SchemaRegistryURL}, c.Brokers...)
	for _, v := range values {
		if strings.ContainsAny(v, "\r\n\x00") {
			return errors.New("kafkaconfig: a setting holds a line break or NUL, which no client file can carry")
		}
	}
	return nil
}

// TLS reports whether the connection uses TLS (SASL_SSL).
func (c *Config) TLS() bool { return c.SecurityProtocol == SASLSSL }

// String describes c without its password.
func (c Config) String() string {
	return fmt.Sprintf("kafkaconfig.Config{Brokers: %v, SecurityProtocol: %s, SASLMechanism: %s, Username: %s, Password: %s, SchemaRegistryURL: %s}",
		c.Brokers, c.SecurityProtocol, c.SASLMechanism, c.Username, c.Password, c.SchemaRegistryURL)
}

// GoString is String, for %#v.
func (c Config) GoString() string { return c.String() }
