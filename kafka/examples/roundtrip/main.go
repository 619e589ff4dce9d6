// Command roundtrip is the shortest path from "create a key" to "consume a
// record", with no account: it starts kafkatest (the Streamkap API fake
// with a real Kafka broker behind it), creates a key with Kafka access,
// writes its credential file, produces and consumes one record with the
// key's credentials alone (through kafkaconfig and franz), rotates the
// password, and shows the old one refused.
//
//	cd kafka && go run ./examples/roundtrip
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/kafka/franz"
	"github.com/streamkap-go/streamkap/kafka/kafkatest"
	"github.com/streamkap-go/streamkap/kafkaconfig"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "roundtrip:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := kafkatest.Start()
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := srv.CreateTopic("orders", 1); err != nil {
		return err
	}
	keys := srv.Client().ProjectKeys

	// 1. A key with Kafka access: read and write orders, its own group.
	file, err := keys.Create(ctx, streamkap.CreateProjectKeyParams{Name: "orders-bot", KafkaConfig: &streamkap.KafkaConfig{
		Username: "orders-bot",
		KafkaACLs: []streamkap.KafkaACL{
			{TopicName: "orders", Operation: streamkap.OperationWrite, ResourcePatternType: streamkap.PatternLiteral},
			{TopicName: "orders", Operation: streamkap.OperationRead, ResourcePatternType: streamkap.PatternLiteral},
			{TopicName: "orders-bot", Operation: streamkap.OperationRead, ResourcePatternType: streamkap.PatternLiteral, Resource: streamkap.ResourceGroup},
		},
	}})
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "roundtrip-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "orders-bot.json")
	if err := file.WriteFile(path); err != nil {
		return err
	}
	fmt.Printf("created key %s (Kafka user %s); its credential file is %s (mode 0600)\n", file.ProjectKeyID, file.Kafka.Username, filepath.Base(path))

	// 2. Its settings, from the credential file alone.
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	saved, err := streamkap.ParseCredentialFile(data)
	if err != nil {
		return err
	}
	cfg, err := kafkaconfig.New(saved.Kafka)
	if err != nil {
		return err
	}
	fmt.Printf("connecting with %s over %s to %d broker(s)\n", cfg.SASLMechanism, cfg.SecurityProtocol, len(cfg.Brokers))

	// 3. Produce and consume one record with the key's credentials.
	if err := produce(ctx, srv, cfg, "order 42 shipped"); err != nil {
		return err
	}
	value, err := consumeOne(ctx, srv, cfg)
	if err != nil {
		return err
	}
	fmt.Printf("consumed %q\n", value)

	// 4. Rotate the password: the old one is refused, the new one works.
	newPassword, err := keys.RotateKafkaPassword(ctx, file.ProjectKeyID, streamkap.GeneratePassword())
	if err != nil {
		return err
	}
	if err := ping(ctx, srv, cfg); err == nil {
		return errors.New("the old password still logs in")
	}
	fmt.Println("after rotation the old password is refused")
	if err := ping(ctx, srv, cfg.WithPassword(newPassword)); err != nil {
		return fmt.Errorf("the new password: %w", err)
	}
	fmt.Println("and the new one logs in")
	return nil
}

func newClient(srv *kafkatest.Server, cfg *kafkaconfig.Config, more ...kgo.Opt) (*kgo.Client, error) {
	opts, err := franz.Options(cfg, srv.CA()) // the test broker's CA; a real one uses the system's
	if err != nil {
		return nil, err
	}
	return kgo.NewClient(append(opts, more...)...)
}

func produce(ctx context.Context, srv *kafkatest.Server, cfg *kafkaconfig.Config, value string) error {
	c, err := newClient(srv, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.ProduceSync(ctx, &kgo.Record{Topic: "orders", Value: []byte(value)}).FirstErr()
}

func consumeOne(ctx context.Context, srv *kafkatest.Server, cfg *kafkaconfig.Config) (string, error) {
	c, err := newClient(srv, cfg, kgo.ConsumeTopics("orders"), kgo.ConsumerGroup("orders-bot"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return "", err
	}
	defer c.Close()
	for {
		fetches := c.PollFetches(ctx)
		if err := fetches.Err(); err != nil {
			return "", err
		}
		if recs := fetches.Records(); len(recs) > 0 {
			return string(recs[0].Value), nil
		}
	}
}

func ping(ctx context.Context, srv *kafkatest.Server, cfg *kafkaconfig.Config) error {
	c, err := newClient(srv, cfg, kgo.RequestRetries(0))
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return c.Ping(ctx)
}
