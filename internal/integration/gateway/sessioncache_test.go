package gateway_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/gateway"
)

// clock is a fake clock tests step.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// useSessionCache moves e's sessions behind a SessionCache of ttl on the
// fake clock, and returns the store beneath (where Django's changes land).
func (e *env) useSessionCache(t testing.TB, ttl time.Duration, c *clock) djangosession.Store {
	t.Helper()
	under := e.engine.Store()
	e.engine = mustEngine(t, gateway.NewSessionCache(under, ttl, c.now), &djangosession.Options{})
	var err error
	if e.sessions, err = middleware.New(e.engine, nil); err != nil {
		t.Fatal(err)
	}
	return under
}

// A logout in Django (the session row deleted) is seen once the session
// cache's TTL has passed, and not later; before it, the cached session
// is still let in (the documented staleness).
func TestSessionCacheLogoutSeenAfterTTL(t *testing.T) {
	e := newEnv(t)
	c := &clock{t: time.Now()}
	under := e.useSessionCache(t, 5*time.Second, c)
	g := e.gateway(t, gateway.Options{Rules: testRules})
	cookie := e.login(t, "2")
	h := g.ForwardAuth()
	check := func() int {
		r := httptest.NewRequest("GET", "/auth", nil)
		r.Header.Set("X-Original-URI", "/api/x")
		r.AddCookie(cookie)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if code := check(); code != http.StatusOK {
		t.Fatalf("logged in: %d", code)
	}
	if err := under.Delete(t.Context(), cookie.Value); err != nil { // Django's logout
		t.Fatal(err)
	}
	c.add(4 * time.Second)
	if code := check(); code != http.StatusOK {
		t.Errorf("within the TTL: %d, want the cached session (200)", code)
	}
	c.add(time.Second)
	if code := check(); code != http.StatusUnauthorized {
		t.Errorf("at the TTL: %d, want the logout seen (401)", code)
	}
}

// A password change is not delayed by the session cache: the auth hash is
// checked against the user's current password on every request.
func TestSessionCachePasswordChange(t *testing.T) {
	e := newEnv(t)
	c := &clock{t: time.Now()}
	e.useSessionCache(t, time.Hour, c)
	g := e.gateway(t, gateway.Options{Rules: testRules})
	cookie := e.login(t, "2")
	h := g.ForwardAuth()
	check := func() int {
		r := httptest.NewRequest("GET", "/auth", nil)
		r.Header.Set("X-Original-URI", "/api/x")
		r.AddCookie(cookie)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if code := check(); code != http.StatusOK {
		t.Fatalf("logged in: %d", code)
	}
	e.exec(t, "UPDATE auth_user SET password = 'pbkdf2_sha256$1$changed$x' WHERE id = 2")
	if code := check(); code != http.StatusUnauthorized {
		t.Errorf("after a password change: %d, want 401", code)
	}
}

// A cached session never outlives its expiry date as the db store reports
// it, whatever the TTL; a missing session is not cached.
func TestSessionCacheExpiry(t *testing.T) {
	e := newEnv(t)
	c := &clock{t: time.Now()}
	under := e.engine.Store()
	sc := gateway.NewSessionCache(under, time.Hour, c.now)
	ctx := t.Context()
	if _, err := sc.Load(ctx, "nosuchsession0000"); !errors.Is(err, djangosession.ErrNotFound) {
		t.Fatalf("missing session: %v", err)
	}
	s := e.engine.New()
	if err := s.Set("k", "v"); err != nil {
		t.Fatal(err)
	}
	s.SetExpiry(60)
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	d, err := sc.Load(ctx, s.Key())
	if err != nil {
		t.Fatal(err)
	}
	d.Set("k", "changed by the caller") // the cached copy is not shared
	if err := under.Delete(ctx, s.Key()); err != nil {
		t.Fatal(err)
	}
	c.add(59 * time.Second)
	if d, err := sc.Load(ctx, s.Key()); err != nil {
		t.Errorf("before the expiry: %v", err)
	} else if v, _ := d.Get("k"); v != "v" {
		t.Errorf("cached value %v, want v", v)
	}
	c.add(2 * time.Second)
	if _, err := sc.Load(ctx, s.Key()); !errors.Is(err, djangosession.ErrNotFound) {
		t.Errorf("after the session's expiry (TTL 1h): %v, want ErrNotFound", err)
	}
}
