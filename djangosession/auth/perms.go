package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Permissions are a user's permissions as Django's ModelBackend computes
// them: "app_label.codename" strings from the user's own permissions and
// those of the user's groups. A superuser has every permission, an inactive
// user none. The zero value has none.
type Permissions struct {
	active, superuser bool
	set               map[string]struct{}
}

// Has reports whether the permissions include perm, as user.has_perm(perm):
// always for an active superuser, never for an inactive user.
func (p Permissions) Has(perm string) bool {
	if !p.active {
		return false
	}
	if p.superuser {
		return true
	}
	_, ok := p.set[perm]
	return ok
}

// HasAll reports whether the permissions include every one of perms, as
// user.has_perms(perms): none for an inactive user, all for an active
// superuser, and true when perms is empty (as Django's has_perms of an
// empty list).
func (p Permissions) HasAll(perms ...string) bool {
	for _, perm := range perms {
		if !p.Has(perm) {
			return false
		}
	}
	return true
}

// HasModule reports whether any permission has the app label, as
// user.has_module_perms(app_label).
func (p Permissions) HasModule(appLabel string) bool {
	if !p.active {
		return false
	}
	if p.superuser {
		return true
	}
	for k := range p.set {
		if strings.HasPrefix(k, appLabel+".") {
			return true
		}
	}
	return false
}

// List returns the permissions sorted, as sorted(user.get_all_permissions()):
// for a superuser every permission in auth_permission.
func (p Permissions) List() []string {
	out := make([]string, 0, len(p.set))
	for k := range p.set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Permissions returns the permissions of the user with primary key id; see
// Permissions. A missing user has none (an empty value, no error).
func (x *SQLIdentities) Permissions(ctx context.Context, id string) (Permissions, error) {
	u, err := x.Identity(ctx, id)
	if errors.Is(err, ErrNoUser) {
		return Permissions{}, nil
	}
	if err != nil {
		return Permissions{}, err
	}
	return x.PermissionsOf(ctx, u)
}

// PermissionsOf is Permissions for a user already read with Identity: it
// saves reading the user row again.
func (x *SQLIdentities) PermissionsOf(ctx context.Context, u Identity) (Permissions, error) {
	p := Permissions{active: u.IsActive, superuser: u.IsSuperuser, set: map[string]struct{}{}}
	if !u.IsActive {
		return p, nil
	}
	q, args := x.qPerms, []any{x.key(u.ID), x.key(u.ID)}
	if u.IsSuperuser {
		q, args = x.qAllPerms, nil
	}
	st, err := x.stmt(ctx, q)
	if err != nil {
		return Permissions{}, fmt.Errorf("auth: reading permissions: %w", err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return Permissions{}, fmt.Errorf("auth: reading permissions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var app, code string
		if err := rows.Scan(&app, &code); err != nil {
			return Permissions{}, fmt.Errorf("auth: reading permissions: %w", err)
		}
		p.set[app+"."+code] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return Permissions{}, fmt.Errorf("auth: reading permissions: %w", err)
	}
	return p, nil
}

// NewPermissions returns Permissions holding perms, for a user who is
// active (or not) and superuser (or not): for tests and for callers with
// their own source of permissions.
func NewPermissions(active, superuser bool, perms ...string) Permissions {
	p := Permissions{active: active, superuser: superuser, set: map[string]struct{}{}}
	if active {
		for _, k := range perms {
			p.set[k] = struct{}{}
		}
	}
	return p
}
