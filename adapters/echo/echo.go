// Package djecho serves echo routes behind a Django site's sessions and
// login: the session middleware and auth's per-request user as echo
// middleware, and Django's login_required, staff_member_required,
// permission_required, group and superuser checks as route middleware
// (package adapters/rules: the identity and checks of the gateway's rules).
//
// Inside a handler, c.Request() is the request the session middleware
// made: middleware.Session(c.Request()), auth.Auth.UserFromRequest and
// messages.Add work on it unchanged. As in Django, the session is saved
// and its cookie set just before the response's status line goes out. An
// error a handler returns is handed to echo's HTTPErrorHandler inside the
// middleware, so the error page's status is the one the session middleware
// sees (a 500 is not saved, as in Django).
package djecho

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/djsession/djsession/adapters/rules"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/middleware"
)

// Middleware returns the session middleware, then auth's user cache, as
// one echo middleware for Echo.Use.
func Middleware(sessions *middleware.Middleware, a *auth.Auth) echo.MiddlewareFunc {
	return Wrap(func(h http.Handler) http.Handler { return sessions.Handler(a.Handler(h)) })
}

// Wrap turns net/http middleware (such as messages.Store.Handler or
// csrf.Protector.Handler) into echo middleware: the rest of the chain runs
// inside it, writing through its response writer. Unlike
// echo.WrapMiddleware, an error from the chain is answered (c.Error)
// before the middleware commits.
func Wrap(mw func(http.Handler) http.Handler) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			res := c.Response()
			orig := res.Writer
			mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c.SetRequest(r)
				res.Writer = w
				if err := next(c); err != nil {
					c.Error(err)
				}
			})).ServeHTTP(orig, c.Request())
			res.Writer = orig
			return nil
		}
	}
}

// Require returns route middleware that lets a request through only when
// rule allows it: anonymous requests are redirected to the login page,
// refused users get 403.
func Require(g *rules.Gate, rule rules.Rule) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			d := g.Decide(c.Request(), rule)
			if !d.Allow {
				rules.Refuse(c.Response(), d)
				return nil
			}
			return next(c)
		}
	}
}

// RequireLogin is Django's login_required.
func RequireLogin(g *rules.Gate) echo.MiddlewareFunc { return Require(g, rules.Login()) }

// RequireStaff is Django's staff_member_required.
func RequireStaff(g *rules.Gate) echo.MiddlewareFunc { return Require(g, rules.Staff()) }

// RequireSuperuser lets only active superusers through.
func RequireSuperuser(g *rules.Gate) echo.MiddlewareFunc { return Require(g, rules.Superuser()) }

// RequirePerm is Django's permission_required: the user must have every
// one of perms ("app_label.codename").
func RequirePerm(g *rules.Gate, perms ...string) echo.MiddlewareFunc {
	return Require(g, rules.Perm(perms...))
}
