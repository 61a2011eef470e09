package djgin_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/djsession/djsession/adapters/adaptertest"
	djgin "github.com/djsession/djsession/adapters/gin"
	"github.com/djsession/djsession/adapters/rules"
)

// TestServer runs a real gin server on the session and logins real Django
// made in the README's set-up database.
func TestServer(t *testing.T) {
	gin.SetMode(gin.TestMode)
	env := adaptertest.Setup(t)
	r := gin.New()
	r.Use(djgin.Middleware(env.Sessions, env.Auth))
	page := func(name string) gin.HandlerFunc {
		return func(c *gin.Context) { c.String(http.StatusOK, env.Body(c.Request, name)) }
	}
	r.GET("/me", djgin.RequireLogin(env.Gate), page("me"))
	r.GET("/staff", djgin.RequireStaff(env.Gate), page("staff"))
	r.GET("/super", djgin.RequireSuperuser(env.Gate), page("super"))
	r.GET("/perm", djgin.RequirePerm(env.Gate, adaptertest.Perms...), page("perm"))
	r.GET("/group", djgin.Require(env.Gate, rules.Group(adaptertest.Group)), page("group"))
	r.GET("/public", func(c *gin.Context) { env.Touch(c.Request) }, page("public"))
	srv := httptest.NewServer(r)
	defer srv.Close()
	env.Check(t, srv.URL)
}

// TestStatusWithoutBody: a status set with c.Status and no body is the one
// the session middleware commits with and the client gets.
func TestStatusWithoutBody(t *testing.T) {
	gin.SetMode(gin.TestMode)
	env := adaptertest.Setup(t)
	r := gin.New()
	r.Use(djgin.Middleware(env.Sessions, env.Auth))
	r.GET("/gone", func(c *gin.Context) { env.Touch(c.Request); c.Status(http.StatusGone) })
	srv := httptest.NewServer(r)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/gone", nil)
	req.AddCookie(&http.Cookie{Name: "sessionid", Value: env.Users["bob"].Key})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone || resp.Header.Get("Set-Cookie") == "" {
		t.Errorf("got %d, Set-Cookie %q; want 410 and the saved session's cookie", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}
}
