package streamkap

// The answers the SDK decodes most (a key's detail, an update's answer)
// are decoded into these wire forms, which have no UnmarshalJSON of their
// own at the top: a type's own UnmarshalJSON makes a decoder hand it its
// bytes to scan again. They are decoded by encoding/json/v2 first and by
// encoding/json when v2 refuses the answer (fastdecode.go). Tolerance is
// kept: encoding/json skips a member of an unexpected type and decodes
// the rest, and the client logs the skipped member. The public types' own
// UnmarshalJSON (ProjectKeyDetail, UpdateProjectKeyResult, KafkaACL)
// decode through the same wire forms, so there is one decoding of each
// answer.

// keyWire is a key's summary as answers embed it: ProjectKey without its
// methods, since encoding/json/v2 refuses to inline an embedded struct
// that has a MarshalJSON of its own (ProjectKey's writes the API's shape).
type keyWire ProjectKey

// detailAnswer is the wire form of a key's detail.
type detailAnswer struct {
	keyWire
	KafkaACLs           []aclWire `json:"kafka_acls"`
	WhitelistIPs        string    `json:"whitelist_ips"`
	KafkaProxyEndpoint  string    `json:"kafka_proxy_endpoint"`
	SchemaProxyEndpoint string    `json:"schema_proxy_endpoint"`
	TokenTTLSeconds     *float64  `json:"token_ttl_seconds"`
}

// checkAnswer refuses a detail without the key's id.
func (a *detailAnswer) checkAnswer() error { return (*ProjectKey)(&a.keyWire).checkAnswer() }

// detail is the decoded ProjectKeyDetail.
func (a *detailAnswer) detail() *ProjectKeyDetail {
	return &ProjectKeyDetail{
		ProjectKey: ProjectKey(a.keyWire), KafkaACLs: aclsFromWire(a.KafkaACLs), WhitelistIPs: a.WhitelistIPs,
		KafkaProxyEndpoint: a.KafkaProxyEndpoint, SchemaProxyEndpoint: a.SchemaProxyEndpoint,
		TokenTTL: ttlFromSeconds(a.TokenTTLSeconds),
	}
}

// aclWire is an ACL as answers carry it: its name under "name" or
// "topic_name" (which wins when present). Answers use "name", so the
// pointer costs nothing on the common path.
type aclWire struct {
	Name                string         `json:"name"`
	TopicName           *string        `json:"topic_name"`
	Operation           ACLOperation   `json:"operation"`
	ResourcePatternType ACLPatternType `json:"resource_pattern_type"`
	Resource            ACLResource    `json:"resource"`
}

func (w *aclWire) acl() KafkaACL {
	name := w.Name
	if w.TopicName != nil {
		name = *w.TopicName
	}
	return KafkaACL{TopicName: name, Operation: w.Operation, ResourcePatternType: w.ResourcePatternType, Resource: w.Resource}
}

func aclsFromWire(w []aclWire) []KafkaACL {
	if w == nil {
		return nil
	}
	out := make([]KafkaACL, len(w))
	for i := range w {
		out[i] = w[i].acl()
	}
	return out
}

// updateAnswerWire is the wire form of an update's answer.
type updateAnswerWire struct {
	keyWire
	NewAPICredentials   *APICredentials   `json:"new_api_credentials"`
	NewKafkaCredentials *KafkaCredentials `json:"new_kafka_credentials"`
	Warnings            []string          `json:"warnings"`
	TokenTTLSeconds     *float64          `json:"token_ttl_seconds"`
}
