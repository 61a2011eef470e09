package auth_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/auth"
	_ "modernc.org/sqlite"
)

func TestSQLUsers(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "db.sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := t.Context()
	// The columns auth_user has in Django's SQLite migration.
	for _, q := range []string{
		`CREATE TABLE "auth_user" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL, "last_login" datetime NULL, "is_active" bool NOT NULL)`,
		`INSERT INTO auth_user (id, password, is_active) VALUES (1, 'pbkdf2_sha256$x', 1), (2, 'argon2$y', 0)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	u := &auth.SQLUsers{DB: db, Dialect: django.SQLite}
	if pw, err := u.PasswordHash(ctx, "1"); err != nil || pw != "pbkdf2_sha256$x" {
		t.Errorf("user 1: %q %v", pw, err)
	}
	if _, err := u.PasswordHash(ctx, "2"); !errors.Is(err, auth.ErrNoUser) {
		t.Errorf("inactive user: %v", err)
	}
	if _, err := u.PasswordHash(ctx, "3"); !errors.Is(err, auth.ErrNoUser) {
		t.Errorf("missing user: %v", err)
	}
	all := &auth.SQLUsers{DB: db, Dialect: django.SQLite, AllowInactive: true}
	if pw, err := all.PasswordHash(ctx, "2"); err != nil || pw != "argon2$y" {
		t.Errorf("AllowInactive: %q %v", pw, err)
	}
	at := time.Date(2026, 11, 23, 1, 2, 3, 456789123, time.FixedZone("x", 3600))
	if err := u.UpdateLastLogin(ctx, "1", at); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := db.QueryRowContext(ctx, "SELECT typeof(last_login) || ' ' || last_login FROM auth_user WHERE id = 1").Scan(&got); err != nil {
		t.Fatal(err)
	}
	// Django's SQLite backend stores aware datetimes as naive UTC text.
	if got != "text 2026-11-23 00:02:03.456789" {
		t.Errorf("last_login %q", got)
	}
	bad := &auth.SQLUsers{DB: db, Dialect: django.SQLite, Table: "auth_user; DROP TABLE auth_user"}
	if _, err := bad.PasswordHash(ctx, "1"); err == nil {
		t.Error("hostile table name accepted")
	}
}
