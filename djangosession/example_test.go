package djangosession_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/filestore"
)

// An Engine on the file store: the session Django's request.session would
// be, for a Django project with SESSION_ENGINE =
// "django.contrib.sessions.backends.file".
func Example() {
	dir, err := os.MkdirTemp("", "sessions") // SESSION_FILE_PATH
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: "django-insecure-example-key"}})
	if err != nil {
		log.Fatal(err)
	}
	store, err := filestore.New(&filestore.Options{Dir: dir, Codec: codec})
	if err != nil {
		log.Fatal(err)
	}
	engine, err := djangosession.NewEngine(store, &djangosession.Options{CookieAge: 24 * time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// A request without a session cookie: an empty session, saved under a
	// new key once it holds something.
	s := engine.New()
	if err := s.Set("_auth_user_id", "42"); err != nil {
		log.Fatal(err)
	}
	if err := s.Save(ctx); err != nil {
		log.Fatal(err)
	}
	key := s.Key() // the sessionid cookie's value

	// A later request with that cookie.
	s, err = engine.Open(ctx, key)
	if err != nil {
		log.Fatal(err)
	}
	uid, _ := s.Get("_auth_user_id")
	fmt.Println("user:", uid, "expires in:", s.ExpiryAge(), "s")

	// Logging in again: a new key for the same data (session fixation).
	if err := s.CycleKey(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("key changed:", s.Key() != key)

	// Logging out.
	if err := s.Flush(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("after logout: empty", s.IsEmpty())
	// Output:
	// user: 42 expires in: 86400 s
	// key changed: true
	// after logout: empty true
}

// Expiry as set_expiry sets it: Django 4.1+ stores an absolute expiry as an
// ISO 8601 string.
func ExampleSession_SetExpiryIn() {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	store, err := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: "k"}})
	if err != nil {
		log.Fatal(err)
	}
	engine, err := djangosession.NewEngine(store, &djangosession.Options{Now: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}
	s := engine.New()
	s.SetExpiryIn(30 * time.Minute)
	v, _ := s.Get(djangosession.ExpiryKey)
	fmt.Println(v, s.ExpiryAge(), s.ExpireAtBrowserClose())
	s.SetExpiry(0) // at browser close
	fmt.Println(s.ExpiryAge(), s.ExpireAtBrowserClose())
	// Output:
	// 2030-01-02T03:34:05+00:00 1800 false
	// 1209600 true
}
