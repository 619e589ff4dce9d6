package kafkaconfig

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/streamkap-go/streamkap/internal/securefile"
)

// Format is a rendering of a Config.
type Format string

// The renderings.
const (
	// JavaProperties is a Java client's client.properties:
	// bootstrap.servers, security.protocol, sasl.mechanism and
	// sasl.jaas.config (the Plain or Scram login module), in the
	// properties file syntax (escapes, \uXXXX for non-ASCII).
	JavaProperties Format = "properties"
	// Librdkafka is librdkafka's (and confluent-kafka-go's, kcat -F's)
	// key=value settings: bootstrap.servers, security.protocol,
	// sasl.mechanisms, sasl.username, sasl.password.
	Librdkafka Format = "librdkafka"
	// Env is environment variables as POSIX shell assignments
	// (KAFKA_BOOTSTRAP_SERVERS='...'), to source or to pass to a container.
	Env Format = "env"
)

// Formats lists every Format.
func Formats() []Format { return []Format{JavaProperties, Librdkafka, Env} }

// Schema Registry: Streamkap documents the key's schema_registry_url; that
// its Basic authentication takes the Kafka user and password is assumed
// (it is how Confluent-compatible registries behind Kafka credentials
// work). The renderings add these settings only when the URL is set.

// Write renders c in format f to w. The rendering holds the password:
// write it only where it belongs.
func (c *Config) Write(w io.Writer, f Format) error {
	data, err := c.render(f)
	if err != nil {
		return err
	}
	defer clear(data)
	_, err = w.Write(data)
	return err
}

// WriteFile renders c in format f to path, readable by its owner only
// (mode 0600), replacing any file there atomically.
func (c *Config) WriteFile(path string, f Format) error {
	data, err := c.render(f)
	if err != nil {
		return err
	}
	defer clear(data)
	if err := securefile.Write(path, data); err != nil {
		return fmt.Errorf("kafkaconfig: %w", err)
	}
	return nil
}

func (c *Config) render(f Format) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	switch f {
	case JavaProperties:
		c.properties(&b)
	case Librdkafka:
		c.librdkafka(&b)
	case Env:
		c.env(&b)
	default:
		return nil, fmt.Errorf("kafkaconfig: unknown format %q (want properties, librdkafka or env)", f)
	}
	return b.Bytes(), nil
}

// JAASConfig is the sasl.jaas.config value of a Java client: the login
// module the mechanism takes, and the username and password quoted as
// JAAS quotes them (a backslash before each " and \).
func (c *Config) JAASConfig() string {
	module := "org.apache.kafka.common.security.plain.PlainLoginModule"
	if c.SASLMechanism != Plain {
		module = "org.apache.kafka.common.security.scram.ScramLoginModule"
	}
	return module + ` required username="` + jaasQuote(c.Username) + `" password="` + jaasQuote(c.Password.Reveal()) + `";`
}

func jaasQuote(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

func (c *Config) properties(b *bytes.Buffer) {
	line := func(k, v string) { fmt.Fprintf(b, "%s=%s\n", k, propertiesEscape(v)) }
	line("bootstrap.servers", strings.Join(c.Brokers, ","))
	line("security.protocol", string(c.SecurityProtocol))
	line("sasl.mechanism", string(c.SASLMechanism))
	line("sasl.jaas.config", c.JAASConfig())
	if c.SchemaRegistryURL != "" {
		line("schema.registry.url", c.SchemaRegistryURL)
		line("basic.auth.credentials.source", "USER_INFO")
		line("basic.auth.user.info", c.Username+":"+c.Password.Reveal())
	}
}

// propertiesEscape writes a value in the .properties syntax, which
// java.util.Properties reads as ISO-8859-1 with escapes: a backslash is
// doubled, white space at the start and controls are escaped, anything
// outside ASCII is \uXXXX (UTF-16).
func propertiesEscape(v string) string {
	var b strings.Builder
	for i, r := range v {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ' ' && i == 0:
			b.WriteString(`\ `)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || r >= 0x7f:
			if r >= 0x10000 {
				r1, r2 := utf16Surrogates(r)
				fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func utf16Surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

func (c *Config) librdkafka(b *bytes.Buffer) {
	line := func(k, v string) { fmt.Fprintf(b, "%s=%s\n", k, v) }
	line("bootstrap.servers", strings.Join(c.Brokers, ","))
	line("security.protocol", strings.ToLower(string(c.SecurityProtocol)))
	line("sasl.mechanisms", string(c.SASLMechanism))
	line("sasl.username", c.Username)
	line("sasl.password", c.Password.Reveal())
	if c.SchemaRegistryURL != "" {
		line("schema.registry.url", c.SchemaRegistryURL)
		line("basic.auth.user.info", c.Username+":"+c.Password.Reveal())
	}
}

func (c *Config) env(b *bytes.Buffer) {
	line := func(k, v string) { fmt.Fprintf(b, "%s=%s\n", k, shellQuote(v)) }
	line("KAFKA_BOOTSTRAP_SERVERS", strings.Join(c.Brokers, ","))
	line("KAFKA_SECURITY_PROTOCOL", string(c.SecurityProtocol))
	line("KAFKA_SASL_MECHANISM", string(c.SASLMechanism))
	line("KAFKA_SASL_USERNAME", c.Username)
	line("KAFKA_SASL_PASSWORD", c.Password.Reveal())
	line("KAFKA_SASL_JAAS_CONFIG", c.JAASConfig())
	if c.SchemaRegistryURL != "" {
		line("SCHEMA_REGISTRY_URL", c.SchemaRegistryURL)
		line("SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", c.Username+":"+c.Password.Reveal())
	}
}

// shellQuote single-quotes v for a POSIX shell.
func shellQuote(v string) string {
	if v != "" && strings.IndexFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.,:/@%+=", r))
	}) < 0 && utf8.ValidString(v) {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}
