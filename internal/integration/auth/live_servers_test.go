package auth_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/filestore"
	"github.com/djsession/djsession/internal/testenv"
)

// serverDB is a throwaway database on a PostgreSQL or MySQL server, as
// Django (env) and Go (driver, dsn) each reach it.
type serverDB struct {
	env         []string
	driver, dsn string
	dialect     django.Dialect
	lastLogin   string
}

func randomName() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "djsession_http_" + hex.EncodeToString(b[:])
}

func postgresDB(t *testing.T) serverDB {
	dsn := testenv.PostgresDSN(t)
	admin, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := randomName()
	if _, err := admin.ExecContext(t.Context(), "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("postgres", dsn)
		if err == nil {
			_, _ = a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	env := []string{"DJ_DB_ENGINE=postgresql", "DJ_DB_NAME=" + name, "DJ_DB_HOST=" + u.Hostname(),
		"DJ_DB_PORT=" + u.Port(), "DJ_DB_USER=" + u.User.Username(), "DJ_DB_PASSWORD=" + pw}
	u.Path = "/" + name
	return serverDB{env: env, driver: "postgres", dsn: u.String(), dialect: django.PostgreSQL,
		lastLogin: "SELECT to_char(last_login AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM auth_user WHERE id = 1"}
}

func mysqlDB(t *testing.T) serverDB {
	dsn := testenv.MySQLDSN(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := randomName()
	if _, err := admin.ExecContext(t.Context(), "CREATE DATABASE "+name+" CHARACTER SET utf8mb4"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("mysql", dsn)
		if err == nil {
			_, _ = a.Exec("DROP DATABASE IF EXISTS " + name)
			a.Close()
		}
	})
	host, port, _ := strings.Cut(cfg.Addr, ":")
	env := []string{"DJ_DB_ENGINE=mysql", "DJ_DB_NAME=" + name, "DJ_DB_HOST=" + host,
		"DJ_DB_PORT=" + port, "DJ_DB_USER=" + cfg.User, "DJ_DB_PASSWORD=" + cfg.Passwd}
	cfg.DBName = name
	return serverDB{env: env, driver: "mysql", dsn: cfg.FormatDSN(), dialect: django.MySQL,
		lastLogin: "SELECT DATE_FORMAT(last_login, '%Y-%m-%d %H:%i:%s.%f') FROM auth_user WHERE id = 1"}
}

// TestLiveServerDatabases tells the shared-login story with Django's
// database on PostgreSQL and MySQL/MariaDB (migrated by real Django), once
// with the db session engine (django_session on the server, read and
// written by dbstore) and once with signed_cookies: SQLUsers
// reads Django's own auth_user and writes last_login that Django then reads.
func TestLiveServerDatabases(t *testing.T) {
	djangos := testenv.Djangos(t)
	for _, server := range []struct {
		name string
		open func(*testing.T) serverDB
	}{{"postgres", postgresDB}, {"mysql", mysqlDB}} {
		for _, engine := range []string{"db", "signed_cookies"} {
			t.Run(server.name+"/"+engine, func(t *testing.T) {
				for _, d := range djangos {
					t.Run(d.Version, func(t *testing.T) {
						if server.name == "mysql" && d.Version == "6.1" {
							// Django 6.x needs mysqlclient >= 2.2.1; Debian 12 has 1.4.6.
							t.Skip("Django 6.1 needs mysqlclient >= 2.2.1, this machine has 1.4.6")
						}
						sdb := server.open(t)
						dj := startDjango(t, d, append(sdb.env, "DJ_ENGINE="+engine)...)
						db, err := sql.Open(sdb.driver, sdb.dsn)
						if err != nil {
							t.Fatal(err)
						}
						defer db.Close()
						var store djangosession.Store
						if engine == "db" {
							codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: liveSecret}, RejectLegacy: d.Version != "3.2"})
							if err != nil {
								t.Fatal(err)
							}
							store = dbStore(t, db, codec, sdb.dialect)
						} else if store, err = cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: liveSecret}}); err != nil {
							t.Fatal(err)
						}
						gs := httptest.NewServer(goService(t, d, store, &auth.SQLUsers{DB: db, Dialect: sdb.dialect}, false))
						defer gs.Close()
						scenario(t, d, dj, gs.URL, db, sdb.lastLogin)
					})
				}
			})
		}
	}
}

// TestLiveFileEngine tells the story with Django's file engine: Django and
// the Go filestore share SESSION_FILE_PATH; auth_user is in SQLite.
func TestLiveFileEngine(t *testing.T) {
	for _, d := range testenv.Djangos(t) {
		t.Run(d.Version, func(t *testing.T) {
			dir := t.TempDir()
			dbPath := filepath.Join(dir, "db.sqlite3")
			sessDir := filepath.Join(dir, "sessions")
			if err := os.Mkdir(sessDir, 0o700); err != nil {
				t.Fatal(err)
			}
			dj := startDjango(t, d, "DJ_DB="+dbPath, "DJ_ENGINE=file", "DJ_SESSION_FILE_PATH="+sessDir)
			db, err := sql.Open("sqlite", dbPath+"?_pragma=busy_timeout(5000)")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: liveSecret}, RejectLegacy: d.Version != "3.2"})
			if err != nil {
				t.Fatal(err)
			}
			store, err := filestore.New(&filestore.Options{Dir: sessDir, Codec: codec})
			if err != nil {
				t.Fatal(err)
			}
			gs := httptest.NewServer(goService(t, d, store, &auth.SQLUsers{DB: db, Dialect: django.SQLite}, false))
			defer gs.Close()
			scenario(t, d, dj, gs.URL, db, "SELECT CAST(last_login AS TEXT) FROM auth_user WHERE id = 1")
		})
	}
}
