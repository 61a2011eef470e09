package auth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/memstore"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
)

type authVectors struct {
	SecretKey   string `json:"secret_key"`
	FallbackKey string `json:"fallback_key"`
	Releases    map[string]struct {
		Auth []struct {
			Password       string   `json:"password"`
			Hash           string   `json:"hash"`
			FallbackHashes []string `json:"fallback_hashes"`
			LegacySHA1     string   `json:"legacy_sha1_hash"`
		} `json:"auth"`
	} `json:"releases"`
}

func loadVectors(t testing.TB) *authVectors {
	t.Helper()
	var v authVectors
	testenv.ReadJSON(t, "../../testdata/http_vectors.json", &v)
	return &v
}

// TestGoldenSessionAuthHash checks get_session_auth_hash (and its fallback
// and legacy forms) against values computed by real Django.
func TestGoldenSessionAuthHash(t *testing.T) {
	v := loadVectors(t)
	n := 0
	for rel, r := range v.Releases {
		for _, c := range r.Auth {
			if got := sessionAuthHash(t, v.SecretKey, c.Password); got != c.Hash {
				t.Errorf("%s %q: got %s want %s", rel, c.Password, got, c.Hash)
			}
			for _, fh := range c.FallbackHashes {
				if got := sessionAuthHash(t, v.FallbackKey, c.Password); got != fh {
					t.Errorf("%s fallback: got %s want %s", rel, got, fh)
				}
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no vectors")
	}
}

// sessionAuthHash is Auth.SessionAuthHash under secretKey (Django's
// default algorithm).
func sessionAuthHash(t testing.TB, secretKey, passwordHash string) string {
	t.Helper()
	a, err := auth.New(users{}, &auth.Options{Settings: django.Settings{SecretKey: secretKey}})
	if err != nil {
		t.Fatal(err)
	}
	return a.SessionAuthHash(passwordHash)
}

type users map[string]string

func (u users) PasswordHash(_ context.Context, id string) (string, error) {
	pw, ok := u[id]
	if !ok {
		return "", auth.ErrNoUser
	}
	return pw, nil
}

const (
	secret   = "django-insecure-http-vectors-secret"
	fallback = "old-secret-for-fallbacks"
	pw1      = "pbkdf2_sha256$600000$seasalt1234567890abcde$sioo7S4dfdlMRol+Xnzyr1Is/EpfQDbiNSA+TaxBOUM="
)

func setup(t *testing.T, rel django.Release) (*auth.Auth, *djangosession.Engine, *memstore.Store) {
	t.Helper()
	a, err := auth.New(users{"1": pw1, "2": "argon2$other"}, &auth.Options{Settings: django.Settings{SecretKey: secret, SecretKeyFallbacks: []string{fallback}, Release: rel}})
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New(nil)
	return a, mustEngine(t, st, &djangosession.Options{Settings: django.Settings{Release: rel}}), st
}

// loggedIn stores a login the way Django's login leaves it, with hash h.
func loggedIn(t *testing.T, e *djangosession.Engine, id, backend, h string) *djangosession.Session {
	t.Helper()
	s := e.New()
	s.Set("keep", "me")
	s.Set(auth.SessionKey, id)
	s.Set(auth.BackendSessionKey, backend)
	if h != "" {
		s.Set(auth.HashSessionKey, h)
	}
	if err := s.Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	s, err := e.Open(context.Background(), s.Key())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestUser(t *testing.T) {
	v := loadVectors(t)
	var current, fb, legacy string
	for _, c := range v.Releases["3.2"].Auth {
		if c.Password == pw1 {
			current, legacy = c.Hash, c.LegacySHA1
		}
	}
	for _, c := range v.Releases["4.2"].Auth {
		if c.Password == pw1 {
			fb = c.FallbackHashes[0]
		}
	}
	if current == "" || fb == "" || legacy == "" {
		t.Fatal("vectors missing")
	}
	type outcome int
	const (
		ok        outcome = iota // logged in, session untouched
		okCycled                 // logged in, new key, hash rewritten
		anonKept                 // anonymous, session untouched
		anonFlush                // anonymous, session flushed
	)
	for _, c := range []struct {
		name        string
		rel         django.Release
		id, backend string
		hash        string
		want        outcome
	}{
		{"current", "", "1", auth.ModelBackend, current, ok},
		{"current 3.2", "3.2", "1", auth.ModelBackend, current, ok},
		{"fallback", "", "1", auth.ModelBackend, fb, okCycled},
		{"fallback 4.2", "4.2", "1", auth.ModelBackend, fb, okCycled},
		{"fallback 4.0 (not honoured)", "4.0", "1", auth.ModelBackend, fb, anonFlush},
		{"legacy sha1 3.2", "3.2", "1", auth.ModelBackend, legacy, ok},
		{"legacy sha1 4.2", "4.2", "1", auth.ModelBackend, legacy, anonFlush},
		{"wrong hash", "", "1", auth.ModelBackend, current[:63] + "0", anonFlush},
		{"other user's hash", "", "2", auth.ModelBackend, current, anonFlush},
		{"missing hash", "", "1", auth.ModelBackend, "", anonFlush},
		{"unknown backend", "", "1", "my.Backend", current, anonKept},
		{"no such user", "", "9", auth.ModelBackend, current, anonKept},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, e, st := setup(t, c.rel)
			s := loggedIn(t, e, c.id, c.backend, c.hash)
			key := s.Key()
			u, got, err := a.User(t.Context(), s)
			if err != nil {
				t.Fatal(err)
			}
			stillStored, _ := st.Exists(t.Context(), key)
			switch c.want {
			case ok:
				if !got || u.ID != c.id || u.Backend != c.backend || s.Key() != key || s.Modified() {
					t.Errorf("got %v %v key changed=%v modified=%v", u, got, s.Key() != key, s.Modified())
				}
			case okCycled:
				h, _ := s.Get(auth.HashSessionKey)
				if !got || s.Key() == key || stillStored || h != current {
					t.Errorf("got %v key changed=%v old stored=%v hash=%v", got, s.Key() != key, stillStored, h)
				}
				if keep, _ := s.Get("keep"); keep != "me" {
					t.Error("data lost on cycle")
				}
			case anonKept:
				if got || s.Key() != key || !stillStored || s.Modified() {
					t.Errorf("got %v, session touched", got)
				}
			case anonFlush:
				if got || s.Key() != "" || stillStored || s.Len() != 0 {
					t.Errorf("got %v key=%q stored=%v len=%d", got, s.Key(), stillStored, s.Len())
				}
			}
		})
	}
}

func TestLogin(t *testing.T) {
	a, e, st := setup(t, "")
	ctx := t.Context()
	s := e.New()
	s.Set("cart", "anon data")
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	anonKey := s.Key()

	// Anonymous session: new key, data kept, keys in Django's order.
	if err := a.Login(ctx, s, "1", ""); err != nil {
		t.Fatal(err)
	}
	if s.Key() == anonKey || s.Key() == "" {
		t.Error("key not cycled")
	}
	if ok, _ := st.Exists(ctx, anonKey); ok {
		t.Error("old session not deleted")
	}
	if cart, _ := s.Get("cart"); cart != "anon data" {
		t.Error("anonymous data lost")
	}
	keys := s.Keys()
	want := []string{"cart", auth.SessionKey, auth.BackendSessionKey, auth.HashSessionKey}
	if len(keys) != len(want) {
		t.Fatalf("keys %v", keys)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Fatalf("keys %v, want %v", keys, want)
		}
	}
	if h, _ := s.Get(auth.HashSessionKey); h != a.SessionAuthHash(pw1) {
		t.Errorf("hash %v", h)
	}
	if id, _ := s.Get(auth.SessionKey); id != "1" {
		t.Errorf("id %#v, want the string \"1\"", id)
	}
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}

	// Same user again: nothing rotated.
	k := s.Key()
	if err := a.Login(ctx, s, "1", auth.ModelBackend); err != nil {
		t.Fatal(err)
	}
	if s.Key() != k {
		t.Error("same user re-login cycled the key")
	}

	// A different user: flushed, the old data is gone.
	if err := a.Login(ctx, s, "2", ""); err != nil {
		t.Fatal(err)
	}
	if s.Has("cart") {
		t.Error("other user's session data survived")
	}
	if u, ok, _ := a.User(ctx, s); !ok || u.ID != "2" {
		t.Errorf("after login: %v %v", u, ok)
	}

	// Logout empties it.
	if err := a.Logout(ctx, s); err != nil {
		t.Fatal(err)
	}
	if !s.IsEmpty() {
		t.Error("not empty after logout")
	}

	if err := a.Login(ctx, s, "9", ""); !errors.Is(err, auth.ErrNoUser) {
		t.Errorf("unknown user: %v", err)
	}
	multi, _ := auth.New(users{"1": pw1}, &auth.Options{Settings: django.Settings{SecretKey: secret}, Backends: []string{"a.B", "c.D"}})
	if err := multi.Login(ctx, e.New(), "1", ""); !errors.Is(err, auth.ErrBackendRequired) {
		t.Errorf("several backends: %v", err)
	}
}

func TestUpdateSessionAuthHash(t *testing.T) {
	a, e, _ := setup(t, "")
	ctx := t.Context()
	s := loggedIn(t, e, "1", auth.ModelBackend, a.SessionAuthHash(pw1))
	old := s.Key()
	if err := a.UpdateSessionAuthHash(ctx, s, "argon2$new"); err != nil {
		t.Fatal(err)
	}
	if s.Key() == old {
		t.Error("key not cycled")
	}
	if h, _ := s.Get(auth.HashSessionKey); h != a.SessionAuthHash("argon2$new") {
		t.Errorf("hash %v", h)
	}
}

func TestNew(t *testing.T) {
	if _, err := auth.New(users{}, &auth.Options{}); !errors.Is(err, auth.ErrNoSecretKey) {
		t.Errorf("empty key: %v", err)
	}
	if _, err := auth.New(users{}, nil); !errors.Is(err, auth.ErrNoSecretKey) {
		t.Errorf("nil config: %v", err)
	}
}

// A stored id Django's to_python reads as an integer still identifies the user.
func TestIntegerID(t *testing.T) {
	a, e, _ := setup(t, "")
	s := e.New()
	s.Set(auth.SessionKey, int64(1))
	s.Set(auth.BackendSessionKey, auth.ModelBackend)
	s.Set(auth.HashSessionKey, a.SessionAuthHash(pw1))
	if u, ok, err := a.User(t.Context(), s); err != nil || !ok || u.ID != "1" {
		t.Errorf("got %v %v %v", u, ok, err)
	}
	s.Set(auth.SessionKey, pyjson.NewObject())
	if _, ok, _ := a.User(t.Context(), s); ok {
		t.Error("a dict id logged in")
	}
}

func TestNewRefusesUnknownRelease(t *testing.T) {
	_, err := auth.New(users{}, &auth.Options{Settings: django.Settings{SecretKey: "k", Release: "7.0"}})
	if !errors.Is(err, django.ErrUnknownRelease) {
		t.Errorf("New with release 7.0: %v, want django.ErrUnknownRelease", err)
	}
}
