package gateway_test

import (
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/gateway"
	_ "modernc.org/sqlite"
)

const testSecret = "gateway-test-secret-key-0123456789abcdef"

// authDDL is the part of Django's auth and contenttypes schema (SQLite
// migration) the gateway reads.
var authDDL = []string{
	`CREATE TABLE django_content_type (id integer PRIMARY KEY, app_label varchar(100), model varchar(100))`,
	`CREATE TABLE auth_permission (id integer PRIMARY KEY, content_type_id integer, codename varchar(100), name varchar(255))`,
	`CREATE TABLE auth_group (id integer PRIMARY KEY, name varchar(150) UNIQUE)`,
	`CREATE TABLE auth_group_permissions (id integer PRIMARY KEY, group_id integer, permission_id integer)`,
	`CREATE TABLE auth_user (id integer PRIMARY KEY, password varchar(128), last_login datetime NULL, is_superuser bool, username varchar(150), email varchar(254), is_staff bool, is_active bool)`,
	`CREATE TABLE auth_user_groups (id integer PRIMARY KEY, user_id integer, group_id integer)`,
	`CREATE TABLE auth_user_user_permissions (id integer PRIMARY KEY, user_id integer, permission_id integer)`,
	`INSERT INTO django_content_type VALUES (1, 'reports', 'report')`,
	`INSERT INTO auth_permission VALUES (1, 1, 'view_report', 'Can view'), (2, 1, 'change_report', 'Can change')`,
	`INSERT INTO auth_group VALUES (1, 'ops, night'), (2, 'readers')`,
	`INSERT INTO auth_group_permissions VALUES (1, 2, 1)`,
	`INSERT INTO auth_user VALUES
		(1, 'md5$a$1', NULL, 0, 'alice', 'alice@example.com', 0, 1),
		(2, 'md5$a$2', NULL, 0, 'bob', 'bob@example.com', 1, 1),
		(3, 'md5$a$3', NULL, 1, 'root', '', 1, 1),
		(4, 'md5$a$4', NULL, 1, 'gone', '', 1, 0),
		(5, 'md5$a$5', NULL, 0, 'zoë', 'z@example.com', 0, 1)`,
	`INSERT INTO auth_user_groups VALUES (1, 2, 1), (2, 1, 2)`,
}

// env is a gateway over a SQLite database holding Django's tables.
type env struct {
	db       *sql.DB
	engine   *djangosession.Engine
	sessions *middleware.Middleware
	auth     *auth.Auth
	ids      *auth.SQLIdentities
	now      time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "db.sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ddl, err := dbstore.DDL(dbstore.SQLite, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range append(ddl, authDDL...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{SecretKey: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	store, err := dbstore.New(db, &dbstore.Options{Dialect: dbstore.SQLite, Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, now: time.Now()}
	e.engine = djangosession.NewEngine(store, &djangosession.Config{})
	if e.sessions, err = middleware.New(e.engine, nil); err != nil {
		t.Fatal(err)
	}
	if e.ids, err = auth.NewSQLIdentities(db, auth.SQLite, nil); err != nil {
		t.Fatal(err)
	}
	if e.auth, err = auth.New(e.ids, &auth.Config{SecretKey: testSecret}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) gateway(t *testing.T, o gateway.Options) *gateway.Gateway {
	t.Helper()
	o.Sessions, o.Auth, o.Identities = e.sessions, e.auth, e.ids
	g, err := gateway.New(&o)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// login makes a session with user id logged in, as Django's login, and
// returns its cookie.
func (e *env) login(t *testing.T, id string) *http.Cookie {
	t.Helper()
	ctx := context.Background()
	s := e.engine.New()
	if err := e.auth.Login(ctx, s, id, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: "sessionid", Value: s.Key()}
}

func (e *env) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := e.db.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}
