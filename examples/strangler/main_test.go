package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testenv"
)

const secret = "django-insecure-strangler-test-secret-key-0123"

// TestProxy: requests outside /go/ reach the backend unchanged, with the
// browser's Host; /go/ routes are served here.
func TestProxy(t *testing.T) {
	var gotHost, gotPath, gotCookie string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotHost, gotPath, gotCookie = r.Host, r.URL.RequestURI(), r.Header.Get("Cookie")
		_, _ = io.WriteString(w, "from django")
	}))
	defer backend.Close()
	h, closeDB, err := newHandler(config{
		Django: backend.URL, SecretKey: secret, Engine: "signed_cookies",
		UsersDriver: "sqlite", UsersDSN: filepath.Join(t.TempDir(), "db.sqlite3"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()

	req := httptest.NewRequest("GET", "http://shop.example/accounts/login/?next=/x", nil)
	req.Header.Set("Cookie", "sessionid=abc")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Body.String() != "from django" || gotHost != "shop.example" || gotPath != "/accounts/login/?next=/x" || gotCookie != "sessionid=abc" {
		t.Errorf("proxied: body %q host %q path %q cookie %q", rec.Body.String(), gotHost, gotPath, gotCookie)
	}

	gotPath = ""
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://shop.example/go/whoami", nil))
	if gotPath != "" || rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"user":null`) {
		t.Errorf("Go route: %d %q (backend saw %q)", rec.Code, rec.Body.String(), gotPath)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://shop.example/go/profile", nil))
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != "/accounts/login/?next=/go/profile" {
		t.Errorf("anonymous profile: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if _, _, err := newHandler(config{Django: backend.URL, Engine: "signed_cookies"}); err == nil {
		t.Error("no secret key accepted")
	}
}

// TestLiveStrangler puts the service in front of a real Django site using
// the signed_cookies engine, then the db engine (django_session in Django's
// SQLite database), for every Django release: log in through the proxy,
// use the Go routes, log out and change the password in Django.
func TestLiveStrangler(t *testing.T) {
	djangos := testenv.Djangos(t)
	for _, engine := range []string{"signed_cookies", "db"} {
		for _, d := range djangos {
			t.Run(engine+"/"+d.Version, func(t *testing.T) { liveStrangler(t, d, engine) })
		}
	}
}

func liveStrangler(t *testing.T, d testenv.Django, engine string) {
	dbPath := filepath.Join(t.TempDir(), "db.sqlite3")
	script, _ := filepath.Abs("../../testdata/http_django/djapp.py")
	cmd := exec.Command(d.Python, script, "serve")
	cmd.Env = append(append([]string{}, d.Env...), "DJ_SECRET="+secret, "DJ_DB="+dbPath, "DJ_ENGINE="+engine)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	portc := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		if s.Scan() {
			portc <- strings.TrimPrefix(s.Text(), "PORT ")
		}
		close(portc)
		_, _ = io.Copy(io.Discard, out)
	}()
	var port string
	select {
	case port = <-portc:
	case <-time.After(60 * time.Second):
	}
	if port == "" {
		t.Fatalf("django did not start\n%s", stderr.String())
	}
	h, closeDB, err := newHandler(config{
		Django: "http://127.0.0.1:" + port, SecretKey: secret, Engine: engine,
		Release: d.Version, UsersDriver: "sqlite", UsersDSN: dbPath + "?_pragma=busy_timeout(5000)",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	front := httptest.NewServer(h)
	defer front.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	do := func(method, path string, form url.Values) (int, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequestWithContext(t.Context(), method, front.URL+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	must := func(method, path string, form url.Values) string {
		t.Helper()
		code, body := do(method, path, form)
		if code != http.StatusOK {
			t.Fatalf("%s %s: %d %s", method, path, code, body)
		}
		return body
	}
	goUser := func() string {
		t.Helper()
		var w struct{ User *string }
		if err := json.Unmarshal([]byte(must("GET", "/go/whoami", nil)), &w); err != nil {
			t.Fatal(err)
		}
		if w.User == nil {
			return "<anonymous>"
		}
		return *w.User
	}
	login := func(pw string) {
		t.Helper()
		tok := must("GET", "/dj/token", nil)
		must("POST", "/dj/login", url.Values{"username": {"alice"}, "password": {pw}, "csrfmiddlewaretoken": {tok}})
	}

	login("pw1")
	if u := goUser(); u != "1" {
		t.Fatalf("Go route sees %s after Django login", u)
	}
	page := must("GET", "/go/profile", nil)
	m := regexp.MustCompile(`name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no token in %q", page)
	}
	if body := must("POST", "/go/profile", url.Values{"color": {"green"}, "csrfmiddlewaretoken": {m[1]}}); !strings.Contains(body, "Favourite colour: green") {
		t.Fatalf("after POST: %q", body)
	}
	var dj struct {
		User    *string
		Session map[string]any
	}
	_ = json.Unmarshal([]byte(must("GET", "/dj/whoami", nil)), &dj)
	if dj.User == nil || *dj.User != "alice" || dj.Session["color"] != "green" {
		t.Fatalf("Django after Go's write: %+v", dj)
	}
	tok := must("GET", "/dj/token", nil)
	must("POST", "/dj/logout", url.Values{"csrfmiddlewaretoken": {tok}})
	if u := goUser(); u != "<anonymous>" {
		t.Fatalf("Go sees %s after Django logout", u)
	}
	login("pw1")
	tok = must("GET", "/dj/token", nil)
	must("POST", "/dj/password", url.Values{"new": {"pw2"}, "csrfmiddlewaretoken": {tok}})
	if u := goUser(); u != "<anonymous>" {
		t.Fatalf("Go sees %s after the password change", u)
	}
	login("pw2")
	if u := goUser(); u != "1" {
		t.Fatalf("Go sees %s after logging in with the new password", u)
	}
}
