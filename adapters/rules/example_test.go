package rules_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/djsession/djsession/adapters/rules"
	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/middleware"
)

// directory is an in-memory user table: auth.Users and auth.Identities,
// as *auth.SQLIdentities is over Django's auth tables.
type directory map[string]account

type account struct {
	auth.Identity
	Password string   // the password field ("pbkdf2_sha256$...")
	Perms    []string // the user's own and the user's groups' permissions
}

// PasswordHash implements auth.Users as ModelBackend: an inactive user
// cannot be logged in.
func (d directory) PasswordHash(_ context.Context, id string) (string, error) {
	u, ok := d[id]
	if !ok || !u.IsActive {
		return "", auth.ErrNoUser
	}
	return u.Password, nil
}

// Identity implements auth.Identities.
func (d directory) Identity(_ context.Context, id string) (auth.Identity, error) {
	u, ok := d[id]
	if !ok {
		return auth.Identity{}, auth.ErrNoUser
	}
	return u.Identity, nil
}

// PermissionsOf implements auth.Identities.
func (d directory) PermissionsOf(_ context.Context, u auth.Identity) (auth.Permissions, error) {
	return auth.NewPermissions(u.IsActive, u.IsSuperuser, d[u.ID].Perms...), nil
}

// A page behind Django's permission_required, in the Go service itself.
func Example() {
	secretKey := "django-insecure-example-key"
	store, _ := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: secretKey}}) // or dbstore, cachestore ...
	engine, _ := djangosession.NewEngine(store, nil)
	sessions, _ := middleware.New(engine, nil)
	// With Django's database: ids, err := auth.NewSQLIdentities(db, django.PostgreSQL, nil)
	ids := directory{
		"1": {Identity: auth.Identity{ID: "1", Username: "ann", IsActive: true, Groups: []string{"editors"}},
			Password: "md5$salt$ann", Perms: []string{"blog.change_post"}},
		"2": {Identity: auth.Identity{ID: "2", Username: "bob", IsActive: true}, Password: "md5$salt$bob"},
	}
	a, _ := auth.New(ids, &auth.Options{Settings: django.Settings{SecretKey: secretKey}})
	gate, _ := rules.New(a, ids, nil)

	mux := http.NewServeMux()
	edit := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _, _ := a.UserFromRequest(r)
		fmt.Fprintf(w, "editing as %s", u.ID)
	})
	mux.Handle("GET /posts/1/edit", gate.Require(rules.Perm("blog.change_post"))(edit))
	// Django's login view logs users in; here a stand-in that trusts the form.
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		_ = a.LoginRequest(r, r.FormValue("id"), auth.ModelBackend)
	})
	h := sessions.Handler(a.Handler(mux))

	visit := func(id string) {
		req := httptest.NewRequest("GET", "/posts/1/edit", nil)
		if id != "" {
			login := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"id": {id}}.Encode()))
			login.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, login)
			req.AddCookie(rec.Result().Cookies()[0])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		out := strings.TrimSpace(rec.Body.String())
		if loc := rec.Header().Get("Location"); loc != "" {
			out = loc
		}
		fmt.Println(rec.Code, out)
	}
	visit("")  // anonymous: to the login page
	visit("1") // ann has blog.change_post through her group
	visit("2") // bob has not
	// Output:
	// 302 /accounts/login/?next=/posts/1/edit
	// 200 editing as 1
	// 403 403 Forbidden
}
