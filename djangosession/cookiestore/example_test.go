package cookiestore_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cookiestore"
)

// Reading and writing the session cookie of a Django project that uses
// SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies".
func Example() {
	frozen := time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC) // for a stable output
	store, err := cookiestore.New(&cookiestore.Options{
		Settings: django.Settings{SecretKey: "django-insecure-test-key"},
		Now:      func() time.Time { return frozen }})
	if err != nil {
		log.Fatal(err)
	}
	engine, err := djangosession.NewEngine(store, &djangosession.Options{Now: func() time.Time { return frozen }})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// The "sessionid" cookie Django set: {"a": 1}, signed at that time.
	s, err := engine.Open(ctx, "eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk")
	if err != nil {
		log.Fatal(err)
	}
	a, _ := s.Get("a")
	fmt.Println("a =", a)

	if err := s.Set("b", "two"); err != nil {
		log.Fatal(err)
	}
	if err := s.Save(ctx); err != nil {
		log.Fatal(err)
	}
	// The value Django signs for {"a": 1, "b": "two"} at that time.
	fmt.Println("new cookie:", s.Key())

	// A tampered cookie gives an empty session to be replaced.
	bad, err := engine.Open(ctx, "eyJhIjoyfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("tampered:", bad.Len(), "keys, modified:", bad.Modified())
	// Output:
	// a = 1
	// new cookie: eyJhIjoxLCJiIjoidHdvIn0:1r31eq:nRktglMn5Kyu4hA7BK3Y119etqX49tRZjJjV8fMoPm0
	// tampered: 0 keys, modified: true
}
