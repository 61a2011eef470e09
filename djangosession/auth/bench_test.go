package auth_test

import (
	"context"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/memstore"
)

// BenchmarkUser measures get_user's session check: one password hash
// lookup (in memory here) and one HMAC-SHA256, for the current key and for
// a hash made with the last of several fallback keys.
func BenchmarkUser(b *testing.B) {
	ctx := context.Background()
	for _, c := range []struct {
		name      string
		fallbacks []string
		hashKey   string
	}{
		{"hash=current", nil, secret},
		{"hash=fallback/fallbacks=3", []string{"f1", "f2", fallback}, fallback},
	} {
		b.Run(c.name, func(b *testing.B) {
			a, err := auth.New(users{"1": pw1}, &auth.Options{Settings: django.Settings{SecretKey: secret, SecretKeyFallbacks: c.fallbacks}})
			if err != nil {
				b.Fatal(err)
			}
			h := sessionAuthHash(b, c.hashKey, pw1)
			e := mustEngine(b, memstore.New(nil), nil)
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				s := e.New()
				s.Set(auth.SessionKey, "1")
				s.Set(auth.BackendSessionKey, auth.ModelBackend)
				s.Set(auth.HashSessionKey, h)
				b.StartTimer()
				if _, ok, err := a.User(ctx, s); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
}
