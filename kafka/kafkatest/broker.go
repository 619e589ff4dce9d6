package kafkatest

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// broker mirrors keys' Kafka users into the kfake cluster through its
// superuser; it implements streamkaptest.KafkaBroker.
type broker struct {
	roots     *x509.CertPool
	addrs     []string
	adminPass string
	admin     *kgo.Client
	mu        sync.Mutex // one change to the broker at a time
}

// mirrorTimeout bounds one change to the broker.
const mirrorTimeout = 10 * time.Second

// Endpoint is where keys' users connect.
func (b *broker) Endpoint() streamkaptest.KafkaEndpoint {
	return streamkaptest.KafkaEndpoint{BootstrapServers: strings.Join(b.addrs, ","), SecurityProtocol: "SASL_SSL", SASLMechanism: Mechanism}
}

// SyncUser sets the user's SCRAM credentials and replaces its ACLs. A user
// whose allow-list excludes loopback gets a password nobody knows: the
// test's clients, all on loopback, cannot log in as it.
func (b *broker) SyncUser(u streamkaptest.KafkaUser) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), mirrorTimeout)
	defer cancel()
	password := u.Password.Reveal()
	if !allowsLoopback(u.WhitelistIPs) {
		password = rand.Text()
	}
	if err := b.setPassword(ctx, u.Username, password); err != nil {
		return err
	}
	if err := b.deleteACLs(ctx, u.Username); err != nil {
		return err
	}
	return b.createACLs(ctx, u.Username, u.ACLs)
}

// DeleteUser removes the user's SCRAM credentials and ACLs.
func (b *broker) DeleteUser(username string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), mirrorTimeout)
	defer cancel()
	req := kmsg.NewPtrAlterUserSCRAMCredentialsRequest()
	del := kmsg.NewAlterUserSCRAMCredentialsRequestDeletion()
	del.Name, del.Mechanism = username, 2 // SCRAM-SHA-512
	req.Deletions = append(req.Deletions, del)
	resp, err := req.RequestWith(ctx, b.admin)
	if err != nil {
		return fmt.Errorf("deleting Kafka user %s: %w", username, err)
	}
	for _, r := range resp.Results {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil && err != kerr.ResourceNotFound {
			return fmt.Errorf("deleting Kafka user %s: %w", username, err)
		}
	}
	return b.deleteACLs(ctx, username)
}

func (b *broker) setPassword(ctx context.Context, username, password string) error {
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	const iterations = 4096
	salted, err := pbkdf2.Key(sha512.New, password, salt, iterations, sha512.Size)
	if err != nil {
		return err
	}
	req := kmsg.NewPtrAlterUserSCRAMCredentialsRequest()
	up := kmsg.NewAlterUserSCRAMCredentialsRequestUpsertion()
	up.Name, up.Mechanism, up.Iterations, up.Salt, up.SaltedPassword = username, 2, iterations, salt, salted
	req.Upsertions = append(req.Upsertions, up)
	resp, err := req.RequestWith(ctx, b.admin)
	if err != nil {
		return fmt.Errorf("setting the password of Kafka user %s: %w", username, err)
	}
	for _, r := range resp.Results {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			return fmt.Errorf("setting the password of Kafka user %s: %w", username, err)
		}
	}
	return nil
}

func (b *broker) deleteACLs(ctx context.Context, username string) error {
	req := kmsg.NewPtrDeleteACLsRequest()
	f := kmsg.NewDeleteACLsRequestFilter()
	principal := "User:" + username
	f.ResourceType, f.ResourcePatternType = kmsg.ACLResourceTypeAny, kmsg.ACLResourcePatternTypeAny
	f.Principal, f.Operation, f.PermissionType = &principal, kmsg.ACLOperationAny, kmsg.ACLPermissionTypeAny
	req.Filters = append(req.Filters, f)
	resp, err := req.RequestWith(ctx, b.admin)
	if err != nil {
		return fmt.Errorf("deleting the ACLs of Kafka user %s: %w", username, err)
	}
	for _, r := range resp.Results {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			return fmt.Errorf("deleting the ACLs of Kafka user %s: %w", username, err)
		}
	}
	return nil
}

func (b *broker) createACLs(ctx context.Context, username string, acls []streamkap.KafkaACL) error {
	if len(acls) == 0 {
		return nil
	}
	req := kmsg.NewPtrCreateACLsRequest()
	for _, a := range acls {
		c := kmsg.NewCreateACLsRequestCreation()
		var err error
		if c.ResourceType, err = resourceType(a.Resource); err != nil {
			return err
		}
		if c.ResourcePatternType, err = patternType(a.ResourcePatternType); err != nil {
			return err
		}
		if c.Operation, err = operation(a.Operation); err != nil {
			return err
		}
		c.ResourceName, c.Principal, c.Host, c.PermissionType = a.TopicName, "User:"+username, "*", kmsg.ACLPermissionTypeAllow
		req.Creations = append(req.Creations, c)
	}
	resp, err := req.RequestWith(ctx, b.admin)
	if err != nil {
		return fmt.Errorf("creating the ACLs of Kafka user %s: %w", username, err)
	}
	for _, r := range resp.Results {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			return fmt.Errorf("creating the ACLs of Kafka user %s: %w", username, err)
		}
	}
	return nil
}

func resourceType(r streamkap.ACLResource) (kmsg.ACLResourceType, error) {
	switch strings.ToUpper(string(r)) {
	case "", "TOPIC":
		return kmsg.ACLResourceTypeTopic, nil
	case "GROUP":
		return kmsg.ACLResourceTypeGroup, nil
	case "CLUSTER":
		return kmsg.ACLResourceTypeCluster, nil
	case "TRANSACTIONAL_ID":
		return kmsg.ACLResourceTypeTransactionalId, nil
	}
	return 0, fmt.Errorf("kafkatest: unknown ACL resource %q", r)
}

func patternType(p streamkap.ACLPatternType) (kmsg.ACLResourcePatternType, error) {
	switch strings.ToUpper(string(p)) {
	case "", "LITERAL":
		return kmsg.ACLResourcePatternTypeLiteral, nil
	case "PREFIXED":
		return kmsg.ACLResourcePatternTypePrefixed, nil
	}
	return 0, fmt.Errorf("kafkatest: unknown ACL pattern %q", p)
}

func operation(op streamkap.ACLOperation) (kmsg.ACLOperation, error) {
	o, err := kmsg.ParseACLOperation(strings.ToLower(strings.ReplaceAll(string(op), "_", "")))
	if err != nil || o == kmsg.ACLOperationUnknown || o == kmsg.ACLOperationAny {
		return 0, fmt.Errorf("kafkatest: unknown ACL operation %q", op)
	}
	return o, nil
}

// allowsLoopback reports whether an allow-list lets 127.0.0.1 connect (an
// empty list allows any IP).
func allowsLoopback(list string) bool {
	if strings.TrimSpace(list) == "" {
		return true
	}
	loopback := netip.MustParseAddr("127.0.0.1")
	for _, entry := range strings.Split(list, ",") {
		entry = strings.TrimSpace(entry)
		if p, err := netip.ParsePrefix(entry); err == nil && p.Contains(loopback) {
			return true
		}
		if a, err := netip.ParseAddr(entry); err == nil && a == loopback {
			return true
		}
	}
	return false
}

// loopbackListen makes the broker listen on loopback only.
func loopbackListen(network, _ string) (net.Listener, error) {
	return net.Listen(network, "127.0.0.1:0")
}

// tlsClientConfig trusts the broker's CA only.
func tlsClientConfig(roots *x509.CertPool) *tls.Config {
	return &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
}
