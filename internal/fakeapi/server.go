// Package fakeapi is an in-memory, stateful Streamkap API: token exchange
// and refresh, roles, and every Project Keys endpoint with the server's
// rules, as documented in the wire contract. Package streamkaptest exposes
// it to users' tests; the examples run on it when no credentials are set.
package fakeapi

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config sets the server's behaviour. The zero value is usable.
type Config struct {
	// TokenTTL is the lifetime of issued access tokens (default one hour);
	// it is also reported as keys' token_ttl_seconds.
	TokenTTL time.Duration
	// CreateDelay is how long a new key stays "creating" (default 0: a key
	// is active at once).
	CreateDelay time.Duration
	// DeleteDelay is how long a deleted key stays "deleting" before it is
	// gone (default 0).
	DeleteDelay time.Duration
	// DeleteFails makes deletions end in "delete_failed" instead of removal.
	DeleteFails bool
	// Now is the clock (default time.Now).
	Now func() time.Time
	// TenantID and ServiceID identify the tenant and project keys belong to.
	TenantID, ServiceID string
	// Wording, when set, rewrites the detail of every 400 the keys'
	// endpoints answer (a refused state or rule), as another server's
	// words would be.
	Wording func(detail string) string
	// Kafka, when set, mirrors every key's Kafka user into a broker, and
	// credential files and details point at it.
	Kafka *KafkaMirror
}

// KafkaMirror is a broker that keys' Kafka users are mirrored into before
// the API answers.
type KafkaMirror struct {
	BootstrapServers, SecurityProtocol, SASLMechanism string
	// Sync creates or updates a user: its password, ACLs, allow-list.
	Sync func(user KafkaUser) error
	// Delete removes a user and its ACLs.
	Delete func(username string) error
}

// KafkaUser is a key's Kafka user, as the fake holds it.
type KafkaUser struct {
	Username, Password string
	ACLs               []KafkaACL
	WhitelistIPs       string
}

// KafkaACL is one of a Kafka user's ACLs.
type KafkaACL struct{ Name, Operation, PatternType, Resource string }

// Server is the fake API. It is an http.Handler; mount it on an
// httptest.Server (package streamkaptest does).
type Server struct {
	cfg Config

	mu       sync.Mutex
	baseURL  string
	keys     map[string]*key
	order    []string // key ids in creation order
	roles    []Role
	clients  map[string]*apiClient // by client id
	tokens   map[string]tokenGrant // by access token
	refresh  map[string]string     // refresh token -> client id
	requests []Request
	faults   []*fault
	keySeq   int // key ids: pk-1, pk-2, ...
	reqSeq   int // request ids: req-1, req-2, ...
}

// Role is a role the server knows.
type Role struct {
	ID, Key, Name, Description string
	Permissions                []string
}

// apiClient is a set of API credentials that can obtain tokens.
type apiClient struct {
	id, secret string
	keyID      string // the project key owning it, if any
}

type tokenGrant struct {
	clientID string
	expires  time.Time
}

// Request is one request the server received.
type Request struct {
	Method string
	// Path is the escaped path, exactly as sent.
	Path  string
	Query url.Values
	// Header holds the request headers, without Authorization.
	Header http.Header
	Body   []byte
	// Time is when the request arrived, on the real clock.
	Time time.Time
}

// DefaultRoles are the roles a new server knows.
var DefaultRoles = []Role{
	{ID: "role-admin", Key: "Admin", Name: "Admin", Description: "Full access", Permissions: []string{"project_keys:write", "pipelines:write"}},
	{ID: "role-data-admin", Key: "DataAdmin", Name: "Data Admin", Description: "Manage data pipelines", Permissions: []string{"project_keys:write", "pipelines:write"}},
	{ID: "role-read-only", Key: "ReadOnly", Name: "Read Only", Permissions: []string{"pipelines:read"}},
}

// New returns a server with the default roles and no keys or clients.
func New(cfg Config) *Server {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TenantID == "" {
		cfg.TenantID = "tenant-1"
	}
	if cfg.ServiceID == "" {
		cfg.ServiceID = "svc-1"
	}
	return &Server{
		cfg:     cfg,
		keys:    map[string]*key{},
		roles:   append([]Role(nil), DefaultRoles...),
		clients: map[string]*apiClient{},
		tokens:  map[string]tokenGrant{},
		refresh: map[string]string{},
	}
}

// SetBaseURL tells the server its own address, for the URLs it hands out
// in credential files.
func (s *Server) SetBaseURL(u string) {
	s.mu.Lock()
	s.baseURL = strings.TrimRight(u, "/")
	s.mu.Unlock()
}

// AddClient registers API credentials that can exchange for tokens.
func (s *Server) AddClient(clientID, secret string) {
	s.mu.Lock()
	s.clients[clientID] = &apiClient{id: clientID, secret: secret}
	s.mu.Unlock()
}

// AddRole registers a role (its ID must be new).
func (s *Server) AddRole(r Role) {
	s.mu.Lock()
	s.roles = append(s.roles, r)
	s.mu.Unlock()
}

// IssueToken returns a valid access token for clientID (registered or not).
func (s *Server) IssueToken(clientID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := "tok-" + randomString(24)
	s.tokens[tok] = tokenGrant{clientID: clientID, expires: s.now().Add(s.cfg.TokenTTL)}
	return tok
}

// IssuedTokens returns every access and refresh token issued so far.
func (s *Server) IssuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.tokens)+len(s.refresh))
	for t := range s.tokens {
		out = append(out, t)
	}
	for t := range s.refresh {
		out = append(out, t)
	}
	return out
}

// ExpireTokens makes every issued access token expired.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, g := range s.tokens {
		g.expires = s.now().Add(-time.Second)
		s.tokens[t] = g
	}
}

// Requests returns a copy of the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	copy(out, s.requests)
	return out
}

// ResetRequests forgets the requests received so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.requests = nil
	s.mu.Unlock()
}

func (s *Server) now() time.Time { return s.cfg.Now() }

func (s *Server) nextKeyID() string {
	for {
		s.keySeq++
		id := fmt.Sprintf("pk-%d", s.keySeq)
		if _, taken := s.keys[id]; !taken {
			return id
		}
	}
}

// ServeHTTP routes a request. Every response carries X-Request-Id.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := readRequestBody(r)
	s.mu.Lock()
	s.reqSeq++
	requestID := "req-" + strconv.Itoa(s.reqSeq)
	header := r.Header.Clone()
	header.Del("Authorization")
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: header, Body: body, Time: time.Now()})
	f := s.takeFault(r.Method, r.URL.EscapedPath())
	s.mu.Unlock()

	w.Header().Set("X-Request-Id", requestID)
	if err != nil {
		writeDetail(w, http.StatusBadRequest, "could not read the request body")
		return
	}
	rw := &responseWriter{ResponseWriter: w}
	if f != nil && f.before(rw, r, body) {
		return
	}
	s.route(rw, r, body)
	if f != nil {
		f.after(rw, r)
	}
}

func readRequestBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	defer r.Body.Close()
	b, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err == nil && len(b) > maxRequestBody {
		err = errors.New("request body too large")
	}
	return b, err
}

const maxRequestBody = 1 << 20

// segments splits an escaped path into unescaped segments.
func segments(escaped string) ([]string, bool) {
	parts := strings.Split(strings.Trim(escaped, "/"), "/")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, false
		}
		parts[i] = u
	}
	return parts, true
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, body []byte) {
	seg, ok := segments(r.URL.EscapedPath())
	if !ok {
		writeDetail(w, http.StatusNotFound, "Not Found")
		return
	}
	type handler func(http.ResponseWriter, *http.Request, []byte, []string)
	var routes map[string]handler
	switch {
	case len(seg) == 2 && seg[0] == "auth" && seg[1] == "access-token":
		routes = map[string]handler{http.MethodPost: s.handleAccessToken}
	case len(seg) == 3 && seg[0] == "auth" && seg[1] == "access-token" && seg[2] == "refresh":
		routes = map[string]handler{http.MethodPost: s.handleRefresh}
	case len(seg) == 2 && seg[0] == "auth" && seg[1] == "roles":
		routes = map[string]handler{http.MethodGet: s.authed(s.handleRoles)}
	case len(seg) == 1 && seg[0] == "project-keys":
		routes = map[string]handler{http.MethodGet: s.authed(s.handleList), http.MethodPost: s.authed(s.handleCreate)}
	case len(seg) == 2 && seg[0] == "project-keys" && seg[1] != "":
		routes = map[string]handler{http.MethodGet: s.authed(s.handleGet), http.MethodPatch: s.authed(s.handleUpdate), http.MethodDelete: s.authed(s.handleDelete)}
	case len(seg) == 3 && seg[0] == "project-keys" && seg[1] != "" && seg[2] == "mcp-config":
		routes = map[string]handler{http.MethodGet: s.authed(s.handleMCPConfig)}
	default:
		writeDetail(w, http.StatusNotFound, "Not Found")
		return
	}
	h, ok := routes[r.Method]
	if !ok {
		writeDetail(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	h(w, r, body, seg)
}

// authed checks the bearer token before running h.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, []byte, []string)) func(http.ResponseWriter, *http.Request, []byte, []string) {
	return func(w http.ResponseWriter, r *http.Request, body []byte, seg []string) {
		auth := r.Header.Get("Authorization")
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || tok == "" {
			writeDetail(w, http.StatusUnauthorized, "Not authenticated")
			return
		}
		s.mu.Lock()
		grant, known := s.tokens[tok]
		valid := known && s.now().Before(grant.expires)
		allowed := r.Method == http.MethodGet || s.canWriteKeysLocked(grant.clientID)
		s.mu.Unlock()
		if !valid {
			writeDetail(w, http.StatusUnauthorized, "Token has expired")
			return
		}
		if !allowed {
			writeDetail(w, http.StatusForbidden, "Missing permission: project_keys:write")
			return
		}
		h(w, r, body, seg)
	}
}

// writePermission is what changing Project Keys takes (Admin and Data Admin have it).
const writePermission = "project_keys:write"

// canWriteKeysLocked reports whether clientID may change Project Keys:
// clients added with AddClient may; a key's own API client may if its roles
// or permissions include project_keys:write.
func (s *Server) canWriteKeysLocked(clientID string) bool {
	c := s.clients[clientID]
	if c == nil || c.keyID == "" {
		return true
	}
	k := s.keys[c.keyID]
	if k == nil {
		return false
	}
	if slices.Contains(k.permissionIDs, writePermission) {
		return true
	}
	for _, id := range k.roleIDs {
		if r, ok := s.roleByID(id); ok && slices.Contains(r.Permissions, writePermission) {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"detail":"encoding failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// refuse answers 400 with detail, in the configured wording.
func (s *Server) refuse(w http.ResponseWriter, detail string) {
	if s.cfg.Wording != nil {
		detail = s.cfg.Wording(detail)
	}
	writeDetail(w, http.StatusBadRequest, detail)
}

func writeDetail(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, map[string]any{"detail": detail})
}

const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// mask shows the first and last three characters, as the API does.
func mask(secret string) string {
	if len(secret) <= 6 {
		return "******"
	}
	return secret[:3] + "******" + secret[len(secret)-3:]
}
