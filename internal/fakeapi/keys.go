package fakeapi

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Key states.
const (
	StatusCreating     = "creating"
	StatusActive       = "active"
	StatusDeleting     = "deleting"
	StatusDeleteFailed = "delete_failed"
)

var toolProfiles = []string{"full", "read-only", "agent-operator", "infra-admin"}

// key is a Project Key as the server stores it, secrets in plaintext.
type key struct {
	id, name      string
	description   *string
	status        string
	createdAt     time.Time
	lastUsedAt    time.Time
	readyAt       time.Time // creating ends
	goneAt        time.Time // deleting ends
	clientID      string
	clientSecret  string
	roleIDs       []string
	permissionIDs []string
	kafkaUser     string
	kafkaPassword string
	acls          []acl
	whitelist     string
	schemaReg     bool
	toolProfile   *string
	allowed       *[]string
	blocked       *[]string
}

// acl is a Kafka ACL entry.
type acl struct {
	Name        string `json:"name"`
	Operation   string `json:"operation"`
	PatternType string `json:"resource_pattern_type"`
	Resource    string `json:"resource"`
}

// KeySeed describes a key to put on the server.
type KeySeed struct {
	// ID is generated when empty.
	ID          string
	Name        string
	Description string
	// Status defaults to active; a seeded state holds until SetKeyStatus.
	Status string
	// API gives the key API credentials with these roles (or permissions).
	API           bool
	RoleIDs       []string
	PermissionIDs []string
	// Kafka gives the key a Kafka user.
	Kafka         bool
	KafkaUsername string
	KafkaPassword string
	KafkaACLs     []ACL
	WhitelistIPs  string
	ToolProfile   string
	AllowedTools  []string
	BlockedTools  []string
}

// ACL is a Kafka ACL entry for seeding.
type ACL struct {
	Name, Operation, PatternType, Resource string
}

// SeededKey is what a seeded key's credentials are, in plaintext.
type SeededKey struct {
	ID            string
	ClientID      string
	ClientSecret  string
	KafkaUsername string
	KafkaPassword string
}

// AddKey puts a key on the server and returns its credentials.
func (s *Server) AddKey(seed KeySeed) SeededKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	k := &key{id: seed.ID, name: seed.Name, status: seed.Status, createdAt: now, whitelist: seed.WhitelistIPs}
	if k.id == "" {
		k.id = s.nextKeyID()
	}
	if k.name == "" {
		k.name = k.id
	}
	if k.status == "" {
		k.status = StatusActive
	}
	k.holdStatus()
	if seed.Description != "" {
		d := seed.Description
		k.description = &d
	}
	if seed.API {
		s.addAPIAccessLocked(k, seed.RoleIDs, seed.PermissionIDs)
	}
	if seed.Kafka {
		user, pw := seed.KafkaUsername, seed.KafkaPassword
		if user == "" {
			user = strings.ToLower(k.id)
		}
		if pw == "" {
			pw = randomString(24)
		}
		k.kafkaUser, k.kafkaPassword, k.acls = user, pw, []acl{}
		for _, a := range seed.KafkaACLs {
			res := a.Resource
			if res == "" {
				res = "TOPIC"
			}
			k.acls = append(k.acls, acl{Name: a.Name, Operation: a.Operation, PatternType: a.PatternType, Resource: res})
		}
		// A seeded key's user is in the broker too; the mirror reports its
		// own failures (kafkatest fails the test).
		_ = s.mirrorLocked(k)
	}
	if seed.ToolProfile != "" {
		p := seed.ToolProfile
		k.toolProfile = &p
	}
	if seed.AllowedTools != nil {
		l := slices.Clone(seed.AllowedTools)
		k.allowed = &l
	}
	if seed.BlockedTools != nil {
		l := slices.Clone(seed.BlockedTools)
		k.blocked = &l
	}
	s.keys[k.id] = k
	s.order = append(s.order, k.id)
	return SeededKey{ID: k.id, ClientID: k.clientID, ClientSecret: k.clientSecret, KafkaUsername: k.kafkaUser, KafkaPassword: k.kafkaPassword}
}

// KeyState is a snapshot of a key as the server holds it, secrets included.
type KeyState struct {
	ID, Name, Status           string
	Description                *string
	ClientID, ClientSecret     string
	RoleIDs, PermissionIDs     []string
	KafkaUsername              string
	KafkaPassword              string
	KafkaACLs                  []ACL
	WhitelistIPs               string
	ToolProfile                *string
	AllowedTools, BlockedTools *[]string
}

// Key returns a snapshot of key id, after any due state change.
func (s *Server) Key(id string) (KeyState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.liveKeyLocked(id)
	if k == nil {
		return KeyState{}, false
	}
	st := KeyState{
		ID: k.id, Name: k.name, Status: k.status, Description: k.description,
		ClientID: k.clientID, ClientSecret: k.clientSecret, RoleIDs: slices.Clone(k.roleIDs),
		PermissionIDs: slices.Clone(k.permissionIDs), KafkaUsername: k.kafkaUser, KafkaPassword: k.kafkaPassword,
		WhitelistIPs: k.whitelist, ToolProfile: k.toolProfile, AllowedTools: k.allowed, BlockedTools: k.blocked,
	}
	for _, a := range k.acls {
		st.KafkaACLs = append(st.KafkaACLs, ACL(a))
	}
	return st, true
}

// KeyIDs returns the ids of the keys that exist, in creation order.
func (s *Server) KeyIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, id := range slices.Clone(s.order) {
		if s.liveKeyLocked(id) != nil {
			out = append(out, id)
		}
	}
	return out
}

// SetKeyStatus forces a key's state, held until changed again.
func (s *Server) SetKeyStatus(id, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.liveKeyLocked(id)
	if k == nil {
		return false
	}
	k.status = status
	k.holdStatus()
	return true
}

// never is a time no clock reaches.
var never = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// holdStatus keeps a seeded or forced state until it is changed again;
// only keys created or deleted through the API follow the delays.
func (k *key) holdStatus() { k.readyAt, k.goneAt = never, never }

// liveKeyLocked returns key id after applying due state changes, or nil
// when it does not exist (any more).
func (s *Server) liveKeyLocked(id string) *key {
	k := s.keys[id]
	if k == nil {
		return nil
	}
	now := s.now()
	switch {
	case k.status == StatusCreating && !now.Before(k.readyAt):
		k.status = StatusActive
	case k.status == StatusDeleting && !now.Before(k.goneAt):
		if s.cfg.DeleteFails {
			k.status = StatusDeleteFailed
			break
		}
		delete(s.keys, id)
		if k.clientID != "" {
			delete(s.clients, k.clientID)
		}
		s.order = slices.DeleteFunc(s.order, func(v string) bool { return v == id })
		return nil
	}
	return k
}

func (s *Server) addAPIAccessLocked(k *key, roleIDs, permissionIDs []string) {
	k.clientID = "cid-" + randomString(12)
	k.clientSecret = "sec-" + randomString(32)
	k.roleIDs, k.permissionIDs = slices.Clone(roleIDs), slices.Clone(permissionIDs)
	s.clients[k.clientID] = &apiClient{id: k.clientID, secret: k.clientSecret, keyID: k.id}
}

// JSON shapes.

type userJSON struct {
	ID                string  `json:"id"`
	Email             string  `json:"email"`
	Name              string  `json:"name"`
	TenantID          string  `json:"tenant_id"`
	ProfilePictureURL *string `json:"profile_picture_url"`
	PhoneNumber       *string `json:"phone_number"`
	CreatedAt         string  `json:"created_at"`
	LastLogin         string  `json:"last_login"`
}

type summaryJSON struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	ServiceID    string     `json:"service_id"`
	Status       string     `json:"status"`
	Description  *string    `json:"description"`
	CreatedAt    string     `json:"created_at"`
	CreatedBy    userJSON   `json:"created_by_user"`
	APIClientID  *string    `json:"api_client_id"`
	MaskedSecret *string    `json:"api_client_id_masked_secret"`
	KafkaUser    *string    `json:"kafka_username"`
	Roles        []roleJSON `json:"roles"`
	LastUsedAt   *string    `json:"last_used_at"`
	ToolProfile  *string    `json:"tool_profile"`
	AllowedTools *[]string  `json:"allowed_tools"`
	BlockedTools *[]string  `json:"blocked_tools"`
}

type detailJSON struct {
	summaryJSON
	KafkaACLs           []acl   `json:"kafka_acls"`
	WhitelistIPs        *string `json:"whitelist_ips"`
	KafkaProxyEndpoint  *string `json:"kafka_proxy_endpoint"`
	SchemaProxyEndpoint *string `json:"schema_proxy_endpoint"`
	TokenTTLSeconds     int     `json:"token_ttl_seconds"`
}

type apiCredentialsJSON struct {
	ClientID      string   `json:"client_id"`
	ClientSecret  string   `json:"client_secret"`
	TokenEndpoint string   `json:"token_endpoint"`
	APIURL        string   `json:"api_url"`
	Roles         []string `json:"roles"`
}

type kafkaCredentialsJSON struct {
	Username          string `json:"username"`
	Password          string `json:"password"`
	BootstrapServers  string `json:"bootstrap_servers"`
	SecurityProtocol  string `json:"security_protocol"`
	SASLMechanism     string `json:"sasl_mechanism"`
	SchemaRegistryURL string `json:"schema_registry_url"`
}

// updateJSON is the PATCH answer: the summary and the new credentials.
type updateJSON struct {
	summaryJSON
	NewAPICredentials   *apiCredentialsJSON   `json:"new_api_credentials"`
	NewKafkaCredentials *kafkaCredentialsJSON `json:"new_kafka_credentials"`
	TokenTTLSeconds     int                   `json:"token_ttl_seconds"`
	Warnings            []string              `json:"warnings"`
}

type credentialFileJSON struct {
	ProjectKeyID string                `json:"project_key_id"`
	Project      map[string]string     `json:"project"`
	CreatedAt    string                `json:"created_at"`
	Type         string                `json:"type"`
	API          *apiCredentialsJSON   `json:"api"`
	Kafka        *kafkaCredentialsJSON `json:"kafka"`
	KafkaACLs    []acl                 `json:"kafka_acls"`
	ToolProfile  *string               `json:"tool_profile"`
	AllowedTools *[]string             `json:"allowed_tools"`
	BlockedTools *[]string             `json:"blocked_tools"`
	CreatedBy    string                `json:"created_by"`
}

const (
	kafkaBootstrap = "kafka.streamkap.test:32400"
	schemaProxy    = "schema.streamkap.test:32401"
)

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) summaryLocked(k *key) summaryJSON {
	out := summaryJSON{
		ID: k.id, Name: k.name, ServiceID: s.cfg.ServiceID, Status: k.status, Description: k.description,
		CreatedAt:   k.createdAt.UTC().Format(time.RFC3339Nano),
		CreatedBy:   userJSON{ID: "user-1", Email: "admin@example.com", Name: "Admin", TenantID: s.cfg.TenantID, CreatedAt: epoch, LastLogin: epoch},
		APIClientID: strPtr(k.clientID), KafkaUser: strPtr(k.kafkaUser),
		Roles: []roleJSON{}, ToolProfile: k.toolProfile, AllowedTools: k.allowed, BlockedTools: k.blocked,
	}
	if k.clientID != "" {
		out.MaskedSecret = strPtr(mask(k.clientSecret))
	}
	for _, id := range k.roleIDs {
		if r, ok := s.roleByID(id); ok {
			out.Roles = append(out.Roles, s.roleJSON(r))
		}
	}
	if !k.lastUsedAt.IsZero() {
		out.LastUsedAt = strPtr(k.lastUsedAt.UTC().Format(time.RFC3339Nano))
	}
	return out
}

func (s *Server) detailLocked(k *key) detailJSON {
	out := detailJSON{summaryJSON: s.summaryLocked(k), TokenTTLSeconds: int(s.cfg.TokenTTL / time.Second)}
	if k.kafkaUser != "" {
		out.KafkaACLs = k.acls
		out.WhitelistIPs = &k.whitelist
		bootstrap, _, _ := s.kafkaEndpoint()
		out.KafkaProxyEndpoint = strPtr(bootstrap)
		if k.schemaReg {
			out.SchemaProxyEndpoint = strPtr(schemaProxy)
		}
	}
	if out.KafkaACLs == nil {
		out.KafkaACLs = []acl{}
	}
	return out
}

func (s *Server) apiCredentialsLocked(k *key) *apiCredentialsJSON {
	out := &apiCredentialsJSON{ClientID: k.clientID, ClientSecret: k.clientSecret,
		TokenEndpoint: s.baseURL + "/auth/access-token", APIURL: s.baseURL, Roles: []string{}}
	for _, id := range k.roleIDs {
		if r, ok := s.roleByID(id); ok {
			out.Roles = append(out.Roles, r.Name)
		}
	}
	return out
}

func (s *Server) kafkaCredentialsLocked(k *key) *kafkaCredentialsJSON {
	bootstrap, protocol, mechanism := s.kafkaEndpoint()
	out := &kafkaCredentialsJSON{Username: k.kafkaUser, Password: k.kafkaPassword, BootstrapServers: bootstrap,
		SecurityProtocol: protocol, SASLMechanism: mechanism}
	if k.schemaReg {
		out.SchemaRegistryURL = "https://" + schemaProxy
	}
	return out
}

// Handlers.

func (s *Server) handleList(w http.ResponseWriter, _ *http.Request, _ []byte, _ []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []summaryJSON{}
	for _, id := range slices.Clone(s.order) {
		if k := s.liveKeyLocked(id); k != nil {
			out = append(out, s.summaryLocked(k))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// keyOr404Locked is the live key id names, or nil after answering 404.
func (s *Server) keyOr404Locked(w http.ResponseWriter, id string) *key {
	k := s.liveKeyLocked(id)
	if k == nil {
		writeDetail(w, http.StatusNotFound, "Project key not found")
	}
	return k
}

func (s *Server) handleGet(w http.ResponseWriter, _ *http.Request, _ []byte, seg []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keyOr404Locked(w, seg[1])
	if k == nil {
		return
	}
	writeJSON(w, http.StatusOK, s.detailLocked(k))
}

func (s *Server) handleMCPConfig(w http.ResponseWriter, _ *http.Request, _ []byte, seg []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keyOr404Locked(w, seg[1])
	if k == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"project_key_id": k.id, "tenant_id": s.cfg.TenantID, "service_id": s.cfg.ServiceID,
		"kafka_username": strPtr(k.kafkaUser), "tool_profile": k.toolProfile,
		"allowed_tools": k.allowed, "blocked_tools": k.blocked,
	})
}

func (s *Server) handleDelete(w http.ResponseWriter, _ *http.Request, _ []byte, seg []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keyOr404Locked(w, seg[1])
	if k == nil {
		return
	}
	if k.status == StatusCreating {
		s.refuse(w, "Project key is creating; it cannot be deleted until it is active")
		return
	}
	if k.status != StatusDeleting {
		k.status = StatusDeleting
		k.goneAt = s.now().Add(s.cfg.DeleteDelay)
		if !s.cfg.DeleteFails {
			if err := s.unmirrorLocked(k); err != nil {
				writeDetail(w, http.StatusInternalServerError, err.Error())
				return
			}
		}
	}
	out := s.summaryLocked(k)
	if s.liveKeyLocked(k.id) == nil {
		out.Status = StatusDeleting // gone already: report the request as accepted
	}
	writeJSON(w, http.StatusAccepted, out)
}

// parsedKafkaConfig is a validated kafka_config.
type parsedKafkaConfig struct {
	username, password, whitelist string
	acls                          []acl
	schemaRegistry                bool
}

// kafkaUsernamePattern is the Kafka username rule of Streamkap's
// Terraform provider: lowercase letters, digits and '-', not at either end.
var kafkaUsernamePattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

func parseKafkaConfig(f *fields) *parsedKafkaConfig {
	kc := f.object("kafka_config")
	if kc == nil {
		return nil
	}
	out := &parsedKafkaConfig{}
	if v := kc.str("username", 3, 24, true); v != nil {
		out.username = *v
		if !kafkaUsernamePattern.MatchString(*v) {
			kc.fail("username", "string_pattern_mismatch", "String should match pattern '"+kafkaUsernamePattern.String()+"'", *v,
				map[string]any{"pattern": kafkaUsernamePattern.String()})
		}
	}
	if v := kc.str("password", 12, 128, false); v != nil {
		out.password = *v
	}
	if v := kc.str("whitelist_ips", 0, 1000, false); v != nil {
		out.whitelist = *v
	}
	out.acls, _ = kc.acls("kafka_acls")
	out.schemaRegistry = kc.boolean("is_create_schema_registry")
	return out
}

func (s *Server) handleCreate(w http.ResponseWriter, _ *http.Request, body []byte, _ []string) {
	var errs validationErrors
	f, ok := parseObject(body, []any{"body"}, &errs)
	if !ok {
		writeJSON(w, http.StatusUnprocessableEntity, errs)
		return
	}
	name := f.str("name", 1, 100, true)
	description := f.str("description", 0, 0, false)
	roleIDs, hasRoles := f.strList("role_ids", 1)
	permIDs, hasPerms := f.strList("permission_ids", 1)
	kafka := parseKafkaConfig(f)
	profile := f.enum("tool_profile", toolProfiles...)
	allowed, hasAllowed := f.strList("allowed_tools", 0)
	blocked, hasBlocked := f.strList("blocked_tools", 0)
	if len(errs) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, errs)
		return
	}
	if hasRoles && hasPerms {
		s.refuse(w, "role_ids and permission_ids are mutually exclusive")
		return
	}
	if !hasRoles && !hasPerms && kafka == nil {
		s.refuse(w, "A project key needs API access (role_ids or permission_ids) or Kafka access (kafka_config)")
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if bad := s.unknownRolesLocked(roleIDs); bad != "" {
		s.refuse(w, "Unknown role ids: "+bad)
		return
	}
	now := s.now()
	k := &key{id: s.nextKeyID(), name: *name, description: description, createdAt: now, status: StatusActive, toolProfile: profile}
	if s.cfg.CreateDelay > 0 {
		k.status, k.readyAt = StatusCreating, now.Add(s.cfg.CreateDelay)
	}
	if hasAllowed {
		k.allowed = &allowed
	}
	if hasBlocked {
		k.blocked = &blocked
	}
	file := credentialFileJSON{ProjectKeyID: k.id, Project: map[string]string{"service_id": s.cfg.ServiceID, "tenant_id": s.cfg.TenantID},
		CreatedAt: now.UTC().Format(time.RFC3339Nano), Type: "streamkap_project_key", KafkaACLs: []acl{},
		ToolProfile: k.toolProfile, AllowedTools: k.allowed, BlockedTools: k.blocked, CreatedBy: "admin@example.com"}
	if hasRoles || hasPerms {
		s.addAPIAccessLocked(k, roleIDs, permIDs)
		file.API = s.apiCredentialsLocked(k)
	}
	if kafka != nil {
		s.addKafkaAccessLocked(k, kafka)
		file.Kafka = s.kafkaCredentialsLocked(k)
		file.KafkaACLs = k.acls
	}
	s.keys[k.id] = k
	s.order = append(s.order, k.id)
	if err := s.mirrorLocked(k); err != nil {
		writeDetail(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, file)
}

// kafkaEndpoint is where keys' Kafka users connect: the mirrored broker,
// or the fake's made-up proxy.
func (s *Server) kafkaEndpoint() (bootstrap, protocol, mechanism string) {
	if m := s.cfg.Kafka; m != nil {
		return m.BootstrapServers, m.SecurityProtocol, m.SASLMechanism
	}
	return kafkaBootstrap, "SASL_SSL", "PLAIN"
}

// mirrorLocked brings the broker's copy of k's Kafka user up to date,
// before the API answers; nothing to do without a broker.
func (s *Server) mirrorLocked(k *key) error {
	m := s.cfg.Kafka
	if m == nil || k.kafkaUser == "" {
		return nil
	}
	u := KafkaUser{Username: k.kafkaUser, Password: k.kafkaPassword, WhitelistIPs: k.whitelist}
	for _, a := range k.acls {
		u.ACLs = append(u.ACLs, KafkaACL(a))
	}
	if err := m.Sync(u); err != nil {
		return fmt.Errorf("mirroring Kafka user %s: %w", k.kafkaUser, err)
	}
	return nil
}

// unmirrorLocked removes k's Kafka user from the broker.
func (s *Server) unmirrorLocked(k *key) error {
	if m := s.cfg.Kafka; m != nil && k.kafkaUser != "" {
		return m.Delete(k.kafkaUser)
	}
	return nil
}

func (s *Server) addKafkaAccessLocked(k *key, kc *parsedKafkaConfig) {
	k.kafkaUser, k.kafkaPassword, k.whitelist, k.schemaReg = kc.username, kc.password, kc.whitelist, kc.schemaRegistry
	if k.kafkaPassword == "" {
		k.kafkaPassword = randomString(24)
	}
	k.acls = kc.acls
	if k.acls == nil {
		k.acls = []acl{}
	}
}

func (s *Server) unknownRolesLocked(ids []string) string {
	var bad []string
	for _, id := range ids {
		if _, ok := s.roleByID(id); !ok {
			bad = append(bad, id)
		}
	}
	return strings.Join(bad, ", ")
}

// updateRequest is a parsed PATCH body.
type updateRequest struct {
	f                            *fields
	name, description, whitelist *string
	password, profile            *string
	roleIDs, permIDs             []string
	hasRoles, hasPerms, hasACLs  bool
	acls                         []acl
	kafka                        *parsedKafkaConfig
	allowed, blocked             []string
	hasAllowed, hasBlocked       bool
}

// parseUpdate reads a PATCH body as FastAPI would, collecting every
// problem.
func parseUpdate(body []byte, errs *validationErrors) (*updateRequest, bool) {
	f, ok := parseObject(body, []any{"body"}, errs)
	if !ok {
		return nil, false
	}
	r := &updateRequest{f: f}
	r.name = f.str("name", 1, 100, false)
	r.description = f.str("description", 0, 0, false)
	r.roleIDs, r.hasRoles = f.strList("role_ids", 1)
	r.permIDs, r.hasPerms = f.strList("permission_ids", 1)
	r.acls, r.hasACLs = f.acls("kafka_acls")
	r.whitelist = f.str("whitelist_ips", 0, 1000, false)
	r.kafka = parseKafkaConfig(f)
	r.password = f.str("kafka_password", 12, 128, false)
	r.profile = f.enum("tool_profile", toolProfiles...)
	r.allowed, r.hasAllowed = f.strList("allowed_tools", 0)
	r.blocked, r.hasBlocked = f.strList("blocked_tools", 0)
	return r, len(*errs) == 0
}

// updateRefusal is why the API refuses r on k (a 400), or "".
func (s *Server) updateRefusal(k *key, r *updateRequest) string {
	switch {
	case k.status == StatusCreating || k.status == StatusDeleting || k.status == StatusDeleteFailed:
		return fmt.Sprintf("Project key is %s; it cannot be updated until it is active", k.status)
	case r.hasRoles && r.hasPerms:
		return "role_ids and permission_ids are mutually exclusive"
	case r.hasPerms && k.clientID != "":
		return "permission_ids can only be set when adding API access to a Kafka-only key; use role_ids to change the roles of existing API credentials"
	case r.kafka != nil && k.kafkaUser != "":
		return "A Kafka user already exists for this key; use kafka_password to rotate its password"
	case r.password != nil && k.kafkaUser == "":
		return "The key has no Kafka user; use kafka_config to add Kafka access"
	case (r.hasACLs || r.whitelist != nil) && k.kafkaUser == "" && r.kafka == nil:
		return "The key has no Kafka user; use kafka_config to add Kafka access"
	case s.unknownRolesLocked(r.roleIDs) != "":
		return "Unknown role ids: " + s.unknownRolesLocked(r.roleIDs)
	}
	return ""
}

// applyUpdate changes k as r asks, and fills the answer's new credentials
// and warnings.
func (s *Server) applyUpdate(k *key, r *updateRequest, out *updateJSON) {
	if r.name != nil {
		k.name = *r.name
	}
	if r.f.present("description") {
		k.description = r.description
	}
	switch {
	case r.hasRoles && k.clientID == "":
		s.addAPIAccessLocked(k, r.roleIDs, nil)
		out.NewAPICredentials = s.apiCredentialsLocked(k)
	case r.hasRoles:
		k.roleIDs = r.roleIDs
		out.Warnings = append(out.Warnings, fmt.Sprintf("Role changes take effect when the tokens already issued expire, within %d seconds", int(s.cfg.TokenTTL/time.Second)))
	case r.hasPerms:
		s.addAPIAccessLocked(k, nil, r.permIDs)
		out.NewAPICredentials = s.apiCredentialsLocked(k)
	}
	if r.kafka != nil {
		s.addKafkaAccessLocked(k, r.kafka)
		out.NewKafkaCredentials = s.kafkaCredentialsLocked(k)
	}
	if r.hasACLs {
		k.acls = r.acls
	}
	if r.whitelist != nil {
		k.whitelist = *r.whitelist
	}
	if r.password != nil {
		k.kafkaPassword = *r.password
	}
	if r.f.present("tool_profile") {
		k.toolProfile = r.profile
	}
	if r.f.present("allowed_tools") {
		k.allowed = nil
		if r.hasAllowed {
			k.allowed = &r.allowed
		}
	}
	if r.f.present("blocked_tools") {
		k.blocked = nil
		if r.hasBlocked {
			k.blocked = &r.blocked
		}
	}
}

// changesKafkaUser reports whether r changes what the broker holds.
func (r *updateRequest) changesKafkaUser() bool {
	return r.kafka != nil || r.hasACLs || r.whitelist != nil || r.password != nil
}

func (s *Server) handleUpdate(w http.ResponseWriter, _ *http.Request, body []byte, seg []string) {
	var errs validationErrors
	r, ok := parseUpdate(body, &errs)
	if !ok {
		writeJSON(w, http.StatusUnprocessableEntity, errs)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keyOr404Locked(w, seg[1])
	if k == nil {
		return
	}
	if problem := s.updateRefusal(k, r); problem != "" {
		s.refuse(w, problem)
		return
	}
	var out updateJSON
	s.applyUpdate(k, r, &out)
	if r.changesKafkaUser() {
		if err := s.mirrorLocked(k); err != nil {
			writeDetail(w, http.StatusInternalServerError, err.Error())
			return
		}
	}
	out.summaryJSON = s.summaryLocked(k)
	out.TokenTTLSeconds = int(s.cfg.TokenTTL / time.Second)
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	writeJSON(w, http.StatusOK, out)
}
