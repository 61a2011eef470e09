package gateway_test

import (
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/csrf"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/gateway"
)

var testRules = []gateway.Rule{
	{Prefix: "/app/", Login: true},
	{Prefix: "/api/", Login: true, API: true},
	{Prefix: "/staff/", Staff: true},
	{Prefix: "/root/", Superuser: true},
	{Prefix: "/ops/", Groups: []string{"ops, night"}},
	{Prefix: "/reports/", Perms: []string{"reports.view_report"}},
	{Prefix: "/reports/edit/", Perms: []string{"reports.change_report"}},
	{Prefix: "/form/", Login: true, CSRF: true},
}

// forward asks g's ForwardAuth about method uri as nginx does.
func forward(g *gateway.Gateway, method, uri string, c *http.Cookie, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", "/auth", nil)
	r.Header.Set("X-Original-URI", uri)
	r.Header.Set("X-Original-Method", method)
	if c != nil {
		r.AddCookie(c)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	g.ForwardAuth().ServeHTTP(w, r)
	return w
}

func TestGatewayForwardAuthRules(t *testing.T) {
	e := newEnv(t)
	g := e.gateway(t, gateway.Options{Rules: testRules})
	users := map[string]*http.Cookie{"": nil}
	for _, id := range []string{"1", "2", "3", "5"} {
		users[id] = e.login(t, id)
	}
	for _, c := range []struct {
		user, uri string
		status    int
	}{
		{"", "/public", 200},
		{"", "/app/x", 302},
		{"", "/api/x", 401},
		{"1", "/app/x?a=1", 200},
		{"1", "/staff/", 403},
		{"2", "/staff/", 200},
		{"3", "/staff/", 200},
		{"2", "/root/", 403},
		{"3", "/root/", 200},
		{"2", "/ops/", 200},
		{"1", "/ops/", 403},
		{"1", "/reports/", 200},         // group readers has view_report
		{"1", "/reports/edit/", 403},    // nobody gave change_report
		{"3", "/reports/edit/", 200},    // superuser has all
		{"2", "/reports/", 403},         // staff is not a permission
		{"1", "/public/../staff/", 403}, // matched on the cleaned path
		{"1", "/public/%2e%2e/staff/", 403},
		{"1", "//staff//", 403},
		{"5", "/app/", 200},
	} {
		w := forward(g, "GET", c.uri, users[c.user], nil)
		if w.Code != c.status {
			t.Errorf("user %q %s: %d, want %d", c.user, c.uri, w.Code, c.status)
		}
	}
	w := forward(g, "GET", "/app/x?a=1&b=é", nil, nil)
	if loc := w.Header().Get("Location"); loc != "/accounts/login/?next=/app/x%3Fa%3D1%26b%3D%25C3%25A9" {
		t.Errorf("login redirect %q", loc)
	}
	r := httptest.NewRequest("GET", "/auth?login=401", nil)
	r.Header.Set("X-Forwarded-Uri", "/app/")
	r.Header.Set("X-Forwarded-Method", "GET")
	w = httptest.NewRecorder()
	g.ForwardAuth().ServeHTTP(w, r)
	if w.Code != 401 || w.Header().Get("Location") != "/accounts/login/?next=/app/" {
		t.Errorf("nginx login: %d %q", w.Code, w.Header().Get("Location"))
	}
}

func TestGatewayIdentityHeaders(t *testing.T) {
	e := newEnv(t)
	g := e.gateway(t, gateway.Options{Rules: testRules})
	w := forward(g, "GET", "/app/", e.login(t, "2"), nil)
	want := map[string]string{
		gateway.HeaderUserID: "2", gateway.HeaderUsername: "bob", gateway.HeaderEmail: "bob@example.com",
		gateway.HeaderIsStaff: "true", gateway.HeaderIsSuperuser: "false", gateway.HeaderGroups: "ops%2C%20night",
	}
	for k, v := range want {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if w.Header().Get(gateway.HeaderAssertion) != "" {
		t.Error("assertion without a key")
	}
	w = forward(g, "GET", "/app/", e.login(t, "5"), nil)
	if got := w.Header().Get(gateway.HeaderUsername); got != "zo%C3%AB" {
		t.Errorf("non-ASCII username %q", got)
	}
	w = forward(g, "GET", "/public", nil, map[string]string{gateway.HeaderUserID: "3"})
	if w.Code != 200 {
		t.Errorf("anonymous: %d", w.Code)
	}
	for _, h := range gateway.IdentityHeaders {
		if v, ok := w.Header()[h]; !ok || len(v) != 1 || v[0] != "" {
			t.Errorf("anonymous: %s is %q, want present and empty", h, v)
		}
	}
}

// TestGatewayDjangoRules: a password change logs out, an inactive user is
// anonymous, a change of is_staff is seen on the next request (no cache)
// or after CacheTTL.
func TestGatewayDjangoRules(t *testing.T) {
	e := newEnv(t)
	g := e.gateway(t, gateway.Options{Rules: testRules})
	c := e.login(t, "1")
	if w := forward(g, "GET", "/staff/", c, nil); w.Code != 403 {
		t.Fatalf("not staff yet: %d", w.Code)
	}
	e.exec(t, "UPDATE auth_user SET is_staff = 1 WHERE id = 1")
	if w := forward(g, "GET", "/staff/", c, nil); w.Code != 200 {
		t.Fatalf("made staff: %d", w.Code)
	}
	e.exec(t, "UPDATE auth_user SET password = 'md5$b$1' WHERE id = 1")
	if w := forward(g, "GET", "/app/", c, nil); w.Code != 302 {
		t.Fatalf("after password change: %d", w.Code)
	}
	var n int
	if err := e.db.QueryRow("SELECT count(*) FROM django_session WHERE session_key = ?", c.Value).Scan(&n); err != nil || n != 0 {
		t.Errorf("session of a stale hash not flushed: %d %v", n, err)
	}
	c = e.login(t, "2")
	e.exec(t, "UPDATE auth_user SET is_active = 0 WHERE id = 2")
	if w := forward(g, "GET", "/app/", c, nil); w.Code != 302 {
		t.Errorf("inactive user: %d", w.Code)
	}

	now := time.Now()
	clock := func() time.Time { return now }
	g = e.gateway(t, gateway.Options{Rules: testRules, CacheTTL: 5 * time.Second, Now: clock})
	c = e.login(t, "5")
	if w := forward(g, "GET", "/staff/", c, nil); w.Code != 403 {
		t.Fatalf("cached: %d", w.Code)
	}
	e.exec(t, "UPDATE auth_user SET is_staff = 1 WHERE id = 5")
	if w := forward(g, "GET", "/staff/", c, nil); w.Code != 403 {
		t.Errorf("within TTL the cached identity holds: %d", w.Code)
	}
	now = now.Add(5 * time.Second)
	if w := forward(g, "GET", "/staff/", c, nil); w.Code != 200 {
		t.Errorf("after TTL: %d", w.Code)
	}
	e.exec(t, "UPDATE auth_user SET password = 'md5$c$5' WHERE id = 5")
	if w := forward(g, "GET", "/staff/", c, nil); w.Code != 302 {
		t.Errorf("password change with a cache: %d", w.Code)
	}
}

func TestGatewayFallbackKey(t *testing.T) {
	e := newEnv(t)
	old, err := auth.New(e.ids, &auth.Options{Settings: django.Settings{SecretKey: "an-old-secret-key-0123456789abcdef"}})
	if err != nil {
		t.Fatal(err)
	}
	s := e.engine.New()
	if err := old.Login(t.Context(), s, "1", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(t.Context()); err != nil {
		t.Fatal(err)
	}
	c := &http.Cookie{Name: "sessionid", Value: s.Key()}
	if w := forward(e.gateway(t, gateway.Options{Rules: testRules}), "GET", "/app/", c, nil); w.Code != 302 {
		t.Fatalf("old key without fallback: %d", w.Code)
	}
	s = e.engine.New()
	_ = old.Login(t.Context(), s, "1", "")
	_ = s.Save(t.Context())
	c = &http.Cookie{Name: "sessionid", Value: s.Key()}
	e.auth, err = auth.New(e.ids, &auth.Options{Settings: django.Settings{SecretKey: testSecret, SecretKeyFallbacks: []string{"an-old-secret-key-0123456789abcdef"}}})
	if err != nil {
		t.Fatal(err)
	}
	w := forward(e.gateway(t, gateway.Options{Rules: testRules}), "GET", "/app/", c, nil)
	if w.Code != 200 {
		t.Fatalf("fallback key: %d", w.Code)
	}
	// Django moves such a session to a new key with the current hash.
	if !strings.Contains(w.Header().Get("Set-Cookie"), "sessionid=") {
		t.Errorf("no new session cookie: %v", w.Header())
	}
}

func TestGatewayCSRF(t *testing.T) {
	e := newEnv(t)
	g := e.gateway(t, gateway.Options{Rules: testRules})
	c := e.login(t, "1")
	secret := strings.Repeat("a", 32)
	tok := csrfToken(t, secret)
	hdr := map[string]string{"Cookie": c.Name + "=" + c.Value + "; csrftoken=" + secret, "Origin": "http://example.com", "Host": "example.com"}
	r := func(method string, h map[string]string) int {
		return forward(g, method, "/form/x", nil, h).Code
	}
	if got := r("POST", hdr); got != 403 {
		t.Errorf("POST without token: %d", got)
	}
	with := map[string]string{"X-CSRFToken": tok}
	for k, v := range hdr {
		with[k] = v
	}
	if got := r("POST", with); got != 200 {
		t.Errorf("POST with token: %d", got)
	}
	with["Origin"] = "http://evil.example"
	if got := r("POST", with); got != 403 {
		t.Errorf("POST from another origin: %d", got)
	}
	if got := r("GET", hdr); got != 200 {
		t.Errorf("GET: %d", got)
	}
}

// csrfToken is a masked form or header token for secret.
func csrfToken(t *testing.T, secret string) string {
	t.Helper()
	tok, err := csrf.MaskRandom(secret, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestGatewayProxy runs proxy mode in front of an upstream that reports
// the identity headers it got.
func TestGatewayProxy(t *testing.T) {
	e := newEnv(t)
	seen := make(chan http.Header, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen <- r.Header.Clone()
		_, _ = io.WriteString(w, "upstream "+r.URL.Path+" "+string(body))
	}))
	defer up.Close()
	dj := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Clone()
		_, _ = io.WriteString(w, "django "+r.URL.Path)
	}))
	defer dj.Close()
	rules := []gateway.Rule{
		{Prefix: "/svc/", Login: true, Upstream: up.URL},
		{Prefix: "/svc/form/", Login: true, CSRF: true, Upstream: up.URL},
		{Prefix: "/admin/", Staff: true},
	}
	key := "assertion-key-0123456789"
	g := e.gateway(t, gateway.Options{Rules: rules, Django: dj.URL, AssertionKey: key})
	srv := httptest.NewServer(g.Proxy())
	defer srv.Close()
	c := e.login(t, "2")
	do := func(method, path string, cookie *http.Cookie, hdr map[string]string, body string) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if cookie != nil {
			req.AddCookie(cookie)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var h http.Header
		select {
		case h = <-seen:
		default:
		}
		return resp.StatusCode, string(b), h
	}
	spoof := map[string]string{gateway.HeaderUserID: "3", "x-django-is-superuser": "true", gateway.HeaderAssertion: "forged", "X-DJANGO-OTHER": "x"}
	code, body, h := do("GET", "/svc/a", c, spoof, "")
	if code != 200 || body != "upstream /svc/a " {
		t.Fatalf("proxied: %d %q", code, body)
	}
	if h.Get(gateway.HeaderUserID) != "2" || h.Get(gateway.HeaderIsSuperuser) != "false" || h.Get("X-Django-Other") != "" {
		t.Errorf("upstream headers: %v", h)
	}
	v, err := gateway.NewVerifier(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := v.Verify(h.Get(gateway.HeaderAssertion))
	if err != nil || a.ID != "2" || a.Username != "bob" || !a.IsStaff || len(a.Groups) != 1 || a.Groups[0] != "ops, night" {
		t.Errorf("assertion: %+v %v", a, err)
	}
	code, _, h = do("GET", "/svc/a", nil, spoof, "")
	if code != 302 || h != nil {
		t.Errorf("anonymous: %d, upstream saw %v", code, h)
	}
	code, body, h = do("GET", "/elsewhere", nil, spoof, "")
	if code != 200 || body != "django /elsewhere" || h.Get(gateway.HeaderUserID) != "" || h.Get(gateway.HeaderAssertion) != "" || h.Get("X-Django-Other") != "" {
		t.Errorf("unmatched to Django: %d %q %v", code, body, h)
	}
	if code, body, _ = do("GET", "/admin/", c, nil, ""); code != 200 || body != "django /admin/" {
		t.Errorf("staff to Django: %d %q", code, body)
	}
	if code, _, _ = do("GET", "/admin/", e.login(t, "1"), nil, ""); code != 403 {
		t.Errorf("non-staff to Django admin: %d", code)
	}
	secret := strings.Repeat("b", 32)
	form := url.Values{"csrfmiddlewaretoken": {csrfToken(t, secret)}, "x": {"1"}}.Encode()
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Cookie": "sessionid=" + c.Value + "; csrftoken=" + secret, "Origin": srv.URL}
	if code, body, _ = do("POST", "/svc/form/", nil, hdr, form); code != 200 || body != "upstream /svc/form/ "+form {
		t.Errorf("form POST: %d %q", code, body)
	}
	if code, _, _ = do("POST", "/svc/form/", nil, hdr, "x=1"); code != 403 {
		t.Errorf("form POST without token: %d", code)
	}
}

// TestGatewaySessionRules: an expired session is anonymous; with
// SESSION_SAVE_EVERY_REQUEST the check touches the session (new expiry
// in the table, a fresh cookie), without it nothing is written.
func TestGatewaySessionRules(t *testing.T) {
	e := newEnv(t)
	c := e.login(t, "1")
	soon := time.Now().UTC().Add(time.Minute).Format("2006-01-02 15:04:05")
	e.exec(t, "UPDATE django_session SET expire_date = ? WHERE session_key = ?", soon, c.Value)
	expiry := func() string {
		var s string
		if err := e.db.QueryRow("SELECT expire_date FROM django_session WHERE session_key = ?", c.Value).Scan(&s); err != nil {
			t.Fatal(err)
		}
		// The driver may give the datetime column back as RFC 3339.
		return strings.TrimSuffix(strings.Replace(s, "T", " ", 1), "Z")
	}
	g := e.gateway(t, gateway.Options{Rules: testRules})
	w := forward(g, "GET", "/app/", c, nil)
	if w.Code != 200 || w.Header().Get("Set-Cookie") != "" || !strings.HasPrefix(expiry(), soon[:16]) {
		t.Errorf("without SaveEveryRequest: %d %q %s", w.Code, w.Header().Get("Set-Cookie"), expiry())
	}
	every, err := middleware.New(e.engine, &middleware.Options{SaveEveryRequest: true})
	if err != nil {
		t.Fatal(err)
	}
	e.sessions = every
	g = e.gateway(t, gateway.Options{Rules: testRules})
	w = forward(g, "GET", "/app/", c, nil)
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Set-Cookie"), "sessionid="+c.Value) {
		t.Errorf("SaveEveryRequest: %d %q", w.Code, w.Header().Get("Set-Cookie"))
	}
	if got := expiry(); got <= time.Now().UTC().Add(13*24*time.Hour).Format("2006-01-02 15:04:05") {
		t.Errorf("SaveEveryRequest did not extend the expiry: %s", got)
	}
	e.exec(t, "UPDATE django_session SET expire_date = '2000-01-01 00:00:00' WHERE session_key = ?", c.Value)
	if w := forward(g, "GET", "/app/", c, nil); w.Code != 302 {
		t.Errorf("expired session: %d", w.Code)
	}
}
