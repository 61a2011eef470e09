// Package adaptertest is the test bench the framework adapters share
// (adapters/chi, adapters/gin, adapters/echo): a copy of the README's
// set-up database into which real Django logged users in and gave them
// groups and permissions, the session middleware, auth and a rules.Gate
// over it (one auth.SQLIdentities for both), and the checks every adapter's
// server must pass. It is for tests only.
package adaptertest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the "sqlite" driver

	"github.com/djsession/djsession/adapters/rules"
	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/internal/testenv"
)

// User is one user Django logged in.
type User struct {
	Key string // the sessionid cookie
	ID  string
}

// Env is the bench: Django's database, sessions and logins.
type Env struct {
	Sessions *middleware.Middleware
	Auth     *auth.Auth
	Gate     *rules.Gate
	// Users: bob (plain, with auth.view_user), alice (staff, in group
	// editors, which has auth.view_user, and with auth.change_user), root
	// (superuser), carol (staff, inactive).
	Users map[string]User
}

// repoRoot is the root module's directory.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Setup copies testdata/sessions_db.sqlite3 into a temporary directory,
// has Django 3.2 log the users in there (testdata/adapters_login.py) and
// builds the middleware on it. It skips without DJ_TEST_DJANGO.
func Setup(t testing.TB) *Env {
	t.Helper()
	dj := testenv.Django32(t)
	root := repoRoot()
	src, err := os.ReadFile(filepath.Join(root, "testdata", "sessions_db.sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "db.sqlite3")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(root, "testdata", "sessions_db_secret_key.txt")
	out := dj.Run(t, filepath.Join(root, "adapters", "adaptertest", "testdata", "adapters_login.py"), nil, path, keyFile)
	e := &Env{}
	if err := json.Unmarshal(out, &e.Users); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(string(key))
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: secret}})
	if err != nil {
		t.Fatal(err)
	}
	store, err := dbstore.New(db, &dbstore.Options{Dialect: django.SQLite, Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	engine, err := djangosession.NewEngine(store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.Sessions, err = middleware.New(engine, nil); err != nil {
		t.Fatal(err)
	}
	ids, err := auth.NewSQLIdentities(db, django.SQLite, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.Auth, err = auth.New(ids, &auth.Options{Settings: django.Settings{SecretKey: secret}}); err != nil {
		t.Fatal(err)
	}
	if e.Gate, err = rules.New(e.Auth, ids, nil); err != nil {
		t.Fatal(err)
	}
	return e
}

// Routes every adapter's server serves, with the rule each is behind.
//
//	GET /me      rules.Login()          body: Body(r, "me")
//	GET /staff   rules.Staff()          body: Body(r, "staff")
//	GET /super   rules.Superuser()      body: Body(r, "super")
//	GET /perm    rules.Perm(Perms...)   body: Body(r, "perm")
//	GET /group   rules.Group(Group)     body: Body(r, "group")
//	GET /public  no rule                body: Body(r, "public"), after Touch(r)

// The permissions /perm requires (alice has them from her group and
// herself, bob one of them) and the group /group requires.
var (
	Perms = []string{"auth.view_user", "auth.change_user"}
	Group = "editors"
)

// Body is what the routes answer: the name, the user's id and the cart
// Django stored beside the login, read with Session.Decode.
func (e *Env) Body(r *http.Request, name string) string {
	u, ok, err := e.Auth.UserFromRequest(r)
	if err != nil || !ok {
		return name + " anonymous"
	}
	s, err := middleware.Session(r)
	if err != nil {
		return name + " " + err.Error()
	}
	var cart struct {
		Items []struct {
			SKU string `json:"sku"`
			Qty int    `json:"qty"`
		} `json:"items"`
		Owner string `json:"owner"`
	}
	if err := s.Decode("cart", &cart); err != nil {
		return name + " " + err.Error()
	}
	return fmt.Sprintf("%s user %s cart %s %s x%d", name, u.ID, cart.Owner, cart.Items[0].SKU, cart.Items[0].Qty)
}

// Touch modifies the session, so that the middleware saves it and sets the
// cookie when the response goes out.
func (e *Env) Touch(r *http.Request) {
	if s, err := middleware.Session(r); err == nil {
		s.Set("seen_by_go", true)
	}
}

// Check runs the requests every adapter must answer as Django's decorators
// would, against a real server at baseURL.
func (e *Env) Check(t *testing.T, baseURL string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		user, path string
		status     int
		body       string // prefix
		location   string
	}{
		{"", "/me", http.StatusFound, "", "/accounts/login/?next=/me"},
		{"bob", "/me", http.StatusOK, "me user " + e.Users["bob"].ID + " cart bob A1 x2", ""},
		{"bob", "/staff", http.StatusForbidden, "", ""},
		{"alice", "/staff", http.StatusOK, "staff user " + e.Users["alice"].ID + " cart alice", ""},
		{"alice", "/super", http.StatusForbidden, "", ""},
		{"root", "/super", http.StatusOK, "super user " + e.Users["root"].ID, ""},
		{"", "/perm", http.StatusFound, "", "/accounts/login/?next=/perm"},
		{"bob", "/perm", http.StatusForbidden, "", ""},
		{"alice", "/perm", http.StatusOK, "perm user " + e.Users["alice"].ID, ""},
		{"root", "/perm", http.StatusOK, "perm user " + e.Users["root"].ID, ""},
		{"alice", "/group", http.StatusOK, "group user " + e.Users["alice"].ID, ""},
		{"bob", "/group", http.StatusForbidden, "", ""},
		{"root", "/group", http.StatusForbidden, "", ""},                    // a superuser is in no group it was not put in
		{"carol", "/me", http.StatusFound, "", "/accounts/login/?next=/me"}, // inactive: anonymous
		{"bob", "/public", http.StatusOK, "public user " + e.Users["bob"].ID, ""},
		{"", "/public", http.StatusOK, "public anonymous", ""},
	}
	for _, tt := range tests {
		req, err := http.NewRequestWithContext(context.Background(), "GET", baseURL+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tt.user != "" {
			req.AddCookie(&http.Cookie{Name: "sessionid", Value: e.Users[tt.user].Key})
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		name := tt.user + " " + tt.path
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d (%s)", name, resp.StatusCode, tt.status, b)
		}
		if !strings.HasPrefix(string(b), tt.body) {
			t.Errorf("%s: body %q, want %q...", name, b, tt.body)
		}
		if loc := resp.Header.Get("Location"); loc != tt.location {
			t.Errorf("%s: Location %q, want %q", name, loc, tt.location)
		}
		if tt.user != "" && resp.Header.Get("Vary") != "Cookie" {
			t.Errorf("%s: Vary %q, want Cookie (the session was read)", name, resp.Header.Get("Vary"))
		}
		setsCookie := strings.HasPrefix(resp.Header.Get("Set-Cookie"), "sessionid="+e.Users[tt.user].Key+";")
		if want := tt.path == "/public" && tt.user != ""; setsCookie != want {
			t.Errorf("%s: Set-Cookie %q (the session is saved only when modified)", name, resp.Header.Get("Set-Cookie"))
		}
	}
}
