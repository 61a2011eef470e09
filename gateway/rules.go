package gateway

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/djsession/djsession/djangosession/auth"
)

// Rule says who may use the paths under Prefix and, in proxy mode, where
// they go. A request follows the rule with the longest matching Prefix;
// requirements add up (Staff and a permission: both are needed).
type Rule struct {
	// Prefix is a URL path prefix, e.g. "/reports/"; "/" matches all.
	Prefix string
	// Upstream is the base URL requests under Prefix are proxied to in
	// proxy mode; empty means Options.Django.
	Upstream string
	// Login requires a logged-in (active) user, as login_required.
	Login bool
	// Staff requires is_staff, as staff_member_required.
	Staff bool
	// Superuser requires is_superuser.
	Superuser bool
	// Groups requires membership of at least one of these groups.
	Groups []string
	// Perms requires every one of these "app_label.codename" permissions,
	// as permission_required (superusers have all).
	Perms []string
	// CSRF enforces Django's CSRF checks on unsafe methods (POST, PUT,
	// PATCH, DELETE ...). In forward-auth mode the body never reaches the
	// gateway, so only the X-CSRFToken header (Options.CSRF.HeaderName)
	// can carry the token there.
	CSRF bool
	// API answers an anonymous request with 401 instead of a redirect to
	// the login page.
	API bool
}

func (r *Rule) needsUser() bool {
	return r.Login || r.Staff || r.Superuser || len(r.Groups) > 0 || len(r.Perms) > 0
}

// allows reports whether u (with permissions p, read only when the rule
// has Perms) passes r. The checks are auth's, which adapters/rules applies
// in-process too.
func (r *Rule) allows(u *auth.Identity, p auth.Permissions) bool {
	switch {
	case !u.IsActive, r.Staff && !u.StaffMember(), r.Superuser && !u.ActiveSuperuser(),
		len(r.Groups) > 0 && !u.InAnyGroup(r.Groups...):
		return false
	}
	return p.HasAll(r.Perms...)
}

// routes is a rule table ordered by decreasing prefix length.
type routes []*Rule

func newRoutes(rules []Rule) (routes, error) {
	rs := make(routes, 0, len(rules))
	seen := map[string]bool{}
	for i := range rules {
		r := rules[i]
		if !strings.HasPrefix(r.Prefix, "/") {
			return nil, fmt.Errorf("gateway: rule %d: prefix %q must start with /", i, r.Prefix)
		}
		if seen[r.Prefix] {
			return nil, fmt.Errorf("gateway: rule %d: prefix %q given twice", i, r.Prefix)
		}
		seen[r.Prefix] = true
		for _, p := range r.Perms {
			if app, code, ok := strings.Cut(p, "."); !ok || app == "" || code == "" {
				return nil, fmt.Errorf("gateway: rule %q: permission %q is not app_label.codename", r.Prefix, p)
			}
		}
		if r.Upstream != "" {
			if u, err := url.Parse(r.Upstream); err != nil || u.Scheme == "" || u.Host == "" {
				return nil, fmt.Errorf("gateway: rule %q: upstream must be an absolute URL", r.Prefix)
			}
		}
		rs = append(rs, &r)
	}
	slices.SortStableFunc(rs, func(a, b *Rule) int { return len(b.Prefix) - len(a.Prefix) })
	return rs, nil
}

// match returns the rule for path, or nil.
func (rs routes) match(path string) *Rule {
	for _, r := range rs {
		if strings.HasPrefix(path, r.Prefix) {
			return r
		}
	}
	return nil
}
