package gateway_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/gateway"
	"github.com/djsession/djsession/internal/testenv"
)

const (
	e2eSecret       = "django-insecure-gateway-e2e-secret-0123456789"
	e2eAssertionKey = "gateway-e2e-assertion-key-0123456789"
)

// e2eRules protect the non-Go upstream behind nginx and Caddy.
var e2eRules = []gateway.Rule{
	{Prefix: "/app/", Login: true},
	{Prefix: "/staff/", Staff: true},
	{Prefix: "/api/", Login: true, API: true},
}

// stack is real Django, a Python upstream, the gateway and a front proxy.
type stack struct {
	opts  gateway.Options // the gateway's, for proxy mode
	d     testenv.Django
	dir   string
	db    string
	front string // base URL of the front proxy
	ports map[string]string
}

// newStack starts Django, the upstream and the in-process gateway (and a
// test helper server); front is started by the caller.
func newStack(t *testing.T, d testenv.Django) *stack {
	t.Helper()
	s := &stack{d: d, dir: t.TempDir(), ports: map[string]string{}}
	s.db = filepath.Join(s.dir, "db.sqlite3")
	s.ports["DJANGO"] = testenv.StartDjangoApp(t, d, "../../../testdata/http_django/djapp.py",
		"DJ_SECRET="+e2eSecret, "DJ_DB="+s.db, "DJ_ENGINE=db")

	keyFile := filepath.Join(s.dir, "assertion-key")
	if err := os.WriteFile(keyFile, []byte(e2eAssertionKey), 0o600); err != nil {
		t.Fatal(err)
	}
	up := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	testenv.Start(t, "upstream", up, "/usr/bin/python3", "../../../testdata/gateway/upstream.py", up[len("127.0.0.1:"):], keyFile)
	s.ports["UPSTREAM"] = up

	db, err := sql.Open("sqlite", s.db+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rel := djangosession.Release(d.Version)
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{SecretKey: e2eSecret, RejectLegacy: d.Version != "3.2"})
	if err != nil {
		t.Fatal(err)
	}
	store, err := dbstore.New(db, &dbstore.Options{Dialect: dbstore.SQLite, Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := middleware.New(djangosession.NewEngine(store, &djangosession.Config{Release: rel}), nil)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := auth.NewSQLIdentities(db, auth.SQLite, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(ids, &auth.Config{SecretKey: e2eSecret, Release: rel})
	if err != nil {
		t.Fatal(err)
	}
	s.opts = gateway.Options{Sessions: sessions, Auth: a, Identities: ids, Rules: e2eRules,
		LoginURL: "/dj/login-page/", AssertionKey: e2eAssertionKey}
	g, err := gateway.New(&s.opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/_djsession/auth", g.ForwardAuth())
	gs := httptest.NewServer(mux)
	t.Cleanup(gs.Close)
	s.ports["GATEWAY"] = strings.TrimPrefix(gs.URL, "http://")

	helper := http.NewServeMux()
	helper.HandleFunc("GET /test/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, browserPage)
	})
	helper.HandleFunc("GET /test/make-staff", func(w http.ResponseWriter, r *http.Request) {
		cmd := exec.Command(d.Python, "../../../testdata/gateway/make_staff.py", "alice")
		cmd.Env = append(append([]string{}, d.Env...), "DJ_DB="+s.db)
		out, err := cmd.CombinedOutput()
		if err != nil {
			http.Error(w, string(out), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(out)
	})
	hs := httptest.NewServer(helper)
	t.Cleanup(hs.Close)
	s.ports["TEST"] = strings.TrimPrefix(hs.URL, "http://")
	return s
}

// config fills a template of testdata/gateway with the stack's addresses.
func (s *stack) config(t *testing.T, name string, extra map[string]string) string {
	t.Helper()
	b, err := os.ReadFile("../../../testdata/gateway/" + name)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for k, v := range s.ports {
		text = strings.ReplaceAll(text, "{{"+k+"}}", v)
	}
	for k, v := range extra {
		text = strings.ReplaceAll(text, "{{"+k+"}}", v)
	}
	p := filepath.Join(s.dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func startNginx(t *testing.T, s *stack) {
	t.Helper()
	bin := testenv.Binary(t, "nginx", "/usr/sbin/nginx")
	front := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	prefix := filepath.Join(s.dir, "nginx")
	if err := os.MkdirAll(filepath.Join(prefix, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := s.config(t, "nginx.conf", map[string]string{"FRONT": front, "PREFIX": prefix})
	testenv.Start(t, "nginx", front, bin, "-p", prefix, "-e", "stderr", "-c", conf, "-g", "daemon off; user root;")
	s.front = "http://" + front
}

// startProxy makes the gateway itself the front: the same rules, each
// with the Python upstream, /open/ and /test/ open, the rest to Django.
func startProxy(t *testing.T, s *stack) {
	t.Helper()
	o := s.opts
	o.Django = "http://" + s.ports["DJANGO"]
	o.Rules = nil
	for _, r := range e2eRules {
		r.Upstream = "http://" + s.ports["UPSTREAM"]
		o.Rules = append(o.Rules, r)
	}
	o.Rules = append(o.Rules, gateway.Rule{Prefix: "/open/", Upstream: "http://" + s.ports["UPSTREAM"]},
		gateway.Rule{Prefix: "/test/", Upstream: "http://" + s.ports["TEST"]})
	g, err := gateway.New(&o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g.Proxy())
	t.Cleanup(srv.Close)
	s.front = srv.URL
}

func startCaddy(t *testing.T, s *stack) {
	t.Helper()
	bin := testenv.Binary(t, "caddy", "/usr/bin/caddy")
	port := testenv.FreePort(t)
	conf := s.config(t, "Caddyfile", map[string]string{"FRONT": fmt.Sprint(port)})
	t.Setenv("XDG_DATA_HOME", filepath.Join(s.dir, "caddy-data"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(s.dir, "caddy-config"))
	testenv.Start(t, "caddy", fmt.Sprintf("127.0.0.1:%d", port), bin, "run", "--config", conf, "--adapter", "caddyfile")
	s.front = fmt.Sprintf("http://127.0.0.1:%d", port)
}

// TestLiveGatewayFronts runs nginx auth_request and Caddy forward_auth →
// the gateway, and the gateway as the proxy itself, in front of real Django 3.2 and 6.1 and a Python upstream:
// the spoofing checks with a Go client, then the browser story in
// headless Chromium (DJ_TEST_CHROMIUM).
func TestLiveGatewayFronts(t *testing.T) {
	testenv.Topologies(t)
	for _, d := range testenv.Djangos(t) {
		if d.Version != "3.2" && d.Version != "6.1" {
			continue
		}
		for _, front := range []string{"nginx", "caddy", "proxy"} {
			t.Run(d.Version+"/"+front, func(t *testing.T) {
				s := newStack(t, d)
				switch front {
				case "nginx":
					startNginx(t, s)
				case "caddy":
					startCaddy(t, s)
				default:
					startProxy(t, s)
				}
				spoofing(t, s)
				browser(t, s)
			})
		}
	}
}

type upstreamSaw struct {
	Path     string            `json:"path"`
	Headers  map[string]string `json:"headers"`
	Verified any               `json:"verified"`
}

// spoofing: identity headers a client sends never reach the upstream,
// whether it is anonymous or logged in; a forged assertion is refused.
func spoofing(t *testing.T, s *stack) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	forged := forgedAssertion(t, "not-the-key-0123456789")
	spoof := map[string]string{
		gateway.HeaderUserID: "1", gateway.HeaderUsername: "alice", gateway.HeaderIsStaff: "true",
		gateway.HeaderIsSuperuser: "true", gateway.HeaderGroups: "admins", gateway.HeaderEmail: "x@example.com",
		gateway.HeaderAssertion: forged,
	}
	get := func(path, cookie string) (int, upstreamSaw) {
		t.Helper()
		req, _ := http.NewRequest("GET", s.front+path, nil)
		for k, v := range spoof {
			req.Header.Set(k, v)
		}
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var saw upstreamSaw
		if resp.StatusCode == 200 {
			if err := json.NewDecoder(resp.Body).Decode(&saw); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		return resp.StatusCode, saw
	}
	// Anonymous, open path: reaches the upstream with no identity.
	code, saw := get("/open/x", "")
	empty := true
	for _, v := range saw.Headers {
		empty = empty && v == ""
	}
	if code != 200 || !empty || saw.Verified == nil {
		t.Errorf("anonymous spoof on an open path: %d %+v", code, saw)
	}
	if v, _ := saw.Verified.(string); !strings.HasPrefix(v, "refused") {
		t.Errorf("forged assertion not refused by the Python verifier: %v", saw.Verified)
	}
	if code, _ := get("/app/x", ""); code != 302 {
		t.Errorf("anonymous spoof on /app/: %d", code)
	}
	if code, _ := get("/api/x", ""); code != 401 {
		t.Errorf("anonymous spoof on /api/: %d", code)
	}
	// Log bob in through Django (a second user) and spoof alice.
	cookie := djangoLogin(t, s, client)
	code, saw = get("/app/x", cookie)
	if code != 200 || saw.Headers["x-django-username"] != "bob" || saw.Headers["x-django-is-superuser"] != "false" {
		t.Errorf("logged-in spoof: %d %+v", code, saw)
	}
	if saw.Headers["x-django-groups"] == "admins" || saw.Headers["x-django-email"] == "x@example.com" {
		t.Errorf("a spoofed header reached the upstream: %+v", saw.Headers)
	}
	if m, ok := saw.Verified.(map[string]any); !ok || m["username"] != "bob" {
		t.Errorf("assertion of bob: %v", saw.Verified)
	}
	if code, _ := get("/staff/x", cookie); code != 403 {
		t.Errorf("bob on /staff/: %d", code)
	}
}

// djangoLogin creates bob in Django's database (ORM through djapp's
// login after a create) and logs him in on Django; it returns the Cookie
// header.
func djangoLogin(t *testing.T, s *stack, client *http.Client) string {
	t.Helper()
	cmd := exec.Command(s.d.Python, "-c", `
import os, django
from django.conf import settings
settings.configure(INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["DJ_DB"]}},
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], DEFAULT_AUTO_FIELD="django.db.models.AutoField")
django.setup()
from django.contrib.auth.models import User
if not User.objects.filter(username="bob").exists():
    User.objects.create_user("bob", password="pw-bob")
`)
	cmd.Env = append(append([]string{}, s.d.Env...), "DJ_DB="+s.db)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("creating bob: %v\n%s", err, out)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(s.front + "/dj/token")
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	req, _ := http.NewRequest("POST", s.front+"/dj/login", strings.NewReader("username=bob&password=pw-bob"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRFToken", string(tok))
	req.Header.Set("Origin", s.front)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	u, _ := url.Parse(s.front)
	for _, c := range jar.Cookies(u) {
		if c.Name == "sessionid" {
			return "sessionid=" + c.Value
		}
	}
	t.Logf("django login answered %s", body)
	t.Fatalf("django login: %d, no session cookie", resp.StatusCode)
	return ""
}

// browserPage is the story a user lives through in Chromium, each step a
// fetch from the front proxy's origin; the result goes into #out.
const browserPage = `<!doctype html><title>t</title><pre id="out">running</pre>
<script>
const form = (o) => Object.entries(o).map(([k, v]) => k + "=" + encodeURIComponent(v)).join("&");
const post = async (url, body) => {
  const tok = await (await fetch("/dj/token")).text();
  return (await fetch(url, {method: "POST", body: form(body),
    headers: {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": tok}})).status;
};
const page = async (url) => {
  const r = await fetch(url, {redirect: "manual"});
  if (r.type === "opaqueredirect") return "login";
  if (r.status !== 200) return r.status;
  const j = await r.json();
  return j.headers["x-django-username"] + "/" + (j.verified.username || j.verified);
};
(async () => {
  const out = [];
  try {
    out.push("anon=" + await page("/app/whoami"));
    out.push("login=" + await post("/dj/login", {username: "alice", password: "pw1"}));
    out.push("app=" + await page("/app/whoami"));
    out.push("staff=" + await page("/staff/x"));
    out.push("made-staff=" + (await (await fetch("/test/make-staff")).text()).trim());
    out.push("staff-after=" + await page("/staff/x"));
    out.push("password=" + await post("/dj/password", {new: "pw2"}));
    out.push("app-after-password=" + await page("/app/whoami"));
    out.push("login2=" + await post("/dj/login", {username: "alice", password: "pw2"}));
    out.push("app2=" + await page("/app/whoami"));
    out.push("logout=" + await post("/dj/logout", {}));
    out.push("app-after-logout=" + await page("/app/whoami"));
  } catch (e) {
    out.push("error=" + e);
  }
  document.getElementById("out").textContent = "RESULT " + out.join(" ") + " END";
})();
</script>`

func browser(t *testing.T, s *stack) {
	t.Helper()
	chromium := os.Getenv("DJ_TEST_CHROMIUM")
	if chromium == "" {
		t.Log("browser story skipped: set DJ_TEST_CHROMIUM=/usr/bin/chromium")
		return
	}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	br := exec.CommandContext(ctx, chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
		"--no-first-run", "--user-data-dir="+t.TempDir(), "--virtual-time-budget=30000",
		"--dump-dom", s.front+"/test/page")
	dom, err := br.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	res := string(dom)
	i, j := strings.Index(res, "RESULT "), strings.Index(res, " END")
	if i < 0 || j < i {
		t.Fatalf("no result in the DOM:\n%s", res)
	}
	got := res[i+len("RESULT ") : j]
	want := "anon=login login=200 app=alice/alice staff=403 made-staff=ok staff-after=alice/alice password=200 " +
		"app-after-password=login login2=200 app2=alice/alice logout=200 app-after-logout=login"
	t.Logf("Chromium: %s", got)
	if got != want {
		t.Errorf("browser saw\n  %s\nwant\n  %s", got, want)
	}
}
