// Package franz builds franz-go client options from a key's Kafka
// settings ([kafkaconfig.Config]): the seed brokers, the SASL mechanism
// the settings name (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512), and TLS
// with the system's roots or a pool the caller gives.
package franz

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/streamkap-go/streamkap/kafkaconfig"
)

// Options are the franz-go options that connect with cfg. roots, when not
// nil, replaces the system's certificate pool for SASL_SSL (a test
// broker's CA, say). Add your own options after these.
func Options(cfg *kafkaconfig.Config, roots *x509.CertPool) ([]kgo.Opt, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opts := []kgo.Opt{kgo.SeedBrokers(cfg.Brokers...)}
	user, pass := cfg.Username, cfg.Password.Reveal()
	switch cfg.SASLMechanism {
	case kafkaconfig.Plain:
		opts = append(opts, kgo.SASL(plain.Auth{User: user, Pass: pass}.AsMechanism()))
	case kafkaconfig.ScramSHA256:
		opts = append(opts, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()))
	case kafkaconfig.ScramSHA512:
		opts = append(opts, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()))
	default:
		return nil, fmt.Errorf("franz: %w", &kafkaconfig.SettingError{Setting: "sasl_mechanism", Value: string(cfg.SASLMechanism)})
	}
	if cfg.TLS() {
		opts = append(opts, kgo.Dialer((&tls.Dialer{NetDialer: &net.Dialer{}, Config: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}).DialContext))
	}
	return opts, nil
}
