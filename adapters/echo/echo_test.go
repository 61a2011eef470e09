package djecho_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/djsession/djsession/adapters/adaptertest"
	djecho "github.com/djsession/djsession/adapters/echo"
	"github.com/djsession/djsession/adapters/rules"
)

// TestServer runs a real echo server on the session and logins real
// Django made in the README's set-up database.
func TestServer(t *testing.T) {
	env := adaptertest.Setup(t)
	e := echo.New()
	e.Use(djecho.Middleware(env.Sessions, env.Auth))
	page := func(name string) echo.HandlerFunc {
		return func(c echo.Context) error { return c.String(http.StatusOK, env.Body(c.Request(), name)) }
	}
	e.GET("/me", page("me"), djecho.RequireLogin(env.Gate))
	e.GET("/staff", page("staff"), djecho.RequireStaff(env.Gate))
	e.GET("/super", page("super"), djecho.RequireSuperuser(env.Gate))
	e.GET("/perm", page("perm"), djecho.RequirePerm(env.Gate, adaptertest.Perms...))
	e.GET("/group", page("group"), djecho.Require(env.Gate, rules.Group(adaptertest.Group)))
	e.GET("/public", func(c echo.Context) error { env.Touch(c.Request()); return page("public")(c) })
	srv := httptest.NewServer(e)
	defer srv.Close()
	env.Check(t, srv.URL)
}

// TestHandlerError: an error a handler returns is answered before the
// session middleware commits, so the client gets its status and a 500
// does not save the session (Django's rule).
func TestHandlerError(t *testing.T) {
	env := adaptertest.Setup(t)
	e := echo.New()
	e.Use(djecho.Middleware(env.Sessions, env.Auth))
	e.GET("/teapot", func(c echo.Context) error {
		env.Touch(c.Request())
		return echo.NewHTTPError(http.StatusTeapot)
	})
	e.GET("/boom", func(c echo.Context) error {
		env.Touch(c.Request())
		return echo.NewHTTPError(http.StatusInternalServerError)
	})
	srv := httptest.NewServer(e)
	defer srv.Close()
	for _, tt := range []struct {
		path   string
		status int
		saved  bool
	}{{"/teapot", http.StatusTeapot, true}, {"/boom", http.StatusInternalServerError, false}} {
		req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
		req.AddCookie(&http.Cookie{Name: "sessionid", Value: env.Users["bob"].Key})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if saved := resp.Header.Get("Set-Cookie") != ""; resp.StatusCode != tt.status || saved != tt.saved {
			t.Errorf("%s: got %d, Set-Cookie %q; want %d, saved %v", tt.path, resp.StatusCode, resp.Header.Get("Set-Cookie"), tt.status, tt.saved)
		}
	}
}
