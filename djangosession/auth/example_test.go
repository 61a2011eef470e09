package auth_test

import (
	"context"
	"fmt"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/memstore"
)

func ExampleAuth_SessionAuthHash() {
	a, err := auth.New(users{}, &auth.Options{Settings: django.Settings{SecretKey: "django-insecure-http-vectors-secret"}})
	if err != nil {
		panic(err)
	}
	// The value Django's login stores in _auth_user_hash for this password field.
	fmt.Println(a.SessionAuthHash("pbkdf2_sha256$600000$seasalt1234567890abcde$sioo7S4dfdlMRol+Xnzyr1Is/EpfQDbiNSA+TaxBOUM="))
	// Output: 7b5f59cf411671d8ebe4539b6d7296fe53b1208b2d4d63b4e4d6753f7c3b3b62
}

func ExampleAuth_User() {
	ctx := context.Background()
	// In production: &auth.SQLUsers{DB: db, Dialect: django.PostgreSQL}.
	users := users{"1": "pbkdf2_sha256$600000$salt$hash"}
	a, err := auth.New(users, &auth.Options{Settings: django.Settings{SecretKey: "django-insecure-example"}})
	if err != nil {
		panic(err)
	}
	engine, err := djangosession.NewEngine(memstore.New(nil), nil)
	if err != nil {
		panic(err)
	}
	s := engine.New()
	if err := a.Login(ctx, s, "1", ""); err != nil {
		panic(err)
	}
	u, ok, _ := a.User(ctx, s)
	fmt.Println(ok, u.ID, u.Backend)

	// The password changes (in Django or anywhere): the session no longer counts.
	users["1"] = "pbkdf2_sha256$600000$salt$other"
	_, ok, _ = a.User(ctx, s)
	fmt.Println(ok, s.IsEmpty())
	// Output:
	// true 1 django.contrib.auth.backends.ModelBackend
	// false true
}
