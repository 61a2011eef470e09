package auth_test

import (
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/internal/testenv"
)

// TestLiveKeyRotation logs in under one SECRET_KEY, then rotates it (the
// old key moving to SECRET_KEY_FALLBACKS) on both sides: the Go route keeps
// the user logged in, moves the session to a new key with the current hash
// (as Django 4.1.8+ does), and Django agrees. Django 3.2 has no fallbacks.
func TestLiveKeyRotation(t *testing.T) {
	const oldKey, newKey = "django-insecure-old-key-before-rotation-000", "django-insecure-new-key-after-rotation-111"
	for _, d := range testenv.Djangos(t) {
		if d.Version == "3.2" {
			continue
		}
		t.Run(d.Version, func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "db.sqlite3")
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar}
			get := func(u string) string {
				t.Helper()
				resp, err := c.Get(u)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
				}
				return string(b)
			}

			// Before: logged in through Django under the old key.
			old := startDjango(t, d, "DJ_DB="+dbPath, "DJ_ENGINE=db", "DJ_SECRET="+oldKey)
			tok := get(old + "/dj/token")
			resp, err := c.PostForm(old+"/dj/login", url.Values{"username": {"alice"}, "password": {"pw1"}, "csrfmiddlewaretoken": {tok}})
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("login: %v %v", resp, err)
			}
			resp.Body.Close()
			u, _ := url.Parse(old)
			before := sessionCookie(jar, u)

			// After: new key, old one as fallback, on both sides.
			dj := startDjango(t, d, "DJ_DB="+dbPath, "DJ_ENGINE=db", "DJ_SECRET="+newKey, "DJ_SECRET_FALLBACKS="+oldKey)
			db, err := sql.Open("sqlite", dbPath+"?_pragma=busy_timeout(5000)")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: newKey, SecretKeyFallbacks: []string{oldKey}}, RejectLegacy: true})
			if err != nil {
				t.Fatal(err)
			}
			users := &auth.SQLUsers{DB: db, Dialect: django.SQLite}
			gs := httptest.NewServer(goService(t, d, dbStore(t, db, codec, django.SQLite), users, false, newKey, oldKey))
			defer gs.Close()

			var w whoami
			_ = json.Unmarshal([]byte(get(gs.URL+"/go/whoami")), &w)
			if w.User == nil || *w.User != "1" {
				t.Fatalf("Go after rotation: %+v", w)
			}
			after := sessionCookie(jar, u)
			if after == "" || after == before {
				t.Errorf("session key not cycled: %q -> %q", before, after)
			}
			pw, _ := users.PasswordHash(t.Context(), "1")
			want := sessionAuthHash(t, newKey, pw)
			if w.Session[auth.HashSessionKey] != want {
				t.Errorf("hash %v, want the new key's %s", w.Session[auth.HashSessionKey], want)
			}
			_ = json.Unmarshal([]byte(get(dj+"/dj/whoami")), &w)
			if w.User == nil || *w.User != "alice" {
				t.Fatalf("Django after Go's rotation: %+v", w)
			}
		})
	}
}

func sessionCookie(jar http.CookieJar, u *url.URL) string {
	for _, c := range jar.Cookies(u) {
		if c.Name == "sessionid" {
			return c.Value
		}
	}
	return ""
}
