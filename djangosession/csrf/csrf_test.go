package csrf_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/csrf"
	"github.com/djsession/djsession/djangosession/memstore"
	"github.com/djsession/djsession/djangosession/middleware"
)

func TestUseSessions(t *testing.T) {
	store := memstore.New(nil)
	sm, err := middleware.New(mustEngine(t, store, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := csrf.New(&csrf.Options{UseSessions: true})
	if err != nil {
		t.Fatal(err)
	}
	var token string
	h := sm.Handler(p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			token, _ = csrf.Token(r)
		}
		_, _ = w.Write([]byte("ok"))
	})))
	// GET: the secret goes into the session, no csrftoken cookie.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	sc := rec.Header().Values("Set-Cookie")
	if len(sc) != 1 || !strings.HasPrefix(sc[0], "sessionid=") {
		t.Fatalf("Set-Cookie %q", sc)
	}
	key, _ := middleware.CookieValue(http.Header{"Cookie": sc}, "sessionid")
	data, err := store.Load(t.Context(), key)
	if err != nil {
		t.Fatalf("session not saved: %v", err)
	}
	secret, _ := data.Get(csrf.SessionKey)
	if s, _ := secret.(string); len(s) != csrf.SecretLength || !csrf.Match(token, s) {
		t.Fatalf("session secret %v, token %s", secret, token)
	}
	post := func(tok string) int {
		form := url.Values{csrf.FormField: {tok}}
		req := httptest.NewRequest("POST", "/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", "sessionid="+key)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if c := post(token); c != http.StatusOK {
		t.Errorf("POST with the token: %d", c)
	}
	other, _ := csrf.Mask(strings.Repeat("a", 32), strings.Repeat("b", 32))
	if c := post(other); c != http.StatusForbidden {
		t.Errorf("POST with a wrong token: %d", c)
	}
}

func TestRotateToken(t *testing.T) {
	p, _ := csrf.New(nil)
	old := strings.Repeat("x", 32)
	var tok string
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := csrf.RotateToken(r); err != nil {
			t.Fatal(err)
		}
		tok, _ = csrf.Token(r)
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", "csrftoken="+old)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	v, _ := middleware.CookieValue(http.Header{"Cookie": rec.Header().Values("Set-Cookie")}, "csrftoken")
	if v == old || len(v) != 32 || !csrf.Match(tok, v) {
		t.Errorf("cookie %q after rotate, token %q", v, tok)
	}
	if _, err := csrf.Token(httptest.NewRequest("GET", "/", nil)); !errors.Is(err, csrf.ErrNoMiddleware) {
		t.Errorf("Token without middleware: %v", err)
	}
}

func TestExemptAndBadCookieResent(t *testing.T) {
	p, _ := csrf.New(&csrf.Options{Exempt: func(r *http.Request) bool { return r.URL.Path == "/hook" }})
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/hook", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("exempt: %d", rec.Code)
	}
	// A malformed cookie is replaced on the rejection response, as Django does.
	req := httptest.NewRequest("POST", "/", nil)
	req.Header.Set("Cookie", "csrftoken=short")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	v, ok := middleware.CookieValue(http.Header{"Cookie": rec.Header().Values("Set-Cookie")}, "csrftoken")
	if rec.Code != http.StatusForbidden || !ok || len(v) != 32 {
		t.Errorf("status %d, new cookie %q", rec.Code, v)
	}
	if !strings.Contains(rec.Body.String(), "CSRF cookie has incorrect length.") {
		t.Errorf("body %q", rec.Body.String())
	}
}

func TestMaskRejectsBadInput(t *testing.T) {
	for _, c := range [][2]string{{"short", strings.Repeat("a", 32)}, {strings.Repeat("-", 32), strings.Repeat("a", 32)}} {
		if _, err := csrf.Mask(c[0], c[1]); !errors.Is(err, csrf.ErrBadFormat) {
			t.Errorf("Mask(%q) = %v", c[0], err)
		}
	}
	if _, err := csrf.Unmask(strings.Repeat("a", 63) + "!"); !errors.Is(err, csrf.ErrBadFormat) {
		t.Error("Unmask accepted a bad character")
	}
	if _, err := csrf.New(&csrf.Options{TrustedOrigins: []string{"example.com"}}); err == nil {
		t.Error("trusted origin without scheme accepted")
	}
}

func FuzzUnmask(f *testing.F) {
	v := loadVectors(f)
	for _, r := range v.Releases {
		for _, c := range r.CSRF {
			f.Add(c.Token)
		}
	}
	for _, tok := range hostileTokens(f) {
		if len(tok) <= 64<<10 {
			f.Add(tok)
		}
	}
	f.Fuzz(func(t *testing.T, tok string) {
		sec, err := csrf.Unmask(tok)
		if err != nil {
			return
		}
		again, err := csrf.Mask(sec, tok[:32])
		if err != nil || again != tok {
			t.Fatalf("Mask(Unmask(%q)) = %q, %v", tok, again, err)
		}
	})
}

// FuzzRequest: no header combination panics the checks.
func FuzzRequest(f *testing.F) {
	f.Add("https://[::1/x", "https://evil", "abc", "csrftoken=abc")
	f.Add("https://[v1.x]/", "null", strings.Repeat("a", 64), "csrftoken="+strings.Repeat("b", 64))
	for _, tok := range hostileTokens(f) { // testdata/hostile/csrf
		if len(tok) <= 64<<10 {
			f.Add("https://example.com/", "", tok, "csrftoken="+tok)
		}
	}
	p, _ := csrf.New(&csrf.Options{TrustedOrigins: []string{"https://*.example.com"}, CookieDomain: ".example.com"})
	legacy, _ := csrf.New(&csrf.Options{Settings: django.Settings{Release: "3.2"}, TrustedOrigins: []string{".example.com"}})
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	hs := []http.Handler{p.Handler(ok), legacy.Handler(ok)}
	f.Fuzz(func(t *testing.T, referer, origin, token, cookie string) {
		for _, h := range hs {
			req := httptest.NewRequest("POST", "https://example.com/", nil)
			req.Header["Referer"] = []string{referer}
			req.Header["Origin"] = []string{origin}
			req.Header["X-Csrftoken"] = []string{token}
			req.Header["Cookie"] = []string{cookie}
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
	})
}

func TestTemplateField(t *testing.T) {
	p, _ := csrf.New(nil)
	var field string
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := csrf.TemplateField(r)
		if err != nil {
			t.Fatal(err)
		}
		field = string(f)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	secret, _ := middleware.CookieValue(http.Header{"Cookie": rec.Header().Values("Set-Cookie")}, "csrftoken")
	const pre, post = `<input type="hidden" name="csrfmiddlewaretoken" value="`, `">`
	if !strings.HasPrefix(field, pre) || !strings.HasSuffix(field, post) {
		t.Fatalf("field %q", field)
	}
	if tok := field[len(pre) : len(field)-len(post)]; !csrf.Match(tok, secret) {
		t.Errorf("token %q does not carry the cookie's secret %q", tok, secret)
	}
}

func TestNewRefusesUnknownRelease(t *testing.T) {
	if _, err := csrf.New(&csrf.Options{Settings: django.Settings{Release: "4.3"}}); !errors.Is(err, django.ErrUnknownRelease) {
		t.Errorf("New with release 4.3: %v, want django.ErrUnknownRelease", err)
	}
}
