package streamkap

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzUpdateParamsEncoding checks the hand-written request encoder against
// encoding/json: the body must be valid JSON and decode to exactly the
// values that were set.
func FuzzUpdateParamsEncoding(f *testing.F) {
	f.Add("ingest-bot", "desc", "role-1", "orders.", "READ", "10.0.0.1", true, uint8(0))
	f.Add("a \"q\" <b>&\\\n\u2028\x00é🚀", "", "", "", "", "", false, uint8(255))
	f.Add("\xff\xfe", "\x7f", "\u2029", "x", "y", "", true, uint8(7))
	f.Fuzz(func(t *testing.T, name, description, role, topic, operation, whitelist string, schemaRegistry bool, mask uint8) {
		var p UpdateProjectKeyParams
		want := map[string]any{}
		// What encoding/json makes of s: each invalid byte becomes U+FFFD.
		valid := func(s string) string {
			b, _ := json.Marshal(s)
			var out string
			_ = json.Unmarshal(b, &out)
			return out
		}
		if mask&1 != 0 {
			p.Name = Value(name)
			want["name"] = valid(name)
		}
		switch mask >> 1 & 3 {
		case 1:
			p.Description = Null[string]()
			want["description"] = nil
		case 2:
			p.Description = NullableValue(description)
			want["description"] = valid(description)
		}
		if mask&8 != 0 {
			p.RoleIDs = Value([]string{role, name})
			want["role_ids"] = []any{valid(role), valid(name)}
		}
		if mask&16 != 0 {
			p.KafkaACLs = Value([]KafkaACL{{TopicName: topic, Operation: ACLOperation(operation), ResourcePatternType: PatternLiteral}})
			want["kafka_acls"] = []any{map[string]any{"topic_name": valid(topic), "operation": valid(operation), "resource_pattern_type": "LITERAL"}}
		}
		if mask&32 != 0 {
			p.WhitelistIPs = Value(whitelist)
			want["whitelist_ips"] = valid(whitelist)
		}
		if mask&64 != 0 {
			p.KafkaConfig = Value(KafkaConfig{Username: topic, Password: NewSecret(description), CreateSchemaRegistry: schemaRegistry})
			kc := map[string]any{}
			if topic != "" {
				kc["username"] = valid(topic)
			}
			if description != "" {
				kc["password"] = valid(description)
			}
			if schemaRegistry {
				kc["is_create_schema_registry"] = true
			}
			want["kafka_config"] = kc
		}
		if mask&128 != 0 {
			p.AllowedTools = NullableValue([]string{operation})
			p.BlockedTools = Null[[]string]()
			want["allowed_tools"] = []any{valid(operation)}
			want["blocked_tools"] = nil
		}
		body := p.appendJSON(nil)
		if !utf8.Valid(body) {
			t.Fatalf("body is not UTF-8: %q", body)
		}
		var got map[string]any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("body is not JSON: %v\n%s", err, body)
		}
		wantJSON, _ := json.Marshal(want)
		gotJSON, _ := json.Marshal(got)
		if string(wantJSON) != string(gotJSON) {
			t.Fatalf("body %s\ndecodes to %s\nwant       %s", body, gotJSON, wantJSON)
		}
	})
}

// FuzzErrorBody feeds arbitrary error bodies to the decoder: it must never
// panic, and a secret the request carried must never come back.
func FuzzErrorBody(f *testing.F) {
	f.Add(422, []byte(`{"detail":[{"loc":["body","kafka_password"],"msg":"weak","input":"`+plantedKafkaPass+`"}]}`))
	f.Add(400, []byte(`{"detail":"password `+plantedKafkaPass+` rejected"}`))
	f.Add(400, []byte(`{"detail":{"code":"x","message":"`+plantedKafkaPass+`"}}`))
	f.Add(400, []byte(`{"detail":{"input":"\u0050LANTED-kafka-password-91c2","PLANTED-kafka-password-91c2":1}}`))
	f.Add(502, []byte("<html><title>502</title></html>"))
	f.Add(500, []byte(`{"detail":`))
	f.Add(404, []byte{})
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := &APIError{StatusCode: status, Method: "PATCH", Path: "/project-keys/x"}
		parseErrorBody(e, body, newRedactor([]string{plantedKafkaPass}))
		text := e.Error()
		var raw any
		_ = json.Unmarshal(e.RawDetail, &raw)
		decoded, _ := json.Marshal(raw)
		if strings.Contains(text, plantedKafkaPass) || strings.Contains(string(e.RawDetail), plantedKafkaPass) ||
			strings.Contains(strings.ReplaceAll(string(decoded), `\u0026`, "&"), plantedKafkaPass) {
			t.Fatalf("secret in %q / %q", text, e.RawDetail)
		}
		for _, fe := range e.Fields {
			if strings.Contains(fe.Msg, plantedKafkaPass) {
				t.Fatalf("secret in field %q", fe.Msg)
			}
		}
		if !utf8.ValidString(e.Detail) && !json.Valid(body) {
			t.Fatalf("snippet is not UTF-8: %q", e.Detail)
		}
	})
}

// FuzzDecodeUpdateResult decodes arbitrary success bodies: never a panic,
// and either a result or ErrMalformedResponse.
func FuzzDecodeUpdateResult(f *testing.F) {
	f.Add([]byte(`{"id":"pk-1","new_kafka_credentials":{"password":"p"},"token_ttl_seconds":3600,"created_at":"2026-01-01T00:00:00"}`))
	f.Add([]byte(`{"id":1,"roles":"x","kafka_acls":[{"name":2}],"warnings":null}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"new_api_credentials":{"client_secret":{"a":1}}}`))
	c := &Client{}
	f.Fuzz(func(t *testing.T, body []byte) {
		var res UpdateProjectKeyResult
		wire := struct {
			*UpdateProjectKeyResult
			tokenTTLWire
		}{UpdateProjectKeyResult: &res}
		if err := c.decodeJSON(body, &wire); err != nil && !strings.HasPrefix(err.Error(), ErrMalformedResponse.Error()) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		_ = wire.ttl()
	})
}
