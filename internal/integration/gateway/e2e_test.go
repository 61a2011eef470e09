package gateway_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
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

	"github.com/djsession/djsession/django"
	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
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

// newStack starts Django (with its admin) on the session engine "db" or
// "cache" (Redis: django-redis under 3.2, Django's RedisCache later), the
// upstream and the in-process gateway reading the same sessions; front
// is started by the caller.
func newStack(t *testing.T, d testenv.Django, engine string) *stack {
	t.Helper()
	s := &stack{d: d, dir: t.TempDir(), ports: map[string]string{}}
	s.db = filepath.Join(s.dir, "db.sqlite3")
	env := []string{"DJ_SECRET=" + e2eSecret, "DJ_DB=" + s.db, "DJ_ENGINE=" + engine, "DJ_ADMIN=1"}
	var rc *redis.Client
	var co cachestore.Options
	if engine == "cache" {
		addr := testenv.RedisAddr(t)
		rc = redis.NewClient(&redis.Options{Addr: addr})
		var b [4]byte
		_, _ = rand.Read(b[:])
		co = cachestore.Options{Backend: cachestore.RedisCache, KeyPrefix: "gwe2e_" + hex.EncodeToString(b[:])}
		name := "redis"
		if d.Version == "3.2" {
			co.Backend, name = cachestore.DjangoRedis, "django-redis"
		}
		t.Cleanup(func() {
			keys, _ := rc.Keys(context.Background(), co.KeyPrefix+":*").Result()
			if len(keys) > 0 {
				rc.Del(context.Background(), keys...)
			}
			rc.Close()
		})
		env = append(env, "DJ_CACHE_LOCATION=redis://"+addr+"/0", "DJ_CACHE_PREFIX="+co.KeyPrefix, "DJ_CACHE_BACKEND="+name)
	}
	s.ports["DJANGO"] = testenv.StartDjangoApp(t, d, "../../../testdata/http_django/djapp.py", env...)

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
	rel := django.Release(d.Version)
	var store djangosession.Store
	if engine == "cache" {
		store, err = cachestore.New(goredis.New(rc), &co)
	} else {
		codec, cerr := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: e2eSecret}, RejectLegacy: d.Version != "3.2"})
		if cerr != nil {
			t.Fatal(cerr)
		}
		store, err = dbstore.New(db, &dbstore.Options{Dialect: django.SQLite, Codec: codec})
	}
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := middleware.New(mustEngine(t, store, &djangosession.Options{Settings: django.Settings{Release: rel}}), nil)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := auth.NewSQLIdentities(db, django.SQLite, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(ids, &auth.Options{Settings: django.Settings{SecretKey: e2eSecret, Release: rel}})
	if err != nil {
		t.Fatal(err)
	}
	// LoginURL left empty: Django's default LOGIN_URL, /accounts/login/.
	s.opts = gateway.Options{Sessions: sessions, Auth: a, Identities: ids, Rules: e2eRules,
		AssertionKey: e2eAssertionKey}
	g, err := gateway.New(&s.opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/_djsession/auth", g.ForwardAuth())
	gs := httptest.NewServer(mux)
	t.Cleanup(gs.Close)
	s.ports["GATEWAY"] = strings.TrimPrefix(gs.URL, "http://")
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
// with the Python upstream, /open/ open, the rest to Django.
func startProxy(t *testing.T, s *stack) {
	t.Helper()
	o := s.opts
	o.Django = "http://" + s.ports["DJANGO"]
	o.Rules = nil
	for _, r := range e2eRules {
		r.Upstream = "http://" + s.ports["UPSTREAM"]
		o.Rules = append(o.Rules, r)
	}
	o.Rules = append(o.Rules, gateway.Rule{Prefix: "/open/", Upstream: "http://" + s.ports["UPSTREAM"]})
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
// the gateway, and the gateway as the proxy itself, in front of real Django
// 3.2 and 6.1 (db and cache session engines) and a Python upstream: the
// spoofing checks with a Go client, then the browser story in headless
// Chromium (DJ_TEST_CHROMIUM) on Django's own forms and admin.
func TestLiveGatewayFronts(t *testing.T) {
	testenv.Topologies(t)
	for _, d := range testenv.Djangos(t) {
		if d.Version != "3.2" && d.Version != "6.1" {
			continue
		}
		for _, engine := range []string{"db", "cache"} {
			for _, front := range []string{"nginx", "caddy", "proxy"} {
				t.Run(d.Version+"/"+engine+"/"+front, func(t *testing.T) {
					s := newStack(t, d, engine)
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

// browser is the story users live through in headless Chromium, each
// user a browser of their own (profile, cookie jar), on Django's own forms
// and admin; every outcome is read where it shows, at the upstream behind
// the front proxy.
func browser(t *testing.T, s *stack) {
	t.Helper()
	chromium := os.Getenv("DJ_TEST_CHROMIUM")
	if chromium == "" {
		t.Log("browser story skipped: set DJ_TEST_CHROMIUM=/usr/bin/chromium")
		return
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	var b *testenv.Browser
	var who string
	do := func(step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %s: %v", who, step, err)
		}
	}
	as := func(br *testenv.Browser, name string) { b, who = br, name }
	open := func(path string) testenv.Page {
		t.Helper()
		do("open "+path, b.Open(ctx, s.front+path))
		p, err := b.Page(ctx)
		do("read "+path, err)
		return p
	}
	// upstream opens path and returns what the upstream saw; a page that
	// is not the upstream's fails the test.
	upstream := func(path string) upstreamSaw {
		t.Helper()
		p := open(path)
		var saw upstreamSaw
		var text string
		do("read "+path, b.Eval(ctx, `(document.querySelector("pre") || document.body).textContent`, &text))
		if p.Status != 200 || json.Unmarshal([]byte(text), &saw) != nil {
			t.Fatalf("%s: %s: not the upstream's page: %+v", who, path, p)
		}
		return saw
	}
	// denied opens path and checks it is refused with status (403), or
	// sent to Django's login form (0).
	denied := func(path string, status int) {
		t.Helper()
		p := open(path)
		login := s.front + "/accounts/login/?next=" + path
		if status != 0 && p.Status != status || status == 0 && (p.URL != login || !strings.Contains(p.Text, "Username")) {
			t.Errorf("%s: %s: want %d (0: %s), got %+v", who, path, status, login, p)
		}
	}
	user := func(saw upstreamSaw, name, staff string) {
		t.Helper()
		v, _ := saw.Verified.(map[string]any)
		if saw.Headers["x-django-username"] != name || saw.Headers["x-django-is-staff"] != staff || v["username"] != name {
			t.Errorf("%s: upstream saw %+v, want %s (staff %s)", who, saw, name, staff)
		}
	}
	// login fills Django's LoginView form the page shows (its real CSRF
	// token goes along) and lands on next.
	login := func(path, username, password string) upstreamSaw {
		t.Helper()
		denied(path, 0)
		do("log in", b.Submit(ctx, "#login", map[string]string{"username": username, "password": password}))
		p, err := b.Page(ctx)
		do("read", err)
		if p.URL != s.front+path {
			t.Fatalf("%s: after the login form at %s: %+v", who, path, p)
		}
		return upstream(path)
	}

	alice := testenv.NewBrowser(t, chromium, "alice")
	as(alice, "alice")
	saw := login("/app/whoami", "alice", "pw1")
	user(saw, "alice", "false")
	aliceID := saw.Headers["x-django-user-id"]
	denied("/staff/x", http.StatusForbidden)

	// A superuser, in a browser of their own, ticks is_staff on alice's
	// change page in Django's admin and saves.
	as(testenv.NewBrowser(t, chromium, "root"), "root")
	if p := open("/admin/"); p.URL != s.front+"/admin/login/?next=/admin/" {
		t.Fatalf("root: admin without a login: %+v", p)
	}
	do("admin login", b.Submit(ctx, "#login-form [type=submit]", map[string]string{"username": "root", "password": "pw-root"}))
	open("/admin/auth/user/" + aliceID + "/change/")
	do("save alice", b.Submit(ctx, "[name=_save]", map[string]string{"is_staff": "on"}))
	if p, err := b.Page(ctx); err != nil || p.URL != s.front+"/admin/auth/user/" || !strings.Contains(p.Text, "changed successfully") {
		t.Fatalf("root: after saving alice in the admin: %+v %v", p, err)
	}

	// Alice is staff now, without logging in again.
	as(alice, "alice")
	user(upstream("/staff/x"), "alice", "true")

	// Alice also logs in on a second device.
	as(testenv.NewBrowser(t, chromium, "alice-phone"), "alice-phone")
	user(login("/app/whoami", "alice", "pw1"), "alice", "true")
	phone := b

	// Alice changes her password on PasswordChangeView's form. Django
	// keeps the session that changed it (update_session_auth_hash), and so
	// does the gateway; her other session is logged out.
	as(alice, "alice")
	open("/accounts/password_change/")
	do("change password", b.Submit(ctx, "#change", map[string]string{
		"old_password": "pw1", "new_password1": "pw-alice-2", "new_password2": "pw-alice-2"}))
	if p, err := b.Page(ctx); err != nil || p.URL != s.front+"/accounts/password_change/done/" {
		t.Fatalf("alice: after the password form: %+v %v", p, err)
	}
	user(upstream("/app/whoami"), "alice", "true")
	as(phone, "alice-phone")
	denied("/app/whoami", 0)
	user(login("/staff/x", "alice", "pw-alice-2"), "alice", "true")

	// Alice logs out on her profile page's form (a POST to LogoutView).
	as(alice, "alice")
	if p := open("/accounts/profile/"); !strings.Contains(p.Text, "alice") {
		t.Fatalf("alice: profile page: %+v", p)
	}
	do("log out", b.Submit(ctx, "#logout", nil))
	if p, err := b.Page(ctx); err != nil || !strings.Contains(p.Text, "Logged out") {
		t.Fatalf("alice: after the logout form: %+v %v", p, err)
	}
	denied("/app/whoami", 0)
	denied("/staff/x", 0)
	// The phone's session is its own: still in.
	as(phone, "alice-phone")
	user(upstream("/app/whoami"), "alice", "true")
}
