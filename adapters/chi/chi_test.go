package djchi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/djsession/djsession/adapters/adaptertest"
	djchi "github.com/djsession/djsession/adapters/chi"
	"github.com/djsession/djsession/adapters/rules"
)

// TestServer runs a real chi server on the session and logins real Django
// made in the README's set-up database.
func TestServer(t *testing.T) {
	env := adaptertest.Setup(t)
	r := chi.NewRouter()
	r.Use(djchi.Middlewares(env.Sessions, env.Auth)...)
	page := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, env.Body(r, name)) }
	}
	r.With(djchi.RequireLogin(env.Gate)).Get("/me", page("me"))
	r.With(djchi.RequireStaff(env.Gate)).Get("/staff", page("staff"))
	r.With(djchi.RequireSuperuser(env.Gate)).Get("/super", page("super"))
	r.With(djchi.RequirePerm(env.Gate, adaptertest.Perms...)).Get("/perm", page("perm"))
	r.With(djchi.Require(env.Gate, rules.Group(adaptertest.Group))).Get("/group", page("group"))
	r.Get("/public", func(w http.ResponseWriter, r *http.Request) {
		env.Touch(r)
		page("public")(w, r)
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	env.Check(t, srv.URL)
}
