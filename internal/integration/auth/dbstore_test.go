package auth_test

import (
	"database/sql"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/dbstore"
)

// dbStore is the project's db engine store over the django_session table
// real Django migrated, on the database users live in.
func dbStore(t *testing.T, db *sql.DB, codec *djangosession.Codec, d django.Dialect) *dbstore.Store {
	t.Helper()
	dialect := map[django.Dialect]django.Dialect{
		django.PostgreSQL: django.PostgreSQL, django.MySQL: django.MySQL, django.SQLite: django.SQLite,
	}[d]
	s, err := dbstore.New(db, &dbstore.Options{Dialect: dialect, Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
