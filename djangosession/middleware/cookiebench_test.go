package middleware_test

import (
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/python/pyjson"
)

// cookieBenchStores adds the signed_cookies engine, with a session like a
// login's (compressed) and a tiny one (stored uncompressed).
func cookieBenchStores(b *testing.B) []benchStore {
	cs, err := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: "django-insecure-bench-secret-key"}})
	if err != nil {
		b.Fatal(err)
	}
	o := pyjson.NewObject()
	o.Set("_auth_user_id", "1")
	o.Set("_auth_user_backend", "django.contrib.auth.backends.ModelBackend")
	o.Set("_auth_user_hash", "7b5f59cf411671d8ebe4539b6d7296fe53b1208b2d4d63b4e4d6753f7c3b3b62")
	o.Set("a", int64(1))
	key, err := cs.Sign(o)
	if err != nil {
		b.Fatal(err)
	}
	small := pyjson.NewObject() // too small to compress: no zlib on load
	small.Set("a", int64(1))
	smallKey, err := cs.Sign(small)
	if err != nil {
		b.Fatal(err)
	}
	return []benchStore{{"signed_cookies", cs, key}, {"signed_cookies_uncompressed", cs, smallKey}}
}
