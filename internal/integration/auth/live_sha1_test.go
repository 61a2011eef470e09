package auth_test

import (
	"database/sql"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/internal/testenv"
)

// TestLiveSHA1Mode is the live regression test for issue 13 item 12: a
// real Django 3.2 with DEFAULT_HASHING_ALGORITHM = 'sha1' and the Go
// service share a SQLite database; logins made in Go must be seen by
// Django (and Django's by Go), sessions written in the legacy format Django
// writes in that mode.
func TestLiveSHA1Mode(t *testing.T) {
	d := testenv.Django32(t)
	dbPath := filepath.Join(t.TempDir(), "db.sqlite3")
	dj := startDjango(t, d, "DJ_DB="+dbPath, "DJ_ENGINE=db", "DJ_HASHING_ALGORITHM=sha1")
	db, err := sql.Open("sqlite", dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: liveSecret}, WriteLegacy: true})
	if err != nil {
		t.Fatal(err)
	}
	gs := httptest.NewServer(goServiceAuth(t, d, dbStore(t, db, codec, django.SQLite), &auth.SQLUsers{DB: db, Dialect: django.SQLite}, false,
		auth.Options{Settings: django.Settings{SecretKey: liveSecret, DefaultHashingAlgorithm: "sha1"}}))
	defer gs.Close()
	scenario(t, d, dj, gs.URL, db, "SELECT CAST(last_login AS TEXT) FROM auth_user WHERE id = 1")
}
