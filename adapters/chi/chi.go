// Package djchi serves chi routes behind a Django site's sessions and
// login: the session middleware and auth's per-request user as chi
// middleware, and Django's login_required, staff_member_required,
// permission_required, group and superuser checks as route middleware
// (package adapters/rules: the identity and checks of the gateway's rules).
//
// chi routes are net/http handlers, so the session and auth packages work
// unchanged inside them: middleware.Session(r), auth.Auth.UserFromRequest,
// messages.Add.
package djchi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/djsession/djsession/adapters/rules"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/middleware"
)

// Middlewares returns the session middleware, then auth's user cache, for
// Router.Use. Add more net/http middleware (csrf, messages) after them, in
// Django's MIDDLEWARE order.
func Middlewares(sessions *middleware.Middleware, a *auth.Auth) chi.Middlewares {
	return chi.Middlewares{sessions.Handler, a.Handler}
}

// Require returns route middleware that lets a request through only when
// rule allows it: anonymous requests are redirected to the login page,
// refused users get 403.
func Require(g *rules.Gate, rule rules.Rule) func(http.Handler) http.Handler {
	return g.Require(rule)
}

// RequireLogin is Django's login_required.
func RequireLogin(g *rules.Gate) func(http.Handler) http.Handler { return g.Require(rules.Login()) }

// RequireStaff is Django's staff_member_required.
func RequireStaff(g *rules.Gate) func(http.Handler) http.Handler { return g.Require(rules.Staff()) }

// RequireSuperuser lets only active superusers through.
func RequireSuperuser(g *rules.Gate) func(http.Handler) http.Handler {
	return g.Require(rules.Superuser())
}

// RequirePerm is Django's permission_required: the user must have every
// one of perms ("app_label.codename").
func RequirePerm(g *rules.Gate, perms ...string) func(http.Handler) http.Handler {
	return g.Require(rules.Perm(perms...))
}
