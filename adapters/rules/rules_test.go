package rules_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/djsession/djsession/adapters/rules"
	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/middleware"
)

const key = "rules-test-key"

type users map[string]rules.Flags

func (u users) PasswordHash(_ context.Context, id string) (string, error) {
	if f, ok := u[id]; ok && f.Active {
		return "md5$salt$" + id, nil
	}
	return "", auth.ErrNoUser
}

func (u users) Flags(_ context.Context, id string) (rules.Flags, error) {
	if id == "broken" {
		return rules.Flags{}, errors.New("database down")
	}
	f, ok := u[id]
	if !ok {
		return rules.Flags{}, auth.ErrNoUser
	}
	return f, nil
}

// TestGate: each rule's verdict for each kind of user, as Django's
// decorators and PermissionRequiredMixin answer.
func TestGate(t *testing.T) {
	us := users{
		"plain": {Active: true}, "staff": {Active: true, Staff: true},
		"super": {Active: true, Staff: true, Superuser: true}, "broken": {Active: true},
	}
	store, err := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: key}})
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := middleware.New(djangosession.NewEngine(store, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(us, &auth.Options{Settings: django.Settings{SecretKey: key}})
	if err != nil {
		t.Fatal(err)
	}
	gate, err := rules.New(a, &rules.Options{Flags: us, LoginURL: "/login/"})
	if err != nil {
		t.Fatal(err)
	}
	noFlags, _ := rules.New(a, nil)
	// A cookie for each user, logged in by auth as Django's login does.
	cookies := map[string]string{}
	for id := range us {
		rec := httptest.NewRecorder()
		sessions.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := a.LoginRequest(r, id, auth.ModelBackend); err != nil {
				t.Fatal(err)
			}
		})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		c := rec.Result().Cookies()
		if len(c) != 1 {
			t.Fatalf("login %s: %v", id, rec.Header())
		}
		cookies[id] = c[0].Value
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	tests := []struct {
		user   string
		gate   *rules.Gate
		rule   rules.Rule
		status int
	}{
		{"", gate, rules.Login(), http.StatusFound},
		{"plain", gate, rules.Login(), http.StatusOK},
		{"plain", gate, rules.Staff(), http.StatusForbidden},
		{"staff", gate, rules.Staff(), http.StatusOK},
		{"staff", gate, rules.Superuser(), http.StatusForbidden},
		{"super", gate, rules.Superuser(), http.StatusOK},
		{"super", gate, rules.All(rules.Staff(), rules.Superuser()), http.StatusOK},
		{"staff", gate, rules.All(rules.Staff(), rules.Superuser()), http.StatusForbidden},
		{"broken", gate, rules.Staff(), http.StatusInternalServerError},
		{"staff", noFlags, rules.Staff(), http.StatusInternalServerError},
		{"plain", gate, func(s *rules.Subject) (bool, error) { return s.User.ID == "plain", nil }, http.StatusOK},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "/page?x=1", nil)
		if tt.user != "" {
			req.AddCookie(&http.Cookie{Name: "sessionid", Value: cookies[tt.user]})
		}
		rec := httptest.NewRecorder()
		sessions.Handler(a.Handler(tt.gate.Require(tt.rule)(ok))).ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("%q: status %d, want %d", tt.user, rec.Code, tt.status)
		}
		if tt.status == http.StatusFound {
			if loc := rec.Header().Get("Location"); loc != "/login/?next=/page%3Fx%3D1" {
				t.Errorf("%q: Location %q", tt.user, loc)
			}
		}
	}
}
