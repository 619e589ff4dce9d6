package streamkap

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestList(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodGet, "/project-keys", jsonResponder(200, `[
		{"id":"pk-1","name":"a","service_id":"s","status":"active","api_client_id":"cid","kafka_username":null,"tool_profile":"full"},
		{"id":"pk-2","name":"b","service_id":"s","status":"creating","api_client_id":null,"kafka_username":"b-user","roles":[]}
	]`))
	keys, err := h.c.ProjectKeys.List(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, keys, 2)
	assert.Equal(t, "pk-1", keys[0].ID)
	assert.True(t, keys[0].HasAPIAccess())
	assert.False(t, keys[0].HasKafkaAccess())
	assert.Equal(t, StatusCreating, keys[1].Status)
	assert.True(t, keys[1].HasKafkaAccess())

	sent := h.sent(http.MethodGet, "/project-keys")
	require.Len(t, sent, 1)
	assert.Empty(t, sent[0].Query)
	assert.Empty(t, sent[0].Body)
	assert.Empty(t, sent[0].Header.Get("Content-Type"), "no body, no content type")

	_, err = h.c.ProjectKeys.List(context.Background(), &ListProjectKeysOptions{})
	require.NoError(t, err)
	assert.Empty(t, h.sent(http.MethodGet, "/project-keys")[1].Query)
}

func TestListOfNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodGet, "/project-keys", jsonResponder(200, `null`))
	keys, err := h.c.ProjectKeys.List(context.Background(), nil)
	require.NoError(t, err)
	assert.NotNil(t, keys)
	assert.Empty(t, keys)
}

func TestGet(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(http.MethodGet, "/project-keys/pk%201", jsonResponder(200, `{
		"id":"pk 1","name":"a","service_id":"s","status":"active","kafka_username":"u",
		"kafka_acls":[{"name":"orders","operation":"READ","resource_pattern_type":"LITERAL","resource":"TOPIC"}],
		"whitelist_ips":"10.0.0.0/8","kafka_proxy_endpoint":"kafka:32400","schema_proxy_endpoint":"schema:32401",
		"token_ttl_seconds":900}`))
	key, err := h.c.ProjectKeys.Get(context.Background(), "pk 1")
	require.NoError(t, err)
	assert.Equal(t, "pk 1", key.ID)
	assert.Equal(t, []KafkaACL{{TopicName: "orders", Operation: OperationRead, ResourcePatternType: PatternLiteral, Resource: ResourceTopic}}, key.KafkaACLs)
	assert.Equal(t, "10.0.0.0/8", key.WhitelistIPs)
	assert.Equal(t, "kafka:32400", key.KafkaProxyEndpoint)
	assert.Equal(t, "schema:32401", key.SchemaProxyEndpoint)
	assert.Equal(t, 15*time.Minute, key.TokenTTL)
	assert.Len(t, h.sent(http.MethodGet, "/project-keys/pk%201"), 1)
}

func TestGetRefusesAnEmptyID(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, err := h.c.ProjectKeys.Get(context.Background(), "")
	require.ErrorIs(t, err, ErrValidation)
	assert.Equal(t, "streamkap: ProjectKeys.Get: invalid request, nothing was sent: project_key_id: must not be empty", err.Error())
	assert.Empty(t, h.all())
}

func TestTokenTTLOutOfRange(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"-1", "0", "1e300", "null", `"soon"`} {
		var key ProjectKeyDetail
		err := json.Unmarshal([]byte(`{"id":"pk-1","token_ttl_seconds":`+v+`}`), &key)
		if err != nil {
			assert.True(t, isFieldTypeError(err), v)
		}
		assert.Zero(t, key.TokenTTL, v)
		assert.Equal(t, "pk-1", key.ID, v)
	}
	var key ProjectKeyDetail
	require.NoError(t, json.Unmarshal([]byte(`{"token_ttl_seconds":0.5}`), &key))
	assert.Equal(t, 500*time.Millisecond, key.TokenTTL)
}

func TestProjectKeyDetailSurvivesJSON(t *testing.T) {
	t.Parallel()
	key := ProjectKeyDetail{
		ProjectKey:   ProjectKey{ID: "pk-1", Name: "bot", Status: StatusActive, KafkaUsername: "bot"},
		KafkaACLs:    []KafkaACL{{TopicName: "t", Operation: OperationRead, ResourcePatternType: PatternLiteral}},
		WhitelistIPs: "10.0.0.1", TokenTTL: 15 * time.Minute,
	}
	b, err := json.Marshal(key)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"token_ttl_seconds":900`)
	var back ProjectKeyDetail
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, key, back)
	p, err := json.Marshal(&key)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(p), "a pointer marshals the same")
}

func TestTimestampsDecodeEveryFormTheAPIMaySend(t *testing.T) {
	t.Parallel()
	utc := func(y int, mo time.Month, d, h, mi, sec, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, sec, ns, time.UTC)
	}
	for text, want := range map[string]time.Time{
		`"2026-11-26T08:00:00.123456"`:      utc(2026, 11, 26, 8, 0, 0, 123456000),
		`"2026-11-26T08:00:00"`:             utc(2026, 11, 26, 8, 0, 0, 0),
		`"2026-11-26T08:00:00Z"`:            utc(2026, 11, 26, 8, 0, 0, 0),
		`"2026-11-26T08:00:00.5+05:30"`:     time.Date(2026, 11, 26, 8, 0, 0, 500000000, time.FixedZone("", 5*3600+1800)),
		`"2026-11-26T08:00:00+00:00"`:       utc(2026, 11, 26, 8, 0, 0, 0),
		`"2026-11-26 08:00:00"`:             utc(2026, 11, 26, 8, 0, 0, 0),
		`"2026-11-26 08:00:00.25-01:00"`:    time.Date(2026, 11, 26, 8, 0, 0, 250000000, time.FixedZone("", -3600)),
		`"2026-11-26"`:                      utc(2026, 11, 26, 0, 0, 0, 0),
		`" 2026-11-26T08:00:00 "`:           utc(2026, 11, 26, 8, 0, 0, 0),
		`"2026-11-26T08:00:00,5"`:           utc(2026, 11, 26, 8, 0, 0, 500000000),
		`"2026-11-26T08:00:00.123456789Z"`:  utc(2026, 11, 26, 8, 0, 0, 123456789),
		`"2026-11-26T08:00:00.1234567891Z"`: utc(2026, 11, 26, 8, 0, 0, 123456789),
		`"2026-13-26T08:00:00"`:             {},
		`"2026-11-26T08:00"`:                {},
		`"yesterday"`:                       {},
		`""`:                                {},
		`null`:                              {},
		`17`:                                {},
	} {
		var ts Timestamp
		require.NoError(t, ts.UnmarshalJSON([]byte(text)), text)
		assert.True(t, want.Equal(ts.Time), "%s: got %v, want %v", text, ts.Time, want)
		_, gotOffset := ts.Zone()
		_, wantOffset := want.Zone()
		assert.Equal(t, wantOffset, gotOffset, text)
	}
}

func TestTimestampsMarshalAsTheAPIWroteThem(t *testing.T) {
	t.Parallel()
	for _, text := range []string{`"2026-11-26T08:00:00.123456"`, `"2026-11-26T08:00:00+00:00"`, `"2026-11-26 08:00:00"`, `"2026-11-26T08:00:00Z"`, `"2026-11-26"`} {
		var ts Timestamp
		require.NoError(t, json.Unmarshal([]byte(text), &ts))
		require.False(t, ts.IsZero(), text)
		out, err := json.Marshal(ts)
		require.NoError(t, err)
		assert.Equal(t, text, string(out), "written back as the API wrote it")
		ts.Time = ts.Add(time.Hour)
		out, err = json.Marshal(ts)
		require.NoError(t, err)
		assert.Equal(t, `"`+ts.Time.Format(time.RFC3339Nano)+`"`, string(out), "a changed time is Go's RFC 3339")
	}
}
