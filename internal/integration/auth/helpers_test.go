package auth_test

import (
	"context"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/auth"
)

// The helpers below are those of djangosession/auth's own tests
// (auth_test.go) that the tests here use: test files of another module
// cannot be imported, and these are a few lines.

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

const secret = "django-insecure-http-vectors-secret"
