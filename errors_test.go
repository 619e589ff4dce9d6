package streamkap

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAPIErrorDecoding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		status   int
		body     string
		check    func(t *testing.T, e *APIError)
		kinds    []error
		notKinds []error
	}{
		{"string detail", 404, `{"detail":"Project key not found"}`, func(t *testing.T, e *APIError) {
			assert.Equal(t, "Project key not found", e.Detail)
			assert.Nil(t, e.Fields)
			assert.Equal(t, `streamkap: PATCH /project-keys/pk-1: 404 Not Found: Project key not found [request_id=req-1, attempts=1]`, e.Error())
		}, []error{ErrNotFound}, []error{ErrOutcomeUnknown, ErrValidation}},
		{"key not ready", 400, `{"detail":"Project key is creating; it cannot be updated yet"}`, func(t *testing.T, e *APIError) {
			assert.Equal(t, "Project key is creating; it cannot be updated yet", e.Detail)
		}, []error{ErrKeyNotReady}, []error{ErrNotFound, ErrConflict}},
		{"delete_failed is not ready", 400, `{"detail":"Project key status is delete_failed"}`, nil, []error{ErrKeyNotReady}, nil},
		{"400 saying not found", 400, `{"detail":"Project key does not exist"}`, nil, []error{ErrNotFound}, []error{ErrKeyNotReady}},
		{"400 a business rule", 400, `{"detail":"A Kafka user already exists for this key"}`, nil, []error{ErrRefused, ErrBadRequest}, nil},
		{"400 already exists", 400, `{"detail":"Project key with name 'bot' already exists"}`, nil, []error{ErrConflict, ErrBadRequest}, nil},
		{"422 field list", 422, `{"detail":[
			{"type":"string_too_long","loc":["body","name"],"msg":"String should have at most 100 characters","input":"x","ctx":{"max_length":100}},
			{"type":"string_too_short","loc":["body","kafka_password"],"msg":"String should have at least 12 characters","input":"` + plantedKafkaPass + `"},
			{"type":"value_error","loc":["body","kafka_acls",0,"operation"],"msg":"bad op"}]}`,
			func(t *testing.T, e *APIError) {
				require.Len(t, e.Fields, 3)
				assert.Equal(t, FieldError{Loc: []string{"body", "name"}, Msg: "String should have at most 100 characters", Type: "string_too_long"}, e.Fields[0])
				assert.Equal(t, "kafka_acls.0.operation", e.Fields[2].Field())
				assert.Equal(t, "name: String should have at most 100 characters; kafka_password: String should have at least 12 characters; kafka_acls.0.operation: bad op", e.Detail)
			}, []error{ErrValidation}, []error{ErrOutcomeUnknown}},
		{"422 already exists", 422, `{"detail":"A key named ingest already exists"}`, nil, []error{ErrConflict, ErrValidation}, nil},
		{"object detail", 400, `{"detail":{"code":"invalid_transition","message":"Kafka access needs an AWS project","issues":[{"pointer":"/kafka_config"}]}}`,
			func(t *testing.T, e *APIError) {
				assert.Equal(t, "invalid_transition", e.Code)
				assert.Equal(t, "Kafka access needs an AWS project", e.Detail)
				assert.JSONEq(t, `{"code":"invalid_transition","message":"Kafka access needs an AWS project","issues":[{"pointer":"/kafka_config"}]}`, string(e.RawDetail))
			}, nil, []error{ErrKeyNotReady}},
		{"object detail without message", 400, `{"detail":{"reason":"x"}}`, func(t *testing.T, e *APIError) {
			assert.Equal(t, `{"reason":"x"}`, e.Detail)
		}, nil, nil},
		{"other detail shape", 400, `{"detail":42}`, func(t *testing.T, e *APIError) { assert.Equal(t, "42", e.Detail) }, nil, nil},
		{"message instead of detail", 403, `{"message":"Missing permission project_keys:write"}`, func(t *testing.T, e *APIError) {
			assert.Equal(t, "Missing permission project_keys:write", e.Detail)
		}, []error{ErrForbidden}, nil},
		{"HTML from a gateway", 502, "<html>\r\n<head><title>502 Bad Gateway</title></head>\n<body>\t<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center></body></html>" + strings.Repeat(" padding", 100),
			func(t *testing.T, e *APIError) {
				assert.True(t, strings.HasPrefix(e.Detail, "<html> <head><title>502 Bad Gateway</title></head> <body> <center><h1>"), e.Detail)
				assert.True(t, strings.HasSuffix(e.Detail, "…"))
				assert.LessOrEqual(t, len([]rune(e.Detail)), maxSnippetRunes+1)
			}, []error{ErrOutcomeUnknown}, nil},
		{"truncated JSON error", 500, `{"detail":"Kafka Connect API call fa`, func(t *testing.T, e *APIError) {
			assert.Equal(t, `{"detail":"Kafka Connect API call fa`, e.Detail)
		}, []error{ErrOutcomeUnknown}, nil},
		{"empty body", 404, ``, func(t *testing.T, e *APIError) {
			assert.Empty(t, e.Detail)
			assert.Equal(t, `streamkap: PATCH /project-keys/pk-1: 404 Not Found [request_id=req-1, attempts=1]`, e.Error())
		}, []error{ErrNotFound}, nil},
		{"binary garbage", 400, "\x00\x01\xff\xfe ok \x7f", func(t *testing.T, e *APIError) { assert.Equal(t, "ok", e.Detail) }, nil, nil},
		{"unknown status", 418, `{"detail":"teapot"}`, func(t *testing.T, e *APIError) {
			assert.Equal(t, `streamkap: PATCH /project-keys/pk-1: 418 I'm a teapot: teapot [request_id=req-1, attempts=1]`, e.Error())
		}, nil, []error{ErrNotFound, ErrUnauthorized, ErrForbidden, ErrConflict, ErrRateLimited, ErrKeyNotReady, ErrValidation, ErrOutcomeUnknown}},
		{"secret echoed in a detail string", 400, `{"detail":"password ` + plantedKafkaPass + ` is weak"}`, func(t *testing.T, e *APIError) {
			assert.Equal(t, "password [REDACTED] is weak", e.Detail)
		}, nil, nil},
		{"secret echoed in an object", 400, `{"detail":{"message":"bad","input":{"kafka_config":{"password":"` + plantedKafkaPass + `"}}}}`, func(t *testing.T, e *APIError) {
			assert.NotContains(t, string(e.RawDetail), plantedKafkaPass)
			assert.Contains(t, string(e.RawDetail), redacted)
		}, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(http.MethodPatch, "/project-keys/pk-1", func(*http.Request) (*http.Response, error) {
				resp := httpmock.NewStringResponse(tc.status, tc.body)
				resp.Header.Set("X-Request-Id", "req-1")
				return resp, nil
			})
			// kafka_config makes every 5xx final, so each case is one attempt.
			_, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{
				KafkaConfig: Value(KafkaConfig{Username: "usr", Password: NewSecret(plantedKafkaPass)}),
			})
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, "req-1", apiErr.RequestID)
			assert.Equal(t, 1, apiErr.Attempts)
			assert.Equal(t, http.MethodPatch, apiErr.Method)
			assert.Equal(t, "/project-keys/pk-1", apiErr.Path)
			if tc.check != nil {
				tc.check(t, apiErr)
			}
			for _, kind := range tc.kinds {
				assert.ErrorIs(t, err, kind)
			}
			for _, kind := range tc.notKinds {
				assert.NotErrorIs(t, err, kind)
			}
			assert.NotContains(t, err.Error(), plantedKafkaPass)
			assert.NotContains(t, err.Error(), plantedTokenPrefix)
		})
	}
}

func TestMalformedSuccessResponses(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		body  string
		cause error
		text  string
	}{
		"truncated JSON": {`{"id":"pk-1","new_kafka_credentials":{"password":"` + plantedKafkaPass, ErrMalformedResponse, "truncated JSON"},
		"empty body":     {``, ErrMalformedResponse, "the body is empty"},
		"whitespace":     {" \n ", ErrMalformedResponse, "the body is empty"},
		"HTML":           {`<html>OK</html>`, ErrMalformedResponse, "not valid JSON"},
		"wrong shape":    {`[{"id":"pk-1"}]`, ErrMalformedResponse, "a JSON array where an object was expected"},
		"too large":      {`{"id":"` + strings.Repeat("x", 2<<20) + `"}`, ErrResponseTooLarge, "response body too large"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, WithMaxResponseBytes(1<<20))
			h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(200, tc.body, "X-Request-Id", "req-9"))
			_, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{RoleIDs: Value([]string{"r"})})
			require.ErrorIs(t, err, tc.cause)
			assert.ErrorIs(t, err, ErrOutcomeUnknown, "the change was accepted but its result was lost")
			var reqErr *RequestError
			require.ErrorAs(t, err, &reqErr)
			assert.Equal(t, 200, reqErr.StatusCode)
			assert.Equal(t, "req-9", reqErr.RequestID)
			assert.Contains(t, err.Error(), tc.text)
			assert.Contains(t, err.Error(), "the change was accepted but its result was lost")
			assert.NotContains(t, err.Error(), plantedKafkaPass)
			assert.Len(t, h.sent(http.MethodPatch, "/project-keys/pk-1"), 1)
		})
	}
}

func TestAnnouncedTooLargeIsRefusedWithoutReading(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithMaxResponseBytes(4096))
	h.on(http.MethodGet, "/project-keys/pk-1", func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(200, "{}")
		resp.ContentLength = 50 << 20
		return resp, nil
	})
	err := callKinds["get"](context.Background(), h.c)
	require.ErrorIs(t, err, ErrResponseTooLarge)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown, "a read has no outcome")
	assert.Contains(t, err.Error(), "52428800 bytes announced")
}

func TestErrorKindsAreDistinct(t *testing.T) {
	t.Parallel()
	kinds := []error{ErrNotFound, ErrUnauthorized, ErrForbidden, ErrConflict, ErrRateLimited, ErrKeyNotReady, ErrValidation, ErrOutcomeUnknown,
		ErrRefused, ErrBadRequest, ErrRedirect, ErrSecretLost, ErrDeleteFailed, ErrMalformedResponse, ErrResponseTooLarge}
	for i, a := range kinds {
		for j, b := range kinds {
			assert.Equal(t, i == j, errors.Is(a, b))
		}
	}
	v := &ValidationError{Operation: "X", Fields: []FieldError{{Msg: "m"}}}
	assert.ErrorIs(t, v, ErrValidation)
	assert.NotErrorIs(t, v, ErrNotFound)
	r := &RequestError{Method: "GET", Path: "/p", Err: errReset}
	assert.NotErrorIs(t, r, ErrOutcomeUnknown)
	assert.False(t, r.OutcomeUnknown())
	assert.Equal(t, "streamkap: GET /p: read tcp: connection reset by peer", r.Error())
	a := &APIError{StatusCode: 500, outcomeUnknown: true}
	assert.True(t, a.OutcomeUnknown())
}

// TestErrorKindsOfA400 classifies 400 answers by their whole detail:
// phrases the API uses match their kind, and near misses (the same words
// inside another message) match only the generic ErrBadRequest.
func TestErrorKindsOfA400(t *testing.T) {
	t.Parallel()
	specific := []error{ErrKeyNotReady, ErrRefused, ErrConflict, ErrNotFound}
	cases := []struct {
		detail string
		want   error // nil: only ErrBadRequest
	}{
		// The API's phrases.
		{"Project key is creating; it cannot be updated until it is active", ErrKeyNotReady},
		{"Project key is deleting; it cannot be updated until it is active", ErrKeyNotReady},
		{"Project key is delete_failed; it cannot be updated until it is active", ErrKeyNotReady},
		{"Project key pk-1 is creating", ErrKeyNotReady},
		{"project key is deleting.", ErrKeyNotReady},
		{"permission_ids can only be set when adding API access to a Kafka-only key; use role_ids to change the roles of existing API credentials", ErrRefused},
		{"A Kafka user already exists for this key; use kafka_password to rotate its password", ErrRefused},
		{"The key has no Kafka user; use kafka_config to add Kafka access", ErrRefused},
		{"role_ids and permission_ids are mutually exclusive", ErrRefused},
		{"Unknown role ids: role-x", ErrRefused},
		{"A project key needs API access (role_ids or permission_ids) or Kafka access (kafka_config)", ErrRefused},
		{"Project key with name 'bot' already exists", ErrConflict},
		{"Failed creating Kafka user: username already taken", ErrConflict},
		{"Project key not found", ErrNotFound},
		{"Project key pk-9 does not exist", ErrNotFound},
		// Near misses: the words, not the phrase.
		{"Error while deleting ACLs for user", nil},
		{"Failed creating Kafka user: timeout", nil},
		{"The pipeline is creating; try later", nil},
		{"Role role-x not found", nil},
		{"Tenant not found for this project key", nil},
		{"no such topic", nil},
		{"Schema registry already exists, but Kafka user creation failed", nil},
		{"Not ready: maintenance", nil},
		{"delete_failed", nil},
		{"Something went wrong. Project key is creating", nil},
		{"kafka_config is invalid: a Kafka user already exists for this key", nil},
		{"", nil},
	}
	for _, tc := range cases {
		e := &APIError{StatusCode: http.StatusBadRequest, Detail: tc.detail}
		assert.ErrorIs(t, e, ErrBadRequest, tc.detail)
		for _, kind := range specific {
			assert.Equal(t, kind == tc.want, errors.Is(e, kind), "%q: %v", tc.detail, kind)
		}
	}
	// The same details on other statuses keep their status's kind only.
	assert.NotErrorIs(t, &APIError{StatusCode: 500, Detail: "Project key is creating"}, ErrKeyNotReady)
	assert.NotErrorIs(t, &APIError{StatusCode: 500, Detail: "Project key is creating"}, ErrBadRequest)
	assert.ErrorIs(t, &APIError{StatusCode: 422, Detail: "name: Project key with name 'bot' already exists"}, ErrConflict)
	assert.ErrorIs(t, &APIError{StatusCode: 409, Detail: "anything"}, ErrConflict)
}

func TestSnippet(t *testing.T) {
	t.Parallel()
	var r redactor
	assert.Equal(t, "a b c", r.snippet([]byte("  a \n\t b\r\nc  ")))
	assert.Equal(t, strings.Repeat("é", maxSnippetRunes)+"…", r.snippet([]byte(strings.Repeat("é", maxSnippetRunes+5))))
	assert.Equal(t, "", r.snippet(nil))
}

func TestARuleInTheRequestModelIsARefusal(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"detail":[{"loc":["body"],"msg":"Value error, role_ids and permission_ids are mutually exclusive","type":"value_error"}]}`,
		`{"detail":"Value error, role_ids and permission_ids are mutually exclusive"}`,
	} {
		h := newHarness(t)
		h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(422, body))
		_, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{Name: Value("x")})
		assert.ErrorIs(t, err, ErrRefused, body)
		assert.ErrorIs(t, err, ErrValidation, body)
	}
	h := newHarness(t)
	h.on(http.MethodPatch, "/project-keys/pk-1", jsonResponder(422, `{"detail":[{"loc":["body","name"],"msg":"Value error, too long","type":"value_error"}]}`))
	_, err := h.c.ProjectKeys.Update(context.Background(), "pk-1", UpdateProjectKeyParams{Name: Value("x")})
	assert.NotErrorIs(t, err, ErrRefused, "a value error that is no rule")
}
