package gateway_test

import (
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/gateway"
	"github.com/djsession/djsession/internal/testenv"
	_ "modernc.org/sqlite"
)

const testSecret = "gateway-test-secret-key-0123456789abcdef"

// env is a gateway over a SQLite database holding Django's tables.
type env struct {
	db       *sql.DB
	engine   *djangosession.Engine
	sessions *middleware.Middleware
	auth     *auth.Auth
	ids      *auth.SQLIdentities
	now      time.Time
}

func newEnv(t testing.TB) *env {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "db.sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ddl, err := dbstore.DDL(django.SQLite, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range append(ddl, testenv.AuthTablesSQLite...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: testSecret}})
	if err != nil {
		t.Fatal(err)
	}
	store, err := dbstore.New(db, &dbstore.Options{Dialect: django.SQLite, Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, now: time.Now()}
	e.engine = mustEngine(t, store, &djangosession.Options{})
	if e.sessions, err = middleware.New(e.engine, nil); err != nil {
		t.Fatal(err)
	}
	if e.ids, err = auth.NewSQLIdentities(db, django.SQLite, nil); err != nil {
		t.Fatal(err)
	}
	if e.auth, err = auth.New(e.ids, &auth.Options{Settings: django.Settings{SecretKey: testSecret}}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) gateway(t testing.TB, o gateway.Options) *gateway.Gateway {
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
func (e *env) login(t testing.TB, id string) *http.Cookie {
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

func (e *env) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	if _, err := e.db.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}
