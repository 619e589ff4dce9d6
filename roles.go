package streamkap

import (
	"context"
	"net/http"
	"strings"
)

// RolesService lists the roles that can be granted to a key's API
// credentials. Get it from [Client.Roles].
type RolesService struct {
	client *Client
}

// List returns the roles (GET /auth/roles).
func (s *RolesService) List(ctx context.Context, opts ...CallOption) ([]Role, error) {
	var roles []Role
	err := s.client.do(ctx, &call{method: http.MethodGet, route: "/auth/roles", path: "/auth/roles", idempotent: true,
		out: (*roleList)(&roles), opts: parseCallOptions(opts)})
	if err != nil {
		return nil, err
	}
	if roles == nil {
		roles = []Role{}
	}
	return roles, nil
}

// roleList is Roles.List's answer: every role needs an id.
type roleList []Role

func (l *roleList) checkAnswer() error {
	for _, r := range *l {
		if r.ID == "" {
			return errMissing("role id")
		}
	}
	return nil
}

// ResolveIDs turns role names, keys or ids ("Data Admin", "DataAdmin",
// "role-123"; names and keys ignore case) into the ids that RoleIDs take,
// in the order given, with one GET /auth/roles. Anything that matches no
// role gives an [*UnknownRoleError] listing the roles that exist.
func (s *RolesService) ResolveIDs(ctx context.Context, namesOrKeys []string, opts ...CallOption) ([]string, error) {
	roles, err := s.List(ctx, opts...)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(namesOrKeys))
	var unknown []string
	for _, want := range namesOrKeys {
		id, ok := matchRole(roles, want)
		if !ok {
			unknown = append(unknown, want)
			continue
		}
		ids = append(ids, id)
	}
	if len(unknown) > 0 {
		return nil, &UnknownRoleError{Unknown: unknown, Available: roles}
	}
	return ids, nil
}

// matchRole finds a role by id (exactly), then by name or key (ignoring case).
func matchRole(roles []Role, want string) (string, bool) {
	for _, r := range roles {
		if r.ID == want {
			return r.ID, true
		}
	}
	for _, r := range roles {
		if strings.EqualFold(r.Name, want) || strings.EqualFold(r.Key, want) {
			return r.ID, true
		}
	}
	return "", false
}

// UnknownRoleError lists the role names or keys that match no role, and the
// roles that exist. It matches ErrNotFound.
type UnknownRoleError struct {
	// Unknown are the names, keys or ids that matched no role.
	Unknown []string
	// Available are the roles that exist.
	Available []Role
}

// Error names what was not found and what exists.
func (e *UnknownRoleError) Error() string {
	available := make([]string, len(e.Available))
	for i, r := range e.Available {
		available[i] = r.Name
		if r.Key != "" && r.Key != r.Name {
			available[i] += " (" + r.Key + ")"
		}
	}
	return "streamkap: no role named " + quoteAll(e.Unknown) + "; the roles are: " + strings.Join(available, ", ")
}

// Is matches ErrNotFound.
func (e *UnknownRoleError) Is(target error) bool { return target == ErrNotFound }

func quoteAll(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = `"` + s + `"`
	}
	return strings.Join(quoted, ", ")
}
