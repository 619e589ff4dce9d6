package kafkatest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/kafka/franz"
	"github.com/streamkap-go/streamkap/kafka/kafkatest"
	"github.com/streamkap-go/streamkap/kafkaconfig"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var fast = &streamkap.WaitOptions{MinInterval: 5 * time.Millisecond, MaxInterval: 20 * time.Millisecond}

// newKey creates a key with Kafka access through the SDK and returns the
// kafkaconfig its credential file gives.
func newKey(t *testing.T, srv *kafkatest.Server, user string, acls ...streamkap.KafkaACL) (string, *kafkaconfig.Config) {
	t.Helper()
	file, err := srv.Client().ProjectKeys.Create(context.Background(), streamkap.CreateProjectKeyParams{
		Name: user, KafkaConfig: &streamkap.KafkaConfig{Username: user, KafkaACLs: acls}})
	require.NoError(t, err)
	cfg, err := kafkaconfig.New(file.Kafka)
	require.NoError(t, err)
	require.Equal(t, kafkaconfig.SASLSSL, cfg.SecurityProtocol)
	require.Equal(t, kafkaconfig.ScramSHA512, cfg.SASLMechanism)
	return file.ProjectKeyID, cfg
}

func acl(topic string, op streamkap.ACLOperation, pattern streamkap.ACLPatternType, resource streamkap.ACLResource) streamkap.KafkaACL {
	return streamkap.KafkaACL{TopicName: topic, Operation: op, ResourcePatternType: pattern, Resource: resource}
}

// client connects with cfg, as a user would: only what kafkaconfig and
// franz give, and the test broker's CA.
func client(t *testing.T, srv *kafkatest.Server, cfg *kafkaconfig.Config, more ...kgo.Opt) *kgo.Client {
	t.Helper()
	opts, err := franz.Options(cfg, srv.CA())
	require.NoError(t, err)
	c, err := kgo.NewClient(append(append(opts, kgo.RequestRetries(0), kgo.RetryTimeout(time.Second)), more...)...)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// connects reports whether cfg can log in.
func connects(t *testing.T, srv *kafkatest.Server, cfg *kafkaconfig.Config) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return client(t, srv, cfg).Ping(ctx) == nil
}

// produceAsAdmin writes one record as the broker's superuser.
func produceAsAdmin(t *testing.T, srv *kafkatest.Server, topic, value string) {
	t.Helper()
	require.NoError(t, srv.CreateTopic(topic, 1))
	admin, err := kgo.NewClient(srv.AdminOptions()...)
	require.NoError(t, err)
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, admin.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(value)}).FirstErr())
}

// consume reads one record of topic with cfg (in group, if not empty).
func consume(t *testing.T, srv *kafkatest.Server, cfg *kafkaconfig.Config, topic, group string) (string, error) {
	t.Helper()
	opts := []kgo.Opt{kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}
	if group != "" {
		opts = append(opts, kgo.ConsumerGroup(group))
	}
	c := client(t, srv, cfg, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		fetches := c.PollFetches(ctx)
		if err := fetches.Err0(); err != nil {
			return "", err
		}
		for _, fe := range fetches.Errors() {
			return "", fe.Err
		}
		if recs := fetches.Records(); len(recs) > 0 {
			return string(recs[0].Value), nil
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
	}
}

func TestAKeyConsumesWhatItsACLAllows(t *testing.T) {
	t.Parallel()
	srv := kafkatest.NewServer(t)
	produceAsAdmin(t, srv, "orders.eu", "hello")
	produceAsAdmin(t, srv, "payments", "secret stuff")
	_, cfg := newKey(t, srv, "reader", acl("orders.", streamkap.OperationRead, streamkap.PatternPrefixed, streamkap.ResourceTopic))

	got, err := consume(t, srv, cfg, "orders.eu", "")
	require.NoError(t, err)
	assert.Equal(t, "hello", got)

	_, err = consume(t, srv, cfg, "payments", "")
	assert.True(t, errors.Is(err, kerr.TopicAuthorizationFailed), "a topic it may not read: %v", err)
}

func TestAConsumerGroupNeedsAGroupACL(t *testing.T) {
	t.Parallel()
	srv := kafkatest.NewServer(t)
	produceAsAdmin(t, srv, "events", "e1")
	_, without := newKey(t, srv, "no-group", acl("events", streamkap.OperationRead, streamkap.PatternLiteral, streamkap.ResourceTopic))
	_, err := consume(t, srv, without, "events", "analytics")
	assert.True(t, errors.Is(err, kerr.GroupAuthorizationFailed), "no GROUP ACL: %v", err)

	_, with := newKey(t, srv, "with-group", acl("events", streamkap.OperationRead, streamkap.PatternLiteral, streamkap.ResourceTopic),
		acl("analytics", streamkap.OperationRead, streamkap.PatternLiteral, streamkap.ResourceGroup))
	got, err := consume(t, srv, with, "events", "analytics")
	require.NoError(t, err)
	assert.Equal(t, "e1", got)
}

func TestLiteralAndPrefixedPatterns(t *testing.T) {
	t.Parallel()
	srv := kafkatest.NewServer(t)
	for _, topic := range []string{"orders", "orders.eu", "ordersx"} {
		produceAsAdmin(t, srv, topic, topic)
	}
	_, literal := newKey(t, srv, "literal", acl("orders", streamkap.OperationRead, streamkap.PatternLiteral, streamkap.ResourceTopic))
	_, err := consume(t, srv, literal, "orders", "")
	assert.NoError(t, err, "LITERAL orders reads orders")
	_, err = consume(t, srv, literal, "orders.eu", "")
	assert.True(t, errors.Is(err, kerr.TopicAuthorizationFailed), "LITERAL orders does not read orders.eu: %v", err)

	_, prefixed := newKey(t, srv, "prefixed", acl("orders", streamkap.OperationRead, streamkap.PatternPrefixed, streamkap.ResourceTopic))
	for _, topic := range []string{"orders", "orders.eu", "ordersx"} {
		_, err = consume(t, srv, prefixed, topic, "")
		assert.NoError(t, err, "PREFIXED orders reads %s", topic)
	}
}

func TestRotationUpdateAndDeletionReachTheBroker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := kafkatest.NewServer(t)
	produceAsAdmin(t, srv, "a", "in a")
	produceAsAdmin(t, srv, "b", "in b")
	id, cfg := newKey(t, srv, "rotating", acl("a", streamkap.OperationRead, streamkap.PatternLiteral, streamkap.ResourceTopic))
	keys := srv.Client().ProjectKeys
	require.True(t, connects(t, srv, cfg))

	// Rotation: the old password no longer logs in, the new one does.
	newPassword, err := keys.RotateKafkaPassword(ctx, id, streamkap.GeneratePassword())
	require.NoError(t, err)
	assert.False(t, connects(t, srv, cfg), "the old password is refused")
	rotated := cfg.WithPassword(newPassword)
	require.True(t, connects(t, srv, rotated), "the new one works")

	// An ACL replaced by Update takes effect.
	_, err = consume(t, srv, rotated, "b", "")
	require.True(t, errors.Is(err, kerr.TopicAuthorizationFailed), "%v", err)
	_, err = keys.Update(ctx, id, streamkap.UpdateProjectKeyParams{KafkaACLs: streamkap.Value([]streamkap.KafkaACL{
		acl("b", streamkap.OperationRead, streamkap.PatternLiteral, streamkap.ResourceTopic)})})
	require.NoError(t, err)
	got, err := consume(t, srv, rotated, "b", "")
	require.NoError(t, err)
	assert.Equal(t, "in b", got)
	_, err = consume(t, srv, rotated, "a", "")
	assert.True(t, errors.Is(err, kerr.TopicAuthorizationFailed), "the old ACL is gone: %v", err)

	// An allow-list without loopback shuts the test's clients out.
	_, err = keys.Update(ctx, id, streamkap.UpdateProjectKeyParams{WhitelistIPs: streamkap.Value("10.0.0.0/8")})
	require.NoError(t, err)
	assert.False(t, connects(t, srv, rotated), "loopback is not in the allow-list")
	_, err = keys.Update(ctx, id, streamkap.UpdateProjectKeyParams{WhitelistIPs: streamkap.Value("127.0.0.1,10.0.0.0/8")})
	require.NoError(t, err)
	assert.True(t, connects(t, srv, rotated), "it is again")

	// Deleted and gone: the credentials no longer log in.
	require.NoError(t, keys.Delete(ctx, id))
	require.NoError(t, keys.WaitUntilGone(ctx, id, fast))
	assert.False(t, connects(t, srv, rotated))
}
