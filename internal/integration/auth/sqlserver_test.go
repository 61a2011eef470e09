package auth_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/internal/testenv"
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/lib/pq"
)

// TestSQLUsersServers runs SQLUsers against PostgreSQL and MySQL/MariaDB on
// a throwaway table with auth_user's column types on each.
func TestSQLUsersServers(t *testing.T) {
	for _, c := range []struct {
		name, driver string
		dsn          func(testing.TB) string
		dialect      django.Dialect
		ddl          string
		read         string
	}{
		{"postgres", "postgres", testenv.PostgresDSN, django.PostgreSQL,
			`CREATE TABLE %s (id serial PRIMARY KEY, password varchar(128) NOT NULL, last_login timestamp with time zone NULL, is_active boolean NOT NULL)`,
			`SELECT to_char(last_login AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM %s WHERE id = 1`},
		{"mysql", "mysql", testenv.MySQLDSN, django.MySQL,
			`CREATE TABLE %s (id integer AUTO_INCREMENT NOT NULL PRIMARY KEY, password varchar(128) NOT NULL, last_login datetime(6) NULL, is_active bool NOT NULL)`,
			`SELECT DATE_FORMAT(last_login, '%%Y-%%m-%%d %%H:%%i:%%s.%%f') FROM %s WHERE id = 1`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dsn := c.dsn(t)
			db, err := sql.Open(c.driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := t.Context()
			var rnd [4]byte
			_, _ = rand.Read(rnd[:])
			table := "auth_user_test_" + hex.EncodeToString(rnd[:])
			if _, err := db.ExecContext(ctx, sprintf(c.ddl, table)); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _, _ = db.Exec("DROP TABLE " + table) })
			if _, err := db.ExecContext(ctx, "INSERT INTO "+table+" (password, is_active) VALUES ('pbkdf2_sha256$a', true), ('argon2$b', false)"); err != nil {
				t.Fatal(err)
			}
			u := &auth.SQLUsers{DB: db, Dialect: c.dialect, Table: table}
			if pw, err := u.PasswordHash(ctx, "1"); err != nil || pw != "pbkdf2_sha256$a" {
				t.Errorf("user 1: %q %v", pw, err)
			}
			if _, err := u.PasswordHash(ctx, "2"); !errors.Is(err, auth.ErrNoUser) {
				t.Errorf("inactive: %v", err)
			}
			if _, err := u.PasswordHash(ctx, "3"); !errors.Is(err, auth.ErrNoUser) {
				t.Errorf("missing: %v", err)
			}
			at := time.Date(2026, 11, 23, 1, 2, 3, 456789000, time.FixedZone("x", 3600))
			if err := u.UpdateLastLogin(ctx, "1", at); err != nil {
				t.Fatal(err)
			}
			var got string
			if err := db.QueryRowContext(ctx, sprintf(c.read, table)).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != "2026-11-23 00:02:03.456789" {
				t.Errorf("last_login %q (UTC)", got)
			}
		})
	}
}

func sprintf(format, table string) string { return fmt.Sprintf(format, table) }
