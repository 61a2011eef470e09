package main

import (
	"errors"
	"strings"
	"testing"
)

func TestParseDatabaseURL(t *testing.T) {
	tests := []struct {
		in     string
		kind   dbKind
		dsn    string // exact, or "" to skip
		hidden string // must not appear in display
	}{
		{"sqlite:///db.sqlite3", kindSQLite, "file:db.sqlite3?_pragma=busy_timeout(5000)", ""},
		{"sqlite:///testdata/x.sqlite3", kindSQLite, "file:testdata/x.sqlite3?_pragma=busy_timeout(5000)", ""},
		{"sqlite:////var/lib/app/db.sqlite3", kindSQLite, "file:/var/lib/app/db.sqlite3?_pragma=busy_timeout(5000)", ""},
		{"sqlite:///dir%20with%20space/db", kindSQLite, "file:dir with space/db?_pragma=busy_timeout(5000)", ""},
		{"sqlite://:memory:", kindSQLite, ":memory:", ""},
		{"sqlite:////tmp/Bench#1/a?b%25.db", kindSQLite, "file:/tmp/Bench%231/a%3fb%25.db?_pragma=busy_timeout(5000)", ""},
		{"sqlite://", kindSQLite, ":memory:", ""},
		{"postgres://app:s3cret@db.internal:5433/shop?sslmode=require", kindPostgres, "postgres://app:s3cret@db.internal:5433/shop?sslmode=require", "s3cret"},
		{"postgresql://app@db/shop", kindPostgres, "postgres://app@db/shop", ""},
		{"pgsql://app@db/shop", kindPostgres, "postgres://app@db/shop", ""},
		{"mysql://app:p%40ss@db:3307/shop", kindMySQL, "app:p@ss@tcp(db:3307)/shop?clientFoundRows=true", "p%40ss"},
		{"mysql://root@127.0.0.1/test", kindMySQL, "root@tcp(127.0.0.1:3306)/test?clientFoundRows=true", ""},
		{"mariadb://root@localhost/test?charset=utf8mb4", kindMySQL, "root@tcp(localhost:3306)/test?clientFoundRows=true&charset=utf8mb4", ""},
		{"redis://:pw@127.0.0.1:6379/2", kindRedis, "", "pw@"},
		{"memcached://127.0.0.1:11211", kindMemcached, "", ""},
		{"file:///var/lib/sessions", kindFile, "", ""},
		{"mysql://root@/test?unix_socket=/run/mysqld/mysqld.sock", kindMySQL, "root@unix(/run/mysqld/mysqld.sock)/test?clientFoundRows=true", ""},
	}
	for _, tt := range tests {
		got, err := parseDatabaseURL(tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if got.kind != tt.kind || (tt.dsn != "" && got.dsn != tt.dsn) {
			t.Errorf("%s: %s %q, want %s %q", tt.in, got.kind, got.dsn, tt.kind, tt.dsn)
		}
		if tt.hidden != "" && strings.Contains(got.display, tt.hidden) {
			t.Errorf("%s: display %q shows the password", tt.in, got.display)
		}
	}
	for _, bad := range []string{"", "oracle://x/y", "sqlite:relative", "mysql://root@host/", "postgres://a:b@[::1/x", "no-such-file.sqlite3", "redis:///0", "memcached:///", "file://host/dir"} {
		_, err := parseDatabaseURL(bad)
		var ue *usageError
		if err == nil || !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a usage error", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), ":b@") {
			t.Errorf("%q: password in %v", bad, err)
		}
	}
}

func FuzzParseDatabaseURL(f *testing.F) {
	for _, s := range []string{"sqlite:///db", "sqlite:////abs", "postgres://u:p@h:1/d?x=y", "mysql://u:p@h/d", "mysql://u@/d?unix_socket=/s", "::", "sqlite://%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseDatabaseURL(s)
		if err != nil {
			return
		}
		// The cache and file targets name a server or a directory, not
		// an SQL driver.
		var empty bool
		switch got.kind {
		case kindRedis, kindMemcached:
			empty = got.url == nil || got.url.Host == ""
		case kindFile:
			empty = got.path == ""
		default:
			empty = got.driver == "" || got.dsn == ""
		}
		if empty {
			t.Fatalf("%q: empty target %+v", s, got)
		}
	})
}
