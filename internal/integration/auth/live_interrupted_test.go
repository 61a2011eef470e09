package auth_test

import (
	"database/sql"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/internal/testenv"
)

// TestLiveSessionInterrupted: a Go request modifies the session while the
// user logs out through Django in a concurrent request; the Go response is
// Django's SessionInterrupted, a 400, and nothing is resurrected.
func TestLiveSessionInterrupted(t *testing.T) {
	for _, d := range testenv.Djangos(t) {
		t.Run(d.Version, func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "db.sqlite3")
			dj := startDjango(t, d, "DJ_DB="+dbPath, "DJ_ENGINE=db")
			db, err := sql.Open("sqlite", dbPath+"?_pragma=busy_timeout(5000)")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: liveSecret}, RejectLegacy: d.Version != "3.2"})
			if err != nil {
				t.Fatal(err)
			}
			mw, err := middleware.New(mustEngine(t, dbStore(t, db, codec, django.SQLite),
				&djangosession.Options{Settings: django.Settings{Release: django.Release(d.Version)}}), nil)
			if err != nil {
				t.Fatal(err)
			}
			loaded, release := make(chan struct{}), make(chan struct{})
			gs := httptest.NewServer(mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(loaded)
				s, err := middleware.Session(r)
				if err != nil {
					t.Error(err)
					return
				}
				s.Set("cart", "3 items")
				loaded <- struct{}{}
				<-release
				_, _ = io.WriteString(w, "saved")
			})))
			defer gs.Close()

			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar}
			post := func(u string, form url.Values) int {
				resp, err := c.PostForm(u, form)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			tok := func() string {
				resp, err := c.Get(dj + "/dj/token")
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return string(b)
			}
			if code := post(dj+"/dj/login", url.Values{"username": {"alice"}, "password": {"pw1"}, "csrfmiddlewaretoken": {tok()}}); code != 200 {
				t.Fatalf("login: %d", code)
			}
			type result struct {
				code int
				body string
			}
			done := make(chan result, 1)
			go func() {
				resp, err := c.Get(gs.URL + "/cart")
				if err != nil {
					done <- result{}
					return
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				done <- result{resp.StatusCode, string(b)}
			}()
			<-loaded
			if code := post(dj+"/dj/logout", url.Values{"csrfmiddlewaretoken": {tok()}}); code != 200 {
				t.Fatalf("logout: %d", code)
			}
			close(release)
			res := <-done
			if res.code != http.StatusBadRequest || res.body != "<h1>Bad Request (400)</h1>" {
				t.Fatalf("Go answered %d %q, want Django's SessionInterrupted 400", res.code, res.body)
			}
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM django_session").Scan(&n); err != nil || n != 0 {
				t.Errorf("%d sessions stored after the interrupted save (%v)", n, err)
			}
		})
	}
}
