package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/testenv"
	"github.com/go-sql-driver/mysql"
)

func TestParseDatabaseURL(t *testing.T) {
	tests := []struct {
		in     string
		what   string
		dsn    string // exact, or "" to skip
		hidden string // must not appear in display
	}{
		{"sqlite:///db.sqlite3", "sqlite", "file:db.sqlite3?_pragma=busy_timeout(5000)", ""},
		{"sqlite:///testdata/x.sqlite3", "sqlite", "file:testdata/x.sqlite3?_pragma=busy_timeout(5000)", ""},
		{"sqlite:////var/lib/app/db.sqlite3", "sqlite", "file:/var/lib/app/db.sqlite3?_pragma=busy_timeout(5000)", ""},
		{"sqlite:///dir%20with%20space/db", "sqlite", "file:dir with space/db?_pragma=busy_timeout(5000)", ""},
		{"sqlite://:memory:", "sqlite", ":memory:", ""},
		{"sqlite:////tmp/Bench#1/a%3Fb%25.db", "sqlite", "file:/tmp/Bench%231/a%3fb%25.db?_pragma=busy_timeout(5000)", ""},
		{"sqlite://", "sqlite", ":memory:", ""},
		{"postgres://app:s3cret@db.internal:5433/shop?sslmode=require", "postgresql", "postgres://app:s3cret@db.internal:5433/shop?sslmode=require", "s3cret"},
		{"postgresql://app@db/shop", "postgresql", "postgres://app@db/shop", ""},
		{"pgsql://app@db/shop", "postgresql", "postgres://app@db/shop", ""},
		{"mysql://app:p%40ss@db:3307/shop", "mysql", "app:p@ss@tcp(db:3307)/shop?clientFoundRows=true", "p%40ss"},
		{"mysql://root@127.0.0.1/test", "mysql", "root@tcp(127.0.0.1:3306)/test?clientFoundRows=true", ""},
		{"mariadb://root@localhost/test?charset=utf8mb4", "mysql", "root@tcp(localhost:3306)/test?clientFoundRows=true&charset=utf8mb4", ""},
		{"redis://:pw@127.0.0.1:6379/2", "redis", "", "pw@"},
		{"memcached://127.0.0.1:11211", "memcached", "", ""},
		{"file:///var/lib/sessions", "file", "", ""},
		{"mysql://root@/test?unix_socket=/run/mysqld/mysqld.sock", "mysql", "root@unix(/run/mysqld/mysqld.sock)/test?clientFoundRows=true", ""},
	}
	for _, tt := range tests {
		got, err := parseDatabaseURL(tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if got.what() != tt.what || (tt.dsn != "" && got.dsn != tt.dsn) {
			t.Errorf("%s: %s %q, want %s %q", tt.in, got.what(), got.dsn, tt.what, tt.dsn)
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
	for _, s := range []string{"sqlite:///db", "sqlite:////abs", "postgres://u:p@h:1/d?x=y", "mysql://u:p@h/d", "mysql://u@/d?unix_socket=/s", "::", "sqlite://%zz", "redis://a:1,b/2?db=3", "rediss://h?ssl_cert_reqs=none", "memcached://h1,h2:1?backend=pylibmc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseDatabaseURL(s)
		if err != nil {
			return
		}
		switch got.kind {
		case "redis", kindMemcached:
			if len(got.addrs) == 0 {
				t.Fatalf("%q: no servers %+v", s, got)
			}
		case kindFile:
			if got.path == "" {
				t.Fatalf("%q: no directory", s)
			}
		default:
			if got.driver == "" || got.dsn == "" {
				t.Fatalf("%q: empty target %+v", s, got)
			}
		}
	})
}

// Issue 13 item 3: a query parameter the CLI does not understand is
// refused, for every scheme, with one line naming it; TLS parameters are
// understood and mapped to the driver.
func TestDatabaseURLParameters(t *testing.T) {
	for _, u := range []string{
		"postgres://app@db/shop?sslmode=require&frobnicate=1",
		"postgres://app@db/shop?ssl=true",
		"postgres://app@db/shop?sslmode=sometimes",
		"mysql://root@db/shop?frobnicate=1",
		"mysql://root@db/shop?ssl-mode=SOMETIMES",
		"mysql://root@db/shop?tls=maybe",
		"mysql://root@db/shop?ssl-mode=DISABLED&tls=true",
		"sqlite:///db.sqlite3?frobnicate=1",
		"file:///var/lib/sessions?frobnicate=1",
		"redis://127.0.0.1:6379/0?frobnicate=1",
		"rediss://127.0.0.1:6379/0?ssl_cert_reqs=sometimes",
		"memcached://127.0.0.1:11211?frobnicate=1",
		"memcached://127.0.0.1:11211?backend=memcachedb",
	} {
		_, err := parseDatabaseURL(u)
		var ue *usageError
		if err == nil || !errors.As(err, &ue) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want a one-line usage error", u, err)
			continue
		}
		name := u[strings.LastIndexByte(u, '?')+1:]
		name = name[strings.LastIndexByte(name, '&')+1:]
		name, _, _ = strings.Cut(name, "=")
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v does not name %q", u, err, name)
		}
	}
	ca, _, _ := testCA(t, "db")
	for _, tc := range []struct {
		url  string
		want tlsLevel
	}{
		{"mysql://root@db/shop", tlsUnset},
		{"mysql://root@db/shop?ssl-mode=DISABLED", tlsDisabled},
		{"mysql://root@db/shop?ssl_mode=PREFERRED", tlsPreferred},
		{"mysql://root@db/shop?ssl=true", tlsRequired},
		{"mysql://root@db/shop?ssl-mode=REQUIRED", tlsRequired},
		{"mysql://root@db/shop?ssl-mode=VERIFY_CA&ssl-ca=" + ca, tlsVerifyCA},
		{"mysql://root@db/shop?ssl-mode=REQUIRED&ssl-ca=" + ca, tlsVerifyCA},
		{"mysql://root@db/shop?ssl=true&ssl-mode=REQUIRED&tls=true", tlsVerifyIdentity},
		{"mysql://root@db/shop?tls=skip-verify", tlsRequired},
		{"mysql://root@db/shop?ssl-mode=VERIFY_IDENTITY", tlsVerifyIdentity},
	} {
		got, err := parseDatabaseURL(tc.url)
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if got.tls != tc.want {
			t.Errorf("%s: TLS %v, want %v", tc.url, got.tls, tc.want)
		}
	}
}

// Issue 13 item 3: the local MariaDB has no SSL; a URL that requires TLS
// must fail to connect instead of silently connecting in plaintext.
func TestMySQLRequiredTLSRefusesPlaintext(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	base := "mysql://" + cfg.User + "@" + cfg.Addr + "/" + cfg.DBName
	for _, q := range []string{"?ssl=true&ssl-mode=REQUIRED&tls=true", "?ssl-mode=REQUIRED", "?ssl=true"} {
		res := runCLI(t, nil, map[string]string{envSecretKey: "k"}, "", "sessions", "ls", "--database-url", base+q, "--table", "no_such_table_tls")
		if res.code != exitError || !strings.Contains(res.err, "TLS") || strings.Contains(res.err, "no_such_table_tls") {
			t.Errorf("%s: exit %d %q; want a TLS connection failure", q, res.code, res.err)
		}
	}
	// without TLS parameters it connects (and finds no table)
	res := runCLI(t, nil, map[string]string{envSecretKey: "k"}, "", "sessions", "ls", "--database-url", base, "--table", "no_such_table_tls")
	if !strings.Contains(res.err, "no_such_table_tls") {
		t.Errorf("plain: %q", res.err)
	}
}
