package kafkaconfig_test

import (
	"fmt"
	"os"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/kafkaconfig"
)

// A key's Kafka credentials (here as a credential file holds them) become
// a Java client's client.properties.
func Example() {
	file, err := streamkap.ParseCredentialFile([]byte(`{"project_key_id":"pk-1","kafka":{
		"username":"ingest-bot","password":"example-password-1","bootstrap_servers":"kafka.streamkap.net:32400",
		"security_protocol":"SASL_SSL","sasl_mechanism":"SCRAM-SHA-512"}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, err := kafkaconfig.New(file.Kafka)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg) // the password stays redacted
	if err := cfg.Write(os.Stdout, kafkaconfig.JavaProperties); err != nil {
		fmt.Println(err)
	}
	// Output:
	// kafkaconfig.Config{Brokers: [kafka.streamkap.net:32400], SecurityProtocol: SASL_SSL, SASLMechanism: SCRAM-SHA-512, Username: ingest-bot, Password: [REDACTED], SchemaRegistryURL: }
	// bootstrap.servers=kafka.streamkap.net:32400
	// security.protocol=SASL_SSL
	// sasl.mechanism=SCRAM-SHA-512
	// sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="ingest-bot" password="example-password-1";
}

// After RotateKafkaPassword, the same settings with the new password, for
// librdkafka or confluent-kafka-go.
func ExampleConfig_WithPassword() {
	cfg := &kafkaconfig.Config{Brokers: []string{"kafka.streamkap.net:32400"}, SecurityProtocol: kafkaconfig.SASLSSL,
		SASLMechanism: kafkaconfig.Plain, Username: "ingest-bot", Password: streamkap.NewSecret("old-password-1")}
	rotated := cfg.WithPassword(streamkap.NewSecret("new-password-2"))
	if err := rotated.Write(os.Stdout, kafkaconfig.Librdkafka); err != nil {
		fmt.Println(err)
	}
	// Output:
	// bootstrap.servers=kafka.streamkap.net:32400
	// security.protocol=sasl_ssl
	// sasl.mechanisms=PLAIN
	// sasl.username=ingest-bot
	// sasl.password=new-password-2
}

// Environment variables, for a container or a shell.
func ExampleEnv() {
	cfg := &kafkaconfig.Config{Brokers: []string{"kafka.streamkap.net:32400"}, SecurityProtocol: kafkaconfig.SASLSSL,
		SASLMechanism: kafkaconfig.ScramSHA256, Username: "ingest-bot", Password: streamkap.NewSecret("example-password-1"),
		SchemaRegistryURL: "https://schema.streamkap.net:32401"}
	if err := cfg.Write(os.Stdout, kafkaconfig.Env); err != nil {
		fmt.Println(err)
	}
	// Output:
	// KAFKA_BOOTSTRAP_SERVERS=kafka.streamkap.net:32400
	// KAFKA_SECURITY_PROTOCOL=SASL_SSL
	// KAFKA_SASL_MECHANISM=SCRAM-SHA-256
	// KAFKA_SASL_USERNAME=ingest-bot
	// KAFKA_SASL_PASSWORD=example-password-1
	// KAFKA_SASL_JAAS_CONFIG='org.apache.kafka.common.security.scram.ScramLoginModule required username="ingest-bot" password="example-password-1";'
	// SCHEMA_REGISTRY_URL=https://schema.streamkap.net:32401
	// SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO=ingest-bot:example-password-1
}
