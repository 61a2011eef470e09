package auth_test

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/filestore"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/djangosession/storetest"
)

// TestRequireLoginLongKeyFileStore is the regression test for issue 13
// item 2: on the file engine a sessionid of 247 or more [a-z0-9] made the
// file name too long, the store reported a storage failure and
// RequireLogin answered 500 with the session directory in the error. Django
// treats such a key as no session: the visitor is anonymous and is sent to
// the login page.
func TestRequireLoginLongKeyFileStore(t *testing.T) {
	dir := t.TempDir()
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: secret}})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := filestore.New(&filestore.Options{Dir: dir, Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(users{}, &auth.Options{Settings: django.Settings{SecretKey: secret}})
	if err != nil {
		t.Fatal(err)
	}
	var logged []string
	mw, err := middleware.New(mustEngine(t, fs, nil), &middleware.Options{
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			logged = append(logged, err.Error())
			http.Error(w, "internal error", http.StatusInternalServerError)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := mw.Handler(a.Handler(a.RequireLogin("/login/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("anonymous request let through")
	}))))
	for _, n := range []int{247, 300} {
		_, err := fs.Load(context.Background(), strings.Repeat("a", n))
		if !errors.Is(err, djangosession.ErrNotFound) {
			t.Errorf("Load of a %d-char key: %v, want ErrNotFound", n, err)
		}
	}
	for _, n := range []int{246, 247, 255, 300, 4000} {
		req := httptest.NewRequest("GET", "/account/", nil)
		req.AddCookie(&http.Cookie{Name: "sessionid", Value: strings.Repeat("a", n)})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusFound {
			t.Errorf("key of %d chars: status %d, want 302 to the login page; body %q", n, rec.Code, rec.Body.String())
		}
		for _, s := range append(logged, rec.Body.String()) {
			if strings.Contains(s, dir) {
				t.Errorf("key of %d chars: the session directory leaked: %q", n, s)
			}
		}
	}
}

// TestRequireLoginHostileKeys sends every key of testdata/hostile/stores
// as the sessionid cookie, through the middleware and RequireLogin, on the
// file, db (SQLite) and signed_cookies engines: each request is an
// anonymous visitor sent to the login page, never a 500, and nothing of
// the server (directory, SECRET_KEY) is in the response.
func TestRequireLoginHostileKeys(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: secret}})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := filestore.New(&filestore.Options{Dir: dir, Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	sdb, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	ds := dbStore(t, sdb, codec, django.SQLite)
	if err := ds.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	cs, err := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: secret}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(users{}, &auth.Options{Settings: django.Settings{SecretKey: secret}})
	if err != nil {
		t.Fatal(err)
	}
	for name, st := range map[string]djangosession.Store{"file": fs, "db": ds, "signed_cookies": cs} {
		var logged []string
		mw, err := middleware.New(mustEngine(t, st, nil), &middleware.Options{
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				logged = append(logged, err.Error())
				http.Error(w, "internal error", http.StatusInternalServerError)
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		h := mw.Handler(a.Handler(a.RequireLogin("/login/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t.Error("anonymous request let through")
		}))))
		for kname, key := range storetest.Corpus(t, "keys") {
			req := httptest.NewRequest("GET", "/account/", nil)
			// Raw header: the key goes out as the client sent it.
			req.Header.Set("Cookie", "sessionid="+string(key))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusFound {
				t.Errorf("%s, key %s: status %d, want 302; body %q", name, kname, rec.Code, rec.Body.String())
			}
			for _, s := range append(logged, rec.Body.String(), rec.Header().Get("Set-Cookie")) {
				if strings.Contains(s, dir) || strings.Contains(s, secret) {
					t.Errorf("%s, key %s: the server leaked in %q", name, kname, s)
				}
			}
		}
	}
}
