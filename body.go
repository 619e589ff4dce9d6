package streamkap

import "encoding/json"

// Request bodies are encoded by encoding/json from wire structs of
// pointers: a nil pointer or interface is left out, a jsonNull is sent as
// null, anything else as its value. They hold the plaintext of secrets,
// which the params' own JSON encoding (their json tags) shows redacted,
// and they point into the params rather than copy them. Measured against
// encoding the params through the MarshalJSON of Optional and Nullable,
// this costs a quarter of the time and 2 allocations instead of 18
// (BENCHMARKS.md); TestWireBodiesMatchTheParamsEncoding keeps the two in
// step.

// createWire is a create's wire body: the params, with the Kafka password
// in plaintext (a field of the wrapper shadows the embedded one).
type createWire struct {
	*CreateProjectKeyParams
	KafkaConfig *kafkaConfigWire `json:"kafka_config,omitempty"`
}

// kafkaConfigWire is a kafka_config with its password in plaintext.
type kafkaConfigWire struct {
	*KafkaConfig
	Password string `json:"password,omitempty"`
}

// encodeCreate returns a create's wire body.
func encodeCreate(p *CreateProjectKeyParams) ([]byte, error) {
	return json.Marshal(createWire{CreateProjectKeyParams: p, KafkaConfig: kafkaWire(p.KafkaConfig)})
}

// kafkaWire returns the wire form of kc, nil for none.
func kafkaWire(kc *KafkaConfig) *kafkaConfigWire {
	if kc == nil {
		return nil
	}
	return &kafkaConfigWire{KafkaConfig: kc, Password: kc.Password.Reveal()}
}

// jsonNull encodes as null.
type jsonNull struct{}

func (jsonNull) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

// optional points to a set value, or is nil.
func optional[T any](o *Optional[T]) *T {
	if !o.set {
		return nil
	}
	return &o.value
}

// optionalList is optional for a list: a nil slice was set, so it is [].
func optionalList[E any](o *Optional[[]E]) *[]E {
	if o.set && o.value == nil {
		return &[]E{}
	}
	return optional(o)
}

// nullable is nil (left out), jsonNull, or a pointer to the value.
func nullable[T any](n *Nullable[T]) any {
	switch n.state {
	case fieldNull:
		return jsonNull{}
	case fieldValue:
		return &n.value
	}
	return nil
}

// nullableList is nullable for a list: a nil slice value is [].
func nullableList[E any](n *Nullable[[]E]) any {
	if n.state == fieldValue && n.value == nil {
		return &[]E{}
	}
	return nullable(n)
}
