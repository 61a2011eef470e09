package auth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/memstore"
	"github.com/djsession/djsession/djangosession/middleware"
)

// TestGoldenLoginRedirect compares RequireLogin's redirect with Django's
// login_required for the same request and LOGIN_URL.
func TestGoldenLoginRedirect(t *testing.T) {
	b, err := os.ReadFile("../../testdata/http_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Releases map[string]struct {
			Redirects []struct {
				LoginURL string `json:"login_url"`
				Path     string `json:"path"`
				Query    string `json:"query"`
				Status   int    `json:"status"`
				Location string `json:"location"`
			} `json:"login_redirects"`
		} `json:"releases"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(users{}, &auth.Options{Settings: django.Settings{SecretKey: "k"}})
	if err != nil {
		t.Fatal(err)
	}
	mw, err := middleware.New(mustEngine(t, memstore.New(nil), nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rel, r := range v.Releases {
		for _, c := range r.Redirects {
			target := "http://testserver" + (&url.URL{Path: c.Path}).EscapedPath()
			if c.Query != "" {
				target += "?" + c.Query
			}
			h := mw.Handler(a.Handler(a.RequireLogin(c.LoginURL, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				t.Error("anonymous request let through")
			}))))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
			if rec.Code != c.Status || rec.Header().Get("Location") != c.Location {
				t.Errorf("%s %s %s: %d %q\n want %d %q", rel, c.LoginURL, target, rec.Code, rec.Header().Get("Location"), c.Status, c.Location)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no vectors")
	}
}

// lookupCounter counts password hash lookups, to show Handler resolves
// the user once per request.
type lookupCounter struct {
	users
	n int
}

func (c *lookupCounter) PasswordHash(ctx context.Context, id string) (string, error) {
	c.n++
	return c.users.PasswordHash(ctx, id)
}

func join(s []string) string { return strings.Join(s, " ") }

func TestHandlerCachesUser(t *testing.T) {
	cu := &lookupCounter{users: users{"1": pw1}}
	a, err := auth.New(cu, &auth.Options{Settings: django.Settings{SecretKey: secret}})
	if err != nil {
		t.Fatal(err)
	}
	store := memstore.New(nil)
	mw, _ := middleware.New(mustEngine(t, store, nil), nil)
	var seen []string
	h := mw.Handler(a.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 3 {
			u, ok, err := a.UserFromRequest(r)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				seen = append(seen, u.ID)
			} else {
				seen = append(seen, "-")
			}
		}
		if r.URL.Path == "/login" {
			if err := a.LoginRequest(r, "1", ""); err != nil {
				t.Fatal(err)
			}
			u, ok, _ := a.UserFromRequest(r)
			seen = append(seen, u.ID+map[bool]string{true: "+", false: "?"}[ok])
		}
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/login", nil))
	cookie := rec.Header().Get("Set-Cookie")
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", cookie[:len("sessionid=")+32])
	h.ServeHTTP(httptest.NewRecorder(), req)
	want := "- - - 1+ 1 1 1"
	if got := join(seen); got != want {
		t.Errorf("seen %q, want %q", got, want)
	}
	// Login looks the user up once; the first request resolves nothing (no
	// session), the login's check once, the second request once.
	if cu.n != 3 {
		t.Errorf("%d lookups, want 3", cu.n)
	}
}
