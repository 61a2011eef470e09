// Package rules is the access control of Go services that run behind a
// Django site's login in-process: the same identity (auth.Identity and
// auth.Permissions, read by an auth.Identities such as auth.SQLIdentities)
// and the same checks as the gateway's rules, as net/http middleware and as
// a Decision the framework adapters (adapters/chi, adapters/gin,
// adapters/echo) answer in their own way.
//
// The rules are Django's: Login is login_required, Staff is
// staff_member_required, Perm is permission_required (every permission,
// ModelBackend's semantics: a superuser has all, an inactive user none),
// Group is membership of any of the named groups, Superuser lets active
// superusers through, and All combines them. Rule is a plain function: that
// is the extension point for any check Django's user_passes_test would make.
//
// Outcomes follow Django's PermissionRequiredMixin: an anonymous request is
// redirected (302) to the login page with "next", as login_required; a
// logged-in user the rule refuses gets 403; a storage failure gets 500.
//
// One *auth.SQLIdentities serves both auth (it implements auth.Users) and
// the Gate; the Gate then reads the user's row once per request, with the
// password check:
//
//	ids, err := auth.NewSQLIdentities(db, django.PostgreSQL, nil)
//	a, err := auth.New(ids, &auth.Options{Settings: settings})
//	gate, err := rules.New(a, ids, nil)
//	mux.Handle("GET /reports/", gate.Require(rules.Perm("reports.view_report"))(reports))
//	h := sessions.Handler(a.Handler(mux))
package rules

import (
	"errors"
	"net/http"

	"github.com/djsession/djsession/djangosession/auth"
)

// Subject is what a Rule judges: the request and its logged-in user.
type Subject struct {
	Request *http.Request
	User    auth.User

	ids   auth.Identities
	ident *auth.Identity
	perms *auth.Permissions
}

// Identity returns the user's identity (flags and groups), read once per
// Subject. A user the identity source no longer knows is returned inactive,
// with no rights.
func (s *Subject) Identity() (auth.Identity, error) {
	if s.ident != nil {
		return *s.ident, nil
	}
	u, err := s.ids.Identity(s.Request.Context(), s.User.ID)
	if errors.Is(err, auth.ErrNoUser) {
		u, err = auth.Identity{ID: s.User.ID}, nil // vanished: inactive, no rights
	}
	if err != nil {
		return auth.Identity{}, err
	}
	s.ident = &u
	return u, nil
}

// Permissions returns the user's permissions, read once per Subject: none
// for an inactive or vanished user, all for an active superuser.
func (s *Subject) Permissions() (auth.Permissions, error) {
	if s.perms != nil {
		return *s.perms, nil
	}
	u, err := s.Identity()
	if err != nil {
		return auth.Permissions{}, err
	}
	var p auth.Permissions // none: the identity source is not asked about an inactive user
	if u.IsActive {
		if p, err = s.ids.PermissionsOf(s.Request.Context(), u); err != nil {
			return auth.Permissions{}, err
		}
	}
	s.perms = &p
	return p, nil
}

// Rule decides whether a logged-in user may go on. It is the extension
// point: write one for any check Django's user_passes_test would make.
type Rule func(s *Subject) (bool, error)

// identityRule is a Rule on the user's identity alone.
func identityRule(ok func(u auth.Identity) bool) Rule {
	return func(s *Subject) (bool, error) {
		u, err := s.Identity()
		if err != nil {
			return false, err
		}
		return ok(u), nil
	}
}

// Login lets every logged-in user through: login_required.
func Login() Rule { return func(*Subject) (bool, error) { return true, nil } }

// Staff lets active staff users through: staff_member_required.
func Staff() Rule { return identityRule(auth.Identity.StaffMember) }

// Superuser lets active superusers through.
func Superuser() Rule { return identityRule(auth.Identity.ActiveSuperuser) }

// Group lets active members of at least one of the named groups through.
func Group(names ...string) Rule {
	return identityRule(func(u auth.Identity) bool { return u.InAnyGroup(names...) })
}

// Perm lets through users who have every one of perms ("app_label.codename"),
// as permission_required: an active superuser has all, an inactive user
// none.
func Perm(perms ...string) Rule {
	return func(s *Subject) (bool, error) {
		p, err := s.Permissions()
		if err != nil {
			return false, err
		}
		return p.HasAll(perms...), nil
	}
}

// All lets through only users every rule lets through, asking them in
// order and stopping at the first refusal.
func All(rules ...Rule) Rule {
	return func(s *Subject) (bool, error) {
		for _, r := range rules {
			if ok, err := r(s); !ok || err != nil {
				return false, err
			}
		}
		return true, nil
	}
}

// Options configure a Gate.
type Options struct {
	// LoginURL is LOGIN_URL; auth.DefaultLoginURL when empty.
	LoginURL string
}

// Gate applies rules to requests that passed through the session
// middleware (and, optionally, auth.Auth.Handler). It is safe for
// concurrent use.
type Gate struct {
	auth     *auth.Auth
	ids      auth.Identities
	loginURL string
}

// New returns a Gate reading logins with a and users' identities and
// permissions with ids (usually the *auth.SQLIdentities a reads password
// hashes with). A nil o means Django's defaults.
func New(a *auth.Auth, ids auth.Identities, o *Options) (*Gate, error) {
	if a == nil || ids == nil {
		return nil, errors.New("rules: auth and identities are required")
	}
	g := &Gate{auth: a, ids: ids, loginURL: auth.DefaultLoginURL}
	if o != nil && o.LoginURL != "" {
		g.loginURL = o.LoginURL
	}
	return g, nil
}

// Decision is a Gate's verdict on one request.
type Decision struct {
	// Allow: go on to the handler.
	Allow bool
	// Status is the response otherwise: 302 (to Location), 403 or 500.
	Status   int
	Location string
	// User is the logged-in user, when there is one.
	User auth.User
	// Err is the storage failure behind a 500.
	Err error
}

// Decide applies rule to r. When r's user is not resolved yet, the request
// is read under auth.WithUserMemo, so that an auth.SQLIdentities reads the
// user's row once for the password check and the rule.
func (g *Gate) Decide(r *http.Request, rule Rule) Decision {
	r = r.WithContext(auth.WithUserMemo(r.Context()))
	u, ok, err := g.auth.UserFromRequest(r)
	if err != nil {
		return Decision{Status: http.StatusInternalServerError, Err: err}
	}
	if !ok {
		return Decision{Status: http.StatusFound, Location: auth.LoginRedirect(r, g.loginURL)}
	}
	allow, err := rule(&Subject{Request: r, User: u, ids: g.ids})
	switch {
	case err != nil:
		return Decision{Status: http.StatusInternalServerError, User: u, Err: err}
	case !allow:
		return Decision{Status: http.StatusForbidden, User: u}
	}
	return Decision{Allow: true, User: u}
}

// Require returns net/http middleware that lets a request through only
// when rule allows it, and otherwise answers as Decision says.
func (g *Gate) Require(rule Rule) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d := g.Decide(r, rule)
			if !d.Allow {
				Refuse(w, d)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Refuse writes the response for a Decision that does not allow.
func Refuse(w http.ResponseWriter, d Decision) {
	switch d.Status {
	case http.StatusFound:
		w.Header().Set("Location", d.Location)
		w.WriteHeader(http.StatusFound)
	case http.StatusForbidden:
		http.Error(w, "403 Forbidden", http.StatusForbidden)
	default:
		http.Error(w, "session unavailable", http.StatusInternalServerError)
	}
}
