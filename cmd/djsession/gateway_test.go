package main

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
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/gomemcache"
	"github.com/djsession/djsession/djangosession/cachestore/mcpool"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/gateway"
	"github.com/djsession/djsession/internal/testenv"
)

// lockedBuffer is an io.Writer the gateway logs to while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const gwSecret = "gateway-cli-secret-key-0123456789abcdef"

// gatewayDB is a SQLite database with Django's session and auth tables and
// a session with user 2 (staff) logged in; it returns the path and the
// session key.
func gatewayDB(t *testing.T) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db.sqlite3")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ddl, err := dbstore.DDL(django.SQLite, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range append(ddl, testenv.AuthTablesSQLite...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	codec, _ := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: gwSecret}})
	store, _ := dbstore.New(db, &dbstore.Options{Dialect: django.SQLite, Codec: codec})
	ids, _ := auth.NewSQLIdentities(db, django.SQLite, nil)
	a, _ := auth.New(ids, &auth.Options{Settings: django.Settings{SecretKey: gwSecret}})
	s := mustEngine(t, store, nil).New()
	if err := a.Login(t.Context(), s, "2", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(t.Context()); err != nil {
		t.Fatal(err)
	}
	return path, s.Key()
}

// startGatewayCLI runs "djsession gateway" until the test ends (then stops
// it as SIGTERM would, by cancelling its context) and returns its base URL
// and log.
func startGatewayCLI(t *testing.T, env map[string]string, args ...string) (string, *lockedBuffer, func() int) {
	t.Helper()
	logs := &lockedBuffer{}
	a := newApp(strings.NewReader(""), io.Discard, logs, func(k string) string { return env[k] })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- a.run(ctx, append([]string{"gateway"}, args...)) }()
	stop := func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(15 * time.Second):
			t.Fatal("gateway did not stop")
		}
		return -1
	}
	t.Cleanup(func() { cancel() })
	re := regexp.MustCompile(`"what":"gateway","addr":"([^"]+)"`)
	for range 200 {
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			return "http://" + m[1], logs, stop
		}
		select {
		case code := <-done:
			t.Fatalf("gateway exited %d: %s", code, logs.String())
		case <-time.After(25 * time.Millisecond):
		}
	}
	t.Fatalf("gateway did not start: %s", logs.String())
	return "", nil, nil
}

func TestGatewayCLI(t *testing.T) {
	path, key := gatewayDB(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(keyFile, []byte(gwSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := map[string]any{
		"SECRET_KEY_FILE": keyFile,
		"DATABASE_URL":    "sqlite:///" + path,
		"LOGIN_URL":       "/login/",
		"GATEWAY_LISTEN":  "127.0.0.1:0",
		"GATEWAY_ROUTES": []map[string]any{
			{"Prefix": "/staff/", "Staff": true},
			{"Prefix": "/root/", "Superuser": true, "API": true},
		},
	}
	b, _ := json.Marshal(conf)
	cfgFile := filepath.Join(dir, "gateway.json")
	if err := os.WriteFile(cfgFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	base, logs, stop := startGatewayCLI(t, map[string]string{"GATEWAY_ASSERTION_KEY": "assertion-key-0123456789"}, "--config", cfgFile)
	get := func(p string, hdr map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", base+p, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	cookie := "sessionid=" + key
	for _, c := range []struct {
		uri, cookie string
		status      int
	}{
		{"/staff/x", cookie, 200},
		{"/staff/x", "", 302},
		{"/root/", cookie, 403},
		{"/root/", "", 401},
		{"/open", "", 200},
	} {
		resp := get("/_djsession/auth", map[string]string{"X-Forwarded-Uri": c.uri, "Cookie": c.cookie, "X-Request-Id": "client-chosen"})
		if resp.StatusCode != c.status {
			t.Errorf("%s cookie=%v: %d, want %d", c.uri, c.cookie != "", resp.StatusCode, c.status)
		}
		if c.status == 200 && c.cookie != "" && (resp.Header.Get(gateway.HeaderUsername) != "bob" || resp.Header.Get(gateway.HeaderAssertion) == "") {
			t.Errorf("identity headers: %v", resp.Header)
		}
		if c.status == 302 && resp.Header.Get("Location") != "/login/?next=/staff/x" {
			t.Errorf("login redirect %q", resp.Header.Get("Location"))
		}
		if id := resp.Header.Get("X-Request-Id"); !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
			t.Errorf("request id %q (an untrusted client's id must not be used)", id)
		}
	}
	// Envoy ext_authz: the original path after the endpoint's path.
	if resp := get("/_djsession/auth/staff/x?y=1", map[string]string{"Cookie": cookie}); resp.StatusCode != 200 {
		t.Errorf("envoy-style staff check: %d", resp.StatusCode)
	}
	if resp := get("/_djsession/auth/root/", map[string]string{"Cookie": cookie}); resp.StatusCode != 403 {
		t.Errorf("envoy-style superuser check: %d", resp.StatusCode)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp := get(p, nil); resp.StatusCode != 200 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(m), `djsession_gateway_requests_total{mode="forward",reason="rule",status="403"} 2`) {
		t.Errorf("metrics:\n%s", m)
	}
	// The user table gone: not ready.
	db, _ := sql.Open("sqlite", path)
	if _, err := db.Exec("ALTER TABLE auth_user RENAME TO auth_user_old"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if resp := get("/readyz", nil); resp.StatusCode != 503 {
		t.Errorf("readyz without a user table: %d", resp.StatusCode)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d after SIGTERM: %s", code, logs.String())
	}
	out := logs.String()
	for _, secret := range []string{key, gwSecret, "assertion-key", path} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds a secret or server path %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, `"user_id":"2"`) || !strings.Contains(out, `"msg":"stopped"`) {
		t.Errorf("log:\n%s", out)
	}
}

func TestGatewayCLIConfigErrors(t *testing.T) {
	path, _ := gatewayDB(t)
	for _, c := range []struct {
		name string
		env  map[string]string
	}{
		{"no secret", map[string]string{"DATABASE_URL": "sqlite:///" + path}},
		{"bad route", map[string]string{"DJANGO_SECRET_KEY": gwSecret, "DATABASE_URL": "sqlite:///" + path, "GATEWAY_ROUTES": `[{"Prefix":"nope"}]`}},
		{"bad perm", map[string]string{"DJANGO_SECRET_KEY": gwSecret, "DATABASE_URL": "sqlite:///" + path, "GATEWAY_ROUTES": `[{"Prefix":"/a","Perms":["x"]}]`}},
		{"bad table", map[string]string{"DJANGO_SECRET_KEY": gwSecret, "DATABASE_URL": "sqlite:///" + path, "AUTH_USER_TABLE": "a;b"}},
		{"bad ttl", map[string]string{"DJANGO_SECRET_KEY": gwSecret, "DATABASE_URL": "sqlite:///" + path, "GATEWAY_CACHE_TTL": "soon"}},
		{"redis url", map[string]string{"DJANGO_SECRET_KEY": gwSecret, "DATABASE_URL": "redis://127.0.0.1:1/0"}},
		{"bad release", map[string]string{"DJANGO_SECRET_KEY": gwSecret, "DATABASE_URL": "sqlite:///" + path, "DJANGO_VERSION": "2.2"}},
		{"memcached backend for redis", map[string]string{"DJANGO_SECRET_KEY": gwSecret, "DATABASE_URL": "sqlite:///" + path,
			"SESSION_ENGINE": "django.contrib.sessions.backends.cache", "CACHE_LOCATION": "redis://127.0.0.1:1/0",
			"CACHE_BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache"}},
		{"cache engine on sql", map[string]string{"DJANGO_SECRET_KEY": gwSecret, "DATABASE_URL": "sqlite:///" + path,
			"SESSION_ENGINE": "django.contrib.sessions.backends.cache", "CACHE_LOCATION": "sqlite:///" + path}},
		{"bad session cache ttl", map[string]string{"DJANGO_SECRET_KEY": gwSecret, "DATABASE_URL": "sqlite:///" + path, "GATEWAY_SESSION_CACHE_TTL": "-1s"}},
		{"bad db conns", map[string]string{"DJANGO_SECRET_KEY": gwSecret, "DATABASE_URL": "sqlite:///" + path, "GATEWAY_DB_CONNS": "0"}},
	} {
		var errOut strings.Builder
		a := newApp(strings.NewReader(""), io.Discard, &errOut, func(k string) string { return c.env[k] })
		if code := a.run(context.Background(), []string{"gateway"}); code != exitError {
			t.Errorf("%s: exit %d: %s", c.name, code, errOut.String())
		}
		if strings.Contains(errOut.String(), gwSecret) {
			t.Errorf("%s: secret in error", c.name)
		}
	}
}

// TestLiveGatewayCLICacheEngine has real Django (3.2 through django-redis,
// 6.1 through its RedisCache) log a user in with the cache session engine
// on Redis; the gateway command, configured like that Django, lets the
// session in, and refuses it once Django has logged it out.
func TestLiveGatewayCLICacheEngine(t *testing.T) {
	redisAddr := testenv.RedisAddr(t)
	for _, d := range testenv.Djangos(t) {
		if d.Version != "3.2" && d.Version != "6.1" {
			continue
		}
		t.Run(d.Version, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "db.sqlite3")
			prefix := fmt.Sprintf("gwcli%d_%s", os.Getpid(), strings.ReplaceAll(d.Version, ".", ""))
			backend, djBackend := "django.core.cache.backends.redis.RedisCache", "redis"
			if d.Version == "3.2" {
				backend, djBackend = "django_redis.cache.RedisCache", "django-redis"
			}
			dj := "http://" + testenv.StartDjangoApp(t, d, "../../testdata/http_django/djapp.py",
				"DJ_SECRET="+gwSecret, "DJ_DB="+db, "DJ_ENGINE=cache", "DJ_CACHE_LOCATION=redis://"+redisAddr+"/0",
				"DJ_CACHE_PREFIX="+prefix, "DJ_CACHE_BACKEND="+djBackend)
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar}
			post := func(path string, form url.Values) {
				t.Helper()
				resp, err := c.Get(dj + "/dj/token")
				if err != nil {
					t.Fatal(err)
				}
				tok, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				req, _ := http.NewRequest("POST", dj+path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-CSRFToken", string(tok))
				req.Header.Set("Origin", dj)
				resp, err = c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("django %s: %d", path, resp.StatusCode)
				}
			}
			post("/dj/login", url.Values{"username": {"alice"}, "password": {"pw1"}})
			u, _ := url.Parse(dj)
			var session string
			for _, ck := range jar.Cookies(u) {
				if ck.Name == "sessionid" {
					session = ck.Value
				}
			}
			if session == "" {
				t.Fatal("no session cookie from Django")
			}
			env := map[string]string{
				"DJANGO_SECRET_KEY": gwSecret, "DATABASE_URL": "sqlite:///" + db, "GATEWAY_LISTEN": "127.0.0.1:0",
				"SESSION_ENGINE": "django.contrib.sessions.backends.cache", "CACHE_LOCATION": "redis://" + redisAddr + "/0",
				"CACHE_KEY_PREFIX": prefix, "CACHE_BACKEND": backend, "DJANGO_VERSION": d.Version,
				"GATEWAY_ROUTES": `[{"Prefix":"/app/","Login":true}]`,
			}
			base, logs, stop := startGatewayCLI(t, env)
			defer stop()
			check := func() int {
				req, _ := http.NewRequest("GET", base+"/_djsession/auth", nil)
				req.Header.Set("X-Forwarded-Uri", "/app/")
				req.Header.Set("Cookie", "sessionid="+session)
				resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			if code := check(); code != 200 {
				t.Fatalf("Django's cache session at the gateway: %d\n%s", code, logs.String())
			}
			post("/dj/logout", nil)
			if code := check(); code != 302 {
				t.Errorf("after logout in Django: %d", code)
			}
		})
	}
}

// TestGatewayDBPool: concurrent requests reuse the pool's connections
// instead of opening and closing one per query (database/sql keeps 2 idle
// by default, and a new SQLite connection reads the schema and prepares
// every statement again).
func TestGatewayDBPool(t *testing.T) {
	path, key := gatewayDB(t)
	env := map[string]string{"DJANGO_SECRET_KEY": gwSecret, "DATABASE_URL": "sqlite:///" + path,
		"GATEWAY_ROUTES": `[{"Prefix":"/","Login":true}]`}
	a := newApp(strings.NewReader(""), io.Discard, io.Discard, func(k string) string { return env[k] })
	cfg, err := loadGatewayConfig(a, "")
	if err != nil {
		t.Fatal(err)
	}
	parts, err := buildGateway(t.Context(), a, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer parts.close()
	h := parts.g.ForwardAuth()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 20 {
				r := httptest.NewRequest("GET", "/_djsession/auth", nil)
				r.Header.Set("X-Original-URI", "/x")
				r.Header.Set("Cookie", "sessionid="+key)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					t.Errorf("status %d", w.Code)
					return
				}
			}
		})
	}
	wg.Wait()
	st := parts.db.Stats()
	if st.MaxIdleClosed > 0 || st.MaxOpenConnections != defaultGatewayDBConns(django.SQLite) {
		t.Errorf("pool: %d connections closed for want of an idle slot, at most %d open (want %d)",
			st.MaxIdleClosed, st.MaxOpenConnections, defaultGatewayDBConns(django.SQLite))
	}
}

// TestGatewayCLIMemcachedPool: the gateway on the cache engine over a
// pool of three memcached servers (CACHE_LOCATION memcached://h1,h2,h3, as
// Django's LOCATION list) finds each session on the server Django's
// PyMemcacheCache puts it (written here by the library's pool, which
// TestSessionsMemcachedPool holds to Django's placement), and refuses a
// session once it is deleted (logged out).
func TestGatewayCLIMemcachedPool(t *testing.T) {
	addrs := startMemcachedPool(t, 3)
	path, _ := gatewayDB(t)
	ctx := t.Context()
	pool, err := gomemcache.NewPool(addrs, &mcpool.Options{Backend: mcpool.PyMemcacheCache}, nil)
	if err != nil {
		t.Fatal(err)
	}

	const prefix = "gwpool"
	store, err := cachestore.New(pool, &cachestore.Options{Backend: cachestore.PyMemcache, KeyPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids, _ := auth.NewSQLIdentities(db, django.SQLite, nil)
	a, _ := auth.New(ids, &auth.Options{Settings: django.Settings{SecretKey: gwSecret}})
	engine := mustEngine(t, store, nil)
	var keys []string
	for range 12 {
		s := engine.New()
		if err := a.Login(ctx, s, "2", ""); err != nil {
			t.Fatal(err)
		}
		if err := s.Save(ctx); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, s.Key())
	}
	base, logs, _ := startGatewayCLI(t, map[string]string{
		"DJANGO_SECRET_KEY": gwSecret, "DATABASE_URL": "sqlite:///" + path, "GATEWAY_LISTEN": "127.0.0.1:0",
		"SESSION_ENGINE": "django.contrib.sessions.backends.cache", "CACHE_LOCATION": "memcached://" + strings.Join(addrs, ","),
		"CACHE_BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache", "CACHE_KEY_PREFIX": prefix,
		"GATEWAY_ROUTES": `[{"Prefix":"/","Login":true,"API":true}]`,
	})
	check := func(key string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/_djsession/auth", nil)
		req.Header.Set("X-Forwarded-Uri", "/app/")
		req.Header.Set("Cookie", "sessionid="+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get(gateway.HeaderUserID)
	}
	for _, k := range keys {
		if code, id := check(k); code != http.StatusOK || id != "2" {
			t.Errorf("session %s: %d, user %q; want 200 and user 2\n%s", k, code, id, logs.String())
		}
	}
	if err := store.Delete(ctx, keys[0]); err != nil {
		t.Fatal(err)
	}
	if code, _ := check(keys[0]); code != http.StatusUnauthorized {
		t.Errorf("deleted session: %d, want 401", code)
	}
	if resp, err := http.Get(base + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("readyz: %v %v", resp, err)
	}
}
