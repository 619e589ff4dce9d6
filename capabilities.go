package streamkap

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
)

// ErrSecretLost matches an error saying that a secret the API shows only
// once was issued but never reached the caller.
var ErrSecretLost = errors.New("streamkap: a shown-once secret was lost")

// AddKafkaAccessParams describe the Kafka user AddKafkaAccess creates.
type AddKafkaAccessParams struct {
	// Username is the SASL username (required).
	Username string
	// Password is the SASL password. When zero, a strong one is generated
	// here, so that the caller holds the secret even if the response is lost.
	Password Secret
	// WhitelistIPs is a comma-separated IP/CIDR allow-list; empty allows any IP.
	WhitelistIPs string
	// KafkaACLs are the user's ACLs.
	KafkaACLs []KafkaACL
	// CreateSchemaRegistry also provisions Schema Registry access.
	CreateSchemaRegistry bool
}

// KafkaAccess is the outcome of AddKafkaAccess.
type KafkaAccess struct {
	// Key is the key afterwards, as the update's answer or the read-back
	// described it.
	Key *ProjectKey
	// Credentials are the new Kafka credentials. Password is the one that
	// was sent, which the SDK can vouch for even when the answer was lost.
	Credentials KafkaCredentials
	// Reconciled is true when the answer was lost and the SDK confirmed the
	// change by reading the key back. Then only Username, Password and
	// BootstrapServers are known.
	Reconciled bool
	// Warnings are the API's notes on the update (see
	// [UpdateProjectKeyResult.Warnings]); empty when reconciled.
	Warnings []string
}

// AddKafkaAccess adds a Kafka user to a key that has none (an update with
// kafka_config). The password is chosen client-side (generated when not
// given), so the caller holds it whatever happens to the answer. If the
// outcome is unknown (a dropped connection, a 5xx), the SDK reads the key
// back: if the Kafka user exists, the change was applied and the
// credentials are returned with Reconciled set; if not, the error says so
// and still matches ErrOutcomeUnknown, since the change may yet be in progress.
func (s *ProjectKeysService) AddKafkaAccess(ctx context.Context, projectKeyID string, params AddKafkaAccessParams, opts ...CallOption) (*KafkaAccess, error) {
	password := params.Password
	if password.IsZero() {
		password = GeneratePassword()
	}
	res, err := s.update(ctx, updateCall{operation: "ProjectKeys.AddKafkaAccess", opts: opts}, projectKeyID, UpdateProjectKeyParams{KafkaConfig: Value(KafkaConfig{
		Username: params.Username, Password: password, WhitelistIPs: params.WhitelistIPs,
		KafkaACLs: params.KafkaACLs, CreateSchemaRegistry: params.CreateSchemaRegistry,
	})})
	if err == nil {
		return &KafkaAccess{Key: &res.ProjectKey, Credentials: *res.NewKafkaCredentials, Warnings: res.Warnings}, nil
	}
	var mismatch *KafkaPasswordMismatchError
	if !errors.Is(err, ErrOutcomeUnknown) || errors.As(err, &mismatch) {
		return nil, err // a mismatch is reported as it is: the answer arrived
	}

	key, err := s.readBack(ctx, "AddKafkaAccess", projectKeyID, err, opts)
	switch {
	case key == nil:
		return nil, err
	case key.KafkaUsername == params.Username:
		return &KafkaAccess{Key: &key.ProjectKey, Reconciled: true, Warnings: []string{}, Credentials: KafkaCredentials{
			Username: params.Username, Password: password, BootstrapServers: key.KafkaProxyEndpoint,
		}}, nil
	case key.KafkaUsername == "":
		return nil, fmt.Errorf("streamkap: ProjectKeys.AddKafkaAccess: key %s has no Kafka user after the failure: "+
			"the change was not applied, or is still being applied; read the key again before retrying: %w", projectKeyID, err)
	default:
		return nil, fmt.Errorf("streamkap: ProjectKeys.AddKafkaAccess: key %s has Kafka user %q, not %q: %w",
			projectKeyID, key.KafkaUsername, params.Username, errors.Join(err, ErrConflict))
	}
}

// readBack reads a key after a write whose outcome is unknown. It returns
// the key and the write's error, or no key and an error joining both
// failures.
func (s *ProjectKeysService) readBack(ctx context.Context, operation, projectKeyID string, writeErr error, opts []CallOption) (*ProjectKeyDetail, error) {
	key, err := s.Get(ctx, projectKeyID, opts...)
	if err != nil {
		return nil, fmt.Errorf("streamkap: ProjectKeys.%s: the outcome is unknown and the key could not be read back: %w", operation, errors.Join(writeErr, err))
	}
	return key, writeErr
}

// RotateKafkaPassword sets password on the key's Kafka user (an update
// with kafka_password) and returns it; [GeneratePassword] makes a strong
// one. A zero Secret is refused before any I/O: a password must be asked
// for, never implied. Setting the same password twice is harmless, so the
// update is retried like any idempotent call; on error the returned Secret
// is still the password that was sent: call again with it.
func (s *ProjectKeysService) RotateKafkaPassword(ctx context.Context, projectKeyID string, password Secret, opts ...CallOption) (Secret, error) {
	if password.IsZero() {
		return password, &ValidationError{Operation: "ProjectKeys.RotateKafkaPassword", Fields: []FieldError{{
			Loc: []string{"body", "kafka_password"}, Msg: "give the new password (streamkap.GeneratePassword makes one)", Type: "missing"}}}
	}
	_, err := s.update(ctx, updateCall{operation: "ProjectKeys.RotateKafkaPassword", opts: opts}, projectKeyID, UpdateProjectKeyParams{KafkaPassword: Value(password)})
	return password, err
}

// AddAPIAccessParams choose the API credentials' roles or permissions:
// exactly one of the two, with at least one id.
type AddAPIAccessParams struct {
	// RoleIDs are role ids ([RolesService.ResolveIDs] turns names into ids).
	RoleIDs []string
	// PermissionIDs are permission ids, such as "project_keys:write"; they
	// cannot be changed afterwards.
	PermissionIDs []string
}

// APIAccessLostError reports API access added to a key whose client
// secret, shown only once, was lost with the answer. The secret cannot be
// shown again and no endpoint rotates it: delete the key and create it
// again. It matches ErrSecretLost and unwraps to the original failure.
type APIAccessLostError struct {
	ProjectKeyID string
	// ClientID is the client id of the API credentials whose secret is lost.
	ClientID string
	// Err is the failure that lost the answer.
	Err error
}

// Error says what happened and what to do.
func (e *APIAccessLostError) Error() string {
	return "streamkap: ProjectKeys.AddAPIAccess: API access was added to key " + e.ProjectKeyID + " (client id " + e.ClientID +
		") but its secret was lost with the answer; it cannot be shown again: delete the key and create it again" +
		causeText(e.Err)
}

// Unwrap returns the original failure.
func (e *APIAccessLostError) Unwrap() error { return e.Err }

// Is matches ErrSecretLost.
func (e *APIAccessLostError) Is(target error) bool { return target == ErrSecretLost }

// AddAPIAccess gives a Kafka-only key API credentials (an update with
// role_ids or permission_ids) and returns the updated key, whose
// NewAPICredentials holds the client secret, shown this once.
//
// It reads the key first and refuses one that already has API access
// (changing its roles is an Update). The secret is generated by the
// server, so a lost answer loses it: after an unknown outcome the SDK reads
// the key back, and if API access was added returns an
// [*APIAccessLostError] (recovery: delete the key and create it again);
// if not, the error still matches ErrOutcomeUnknown.
func (s *ProjectKeysService) AddAPIAccess(ctx context.Context, projectKeyID string, params AddAPIAccessParams, opts ...CallOption) (*UpdateProjectKeyResult, error) {
	update := UpdateProjectKeyParams{}
	switch {
	case params.RoleIDs != nil && params.PermissionIDs != nil:
		return nil, &ValidationError{Operation: "ProjectKeys.AddAPIAccess", Fields: []FieldError{errRolesAndPermissions()}}
	case params.PermissionIDs != nil:
		update.PermissionIDs = Value(params.PermissionIDs)
	default:
		update.RoleIDs = Value(params.RoleIDs)
	}
	if err := update.validate("ProjectKeys.AddAPIAccess", projectKeyID); err != nil {
		return nil, err
	}
	before, err := s.Get(ctx, projectKeyID, opts...)
	if err != nil {
		return nil, err
	}
	if before.HasAPIAccess() {
		return nil, fmt.Errorf("streamkap: ProjectKeys.AddAPIAccess: key %s already has API access (client id %s); change its roles with Update: %w",
			projectKeyID, before.APIClientID, ErrConflict)
	}

	res, err := s.update(ctx, updateCall{operation: "ProjectKeys.AddAPIAccess", opts: opts}, projectKeyID, update)
	if err == nil {
		if res.NewAPICredentials == nil || res.NewAPICredentials.ClientSecret.IsZero() {
			return nil, &APIAccessLostError{ProjectKeyID: projectKeyID, ClientID: res.APIClientID,
				Err: fmt.Errorf("%w: the answer carried no new_api_credentials", ErrMalformedResponse)}
		}
		return res, nil
	}
	if !errors.Is(err, ErrOutcomeUnknown) {
		return nil, err
	}
	after, err := s.readBack(ctx, "AddAPIAccess", projectKeyID, err, opts)
	switch {
	case after == nil:
		return nil, err
	case after.HasAPIAccess():
		return nil, &APIAccessLostError{ProjectKeyID: projectKeyID, ClientID: after.APIClientID, Err: err}
	default:
		return nil, fmt.Errorf("streamkap: ProjectKeys.AddAPIAccess: key %s has no API access after the failure: "+
			"the change was not applied, or is still being applied; read the key again before retrying: %w", projectKeyID, err)
	}
}

// SetRoles replaces the roles of a key's API credentials, and is the way to
// change them. Roles may be given by name, key or id ("Data Admin",
// "DataAdmin", "role-123"), resolved with one GET /auth/roles.
//
// SetRoles reads the key first. On a key with API access the change is a
// plain role change, safe to resend, so it is retried like a rename. (An
// Update with RoleIDs is never resent once it may have arrived: on a
// Kafka-only key the same request creates API credentials whose secret is
// shown once.) A key without API access is refused, before any write, with
// an error matching [ErrRefused]: give it API access with
// [ProjectKeysService.AddAPIAccess]. The new roles reach tokens already
// issued when they expire ([ProjectKeyDetail.TokenTTL]).
func (s *ProjectKeysService) SetRoles(ctx context.Context, projectKeyID string, roles []string, opts ...CallOption) (*UpdateProjectKeyResult, error) {
	var v validator
	if problem, ok := checkKeyID(projectKeyID); !ok {
		v.add(problem)
	}
	v.ids("body.role_ids", roles, 1)
	if err := v.err("ProjectKeys.SetRoles"); err != nil {
		return nil, err
	}
	ids, err := s.client.Roles.ResolveIDs(ctx, roles, opts...)
	if err != nil {
		return nil, err
	}
	key, err := s.Get(ctx, projectKeyID, opts...)
	if err != nil {
		return nil, err
	}
	if !key.HasAPIAccess() {
		return nil, fmt.Errorf("streamkap: ProjectKeys.SetRoles: key %s has no API access, and role_ids would create API credentials "+
			"whose secret is shown once; give it API access with AddAPIAccess: %w", projectKeyID, ErrRefused)
	}
	how := updateCall{operation: "ProjectKeys.SetRoles", opts: opts, rolesAreIdempotent: true}
	return s.update(ctx, how, projectKeyID, UpdateProjectKeyParams{RoleIDs: Value(ids)})
}

// ToolScoping is the MCP tool scoping of a key. Each field may be left
// unset (unchanged), set, or set to Null (cleared).
type ToolScoping struct {
	// Profile is the tool profile, one of the four documented ones.
	Profile Nullable[ToolProfile]
	// AllowedTools, when set, overrides the profile and the block list.
	AllowedTools Nullable[[]string]
	// BlockedTools removes tools even when the profile allows them.
	BlockedTools Nullable[[]string]
}

// SetToolScoping changes the MCP tool scoping of a key: the profile, the
// allow-list (which overrides the rest) and the block-list. Fields left
// unset are not changed; Null clears them. The change is safe to resend.
func (s *ProjectKeysService) SetToolScoping(ctx context.Context, projectKeyID string, scoping ToolScoping, opts ...CallOption) (*UpdateProjectKeyResult, error) {
	return s.update(ctx, updateCall{operation: "ProjectKeys.SetToolScoping", opts: opts}, projectKeyID, UpdateProjectKeyParams{
		ToolProfile: scoping.Profile, AllowedTools: scoping.AllowedTools, BlockedTools: scoping.BlockedTools,
	})
}

// passwordAlphabet has no look-alike characters; 56 symbols.
const passwordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// GeneratePassword returns a new 32-character password from crypto/rand
// (about 186 bits), as a Secret, with at least one lowercase letter, one
// uppercase letter and one digit, within the API's 12-128 character rule.
func GeneratePassword() Secret {
	const length = 32
	for {
		b := make([]byte, 0, length)
		var buf [64]byte
		for len(b) < length {
			_, _ = rand.Read(buf[:]) // never fails (crypto/rand panics rather than return short)
			for _, c := range buf {
				// Rejection sampling keeps every symbol equally likely.
				if int(c) < 256-256%len(passwordAlphabet) && len(b) < length {
					b = append(b, passwordAlphabet[int(c)%len(passwordAlphabet)])
				}
			}
		}
		p := string(b)
		clear(b)
		if strings.ContainsAny(p, "abcdefghijkmnpqrstuvwxyz") && strings.ContainsAny(p, "ABCDEFGHJKLMNPQRSTUVWXYZ") && strings.ContainsAny(p, "23456789") {
			return NewSecret(p)
		}
	}
}
