package fakeapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"
)

// handleAccessToken exchanges client credentials, or a whole Project Key
// credential file (raw JSON or base64), for a token. The answer is camelCase.
func (s *Server) handleAccessToken(w http.ResponseWriter, _ *http.Request, body []byte, _ []string) {
	var req struct {
		ClientID   *string `json:"client_id"`
		Secret     *string `json:"secret"`
		ProjectKey *string `json:"project_key"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, validationErrors{{Type: "json_invalid", Loc: []any{"body"}, Msg: "JSON decode error"}})
		return
	}
	var clientID, secret string
	switch {
	case req.ProjectKey != nil:
		id, sec, ok := apiCredentialsFromFile(*req.ProjectKey)
		if !ok {
			writeDetail(w, http.StatusBadRequest, "The project key has no API credentials")
			return
		}
		clientID, secret = id, sec
	case req.ClientID != nil && req.Secret != nil:
		clientID, secret = *req.ClientID, *req.Secret
	default:
		writeJSON(w, http.StatusUnprocessableEntity, validationErrors{{Type: "missing", Loc: []any{"body", "client_id"}, Msg: "Field required"}})
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[clientID]
	if !ok || c.secret != secret {
		writeDetail(w, http.StatusUnauthorized, "Invalid client credentials")
		return
	}
	if k := s.keys[c.keyID]; k != nil {
		k.lastUsedAt = s.now()
	}
	writeJSON(w, http.StatusOK, s.grantLocked(clientID))
}

// handleRefresh trades a refresh token for a new token pair.
func (s *Server) handleRefresh(w http.ResponseWriter, _ *http.Request, body []byte, _ []string) {
	var req struct {
		RefreshToken string `json:"refresh_token"`
	}
	_ = json.Unmarshal(body, &req)
	s.mu.Lock()
	defer s.mu.Unlock()
	clientID, ok := s.refresh[req.RefreshToken]
	if !ok {
		writeDetail(w, http.StatusUnauthorized, "Invalid refresh token")
		return
	}
	delete(s.refresh, req.RefreshToken)
	writeJSON(w, http.StatusOK, s.grantLocked(clientID))
}

type tokenAnswer struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	Expires      string `json:"expires"`
	ExpiresIn    int    `json:"expiresIn"`
}

func (s *Server) grantLocked(clientID string) tokenAnswer {
	access, refresh := "tok-"+randomString(32), "ref-"+randomString(32)
	expires := s.now().Add(s.cfg.TokenTTL)
	s.tokens[access] = tokenGrant{clientID: clientID, expires: expires}
	s.refresh[refresh] = clientID
	return tokenAnswer{
		AccessToken: access, RefreshToken: refresh,
		Expires: expires.UTC().Format(time.RFC3339), ExpiresIn: int(s.cfg.TokenTTL / time.Second),
	}
}

// apiCredentialsFromFile reads api.client_id and api.client_secret from a
// credential file given as JSON or base64-encoded JSON.
func apiCredentialsFromFile(file string) (clientID, secret string, ok bool) {
	data := bytes.TrimSpace([]byte(file))
	if len(data) > 0 && data[0] != '{' {
		decoded, err := base64.StdEncoding.DecodeString(string(data))
		if err != nil {
			return "", "", false
		}
		data = decoded
	}
	var f struct {
		API *struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		} `json:"api"`
	}
	if json.Unmarshal(data, &f) != nil || f.API == nil || f.API.ClientID == "" {
		return "", "", false
	}
	return f.API.ClientID, f.API.ClientSecret, true
}

// handleRoles lists the roles.
func (s *Server) handleRoles(w http.ResponseWriter, _ *http.Request, _ []byte, _ []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]roleJSON, len(s.roles))
	for i, r := range s.roles {
		out[i] = s.roleJSON(r)
	}
	writeJSON(w, http.StatusOK, out)
}

type roleJSON struct {
	ID          string   `json:"id"`
	Key         string   `json:"key"`
	Name        string   `json:"name"`
	Description *string  `json:"description"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
	Permissions []string `json:"permissions"`
}

var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)

func (s *Server) roleJSON(r Role) roleJSON {
	out := roleJSON{ID: r.ID, Key: r.Key, Name: r.Name, CreatedAt: epoch, UpdatedAt: epoch, Permissions: r.Permissions}
	if out.Permissions == nil {
		out.Permissions = []string{}
	}
	if r.Description != "" {
		d := r.Description
		out.Description = &d
	}
	return out
}

func (s *Server) roleByID(id string) (Role, bool) {
	for _, r := range s.roles {
		if r.ID == id {
			return r, true
		}
	}
	return Role{}, false
}
