package auth_test

import (
	"database/sql"
	"testing"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/dbstore"
)

// dbStore is the project's db engine store over the django_session table
// real Django migrated, on the database users live in.
func dbStore(t *testing.T, db *sql.DB, codec *djangosession.Codec, d auth.Dialect) *dbstore.Store {
	t.Helper()
	dialect := map[auth.Dialect]dbstore.Dialect{
		auth.PostgreSQL: dbstore.Postgres, auth.MySQL: dbstore.MySQL, auth.SQLite: dbstore.SQLite,
	}[d]
	s, err := dbstore.New(db, &dbstore.Options{Dialect: dialect, Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
