// Package djgin serves gin routes behind a Django site's sessions and
// login: the session middleware and auth's per-request user as gin
// middleware, and Django's login_required, staff_member_required,
// permission_required, group and superuser checks as route middleware
// (package adapters/rules: the identity and checks of the gateway's rules).
//
// Inside a handler, c.Request is the request the session middleware
// made: middleware.Session(c.Request), auth.Auth.UserFromRequest and
// messages.Add work on it unchanged. As in Django, the session is saved
// and its cookie set just before the response's status line goes out:
// at the first write, or when the handlers return (with the status set by
// c.Status), never buffering the body.
package djgin

import (
	"bufio"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/djsession/djsession/adapters/rules"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/middleware"
)

// Middleware returns the session middleware, then auth's user cache, as
// one gin middleware for Engine.Use.
func Middleware(sessions *middleware.Middleware, a *auth.Auth) gin.HandlerFunc {
	return Wrap(func(h http.Handler) http.Handler { return sessions.Handler(a.Handler(h)) })
}

// Wrap turns net/http middleware (such as messages.Store.Handler or
// csrf.Protector.Handler) into gin middleware: the rest of the chain runs
// inside it, with its request and response writer. If mw does not call
// its handler, the chain is aborted.
func Wrap(mw func(http.Handler) http.Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		orig := c.Writer
		called := false
		mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			called = true
			gw := &writer{ResponseWriter: orig, w: w}
			c.Request, c.Writer = r, gw
			c.Next()
			gw.WriteHeaderNow() // the handlers returned: commit with gin's status
		})).ServeHTTP(orig, c.Request)
		c.Writer = orig
		if !called {
			c.Abort()
		}
	}
}

// Require returns route middleware that lets a request through only when
// rule allows it: anonymous requests are redirected to the login page,
// refused users get 403.
func Require(g *rules.Gate, rule rules.Rule) gin.HandlerFunc {
	return func(c *gin.Context) {
		d := g.Decide(c.Request, rule)
		if !d.Allow {
			rules.Refuse(c.Writer, d)
			c.Abort()
		}
	}
}

// RequireLogin is Django's login_required.
func RequireLogin(g *rules.Gate) gin.HandlerFunc { return Require(g, rules.Login()) }

// RequireStaff is Django's staff_member_required.
func RequireStaff(g *rules.Gate) gin.HandlerFunc { return Require(g, rules.Staff()) }

// RequireSuperuser lets only active superusers through.
func RequireSuperuser(g *rules.Gate) gin.HandlerFunc { return Require(g, rules.Superuser()) }

// RequirePerm is Django's permission_required: the user must have every
// one of perms ("app_label.codename").
func RequirePerm(g *rules.Gate, perms ...string) gin.HandlerFunc {
	return Require(g, rules.Perm(perms...))
}

// writer is gin's ResponseWriter with writes going through the net/http
// middleware's writer w. gin's WriteHeader only records the status; the
// middleware's commit runs when the status line really goes out.
type writer struct {
	gin.ResponseWriter // gin's own: status, size, pusher
	w                  http.ResponseWriter
	done               bool
}

// WriteHeaderNow commits through the middleware with the recorded status.
func (g *writer) WriteHeaderNow() {
	if !g.done {
		g.done = true
		g.w.WriteHeader(g.ResponseWriter.Status())
	}
	g.ResponseWriter.WriteHeaderNow()
}

func (g *writer) Write(b []byte) (int, error) {
	if !g.done {
		g.done = true
		g.w.WriteHeader(g.ResponseWriter.Status())
	}
	return g.w.Write(b)
}

func (g *writer) WriteString(s string) (int, error) { return g.Write([]byte(s)) }

func (g *writer) Flush() {
	g.WriteHeaderNow()
	_ = http.NewResponseController(g.w).Flush()
}

func (g *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	g.done = true
	return http.NewResponseController(g.w).Hijack()
}

// Unwrap returns the middleware's writer, for http.ResponseController.
func (g *writer) Unwrap() http.ResponseWriter { return g.w }
