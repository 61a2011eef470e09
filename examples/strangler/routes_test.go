package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestSessionRoutes drives /go/incr, /go/set, /go/session and /go/logout
// on the signed_cookies engine: the counter counts, the values come back
// in the session, and logout empties it.
func TestSessionRoutes(t *testing.T) {
	h, closeDB, err := newHandler(config{
		Django: "http://127.0.0.1:1", SecretKey: secret, Engine: "signed_cookies",
		UsersDriver: "sqlite", UsersDSN: filepath.Join(t.TempDir(), "db.sqlite3"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	// A CSRF secret of the client's own, in the cookie and the header.
	const csrfSecret = "routesTestCSRFsecret0123456789ab"
	session := ""
	do := func(method, path string, form url.Values) (int, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req := httptest.NewRequest(method, "http://shop.example"+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("X-CSRFToken", csrfSecret)
		req.Header.Set("Cookie", "csrftoken="+csrfSecret+session)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		for _, c := range rec.Result().Cookies() {
			if c.Name == "sessionid" {
				session = "; sessionid=" + c.Value
				if c.Value == "" || c.MaxAge < 0 {
					session = ""
				}
			}
		}
		return rec.Code, rec.Body.String()
	}
	for want := range []string{"1", "2", "3"} {
		if code, body := do("POST", "/go/incr", url.Values{"k": {"n"}}); code != http.StatusOK || body != []string{"1", "2", "3"}[want] {
			t.Fatalf("incr %d: %d %q", want, code, body)
		}
	}
	if code, body := do("POST", "/go/set", url.Values{"k": {"a", "b"}, "v": {"x", "y\u00e9"}}); code != http.StatusOK {
		t.Fatalf("set: %d %q", code, body)
	}
	code, body := do("GET", "/go/session", nil)
	if want := `{"user":null,"session":{"n":3,"a":"x","b":"y\u00e9"}}` + "\n"; code != http.StatusOK || body != want {
		t.Fatalf("session: %d %s, want %s", code, body, want)
	}
	if code, body := do("POST", "/go/set", url.Values{"k": {"n"}, "v": {"not a number"}}); code != http.StatusOK {
		t.Fatalf("set: %d %q", code, body)
	}
	if code, _ := do("POST", "/go/incr", url.Values{"k": {"n"}}); code != http.StatusConflict {
		t.Errorf("incr of a string: %d, want 409", code)
	}
	if code, body := do("POST", "/go/logout", url.Values{}); code != http.StatusOK {
		t.Fatalf("logout: %d %q", code, body)
	}
	if code, body := do("GET", "/go/session", nil); code != http.StatusOK || body != `{"user":null,"session":{}}`+"\n" {
		t.Errorf("after logout: %d %s", code, body)
	}
	// Without the CSRF header, Django's check refuses the write.
	req := httptest.NewRequest("POST", "http://shop.example/go/incr", strings.NewReader("k=n"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", "csrftoken="+csrfSecret)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("incr without the CSRF header: %d, want 403", rec.Code)
	}
}

// TestCacheFlags: the cache engines take Django's BACKEND, LOCATION and
// OPTIONS, and refuse what they cannot follow, before any server is
// contacted.
func TestCacheFlags(t *testing.T) {
	base := config{Django: "http://127.0.0.1:1", SecretKey: secret, UsersDriver: "sqlite",
		UsersDSN: filepath.Join(t.TempDir(), "db.sqlite3")}
	for _, tc := range []struct {
		name                       string
		engine, backend, loc, opts string
		ok                         bool
	}{
		{"memcached pool", "cache", "pymemcache", "127.0.0.1:1;127.0.0.1:2;127.0.0.1:3", `{"dead_timeout": 2}`, true},
		{"memcached cached_db", "cached_db", "pymemcache", "127.0.0.1:1", "", true},
		{"redis replicas", "cache", "redis", "redis://127.0.0.1:1/0,redis://127.0.0.1:2/0", "", true},
		{"redis one", "cached_db", "redis", "redis://127.0.0.1:1/0", "", true},
		{"unknown backend", "cache", "locmem", "", "", false},
		{"bad options", "cache", "pymemcache", "127.0.0.1:1", `{"dead_timeout":`, false},
		{"refused option", "cache", "pymemcache", "127.0.0.1:1", `{"key_prefix": "p"}`, false},
		{"redis options", "cache", "redis", "redis://127.0.0.1:1/0", `{"x": 1}`, false},
		{"bad redis url", "cache", "redis", "memcached://127.0.0.1:1", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			cfg.Engine, cfg.CacheBackend, cfg.CacheLocation, cfg.CacheOptions = tc.engine, tc.backend, tc.loc, tc.opts
			_, closeDB, err := newHandler(cfg)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
			if err == nil {
				closeDB()
			}
		})
	}
}
