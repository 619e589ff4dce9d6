package streamkap

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/streamkap-go/streamkap/internal/retry"
)

// FuzzUpdateParamsEncoding checks the update body: it must be valid JSON
// and decode to exactly the values that were set (left out, null or a
// value), the secrets in plaintext.
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
		body, err := encodeUpdate(&p)
		if err != nil {
			t.Fatal(err)
		}
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

// FuzzDecodeResults decodes arbitrary success bodies into every result
// type: never a panic, either a value or ErrMalformedResponse, and a
// decoded value always marshals.
func FuzzDecodeResults(f *testing.F) {
	f.Add([]byte(`{"id":"pk-1","new_kafka_credentials":{"password":"p"},"token_ttl_seconds":3600,"created_at":"2026-01-01T00:00:00"}`))
	f.Add([]byte(`{"id":1,"roles":"x","kafka_acls":[{"name":2}],"warnings":null}`))
	f.Add([]byte(`[{"id":"pk-1","name":"a","created_by_user":{"email":1}},{"id":null}]`))
	f.Add([]byte(`{"new_api_credentials":{"client_secret":{"a":1}}}`))
	f.Add([]byte(credentialFileBody))
	f.Add([]byte(`{"accessToken":"t","expiresIn":1e400,"expires":"garbage"}`))
	f.Add([]byte(`{"project_key_id":"pk","tool_profile":5,"allowed_tools":[1,null,"x"]}`))
	f.Add([]byte(`[{"id":"role-1","permissions":"all","created_at":"2026-13-45T99:00:00"}]`))
	c := &Client{}
	f.Fuzz(func(t *testing.T, body []byte) {
		var update UpdateProjectKeyResult
		var detail ProjectKeyDetail
		var list []ProjectKey
		var file CredentialFile
		var mcp MCPConfig
		var roles []Role
		var token tokenResponse
		targets := []any{&update, &detail, &list, &file, &mcp, &roles, &token}
		for _, out := range targets {
			err := c.decodeJSON(body, out)
			if err != nil && !errors.Is(err, ErrMalformedResponse) {
				t.Fatalf("decoding into %T: unexpected error kind: %v", out, err)
			}
			if err == nil {
				if _, err := json.Marshal(out); err != nil {
					t.Fatalf("%T decoded but does not marshal: %v", out, err)
				}
			}
		}
		if token.checkAnswer() == nil {
			if tok := token.token(time.Now()); !tok.renewAt.After(time.Now().Add(-time.Minute)) {
				t.Fatalf("a token's renewal time is in the past: %v", tok.renewAt)
			}
		}
	})
}

// FuzzRetryAfter checks Retry-After parsing: never a panic or a negative
// wait, and agreement with net/http on dates.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "7", "3600", "-1", "1.5", "99999999999999999999", "Thu, 26 Nov 2026 12:00:30 GMT",
		"Thursday, 26-Nov-26 12:01:00 GMT", "Thu Nov 26 12:00:10 2026", "soon", " 12 ", ""} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, value string) {
		wait, ok := retry.ParseRetryAfter(value, now)
		if wait < 0 || (!ok && wait != 0) {
			t.Fatalf("%q: wait %v, ok %v", value, wait, ok)
		}
		trimmed := strings.TrimSpace(value)
		if n, err := strconv.ParseUint(trimmed, 10, 64); err == nil && n < 1<<32 {
			if !ok || wait != time.Duration(n)*time.Second {
				t.Fatalf("%q: got %v, %v; want %d s", value, wait, ok, n)
			}
		}
		if when, err := http.ParseTime(trimmed); err == nil && (trimmed == "" || trimmed[0] < '0' || trimmed[0] > '9') {
			want := max(when.Sub(now), 0)
			if !ok || wait != want {
				t.Fatalf("%q: got %v, %v; want %v", value, wait, ok, want)
			}
		}
	})
}

// FuzzCredentialFile parses arbitrary credential files: never a panic, an
// error that never quotes the content, and a lossless round trip through
// RevealJSON.
func FuzzCredentialFile(f *testing.F) {
	f.Add([]byte(credentialFileBody))
	f.Add([]byte(base64.StdEncoding.EncodeToString([]byte(credentialFileBody))))
	f.Add([]byte(`{"api":{"client_id":"c","client_secret":"` + plantedClientSecret + `"}}`))
	f.Add([]byte(`{"api": ` + plantedClientSecret))
	f.Add([]byte("e30"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ParseCredentialFile(data)
		if err != nil {
			for _, fixed := range []string{errCredentialFileFormat.Error(), "the credential file is larger than"} {
				if strings.HasPrefix(err.Error(), fixed) {
					return
				}
			}
			t.Fatalf("unexpected error text: %v", err)
		}
		raw, err := file.RevealJSON()
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseCredentialFile(raw)
		if err != nil {
			t.Fatalf("RevealJSON output does not parse: %v", err)
		}
		if (file.API == nil) != (again.API == nil) || (file.API != nil && !file.API.ClientSecret.Equal(again.API.ClientSecret)) {
			t.Fatal("the API secret did not survive the round trip")
		}
		if (file.Kafka == nil) != (again.Kafka == nil) || (file.Kafka != nil && !file.Kafka.Password.Equal(again.Kafka.Password)) {
			t.Fatal("the Kafka password did not survive the round trip")
		}
	})
}

// FuzzCreateParamsEncoding checks the create body against encoding/json.
func FuzzCreateParamsEncoding(f *testing.F) {
	f.Add("bot", "desc", "role", "user", "pw", true)
	f.Add("\xff\u2028\"", "", "", "", "", false)
	f.Fuzz(func(t *testing.T, name, description, role, username, password string, kafka bool) {
		p := CreateProjectKeyParams{Name: name, Description: description, RoleIDs: []string{role}, AllowedTools: []string{}}
		if kafka {
			p.KafkaConfig = &KafkaConfig{Username: username, Password: NewSecret(password)}
		}
		body, err := encodeCreate(&p)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, body)
		}
		valid := func(s string) string {
			b, _ := json.Marshal(s)
			var out string
			_ = json.Unmarshal(b, &out)
			return out
		}
		if got["name"] != valid(name) || got["role_ids"].([]any)[0] != valid(role) || len(got["allowed_tools"].([]any)) != 0 {
			t.Fatalf("decoded %v", got)
		}
		if (description != "") != (got["description"] != nil) {
			t.Fatalf("description: %v", got)
		}
		if kafka && password != "" && got["kafka_config"].(map[string]any)["password"] != valid(password) {
			t.Fatalf("password lost: %v", got)
		}
	})
}

// FuzzRedactor checks the redactor on any text: a known secret never
// survives in it (in any ASCII case), and no control character does.
func FuzzRedactor(f *testing.F) {
	f.Add("you sent PLANTED-kafka-password-91c2!", "PLANTED-kafka-password-91c2")
	f.Add("x\r\ny\x1b[31m\u2028\xff", "secret-value")
	f.Add("AAAAAAAAAAAAA", "AAAAAA")
	f.Add("abcabcabcabc", "abcabc")
	f.Add("pLaNtEd-KAFKA-password-91C2", "PLANTED-kafka-password-91c2")
	f.Fuzz(func(t *testing.T, text, secret string) {
		// A secret that shares characters with the placeholder could be
		// re-formed next to it; real secrets never contain brackets.
		if len(secret) < minRedactedLen || strings.ContainsAny(secret, "[]") {
			return
		}
		if want, got := strings.Index(asciiLower(text), asciiLower(secret)), indexFold(text, asciiLower(secret)); got != want {
			t.Fatalf("indexFold(%q, %q) = %d, want %d", text, secret, got, want)
		}
		r := newRedactor([]string{secret})
		for _, in := range []string{text, text + secret + text, secret + strings.ToUpper(secret)} {
			for _, out := range []string{r.text(in), r.snippet([]byte(in)), r.short(in)} {
				checkRedacted(t, in, out, secret)
			}
		}
	})
}

// checkRedacted fails t if out, the redacted form of in, holds the secret
// in any ASCII case, a control character or invalid UTF-8.
func checkRedacted(t *testing.T, in, out, secret string) {
	t.Helper()
	if strings.Contains(asciiLower(out), asciiLower(secret)) {
		t.Fatalf("the secret survived: %q -> %q", in, out)
	}
	if strings.ContainsFunc(out, isControl) {
		t.Fatalf("a control character survived: %q", out)
	}
	if !utf8.ValidString(out) {
		t.Fatalf("invalid UTF-8 survived: %q", out)
	}
}

// FuzzSafeText: whatever the text, the safe forms hold no character a
// terminal acts on, and SafeJSON keeps the JSON's meaning.
func FuzzSafeText(f *testing.F) {
	for _, s := range []string{"plain", "evil\x1b]52;c;ZXZpbA==\x07", "a\nb\tc\u202e\u2028\x7f\u0085", "\xff\xfe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{SafeCell(s), SafeText(s, NewSecret("fuzz-secret-123"))} {
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 from %q: %q", s, out)
			}
			for _, r := range out {
				if isControl(r) && r != utf8.RuneError {
					t.Fatalf("%q kept the control %U: %q", s, r, out)
				}
			}
		}
		if strings.Contains(SafeText("x fuzz-secret-123 "+s, NewSecret("fuzz-secret-123")), "fuzz-secret-123") {
			t.Fatalf("the secret survived SafeText")
		}
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		safe := SafeJSON(data)
		var back string
		if err := json.Unmarshal(safe, &back); err != nil {
			t.Fatalf("SafeJSON broke the JSON %s: %v", safe, err)
		}
		var want string
		_ = json.Unmarshal(data, &want)
		if back != want {
			t.Fatalf("SafeJSON changed the meaning: %q != %q", back, want)
		}
		for _, r := range string(safe) {
			if r >= 0x7f && isControl(r) && r != utf8.RuneError {
				t.Fatalf("SafeJSON kept %U", r)
			}
		}
	})
}

// FuzzTimestamp checks the fast way of reading a time against the general
// one: whatever the fast way accepts, the general way must read as the
// same instant, in the same zone offset and the same kind of layout (so
// that the API's text is kept in the same cases).
func FuzzTimestamp(f *testing.F) {
	for _, s := range []string{
		"2026-11-26T08:00:00.123456", "2026-11-26T08:00:00", "2026-11-26T08:00:00Z",
		"2026-11-26T08:00:00.5+05:30", "2026-11-26T08:00:00-00:00", "2026-11-26 08:00:00",
		"2026-11-26", "2026-11-26T24:00:00", "2026-11-26T08:00:00,5", "2026-02-30T08:00:00",
		"2026-11-26T08:00:00.1234567891Z", "2026-11-26T08:00:00+24:00", "0000-01-01T00:00:00z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, fastLayout, ok := parseTimestampFast([]byte(s))
		if !ok {
			return
		}
		general, generalLayout, ok := parseTimestampText(strings.TrimSpace(s))
		if !ok {
			t.Fatalf("%q: read by the fast way as %v, refused by the general one", s, fast)
		}
		_, fastOffset := fast.Zone()
		_, generalOffset := general.Zone()
		if !fast.Equal(general) || fastOffset != generalOffset {
			t.Fatalf("%q: the fast way reads %v, the general one %v", s, fast, general)
		}
		if (fastLayout == time.RFC3339) != (generalLayout == time.RFC3339) {
			t.Fatalf("%q: layouts %q and %q", s, fastLayout, generalLayout)
		}
	})
}

// FuzzFastDecoding checks the fast decoder against encoding/json, the
// reference: whatever answer v2 decodes, into whichever type a call
// decodes its answer, encoding/json must decode too, to the same value.
func FuzzFastDecoding(f *testing.F) {
	for _, body := range []string{
		BenchKeyJSON, BenchUpdateJSON, string(benchList(2)), credentialFileBody,
		`{"id":"pk-1","ID":"pk-2"}`, `{"Id":"pk-1","api_client_id":"c","apiclientid":"d"}`,
		`{"id":"pk-1","new_api_credentials":{"client_id":"c","client_secret":"s"},"warnings":["w"]}`,
		`{"id":"pk-1","kafka_acls":[{"name":"a","topic_name":"b","operation":"READ"}],"token_ttl_seconds":1e3}`,
		`[{"id":"role-1","permissions":["a"],"created_at":"2026-01-01T00:00:00"}]`,
		`{"accessToken":"t","expiresIn":60}`, `{"access_token":"t","expires_in":60,"ACCESS_TOKEN":"u"}`,
		`{"project_key_id":"pk","tenant_id":"t","mcp_url":"https://x"}`, `null`, `{}`, `[]`, "{\"id\":\"\xff\"}",
	} {
		f.Add([]byte(body))
	}
	targets := []func() any{
		func() any { return new(detailAnswer) },
		func() any { return &updateAnswer{params: &UpdateProjectKeyParams{}} },
		func() any { return new(keyList) },
		func() any {
			return &createAnswer{CredentialFile: new(CredentialFile), params: &CreateProjectKeyParams{}}
		},
		func() any { return new(MCPConfig) },
		func() any { return new(roleList) },
		func() any { return new(tokenResponse) },
		func() any { return new(ProjectKeyDetail) },
		func() any { return new(UpdateProjectKeyResult) },
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, target := range targets {
			fast, reference := target(), target()
			if !decodeFast(body, fast) {
				if where := decodedDifference(reflect.ValueOf(fast), reflect.ValueOf(target()), "out"); where != "" {
					t.Fatalf("%T: a refused answer left a value behind at %s", fast, where)
				}
				continue
			}
			if err := json.Unmarshal(body, reference); err != nil {
				t.Fatalf("%T: v2 decodes %q, encoding/json refuses it: %v", fast, body, err)
			}
			if where := decodedDifference(reflect.ValueOf(fast), reflect.ValueOf(reference), "out"); where != "" {
				t.Fatalf("%T: %q decodes otherwise than with encoding/json, at %s", fast, body, where)
			}
		}
	})
}

// decodedDifference returns the path of the first difference between two
// decoded values ("" when there is none). It is reflect.DeepEqual but for
// Secrets, compared by their plaintext (a Secret holds a func, which
// DeepEqual never finds equal), and unexported fields are read too.
func decodedDifference(a, b reflect.Value, path string) string {
	if a.Type() != b.Type() {
		return path + " (types)"
	}
	if a.CanAddr() && !a.CanInterface() {
		a = reflect.NewAt(a.Type(), unsafe.Pointer(a.UnsafeAddr())).Elem()
	}
	if b.CanAddr() && !b.CanInterface() {
		b = reflect.NewAt(b.Type(), unsafe.Pointer(b.UnsafeAddr())).Elem()
	}
	if a.Type() == reflect.TypeFor[Secret]() {
		if a.Interface().(Secret).Reveal() != b.Interface().(Secret).Reveal() {
			return path
		}
		return ""
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + " (nil)"
			}
			return ""
		}
		return decodedDifference(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		for i := range a.NumField() {
			if where := decodedDifference(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); where != "" {
				return where
			}
		}
		return ""
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return path + " (length or nil)"
		}
		for i := range a.Len() {
			if where := decodedDifference(a.Index(i), b.Index(i), path+"["+strconv.Itoa(i)+"]"); where != "" {
				return where
			}
		}
		return ""
	case reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return path + " (length or nil)"
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() {
				return path + " (keys)"
			}
			if where := decodedDifference(a.MapIndex(k), bv, path+"["+k.String()+"]"); where != "" {
				return where
			}
		}
		return ""
	case reflect.Func, reflect.Chan:
		if a.IsNil() != b.IsNil() {
			return path + " (nil)"
		}
		return ""
	}
	if !reflect.DeepEqual(a.Interface(), b.Interface()) {
		return path
	}
	return ""
}
