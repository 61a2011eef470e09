package django_test

import (
	"errors"
	"fmt"

	"github.com/djsession/djsession/django"
)

func Example() {
	// From configuration: DJANGO_VERSION=4.2.28, DATABASE_URL=mariadb://...
	rel, err := django.ParseRelease("4.2.28")
	if err != nil {
		panic(err)
	}
	dialect, err := django.ParseDialect("mariadb")
	if err != nil {
		panic(err)
	}
	settings := django.Settings{SecretKey: "s3cret", SecretKeyFallbacks: []string{"old"}, Release: rel}

	fmt.Println(settings.Release, settings.Release.Before(django.Django50))
	fmt.Println(dialect, dialect.Placeholder(1))
	fmt.Println(len(settings.Keys()), "keys")

	_, err = django.ParseRelease("2.2")
	fmt.Println(errors.Is(err, django.ErrUnknownRelease))
	// Output:
	// 4.2 true
	// mysql ?
	// 2 keys
	// true
}
