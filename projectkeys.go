package streamkap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ProjectKeysService manages Project Keys: API credentials, Kafka access and
// MCP tool scoping bundled under one key. Get it from [Client.ProjectKeys].
//
// Methods that take a key id refuse, before any I/O and with a
// [*ValidationError], an id that cannot name one key: an empty id, "." or
// "..", or one containing "/", "\" or a control character. The API decodes
// the path before routing it, so such an id, however it is escaped, would
// reach another key or endpoint ("K/" is answered with a redirect to K).
type ProjectKeysService struct {
	client *Client
}

// UpdateProjectKeyResult is what the API answers to an update: the key's
// summary (as in a list; read details such as the ACLs with
// [ProjectKeysService.Get]) and the credentials the update created, if any.
type UpdateProjectKeyResult struct {
	ProjectKey
	// NewAPICredentials is set only when the update added API access to a
	// Kafka-only key. Its ClientSecret is shown this once.
	NewAPICredentials *APICredentials `json:"new_api_credentials"`
	// NewKafkaCredentials is set only when the update added Kafka access.
	// Its Password, chosen client-side, is the one that was sent.
	NewKafkaCredentials *KafkaCredentials `json:"new_kafka_credentials"`
	// Warnings are the API's notes to show the user after the update, such
	// as how long a role change takes to reach issued tokens; never nil
	// (empty when there is nothing to say). Server text: secrets the client
	// knows are redacted and control characters escaped.
	Warnings []string `json:"warnings"`
	// TokenTTL is the current lifetime of the tenant's JWTs, which a role
	// change takes at most to reach tokens already issued; zero when the
	// answer does not say. In JSON it is token_ttl_seconds, as the API
	// sends it.
	TokenTTL time.Duration `json:"-"`
}

// UnmarshalJSON decodes the API's shape; absent or null warnings are an
// empty list, and a lifetime that is negative or too large is zero.
func (r *UpdateProjectKeyResult) UnmarshalJSON(b []byte) error {
	var a updateAnswer
	err := json.Unmarshal(b, &a.updateAnswerWire)
	if err != nil && !isFieldTypeError(err) {
		return err
	}
	*r = *a.result()
	return err // a field of the wrong type: the caller skips it and keeps the rest
}

// ListProjectKeysOptions filters List. The API documents no filters today;
// the struct is here so that filters can come without breaking callers.
// Query strings are built from it with go-querystring.
type ListProjectKeysOptions struct{}

// List returns the tenant's Project Keys (GET /project-keys), without
// secrets. The API returns them all at once; opts may be nil.
func (s *ProjectKeysService) List(ctx context.Context, opts *ListProjectKeysOptions, callOpts ...CallOption) ([]ProjectKey, error) {
	q, err := encodeQuery(opts)
	if err != nil {
		return nil, err
	}
	var keys []ProjectKey
	err = s.client.do(ctx, &call{
		method: http.MethodGet, route: "/project-keys", path: "/project-keys", query: q,
		idempotent: true, out: (*keyList)(&keys),
		opts: parseCallOptions(callOpts),
	})
	if err != nil {
		return nil, err
	}
	if keys == nil {
		keys = []ProjectKey{}
	}
	return keys, nil
}

// Get returns one Project Key with its details (GET
// /project-keys/{project_key_id}). A key that does not exist gives an
// error matching [ErrNotFound].
func (s *ProjectKeysService) Get(ctx context.Context, projectKeyID string, opts ...CallOption) (*ProjectKeyDetail, error) {
	if err := validateKeyID("ProjectKeys.Get", projectKeyID); err != nil {
		return nil, err
	}
	var answer detailAnswer
	target, path := s.client.keyEndpoint(projectKeyID, "")
	err := s.client.do(ctx, &call{
		method: http.MethodGet, route: "/project-keys/{project_key_id}", url: target, path: path,
		idempotent: true, out: &answer, opts: parseCallOptions(opts),
	})
	if err != nil {
		return nil, err
	}
	return answer.detail(), nil
}

// checkAnswer refuses a key without an id: no key is valid without one,
// and another endpoint's answer (or {}) decodes that way.
func (k *ProjectKey) checkAnswer() error {
	if k.ID == "" {
		return errMissing("key id")
	}
	return nil
}

// keyList is List's answer.
type keyList []ProjectKey

func (l *keyList) checkAnswer() error {
	for i := range *l {
		if err := (*l)[i].checkAnswer(); err != nil {
			return err
		}
	}
	return nil
}

// keyEndpoint returns the URL of a key's endpoint (suffix "" or
// "/mcp-config"), built in one allocation, and its path for errors.
func (c *Client) keyEndpoint(projectKeyID, suffix string) (target, path string) {
	target = c.baseURL + "/project-keys/" + url.PathEscape(projectKeyID) + suffix
	return target, target[len(c.baseURL):]
}

// validateKeyID refuses, before any I/O, a key id that cannot name one key.
func validateKeyID(operation, projectKeyID string) error {
	if problem, ok := checkKeyID(projectKeyID); !ok {
		return &ValidationError{Operation: operation, Fields: []FieldError{problem}}
	}
	return nil
}

// checkKeyID reports what is wrong with a key id, if anything. The SDK
// escapes an id into one path segment, but the API decodes the path before
// routing: "K/" would reach key K (after a redirect), "K/mcp-config"
// another endpoint, and "." or ".." a parent path. Such ids, and ids with
// a backslash or a control character, cannot name a key, so they are
// refused rather than sent.
func checkKeyID(id string) (FieldError, bool) {
	const field = "path.project_key_id"
	switch {
	case id == "":
		return FieldError{Loc: fieldLoc(field), Msg: "must not be empty", Type: "missing"}, false
	case id == "." || id == "..":
		return FieldError{Loc: fieldLoc(field), Msg: `must not be "." or ".."`, Type: "invalid_id"}, false
	case strings.ContainsAny(id, `/\`):
		return FieldError{Loc: fieldLoc(field), Msg: "must not contain / or \\ (the API decodes the path before routing)", Type: "invalid_id"}, false
	case strings.ContainsFunc(id, isControl):
		return FieldError{Loc: fieldLoc(field), Msg: "must not contain control characters", Type: "invalid_id"}, false
	}
	return FieldError{}, true
}

// Update changes a Project Key (PATCH /project-keys/{project_key_id}). The
// params are checked first; a [*ValidationError] listing every problem is
// returned before anything is sent.
//
// Adding Kafka access (KafkaConfig) or API access (RoleIDs or
// PermissionIDs on a Kafka-only key) returns the new plaintext secret in
// NewKafkaCredentials or NewAPICredentials: this is the only time the API
// shows it. A Kafka password is always chosen client-side (generated when
// KafkaConfig has none), and NewKafkaCredentials.Password is the password
// in effect. If such an update fails with [ErrOutcomeUnknown], read the key
// with Get before trying again; when it added Kafka access, the error is a
// [*KafkaOutcomeUnknownError] holding the password that was sent.
func (s *ProjectKeysService) Update(ctx context.Context, projectKeyID string, params UpdateProjectKeyParams, opts ...CallOption) (*UpdateProjectKeyResult, error) {
	return s.update(ctx, updateCall{operation: "ProjectKeys.Update", opts: opts}, projectKeyID, params)
}

// updateCall says how a helper built on Update sends it.
type updateCall struct {
	operation string // the helper's name, for errors
	opts      []CallOption
	// rolesAreIdempotent marks role_ids as a plain role change (the key is
	// known to have API access), safe to resend.
	rolesAreIdempotent bool
}

// update is Update in the name of a helper.
func (s *ProjectKeysService) update(ctx context.Context, how updateCall, projectKeyID string, params UpdateProjectKeyParams) (*UpdateProjectKeyResult, error) {
	operation := how.operation
	if err := params.validate(operation, projectKeyID); err != nil {
		return nil, err
	}
	// A Kafka user is never created with a password the caller does not hold.
	var kafka *KafkaConfig
	if params.KafkaConfig.IsSet() {
		if params.KafkaConfig.value.Password.IsZero() {
			params.KafkaConfig.value.Password = GeneratePassword()
		}
		kafka = &params.KafkaConfig.value
	}
	answer := &updateAnswer{params: &params, kafka: kafka}

	body, err := encodeUpdate(&params)
	if err != nil {
		return nil, fmt.Errorf("streamkap: %s: encoding the request: %w", operation, err)
	}
	target, path := s.client.keyEndpoint(projectKeyID, "")
	err = s.client.do(ctx, &call{
		method:     http.MethodPatch,
		route:      "/project-keys/{project_key_id}",
		url:        target,
		path:       path,
		body:       body,
		idempotent: !params.addsCapability() || (how.rolesAreIdempotent && params.onlyRoleChange()),
		secrets:    params.secrets(),
		out:        answer,
		opts:       parseCallOptions(how.opts),
	})
	if err != nil {
		if kafka != nil && errors.Is(err, ErrOutcomeUnknown) {
			return nil, &KafkaOutcomeUnknownError{Operation: operation, ProjectKeyID: projectKeyID,
				Username: kafka.Username, Password: kafka.Password, Err: err}
		}
		return nil, s.settleRefusal(ctx, projectKeyID, err)
	}
	result := answer.result()
	if len(result.Warnings) > 0 {
		redact := s.client.wire().redactor().with(params.secrets())
		for i, w := range result.Warnings {
			result.Warnings[i] = redact.text(w)
		}
	}
	if kafka != nil {
		// The password in effect is the one sent when the answer agrees or
		// says nothing; an answer that names another is reported, with both.
		if result.NewKafkaCredentials == nil {
			result.NewKafkaCredentials = &KafkaCredentials{Username: kafka.Username}
		}
		if reported := result.NewKafkaCredentials.Password; !reported.IsZero() && !reported.Equal(kafka.Password) {
			return nil, &KafkaPasswordMismatchError{Operation: operation, ProjectKeyID: projectKeyID, Username: kafka.Username,
				Sent: kafka.Password, Reported: reported, Result: result}
		}
		result.NewKafkaCredentials.Password = kafka.Password
	}
	return result, nil
}

// KafkaPasswordMismatchError reports an update that added a Kafka user
// whose answer names a password other than the one sent. The user exists;
// which password is in effect is not known (try each), so the error
// matches ErrOutcomeUnknown. Neither password is ever in its text.
type KafkaPasswordMismatchError struct {
	Operation    string
	ProjectKeyID string
	Username     string
	// Sent is the password the update sent; Reported the one its answer named.
	Sent, Reported Secret
	// Result is the update's answer, its NewKafkaCredentials holding Reported.
	Result *UpdateProjectKeyResult
}

// Error says what happened, without either password.
func (e *KafkaPasswordMismatchError) Error() string {
	return "streamkap: " + e.Operation + ": key " + e.ProjectKeyID + ": the answer names a Kafka password for user " + e.Username +
		" other than the one sent; both are in this error (Sent, Reported): connect with each to learn which is in effect"
}

// Is matches ErrOutcomeUnknown: which password is in effect is unknown.
func (e *KafkaPasswordMismatchError) Is(target error) bool { return target == ErrOutcomeUnknown }

// updateAnswer decodes an update's answer, knowing what was asked.
type updateAnswer struct {
	updateAnswerWire
	params *UpdateProjectKeyParams
	kafka  *KafkaConfig // the Kafka user the update adds, if any
}

// checkAnswer refuses an update answer that lacks what the update must
// return: the key's id, and the evidence of the access it added. (A role
// change on a Kafka-only key also adds API access, but only a read of the
// key beforehand can tell; AddAPIAccess does that.)
func (a *updateAnswer) checkAnswer() error {
	r := &a.updateAnswerWire
	switch {
	case r.ID == "":
		return errMissing("the key's id")
	case a.kafka != nil && r.NewKafkaCredentials == nil && r.KafkaUsername != a.kafka.Username:
		return errMissing("new_kafka_credentials, or the new Kafka user")
	case a.params.PermissionIDs.IsSet() && (r.NewAPICredentials == nil || r.NewAPICredentials.ClientSecret.IsZero()):
		return errMissing("new_api_credentials with the new client secret")
	}
	return nil
}

// result is the decoded UpdateProjectKeyResult.
func (a *updateAnswer) result() *UpdateProjectKeyResult {
	r := &UpdateProjectKeyResult{ProjectKey: ProjectKey(a.keyWire), NewAPICredentials: a.NewAPICredentials,
		NewKafkaCredentials: a.NewKafkaCredentials, Warnings: a.Warnings, TokenTTL: ttlFromSeconds(a.TokenTTLSeconds)}
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
	return r
}

// errMissing says that a successful answer lacks something it must carry.
func errMissing(what string) error {
	return fmt.Errorf("%w: the answer has no %s", ErrMalformedResponse, what)
}

// KafkaOutcomeUnknownError is returned when an update that adds Kafka
// access (Update with KafkaConfig, AddKafkaAccess) may have been applied
// but its answer was lost. The password was chosen client-side, so nothing
// is lost: if Get shows the Kafka user Username on the key, Password is
// its password. It matches ErrOutcomeUnknown and unwraps to the failure.
type KafkaOutcomeUnknownError struct {
	// Operation is the method that sent the update, e.g. "ProjectKeys.Update".
	Operation    string
	ProjectKeyID string
	// Username is the Kafka user the update creates.
	Username string
	// Password is the password that was sent: the user's password if it exists.
	Password Secret
	// Err is the failure.
	Err error
}

// Error says what may have happened and where the password is.
func (e *KafkaOutcomeUnknownError) Error() string {
	return "streamkap: " + e.Operation + ": Kafka user " + strconv.Quote(e.Username) + " may have been added to key " + e.ProjectKeyID +
		"; if Get shows it, its password is the one that was sent (the error's Password field)" + causeText(e.Err)
}

// Unwrap returns the failure.
func (e *KafkaOutcomeUnknownError) Unwrap() error { return e.Err }

// Is matches ErrOutcomeUnknown.
func (e *KafkaOutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// answerSecrets are the secrets the update's answer brought.
func (a *updateAnswer) answerSecrets() []string {
	return credentialSecrets(a.NewAPICredentials, a.NewKafkaCredentials)
}
