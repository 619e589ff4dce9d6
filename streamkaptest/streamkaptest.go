// Package streamkaptest runs a stateful, in-memory Streamkap API on a
// loopback port, for testing code that uses package streamkap without an
// account or a network.
//
// The server follows the API's documented rules: token exchange (client
// credentials or a credential file) with expiry and refresh, roles, and
// every Project Keys endpoint, with role_ids and permission_ids mutually
// exclusive, capability transitions that hand out a secret exactly once,
// keys that are creating or deleting for a configurable time, FastAPI-style
// 422 answers and an X-Request-Id on every response. Faults can be injected
// per method and path: error statuses, dropped connections (before or after
// the change is applied), delays, malformed, empty, oversized or trickling
// bodies.
//
//	func TestRename(t *testing.T) {
//		srv := streamkaptest.NewServer(t)
//		key := srv.AddKey(streamkaptest.Key{Name: "bot", API: true})
//		_, err := srv.Client().ProjectKeys.Update(t.Context(), key.ID, streamkap.UpdateProjectKeyParams{Name: streamkap.Value("bot-2")})
//		...
//	}
package streamkaptest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/internal/fakeapi"
)

// Server is a running fake Streamkap. Its methods are safe for concurrent use.
type Server struct {
	fake         *fakeapi.Server
	http         *httptest.Server
	client       *streamkap.Client
	clientID     string
	clientSecret streamkap.Secret
}

// An Option configures a Server.
type Option func(*config)

type config struct {
	fake          fakeapi.Config
	clientOptions []streamkap.Option
}

// WithTokenTTL sets the lifetime of the access tokens the server issues
// (default one hour); keys report it as their token TTL.
func WithTokenTTL(d time.Duration) Option { return func(c *config) { c.fake.TokenTTL = d } }

// WithCreateDelay keeps new keys in the creating state for d (default 0:
// active at once).
func WithCreateDelay(d time.Duration) Option { return func(c *config) { c.fake.CreateDelay = d } }

// WithDeleteDelay keeps deleted keys in the deleting state for d before
// they are gone (default 0).
func WithDeleteDelay(d time.Duration) Option { return func(c *config) { c.fake.DeleteDelay = d } }

// WithDeleteFailure makes deletions end in delete_failed instead of removal.
func WithDeleteFailure() Option { return func(c *config) { c.fake.DeleteFails = true } }

// WithRefusalWording rewrites the detail of every 400 answer the fake
// gives to a write it refuses (a key creating, deleting or
// delete_failed; a broken rule), as another server's words would be: the
// API documents those refusals, not their words, so code that handles
// them can be tested against any wording. The streamkap client settles a
// 400 it does not recognise by reading the key.
func WithRefusalWording(rewrite func(detail string) string) Option {
	return func(c *config) { c.fake.Wording = rewrite }
}

// WithClock replaces the server's clock (default time.Now), for tests that
// step through token expiry and key states.
func WithClock(now func() time.Time) Option { return func(c *config) { c.fake.Now = now } }

// WithClientOptions adds options to the ready client returned by
// [Server.Client], after the server's own (base URL, credentials, short
// retry waits).
func WithClientOptions(opts ...streamkap.Option) Option {
	return func(c *config) { c.clientOptions = append(c.clientOptions, opts...) }
}

// NewServer starts a server for the test and closes it when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("streamkaptest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a server outside a test (an example program, a local demo).
// Call Close when done.
func Start(opts ...Option) (*Server, error) {
	var cfg config
	for _, opt := range opts {
		opt(&cfg)
	}
	s := &Server{fake: fakeapi.New(cfg.fake), clientID: "streamkaptest-client"}
	s.http = httptest.NewServer(s.fake)
	s.fake.SetBaseURL(s.http.URL)
	secret := "sks-" + rand.Text()
	s.clientSecret = streamkap.NewSecret(secret)
	s.fake.AddClient(s.clientID, secret)

	client, err := s.NewClient(cfg.clientOptions...)
	if err != nil {
		s.http.Close()
		return nil, err
	}
	s.client = client
	return s, nil
}

// Close shuts the server down.
func (s *Server) Close() {
	s.http.CloseClientConnections()
	s.http.Close()
}

// URL is the server's base URL (http on loopback).
func (s *Server) URL() string { return s.http.URL }

// Client returns a client authenticated with the server's own credentials,
// with retry waits shortened to milliseconds so that fault tests run fast.
func (s *Server) Client() *streamkap.Client { return s.client }

// NewClient builds another client for the server; opts come last. A
// credential option among opts (a seeded key's credential file, say)
// replaces the server's own credentials; without one the client uses them.
func (s *Server) NewClient(opts ...streamkap.Option) (*streamkap.Client, error) {
	c, err := streamkap.NewClient(append(s.ClientOptions(), opts...)...)
	if !errors.Is(err, streamkap.ErrNoCredentials) {
		return c, err
	}
	base := append(s.ClientOptions(), streamkap.WithClientCredentials(s.clientID, s.clientSecret.Reveal()))
	return streamkap.NewClient(append(base, opts...)...)
}

// ClientOptions returns the options that point a client at the server,
// with retry waits shortened to milliseconds, but no credentials: add your
// own, such as a seeded key's.
func (s *Server) ClientOptions() []streamkap.Option {
	return []streamkap.Option{
		streamkap.WithBaseURL(s.URL()),
		streamkap.WithRetryWait(time.Millisecond, 10*time.Millisecond),
	}
}

// ClientCredentials returns the server's own API credentials, the ones
// [Server.Client] uses.
func (s *Server) ClientCredentials() (clientID string, secret streamkap.Secret) {
	return s.clientID, s.clientSecret
}

// AddClientCredentials registers more API credentials that can obtain
// tokens, with full access.
func (s *Server) AddClientCredentials(clientID, secret string) { s.fake.AddClient(clientID, secret) }

// AddRole registers a role besides the defaults (Admin "role-admin", Data
// Admin "role-data-admin", Read Only "role-read-only").
func (s *Server) AddRole(r streamkap.Role) {
	s.fake.AddRole(fakeapi.Role{ID: r.ID, Key: r.Key, Name: r.Name, Description: r.Description, Permissions: r.Permissions})
}

// ExpireTokens expires every access token issued so far: the next call
// with one gets 401 "Token has expired".
func (s *Server) ExpireTokens() { s.fake.ExpireTokens() }

// IssuedTokens returns every access and refresh token the server has
// issued, for tests that scan output for leaked secrets.
func (s *Server) IssuedTokens() []streamkap.Secret {
	tokens := s.fake.IssuedTokens()
	out := make([]streamkap.Secret, len(tokens))
	for i, t := range tokens {
		out[i] = streamkap.NewSecret(t)
	}
	return out
}

// String describes the server without its credentials.
func (s *Server) String() string {
	if s == nil || s.http == nil {
		return "streamkaptest.Server{} (not started)"
	}
	return fmt.Sprintf("streamkaptest.Server{URL: %q}", s.URL())
}

// GoString is String.
func (s *Server) GoString() string { return s.String() }

// Format prints String under every verb, for a Server and a *Server alike,
// so that fmt never walks into the server's state, which holds secrets.
func (s Server) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// Key describes a key to seed. The zero Key is an active API-less,
// Kafka-less key; set API and/or Kafka for capabilities.
type Key struct {
	// ID is generated ("pk-1", "pk-2", ...) when empty.
	ID string
	// Name defaults to the id.
	Name string
	// Description is null when empty.
	Description string
	// Status is active by default. A seeded state holds until changed with
	// SetKeyStatus (only keys created or deleted through the API follow the
	// create and delete delays).
	Status streamkap.ProjectKeyStatus
	// API gives the key API credentials with RoleIDs (default Admin) or
	// PermissionIDs.
	API           bool
	RoleIDs       []string
	PermissionIDs []string
	// Kafka gives the key a Kafka user; the username and password are
	// generated when empty.
	Kafka         bool
	KafkaUsername string
	KafkaPassword streamkap.Secret
	// KafkaACLs are the Kafka user's ACLs; an empty Resource is TOPIC.
	KafkaACLs []streamkap.KafkaACL
	// WhitelistIPs is the Kafka user's comma-separated allow-list; empty allows any IP.
	WhitelistIPs string
	// ToolProfile is null when empty.
	ToolProfile streamkap.ToolProfile
	// AllowedTools and BlockedTools: nil means null.
	AllowedTools []string
	BlockedTools []string
}

// SeededKey is a seeded key's id and plaintext credentials; the API
// fields are empty for a key without API access, the Kafka fields for one
// without a Kafka user.
type SeededKey struct {
	ID            string
	ClientID      string
	ClientSecret  streamkap.Secret
	KafkaUsername string
	KafkaPassword streamkap.Secret
}

// AddKey puts a key on the server and returns its credentials.
func (s *Server) AddKey(k Key) SeededKey {
	roles := k.RoleIDs
	if k.API && len(roles) == 0 && len(k.PermissionIDs) == 0 {
		roles = []string{"role-admin"}
	}
	seed := fakeapi.KeySeed{
		ID: k.ID, Name: k.Name, Description: k.Description, Status: string(k.Status),
		API: k.API, RoleIDs: roles, PermissionIDs: k.PermissionIDs,
		Kafka: k.Kafka, KafkaUsername: k.KafkaUsername, KafkaPassword: k.KafkaPassword.Reveal(), WhitelistIPs: k.WhitelistIPs,
		ToolProfile: string(k.ToolProfile), AllowedTools: k.AllowedTools, BlockedTools: k.BlockedTools,
	}
	for _, a := range k.KafkaACLs {
		seed.KafkaACLs = append(seed.KafkaACLs, fakeapi.ACL{Name: a.TopicName, Operation: string(a.Operation), PatternType: string(a.ResourcePatternType), Resource: string(a.Resource)})
	}
	got := s.fake.AddKey(seed)
	return SeededKey{
		ID: got.ID, ClientID: got.ClientID, ClientSecret: streamkap.NewSecret(got.ClientSecret),
		KafkaUsername: got.KafkaUsername, KafkaPassword: streamkap.NewSecret(got.KafkaPassword),
	}
}

// SetKeyStatus forces a key into a state, held until changed again; it
// reports whether the key exists.
func (s *Server) SetKeyStatus(id string, status streamkap.ProjectKeyStatus) bool {
	return s.fake.SetKeyStatus(id, string(status))
}

// KeyState is what the server holds for a key, secrets included, for
// asserting on the effect of calls.
type KeyState struct {
	ID     string
	Name   string
	Status streamkap.ProjectKeyStatus
	// Description is nil when null.
	Description *string
	// ClientID, ClientSecret and RoleIDs or PermissionIDs are the API
	// credentials; empty when the key has no API access.
	ClientID      string
	ClientSecret  streamkap.Secret
	RoleIDs       []string
	PermissionIDs []string
	// KafkaUsername, KafkaPassword, KafkaACLs and WhitelistIPs are the
	// Kafka user's; empty when the key has none.
	KafkaUsername string
	KafkaPassword streamkap.Secret
	KafkaACLs     []streamkap.KafkaACL
	WhitelistIPs  string
	// ToolProfile is empty when null.
	ToolProfile streamkap.ToolProfile
	// AllowedTools and BlockedTools are nil when null, and non-nil (maybe
	// empty) when set.
	AllowedTools []string
	BlockedTools []string
}

// Key returns the server's state of key id; false if it does not exist.
func (s *Server) Key(id string) (KeyState, bool) {
	k, ok := s.fake.Key(id)
	if !ok {
		return KeyState{}, false
	}
	out := KeyState{
		ID: k.ID, Name: k.Name, Status: streamkap.ProjectKeyStatus(k.Status), Description: k.Description,
		ClientID: k.ClientID, ClientSecret: streamkap.NewSecret(k.ClientSecret), RoleIDs: k.RoleIDs, PermissionIDs: k.PermissionIDs,
		KafkaUsername: k.KafkaUsername, KafkaPassword: streamkap.NewSecret(k.KafkaPassword), WhitelistIPs: k.WhitelistIPs,
	}
	for _, a := range k.KafkaACLs {
		out.KafkaACLs = append(out.KafkaACLs, streamkap.KafkaACL{TopicName: a.Name, Operation: streamkap.ACLOperation(a.Operation),
			ResourcePatternType: streamkap.ACLPatternType(a.PatternType), Resource: streamkap.ACLResource(a.Resource)})
	}
	if k.ToolProfile != nil {
		out.ToolProfile = streamkap.ToolProfile(*k.ToolProfile)
	}
	if k.AllowedTools != nil {
		out.AllowedTools = append([]string{}, *k.AllowedTools...)
	}
	if k.BlockedTools != nil {
		out.BlockedTools = append([]string{}, *k.BlockedTools...)
	}
	return out, true
}

// KeyIDs returns the ids of the keys that exist, in creation order.
func (s *Server) KeyIDs() []string { return s.fake.KeyIDs() }

// Request is one request the server received.
type Request struct {
	Method string
	// Path is the escaped path, exactly as sent.
	Path  string
	Query url.Values
	// Header holds the request's headers, without Authorization.
	Header http.Header
	// Body is the request body. It may hold secrets, so it prints as its
	// size ("<42 bytes>"); read it with [Body.Bytes] or [Body.Text].
	Body Body
	// Time is when the request arrived (on the real clock, not WithClock's).
	Time time.Time
}

// Requests returns the requests received so far, token exchanges included.
func (s *Server) Requests() []Request {
	recorded := s.fake.Requests()
	out := make([]Request, len(recorded))
	for i, r := range recorded {
		out[i] = Request{Method: r.Method, Path: r.Path, Query: r.Query, Header: r.Header, Body: Body(r.Body), Time: r.Time}
	}
	return out
}

// RequestsTo returns the requests received for method and escaped path.
func (s *Server) RequestsTo(method, path string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests forgets the requests received so far.
func (s *Server) ResetRequests() { s.fake.ResetRequests() }

// Body is a recorded request body. It may carry secrets (a client secret,
// a Kafka password), so fmt, slog, json.Marshal and text encoders show only
// its size.
type Body []byte

// Bytes returns the body.
func (b Body) Bytes() []byte { return b }

// Text returns the body as a string.
func (b Body) Text() string { return string(b) }

// String describes the body without its content.
func (b Body) String() string { return fmt.Sprintf("<%d bytes>", len(b)) }

// GoString describes the body without its content.
func (b Body) GoString() string { return "streamkaptest.Body(" + b.String() + ")" }

// Format prints the description under every verb.
func (b Body) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(b.GoString()))
		return
	}
	_, _ = f.Write([]byte(b.String()))
}

// MarshalJSON writes the description.
func (b Body) MarshalJSON() ([]byte, error) { return []byte(`"` + b.String() + `"`), nil }

// MarshalText writes the description (slog's text handler prints byte
// slices as text otherwise).
func (b Body) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// LogValue makes slog record the description.
func (b Body) LogValue() slog.Value { return slog.StringValue(b.String()) }
