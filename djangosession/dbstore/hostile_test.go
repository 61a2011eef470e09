package dbstore_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/storetest"
)

// TestHostile runs testdata/hostile/stores against each database: hostile
// session keys (no session, never an error), and garbage session_data rows
// planted under a live key (ErrCorrupt), with no secret or key in any
// error and bounded allocation.
func TestHostile(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			storetest.RunHostile(t, storetest.HostileOptions{
				New: func(t *testing.T) djangosession.Store { return newStore(t, db, b.dialect, dbstore.Options{}) },
				Plant: func(t *testing.T, s djangosession.Store, key string, raw []byte) {
					plantRow(t, db, b.dialect, s.(*dbstore.Store).Table(), key, raw)
				},
				Secrets: []string{secret},
			})
		})
	}
}

// plantRow inserts a row holding raw as session_data, live for an hour.
func plantRow(t *testing.T, db *sql.DB, d django.Dialect, table, key string, raw []byte) {
	t.Helper()
	q := "INSERT INTO " + table + " (session_key, session_data, expire_date) VALUES (?, ?, ?)"
	if d == django.PostgreSQL {
		q = "INSERT INTO " + table + " (session_key, session_data, expire_date) VALUES ($1, $2, $3)"
	}
	// session_data is text: a value that is not valid UTF-8 or holds NUL
	// cannot be stored by any database, so plant its printable form.
	data := string(raw)
	if !validText(data) {
		data = string([]rune(data))
		data = stripNUL(data)
	}
	var exp any = time.Now().Add(time.Hour).UTC()
	if d == django.SQLite {
		exp = time.Now().Add(time.Hour).UTC().Format("2006-01-02 15:04:05.000000")
	}
	if _, err := db.ExecContext(context.Background(), q, key, data, exp); err != nil {
		t.Fatal(err)
	}
}

func validText(s string) bool {
	for _, r := range s {
		if r == 0 || r == '\uFFFD' {
			return false
		}
	}
	return true
}

func stripNUL(s string) string {
	out := []rune{}
	for _, r := range s {
		if r != 0 {
			out = append(out, r)
		}
	}
	return string(out)
}
