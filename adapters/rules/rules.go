// Package rules is the access control the framework adapters share
// (adapters/chi, adapters/gin, adapters/echo): Django's login_required,
// staff_member_required and user_passes_test over the login package auth
// reads from the session, as net/http middleware and as a Decision a
// framework adapter answers in its own way.
//
// A rule sees the logged-in user (auth.User) and, on demand, the user's
// is_active, is_staff and is_superuser flags from a FlagSource (SQLFlags
// reads Django's auth_user table). Rule is a plain function: that is the
// extension point for rules this package does not have, such as Django
// permissions (has_perm over auth_permission), which need the gateway
// work's permission reader.
//
// Outcomes follow Django's PermissionRequiredMixin: an anonymous request is
// redirected (302) to the login page with "next", as login_required; a
// logged-in user the rule refuses gets 403; a storage failure gets 500.
package rules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/auth"
)

// ErrNoFlags is returned by Gate methods that need a user's flags when the
// Gate has no FlagSource.
var ErrNoFlags = errors.New("rules: no FlagSource for staff or superuser rules")

// Flags are the auth_user columns the built-in rules read.
type Flags struct {
	Active, Staff, Superuser bool
}

// FlagSource reads a user's Flags. An unknown user is auth.ErrNoUser.
type FlagSource interface {
	Flags(ctx context.Context, id string) (Flags, error)
}

// SQLFlags reads Flags from Django's auth_user table (or a table with the
// same id, is_active, is_staff and is_superuser columns).
type SQLFlags struct {
	DB      *sql.DB
	Dialect django.Dialect
	// Table is "auth_user" when empty. It is written into the SQL as
	// given: it must come from configuration, never from input.
	Table string
}

// Flags implements FlagSource.
func (s *SQLFlags) Flags(ctx context.Context, id string) (Flags, error) {
	t := s.Table
	if t == "" {
		t = "auth_user"
	}
	ph := s.Dialect.Placeholder(1)
	var f Flags
	err := s.DB.QueryRowContext(ctx, "SELECT is_active, is_staff, is_superuser FROM "+t+" WHERE id = "+ph, id).
		Scan(&f.Active, &f.Staff, &f.Superuser)
	if errors.Is(err, sql.ErrNoRows) {
		return Flags{}, auth.ErrNoUser
	}
	if err != nil {
		return Flags{}, fmt.Errorf("rules: %w", err)
	}
	return f, nil
}

// Subject is what a Rule judges: the request and its logged-in user.
type Subject struct {
	Request *http.Request
	User    auth.User
	src     FlagSource
	flags   *Flags
}

// Flags returns the user's flags, read once per Subject.
func (s *Subject) Flags() (Flags, error) {
	if s.flags != nil {
		return *s.flags, nil
	}
	if s.src == nil {
		return Flags{}, ErrNoFlags
	}
	f, err := s.src.Flags(s.Request.Context(), s.User.ID)
	if errors.Is(err, auth.ErrNoUser) {
		f, err = Flags{}, nil // a vanished user has no rights
	}
	if err != nil {
		return Flags{}, err
	}
	s.flags = &f
	return f, nil
}

// Rule decides whether a logged-in user may go on. It is the extension
// point: write one for any check Django's user_passes_test would make.
type Rule func(s *Subject) (bool, error)

// Login lets every logged-in user through: login_required.
func Login() Rule { return func(*Subject) (bool, error) { return true, nil } }

// Staff lets active staff users through: staff_member_required.
func Staff() Rule {
	return func(s *Subject) (bool, error) {
		f, err := s.Flags()
		return f.Active && f.Staff, err
	}
}

// Superuser lets active superusers through.
func Superuser() Rule {
	return func(s *Subject) (bool, error) {
		f, err := s.Flags()
		return f.Active && f.Superuser, err
	}
}

// All lets through only users every rule lets through.
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
	// Flags reads is_active, is_staff and is_superuser for Staff and
	// Superuser; those rules fail with ErrNoFlags without it.
	Flags FlagSource
	// LoginURL is LOGIN_URL; auth.DefaultLoginURL when empty.
	LoginURL string
}

// Gate applies rules to requests that passed through the session
// middleware (and, optionally, auth.Auth.Handler). It is safe for
// concurrent use.
type Gate struct {
	auth     *auth.Auth
	flags    FlagSource
	loginURL string
}

// New returns a Gate reading logins with a. A nil o means Django's
// defaults and no FlagSource.
func New(a *auth.Auth, o *Options) (*Gate, error) {
	if a == nil {
		return nil, errors.New("rules: nil auth")
	}
	g := &Gate{auth: a, loginURL: auth.DefaultLoginURL}
	if o != nil {
		g.flags = o.Flags
		if o.LoginURL != "" {
			g.loginURL = o.LoginURL
		}
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

// Decide applies rule to r.
func (g *Gate) Decide(r *http.Request, rule Rule) Decision {
	u, ok, err := g.auth.UserFromRequest(r)
	if err != nil {
		return Decision{Status: http.StatusInternalServerError, Err: err}
	}
	if !ok {
		return Decision{Status: http.StatusFound, Location: auth.LoginRedirect(r, g.loginURL)}
	}
	allow, err := rule(&Subject{Request: r, User: u, src: g.flags})
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
