package auth_test

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/csrf"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/internal/testenv"
)

const liveSecret = "django-insecure-live-e2e-secret-key-0123456789"

// startDjango runs testdata/http_django/djapp.py under d on a free loopback
// port with the extra environment env and returns its base URL.
func startDjango(t *testing.T, d testenv.Django, env ...string) string {
	t.Helper()
	script, err := filepath.Abs("../../../testdata/http_django/djapp.py")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(d.Python, script, "serve")
	cmd.Env = append(append(append([]string{}, d.Env...), "DJ_SECRET="+liveSecret), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case l, ok := <-line:
		port, found := strings.CutPrefix(l, "PORT ")
		if !ok || !found {
			t.Fatalf("django %s did not start: %q\n%s", d.Version, l, stderr.String())
		}
		return "http://127.0.0.1:" + port
	case <-time.After(60 * time.Second):
		t.Fatalf("django %s did not start in time\n%s", d.Version, stderr.String())
	}
	return ""
}

// goService is the Go side: the session middleware on store, CSRF and
// auth on users, serving /go/ routes. keys are SECRET_KEY then
// SECRET_KEY_FALLBACKS; liveSecret when none are given.
func goService(t *testing.T, d testenv.Django, store djangosession.Store, users auth.Users, csrfSessions bool, keys ...string) http.Handler {
	t.Helper()
	if len(keys) == 0 {
		keys = []string{liveSecret}
	}
	return goServiceAuth(t, d, store, users, csrfSessions, auth.Options{Settings: django.Settings{SecretKey: keys[0], SecretKeyFallbacks: keys[1:]}})
}

// goServiceAuth is goService with the auth settings ac (Release and
// RotateCSRF are set here).
func goServiceAuth(t *testing.T, d testenv.Django, store djangosession.Store, users auth.Users, csrfSessions bool, ac auth.Options) http.Handler {
	t.Helper()
	rel := django.Release(d.Version)
	engine := mustEngine(t, store, &djangosession.Options{Settings: django.Settings{Release: rel}})
	sessions, err := middleware.New(engine, nil)
	if err != nil {
		t.Fatal(err)
	}
	// For 3.2 this also keeps a masked token where 4.1+ keep the secret:
	// with CSRF_USE_SESSIONS, 3.2 only matches a masked one.
	prot, err := csrf.New(&csrf.Options{Settings: django.Settings{Release: rel}, UseSessions: csrfSessions})
	if err != nil {
		t.Fatal(err)
	}
	ac.Settings.Release, ac.RotateCSRF = rel, csrf.RotateToken
	a, err := auth.New(users, &ac)
	if err != nil {
		t.Fatal(err)
	}
	fail := func(w http.ResponseWriter, err error) { http.Error(w, err.Error(), http.StatusInternalServerError) }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /go/whoami", func(w http.ResponseWriter, r *http.Request) {
		u, ok, err := a.UserFromRequest(r)
		if err != nil {
			fail(w, err)
			return
		}
		s, _ := middleware.Session(r)
		data := map[string]any{}
		for k, v := range s.Data().All() {
			data[k] = v
		}
		out := map[string]any{"user": nil, "session": data}
		if ok {
			out["user"] = u.ID
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("GET /go/token", func(w http.ResponseWriter, r *http.Request) {
		tok, err := csrf.Token(r)
		if err != nil {
			fail(w, err)
			return
		}
		_, _ = io.WriteString(w, tok)
	})
	mux.HandleFunc("POST /go/set", func(w http.ResponseWriter, r *http.Request) {
		s, err := middleware.Session(r)
		if err != nil {
			fail(w, err)
			return
		}
		if err := s.Set(r.PostFormValue("k"), r.PostFormValue("v")); err != nil {
			fail(w, err)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("POST /go/login", func(w http.ResponseWriter, r *http.Request) {
		if err := a.LoginRequest(r, r.PostFormValue("id"), ""); err != nil {
			fail(w, err)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("POST /go/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := a.LogoutRequest(r); err != nil {
			fail(w, err)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	return sessions.Handler(prot.Handler(mux))
}

type whoami struct {
	User    *string        `json:"user"`
	Session map[string]any `json:"session"`
}

// TestLiveSharedLogin runs a real Django site and the Go service side by
// side on one SQLite database and one cookie jar, for every Django release.
func TestLiveSharedLogin(t *testing.T) {
	for _, d := range testenv.Djangos(t) {
		for _, csrfSessions := range []bool{false, true} {
			name := d.Version + "/csrf=cookie"
			if csrfSessions {
				name = d.Version + "/csrf=session"
			}
			t.Run(name, func(t *testing.T) { liveSharedLogin(t, d, csrfSessions) })
		}
	}
}

func liveSharedLogin(t *testing.T, d testenv.Django, csrfSessions bool) {
	dbPath := filepath.Join(t.TempDir(), "db.sqlite3")
	env := []string{"DJ_DB=" + dbPath, "DJ_ENGINE=db"}
	if csrfSessions {
		env = append(env, "DJ_CSRF_SESSIONS=1")
	}
	dj := startDjango(t, d, env...)
	db, err := sql.Open("sqlite", dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: liveSecret}, RejectLegacy: d.Version != "3.2"})
	if err != nil {
		t.Fatal(err)
	}
	gs := httptest.NewServer(goService(t, d, dbStore(t, db, codec, django.SQLite), &auth.SQLUsers{DB: db, Dialect: django.SQLite}, csrfSessions))
	defer gs.Close()
	scenario(t, d, dj, gs.URL, db, "SELECT CAST(last_login AS TEXT) FROM auth_user WHERE id = 1")
}

// scenario is the shared-login story, told against the Django site at dj
// and the Go service at goURL; lastLoginQuery reads auth_user.last_login
// of user 1 as text from db.
func scenario(t *testing.T, d testenv.Django, dj, goURL string, db *sql.DB, lastLoginQuery string) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}

	do := func(method, u string, form url.Values, hdr map[string]string) (int, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequestWithContext(t.Context(), method, u, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	must := func(method, u string, form url.Values, hdr map[string]string) string {
		t.Helper()
		code, body := do(method, u, form, hdr)
		if code != http.StatusOK {
			t.Fatalf("%s %s: %d %s", method, u, code, body)
		}
		return body
	}
	who := func(base string) whoami {
		t.Helper()
		var w whoami
		if err := json.Unmarshal([]byte(must("GET", base+"/whoami", nil, nil)), &w); err != nil {
			t.Fatal(err)
		}
		return w
	}
	user := func(w whoami) string {
		if w.User == nil {
			return "<anonymous>"
		}
		return *w.User
	}
	djLogin := func() {
		t.Helper()
		tok := must("GET", dj+"/dj/token", nil, nil)
		must("POST", dj+"/dj/login", url.Values{"username": {"alice"}, "password": {"pw1"}, "csrfmiddlewaretoken": {tok}}, nil)
	}

	// 1. Log in through Django; the Go route sees the user.
	djLogin()
	if got := user(who(goURL + "/go")); got != "1" {
		t.Fatalf("Go sees %s after Django login, want user 1", got)
	}
	// 2. Go writes the session (with Django's CSRF token); Django reads it.
	djTok := must("GET", dj+"/dj/token", nil, nil)
	must("POST", goURL+"/go/set", url.Values{"k": {"color"}, "v": {"blue"}}, map[string]string{"X-CSRFToken": djTok})
	w := who(dj + "/dj")
	if user(w) != "alice" || w.Session["color"] != "blue" {
		t.Fatalf("Django after Go's write: %+v", w)
	}
	// 3. Django writes with a token Go issued; Go reads it.
	goTok := must("GET", goURL+"/go/token", nil, nil)
	must("POST", dj+"/dj/set", url.Values{"k": {"shape"}, "v": {"round"}, "csrfmiddlewaretoken": {goTok}}, nil)
	if w := who(goURL + "/go"); w.Session["shape"] != "round" || w.Session["color"] != "blue" {
		t.Fatalf("Go after Django's write: %+v", w)
	}
	// 4. A POST to Go without a token is refused.
	if code, _ := do("POST", goURL+"/go/set", url.Values{"k": {"x"}, "v": {"y"}}, nil); code != http.StatusForbidden {
		t.Fatalf("tokenless POST to Go: %d", code)
	}
	// 5. Log out in Go; Django is logged out.
	must("POST", goURL+"/go/logout", nil, map[string]string{"X-CSRFToken": goTok})
	if got := user(who(dj + "/dj")); got != "<anonymous>" {
		t.Fatalf("Django sees %s after Go logout", got)
	}
	// 6. Log in again in Django, change the password in Django: Go is logged out.
	djLogin()
	if got := user(who(goURL + "/go")); got != "1" {
		t.Fatalf("Go sees %s after second login", got)
	}
	tok := must("GET", dj+"/dj/token", nil, nil)
	must("POST", dj+"/dj/password", url.Values{"new": {"pw2"}, "csrfmiddlewaretoken": {tok}}, nil)
	if got := user(who(goURL + "/go")); got != "<anonymous>" {
		t.Fatalf("Go sees %s after the password change", got)
	}
	// 7. Log in through Go; Django sees the user (Go's session auth hash is Django's).
	goTok = must("GET", goURL+"/go/token", nil, nil)
	must("POST", goURL+"/go/login", url.Values{"id": {"1"}}, map[string]string{"X-CSRFToken": goTok})
	if got := user(who(dj + "/dj")); got != "alice" {
		t.Fatalf("Django sees %s after Go login", got)
	}
	var lastLogin sql.NullString
	if err := db.QueryRowContext(t.Context(), lastLoginQuery).Scan(&lastLogin); err != nil || !lastLogin.Valid {
		t.Fatalf("last_login %v %v", lastLogin, err)
	}
	// Go's login rotated the CSRF secret: the old token fails, a new one works.
	if code, _ := do("POST", goURL+"/go/set", url.Values{"k": {"a"}, "v": {"b"}}, map[string]string{"X-CSRFToken": goTok}); code != http.StatusForbidden {
		t.Fatalf("pre-login token still accepted: %d", code)
	}
	t.Logf("Django %s: login, session writes, CSRF tokens, logout and password change shared (last_login %s)", d.Version, lastLogin.String)
}
