package dbstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/internal/testenv"
)

// exchange has Django write n sessions that Go reads, then Go write n
// that Django loads, through the databases conf and store name.
func exchange(t *testing.T, dj testenv.Django, conf map[string]any, store *dbstore.Store, n int) {
	t.Helper()
	ctx := context.Background()
	var cmds, reads []map[string]any
	for i := range n {
		cmds = append(cmds, map[string]any{"op": "write", "data": map[string]any{"v": fmt.Sprint("dj", i)}})
	}
	for i, w := range runDjango(t, dj, "postgres", conf, cmds) {
		if got := value(t, store, ctx, w.Key); got != fmt.Sprint("dj", i) {
			t.Errorf("Go read %q for Django's session %d", got, i)
		}
	}
	engine := mustEngine(t, store, nil)
	for i := range n {
		s := engine.New()
		s.Set("v", fmt.Sprint("go", i))
		if err := s.Save(ctx); err != nil {
			t.Fatal(err)
		}
		reads = append(reads, map[string]any{"op": "read", "key": s.Key()})
	}
	for i, r := range runDjango(t, dj, "postgres", conf, reads) {
		if want := fmt.Sprintf(`{"v": "go%d"}`, i); !sameJSONObject(t, r.Data, []byte(want)) {
			t.Errorf("Django read %s for Go's session %d, want %s", r.Data, i, want)
		}
	}
}

// createDatabase makes a database on the shared server, dropped at the end.
func createDatabase(t *testing.T, prefix string, dj testenv.Django) string {
	t.Helper()
	admin := openDSN(t, "pgx", testenv.PostgresDSN(t))
	name := prefix + strings.ReplaceAll(dj.Version, ".", "") + "_" + randomTable(t)[15:]
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP DATABASE " + name + " WITH (FORCE)") })
	return name
}

// TestLiveInteropSessionsDB: Django's DATABASES has a default database and
// a "sessions_db" a router sends the sessions app to. Go, given the
// sessions database's DSN, and Django agree, and nothing lands in the
// default database.
func TestLiveInteropSessionsDB(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	for _, dj := range testenv.Djangos(t) {
		t.Run(dj.Version, func(t *testing.T) {
			def, sess := createDatabase(t, "djs_def", dj), createDatabase(t, "djs_ses", dj)
			one := func(name string) map[string]any {
				return map[string]any{"NAME": name, "USER": "postgres", "HOST": "127.0.0.1", "PORT": "5432"}
			}
			conf := map[string]any{"ROUTER": "sessions_db", "DATABASES": map[string]any{"default": one(def), "sessions_db": one(sess)}}
			runDjango(t, dj, "postgres", conf, []map[string]any{{"op": "migrate"}})
			db := openDSN(t, "pgx", strings.Replace(dsn, "/test?", "/"+sess+"?", 1))
			interop(t, dj, "postgres", conf, db, dbstore.Options{Dialect: django.PostgreSQL})
			store, err := dbstore.New(db, &dbstore.Options{Dialect: django.PostgreSQL, Codec: codec(t)})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			exchange(t, dj, conf, store, 20)
			var tables int
			defDB := openDSN(t, "pgx", strings.Replace(dsn, "/test?", "/"+def+"?", 1))
			if err := defDB.QueryRow("SELECT count(*) FROM pg_tables WHERE tablename = 'django_session'").Scan(&tables); err != nil {
				t.Fatal(err)
			}
			if tables != 0 {
				t.Error("django_session was created in the default database")
			}
		})
	}
}

// TestLiveInteropPgBouncer: Django and Go share sessions through one
// PgBouncer in transaction mode (two server connections), Go with
// TransactionPooler on lib/pq and on pgx.
func TestLiveInteropPgBouncer(t *testing.T) {
	testenv.PostgresDSN(t)
	bouncer := testenv.PgBouncer(t, "127.0.0.1:5432", testenv.PgBouncerOptions{PoolSize: 2})
	for _, dj := range testenv.Djangos(t) {
		t.Run(dj.Version, func(t *testing.T) {
			name := createDatabase(t, "djs_pgb", dj)
			conf := map[string]any{"NAME": name, "USER": "postgres", "HOST": "127.0.0.1", "PORT": fmt.Sprint(testenv.Port(bouncer.Addr))}
			runDjango(t, dj, "postgres", conf, []map[string]any{{"op": "migrate"}})
			via := "postgres://postgres@" + bouncer.Addr + "/" + name + "?sslmode=disable"
			// lib/pq for the value-by-value comparison, pgx for N
			// sessions each way: one Python run fewer per release.
			o := dbstore.Options{Dialect: django.PostgreSQL, TransactionPooler: true}
			interop(t, dj, "postgres", conf, openDSN(t, "postgres", via+"&binary_parameters=yes"), o)
			o.Codec = codec(t)
			store, err := dbstore.New(openDSN(t, "pgx", via+"&default_query_exec_mode=exec"), &o)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			exchange(t, dj, conf, store, 50)
		})
	}
}
