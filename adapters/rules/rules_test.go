package rules_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/djsession/djsession/adapters/rules"
	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/middleware"
)

const key = "rules-test-key"

var errDown = errors.New("database down")

// source is a directory whose reads can fail, and which counts them.
type source struct {
	directory
	identityReads, permReads int
}

// PasswordHash lets inactive users log in, as AllowAllUsersModelBackend
// (SQLUsers.AllowInactive), so that the rules meet them.
func (s *source) PasswordHash(_ context.Context, id string) (string, error) {
	u, ok := s.directory[id]
	if !ok {
		return "", auth.ErrNoUser
	}
	return u.Password, nil
}

func (s *source) Identity(ctx context.Context, id string) (auth.Identity, error) {
	s.identityReads++
	switch id {
	case "vanished":
		return auth.Identity{}, auth.ErrNoUser
	case "broken":
		return auth.Identity{}, errDown
	}
	return s.directory.Identity(ctx, id)
}

func (s *source) PermissionsOf(ctx context.Context, u auth.Identity) (auth.Permissions, error) {
	s.permReads++
	if u.ID == "permsdown" {
		return auth.Permissions{}, errDown
	}
	return s.directory.PermissionsOf(ctx, u)
}

func user(id string, active, staff, super bool, groups []string, perms ...string) account {
	return account{
		Identity: auth.Identity{ID: id, Username: id, IsActive: active, IsStaff: staff, IsSuperuser: super, Groups: groups},
		Password: "md5$salt$" + id, Perms: perms,
	}
}

// TestGate: each rule's verdict for each kind of user, as Django's
// decorators and PermissionRequiredMixin answer (ModelBackend's semantics:
// a superuser has every permission, an inactive user none).
func TestGate(t *testing.T) {
	src := &source{directory: directory{
		"plain":  user("plain", true, false, false, nil),
		"staff":  user("staff", true, true, false, nil),
		"super":  user("super", true, true, true, nil),
		"editor": user("editor", true, false, false, []string{"editors"}, "blog.change_post"),
		"writer": user("writer", true, false, false, []string{"writers"}, "blog.add_post", "blog.change_post"),
		// inactive, with every flag, group and permission
		"gone":      user("gone", false, true, true, []string{"editors"}, "blog.change_post"),
		"vanished":  user("vanished", true, true, true, nil),
		"broken":    user("broken", true, true, true, nil),
		"permsdown": user("permsdown", true, true, false, nil),
	}}
	store, err := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: key}})
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := middleware.New(mustEngine(t, store, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(src, &auth.Options{Settings: django.Settings{SecretKey: key}})
	if err != nil {
		t.Fatal(err)
	}
	gate, err := rules.New(a, src, &rules.Options{LoginURL: "/login/"})
	if err != nil {
		t.Fatal(err)
	}
	// A cookie for each user, logged in by auth as Django's login does.
	cookies := map[string]string{}
	for id := range src.directory {
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
	users := []string{"", "plain", "staff", "super", "editor", "writer", "gone", "vanished", "broken", "permsdown"}
	const (
		login  = http.StatusFound
		ok     = http.StatusOK
		no     = http.StatusForbidden
		failed = http.StatusInternalServerError
	)
	tests := []struct {
		name string
		rule rules.Rule
		want []int // by users
		// identity and permission reads per request, at most
		identityReads, permReads int
	}{
		// Login reads nothing beyond the login.
		{"Login", rules.Login(), []int{login, ok, ok, ok, ok, ok, ok, ok, ok, ok}, 0, 0},
		{"Staff", rules.Staff(), []int{login, no, ok, ok, no, no, no, no, failed, ok}, 1, 0},
		{"Superuser", rules.Superuser(), []int{login, no, no, ok, no, no, no, no, failed, no}, 1, 0},
		// A superuser is in no group it was not put in.
		{"Group", rules.Group("editors", "writers"), []int{login, no, no, no, ok, ok, no, no, failed, no}, 1, 0},
		{"GroupNone", rules.Group("admins"), []int{login, no, no, no, no, no, no, no, failed, no}, 1, 0},
		{"Perm", rules.Perm("blog.change_post"), []int{login, no, no, ok, ok, ok, no, no, failed, failed}, 1, 1},
		{"PermAll", rules.Perm("blog.add_post", "blog.change_post"), []int{login, no, no, ok, no, ok, no, no, failed, failed}, 1, 1},
		{"StaffAndPerm", rules.All(rules.Staff(), rules.Perm("blog.change_post")), []int{login, no, no, ok, no, no, no, no, failed, failed}, 1, 1},
		// Read once per request, however many rules ask.
		{"Twice", rules.All(rules.Group("editors"), rules.Perm("blog.change_post"), rules.Group("editors", "x"), rules.Perm("blog.change_post")),
			[]int{login, no, no, no, ok, no, no, no, failed, no}, 1, 1},
		{"Func", func(s *rules.Subject) (bool, error) { return s.User.ID == "plain", nil }, []int{login, ok, no, no, no, no, no, no, no, no}, 0, 0},
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	for _, tt := range tests {
		h := sessions.Handler(a.Handler(gate.Require(tt.rule)(next)))
		for i, u := range users {
			req := httptest.NewRequest("GET", "/page?x=1", nil)
			if u != "" {
				req.AddCookie(&http.Cookie{Name: "sessionid", Value: cookies[u]})
			}
			src.identityReads, src.permReads = 0, 0
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want[i] {
				t.Errorf("%s, %q: status %d, want %d", tt.name, u, rec.Code, tt.want[i])
			}
			if src.identityReads > tt.identityReads || src.permReads > tt.permReads {
				t.Errorf("%s, %q: %d identity and %d permission reads, want at most %d and %d",
					tt.name, u, src.identityReads, src.permReads, tt.identityReads, tt.permReads)
			}
			switch rec.Code {
			case ok:
				if rec.Body.String() != "ok" {
					t.Errorf("%s, %q: body %q", tt.name, u, rec.Body)
				}
			case login:
				if loc := rec.Header().Get("Location"); loc != "/login/?next=/page%3Fx%3D1" {
					t.Errorf("%s, %q: Location %q", tt.name, u, loc)
				}
			}
		}
	}
}

// TestDecide: a storage failure's error is in the Decision (for logs), never
// in the response.
func TestDecide(t *testing.T) {
	src := &source{directory: directory{"broken": user("broken", true, true, false, nil)}}
	store, _ := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: key}})
	sessions, _ := middleware.New(mustEngine(t, store, nil), nil)
	a, _ := auth.New(src, &auth.Options{Settings: django.Settings{SecretKey: key}})
	gate, err := rules.New(a, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	var d rules.Decision
	rec := httptest.NewRecorder()
	sessions.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := a.LoginRequest(r, "broken", auth.ModelBackend); err != nil {
			t.Fatal(err)
		}
		d = gate.Decide(r, rules.Staff())
		rules.Refuse(w, d)
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if d.Allow || d.Status != http.StatusInternalServerError || !errors.Is(d.Err, errDown) || d.User.ID != "broken" {
		t.Errorf("Decision %+v, want 500 with the source's error", d)
	}
	if rec.Code != http.StatusInternalServerError || rec.Body.String() != "session unavailable\n" {
		t.Errorf("response %d %q", rec.Code, rec.Body)
	}
	if _, err := rules.New(a, nil, nil); err == nil {
		t.Error("New without identities: no error")
	}
}
