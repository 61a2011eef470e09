package auth_test

import (
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/memstore"
)

// TestLoginSHA1Mode is the regression test for issue 13 item 12: with
// Django 3.2 and DEFAULT_HASHING_ALGORITHM = 'sha1', Login wrote the
// SHA-256 session auth hash; Django expects the SHA-1 one (the vector
// computed by real Django 3.2), flushes the session and logs the user out.
// Login, User and UpdateSessionAuthHash must all follow the algorithm.
func TestLoginSHA1Mode(t *testing.T) {
	v := loadVectors(t)
	var sha1Hash, sha256Hash string
	for _, c := range v.Releases["3.2"].Auth {
		if c.Password == pw1 {
			sha1Hash, sha256Hash = c.LegacySHA1, c.Hash
		}
	}
	if sha1Hash == "" || sha256Hash == "" {
		t.Fatal("vectors missing")
	}
	for _, c := range []struct {
		alg  string
		want string
	}{{"sha1", sha1Hash}, {"sha256", sha256Hash}, {"", sha256Hash}} {
		t.Run("alg="+c.alg, func(t *testing.T) {
			a, err := auth.New(users{"1": pw1}, &auth.Options{Settings: django.Settings{SecretKey: v.SecretKey, Release: django.Django32, DefaultHashingAlgorithm: c.alg}})
			if err != nil {
				t.Fatal(err)
			}
			e := mustEngine(t, memstore.New(nil), &djangosession.Options{Settings: django.Settings{Release: django.Django32}})
			s := e.New()
			if err := a.Login(t.Context(), s, "1", ""); err != nil {
				t.Fatal(err)
			}
			if h, _ := s.Get(auth.HashSessionKey); h != c.want {
				t.Errorf("Login stored %v, want Django's %s", h, c.want)
			}
			if got := a.SessionAuthHash(pw1); got != c.want {
				t.Errorf("SessionAuthHash = %s, want %s", got, c.want)
			}
			if _, ok, err := a.User(t.Context(), s); !ok || err != nil {
				t.Errorf("User after Login: %v, %v", ok, err)
			}
			if err := a.UpdateSessionAuthHash(t.Context(), s, pw1); err != nil {
				t.Fatal(err)
			}
			if h, _ := s.Get(auth.HashSessionKey); h != c.want {
				t.Errorf("UpdateSessionAuthHash stored %v, want %s", h, c.want)
			}
		})
	}
	// sha1 exists only in 3.1-3.2, as DEFAULT_HASHING_ALGORITHM.
	if _, err := auth.New(users{}, &auth.Options{Settings: django.Settings{SecretKey: "k", Release: django.Django42, DefaultHashingAlgorithm: "sha1"}}); err == nil {
		t.Error("New accepted sha1 for Django 4.2")
	}
}
