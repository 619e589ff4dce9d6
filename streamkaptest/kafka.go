package streamkaptest

import (
	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/internal/fakeapi"
)

// A KafkaBroker is a Kafka broker that the server mirrors every key's
// Kafka user into, so that a key's credentials can be proved against real
// Kafka: the nested module github.com/streamkap-go/streamkap/kafka
// (package kafkatest) implements it with an in-process broker, and this
// module imports no Kafka code. Creating a key with Kafka access, adding
// Kafka access, replacing its ACLs or allow-list, rotating its password
// (SyncUser) and deleting the key (DeleteUser) reach the broker before the
// API answers; an error from the broker makes the API answer 500.
type KafkaBroker interface {
	// Endpoint is what credential files and details say of the broker.
	Endpoint() KafkaEndpoint
	// SyncUser creates or updates a user: its password, ACLs, allow-list.
	SyncUser(user KafkaUser) error
	// DeleteUser removes a user and its ACLs.
	DeleteUser(username string) error
}

// KafkaEndpoint is where keys' Kafka users connect, as credential files
// (bootstrap_servers, security_protocol, sasl_mechanism) and details
// (kafka_proxy_endpoint) say.
type KafkaEndpoint struct {
	BootstrapServers string
	SecurityProtocol string
	SASLMechanism    string
}

// KafkaUser is a key's Kafka user as the server holds it.
type KafkaUser struct {
	Username string
	Password streamkap.Secret
	ACLs     []streamkap.KafkaACL
	// WhitelistIPs is the comma-separated allow-list; empty allows any IP.
	WhitelistIPs string
}

// WithKafkaBroker mirrors every key's Kafka user into b.
func WithKafkaBroker(b KafkaBroker) Option {
	return func(c *config) {
		ep := b.Endpoint()
		c.fake.Kafka = &fakeapi.KafkaMirror{
			BootstrapServers: ep.BootstrapServers, SecurityProtocol: ep.SecurityProtocol, SASLMechanism: ep.SASLMechanism,
			Sync: func(u fakeapi.KafkaUser) error {
				user := KafkaUser{Username: u.Username, Password: streamkap.NewSecret(u.Password), WhitelistIPs: u.WhitelistIPs}
				for _, a := range u.ACLs {
					user.ACLs = append(user.ACLs, streamkap.KafkaACL{TopicName: a.Name, Operation: streamkap.ACLOperation(a.Operation),
						ResourcePatternType: streamkap.ACLPatternType(a.PatternType), Resource: streamkap.ACLResource(a.Resource)})
				}
				return b.SyncUser(user)
			},
			Delete: b.DeleteUser,
		}
	}
}
