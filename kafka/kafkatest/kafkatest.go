// Package kafkatest starts a Streamkap API fake (package streamkaptest)
// together with an in-process Kafka broker (franz-go's kfake), so that a
// test can prove a key's Kafka access end to end: every key with Kafka
// access gets a real SASL/SCRAM user with the key's password and ACLs,
// and credential files and details point at the broker.
//
// The broker runs SASL_SSL with a CA made for the test ([Server.CA]),
// SCRAM-SHA-512, and ACLs enforced, with a superuser of its own (for
// [Server.AdminOptions]). Creating a key with Kafka access, adding it,
// replacing its ACLs, rotating its password and deleting the key reach the
// broker before the API answers. A key's allow-list is enforced for the
// test's loopback clients: a key whose whitelist_ips excludes 127.0.0.1
// cannot log in.
package kafkatest

import (
	"crypto/rand"
	"crypto/x509"

	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/streamkap-go/streamkap/streamkaptest"
)

// Mechanism is the SASL mechanism of the broker's users.
const Mechanism = "SCRAM-SHA-512"

// adminUser is the broker's superuser, which mirrors keys' users.
const adminUser = "kafkatest-admin"

// Server is a Streamkap API fake and the Kafka broker behind it.
type Server struct {
	// Server is the API fake: NewClient, AddKey, InjectFault, ...
	*streamkaptest.Server

	cluster *kfake.Cluster
	broker  *broker
}

// NewServer starts the broker and the API fake, and stops both when the
// test ends. opts are streamkaptest's.
func NewServer(t testing.TB, opts ...streamkaptest.Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts the broker and the API fake outside a test (an example
// program, a local demo). Call Close when done.
func Start(opts ...streamkaptest.Option) (_ *Server, err error) {
	roots, tlsCfg, err := newTestCA()
	if err != nil {
		return nil, err
	}
	adminPass := rand.Text()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.EnableACLs(),
		kfake.Superuser(Mechanism, adminUser, adminPass), kfake.TLS(tlsCfg), kfake.ListenFn(loopbackListen))
	if err != nil {
		return nil, fmt.Errorf("starting the broker: %w", err)
	}
	b := &broker{roots: roots, addrs: cluster.ListenAddrs(), adminPass: adminPass}
	admin, err := kgo.NewClient(b.adminOptions()...)
	if err != nil {
		cluster.Close()
		return nil, fmt.Errorf("the broker's admin client: %w", err)
	}
	b.admin = admin
	srv, err := streamkaptest.Start(append(opts, streamkaptest.WithKafkaBroker(b))...)
	if err != nil {
		admin.Close()
		cluster.Close()
		return nil, err
	}
	return &Server{Server: srv, cluster: cluster, broker: b}, nil
}

// Close stops the API fake, then the broker.
func (s *Server) Close() {
	s.Server.Close()
	s.broker.admin.Close()
	s.cluster.Close()
}

// CA is the pool that trusts the broker's certificate (and nothing else).
func (s *Server) CA() *x509.CertPool { return s.broker.roots }

// BootstrapServers are the broker's addresses, as credential files say.
func (s *Server) BootstrapServers() []string { return append([]string(nil), s.broker.addrs...) }

// AdminOptions are franz-go options for the broker's superuser, which
// bypasses ACLs: to produce test records, create topics, read what a key
// wrote.
func (s *Server) AdminOptions() []kgo.Opt { return s.broker.adminOptions() }

// CreateTopic creates a topic on the broker.
func (s *Server) CreateTopic(topic string, partitions int32) error {
	return s.cluster.CreateTopic(topic, partitions, nil)
}

func (b *broker) adminOptions() []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(b.addrs...),
		kgo.SASL(scram.Auth{User: adminUser, Pass: b.adminPass}.AsSha512Mechanism()),
		kgo.DialTLSConfig(tlsClientConfig(b.roots)),
	}
}
