package gateway

import (
	"testing"

	"github.com/djsession/djsession/djangosession/auth"
)

// TestRuleAllows: a rule's requirements add up, with ModelBackend's
// semantics (an inactive user passes nothing, a superuser has every
// permission but only the groups it is in).
func TestRuleAllows(t *testing.T) {
	ident := func(active, staff, super bool, groups ...string) *auth.Identity {
		return &auth.Identity{ID: "1", IsActive: active, IsStaff: staff, IsSuperuser: super, Groups: groups}
	}
	var (
		plain    = ident(true, false, false)
		staff    = ident(true, true, false)
		super    = ident(true, true, true)
		editor   = ident(true, false, false, "editors")
		inactive = ident(false, true, true, "editors")
	)
	perms := func(u *auth.Identity, p ...string) auth.Permissions {
		return auth.NewPermissions(u.IsActive, u.IsSuperuser, p...)
	}
	tests := []struct {
		name string
		rule Rule
		u    *auth.Identity
		p    auth.Permissions
		want bool
	}{
		{"login", Rule{Login: true}, plain, perms(plain), true},
		{"login inactive", Rule{Login: true}, inactive, perms(inactive), false},
		{"staff", Rule{Staff: true}, staff, perms(staff), true},
		{"staff plain", Rule{Staff: true}, plain, perms(plain), false},
		{"superuser staff", Rule{Superuser: true}, staff, perms(staff), false},
		{"superuser", Rule{Superuser: true, Staff: true}, super, perms(super), true},
		{"group", Rule{Groups: []string{"admins", "editors"}}, editor, perms(editor), true},
		{"group superuser", Rule{Groups: []string{"editors"}}, super, perms(super), false},
		{"group inactive", Rule{Groups: []string{"editors"}}, inactive, perms(inactive, "a.b"), false},
		{"perm", Rule{Perms: []string{"blog.change_post"}}, editor, perms(editor, "blog.change_post"), true},
		{"perms all", Rule{Perms: []string{"blog.change_post", "blog.add_post"}}, editor, perms(editor, "blog.change_post"), false},
		{"perm superuser", Rule{Perms: []string{"blog.change_post"}}, super, perms(super), true},
		{"group and perm", Rule{Groups: []string{"editors"}, Perms: []string{"blog.add_post"}}, editor, perms(editor, "blog.change_post"), false},
		{"staff and perm", Rule{Staff: true, Perms: []string{"blog.add_post"}}, staff, perms(staff, "blog.add_post"), true},
	}
	for _, tt := range tests {
		if got := tt.rule.allows(tt.u, tt.p); got != tt.want {
			t.Errorf("%s: allows %v, want %v", tt.name, got, tt.want)
		}
	}
}
