package franz_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/kafka/franz"
	"github.com/streamkap-go/streamkap/kafkaconfig"
)

func TestOptions(t *testing.T) {
	t.Parallel()
	for _, m := range []kafkaconfig.Mechanism{kafkaconfig.Plain, kafkaconfig.ScramSHA256, kafkaconfig.ScramSHA512} {
		for _, p := range []kafkaconfig.Protocol{kafkaconfig.SASLSSL, kafkaconfig.SASLPlaintext} {
			cfg := &kafkaconfig.Config{Brokers: []string{"b:9093"}, SecurityProtocol: p, SASLMechanism: m, Username: "u",
				Password: streamkap.NewSecret("p-123456789012")}
			opts, err := franz.Options(cfg, nil)
			require.NoError(t, err, "%s %s", m, p)
			want := 2 // seed brokers, SASL
			if p == kafkaconfig.SASLSSL {
				want++ // the TLS dialer
			}
			assert.Len(t, opts, want, "%s %s", m, p)
		}
	}
	_, err := franz.Options(&kafkaconfig.Config{Brokers: []string{"b:1"}, SecurityProtocol: "SASL_SSL", SASLMechanism: "GSSAPI", Username: "u"}, nil)
	assert.ErrorIs(t, err, kafkaconfig.ErrUnsupported)
}
