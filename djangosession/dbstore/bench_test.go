package dbstore_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/python/pyjson"
)

// benchSessionJSON is the typical session signing's benchmarks use (auth
// keys, a language, an expiry, a CSRF token, a small cart); bench/sessions.py
// stores the same value.
const benchSessionJSON = `{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend",` +
	`"_auth_user_hash":"5d8cadad5e5585e0204e7e798d2b2cb58716024fa4dde4f3da90c2666f495699",` +
	`"_session_expiry":1209600,"django_language":"fr","_csrftoken":"Zx8cQk2v0bqK9yP1wL3mN5rT7uV9aB2c",` +
	`"last_seen":"2026-11-23T01:17:58.123456+00:00","visits":17,"flags":{"beta":true,"tour_done":false},` +
	`"cart":{"items":[{"sku":"A-1","qty":2,"price":19.99},{"sku":"B-22","qty":1,"price":5.0}],"coupon":null}}`

const (
	benchSecret = "django-insecure-bench-secret"
	benchKey    = "gobench0000000000000000000000001" // bench/sessions.py uses pybench...
	// benchDatabase is the database both sides of the comparison use on
	// PostgreSQL and MariaDB, with a django_session table in it.
	benchDatabase = "djs_bench_sessions"
)

var (
	sinkObj  *pyjson.Object
	sinkTime time.Time
	sinkData []byte
)

// benchDB is one database the benchmarks run on.
type benchDB struct {
	suffix  string // "" for SQLite, ".postgres", ".mysql"
	name    string // sub-benchmark name of BenchmarkRawSelect
	dialect django.Dialect
	db      *sql.DB
}

// benchDBs opens the benchmark databases: SQLite in a temporary directory
// always, PostgreSQL (through pgx) and MariaDB when their test DSNs are set.
func benchDBs(b *testing.B) []benchDB {
	b.Helper()
	dbs := []benchDB{{name: "sqlite", dialect: django.SQLite}}
	var err error
	dbs[0].db, err = sql.Open("sqlite", filepath.Join(b.TempDir(), "bench.sqlite3")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		b.Fatal(err)
	}
	if dsn := os.Getenv("DJ_TEST_POSTGRES_DSN"); dsn != "" {
		admin := benchOpen(b, "pgx", dsn)
		var one int
		err := admin.QueryRow("SELECT 1 FROM pg_database WHERE datname = $1", benchDatabase).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = admin.Exec("CREATE DATABASE " + benchDatabase)
		}
		if err != nil && !strings.Contains(err.Error(), "already exists") {
			b.Fatal(err)
		}
		u, err := url.Parse(dsn)
		if err != nil {
			b.Fatal(err)
		}
		u.Path = "/" + benchDatabase
		dbs = append(dbs, benchDB{".postgres", "postgres", django.PostgreSQL, benchOpen(b, "pgx", u.String())})
	}
	if dsn := os.Getenv("DJ_TEST_MYSQL_DSN"); dsn != "" {
		admin := benchOpen(b, "mysql", dsn)
		if _, err := admin.Exec("CREATE DATABASE IF NOT EXISTS " + benchDatabase + " CHARACTER SET utf8mb4"); err != nil {
			b.Fatal(err)
		}
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			b.Fatal(err)
		}
		cfg.DBName = benchDatabase
		dbs = append(dbs, benchDB{".mysql", "mysql", django.MySQL, benchOpen(b, "mysql", cfg.FormatDSN())})
	}
	return dbs
}

func benchOpen(b *testing.B, driver, dsn string) *sql.DB {
	b.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		b.Fatalf("%s: %v", driver, err)
	}
	return db
}

// benchStore returns a store over django_session in d (made with Django's
// DDL when missing) holding the benchmark session under benchKey.
func benchStore(b *testing.B, d benchDB) (*dbstore.Store, *djangosession.Engine) {
	b.Helper()
	ctx := context.Background()
	c, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: benchSecret}})
	if err != nil {
		b.Fatal(err)
	}
	s, err := dbstore.New(d.db, &dbstore.Options{Dialect: d.dialect, Codec: c})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := d.db.Exec("SELECT 1 FROM django_session WHERE session_key = ''"); err != nil {
		if err := s.CreateTable(ctx); err != nil {
			b.Fatal(err)
		}
	}
	v, err := pyjson.Unmarshal([]byte(benchSessionJSON))
	if err != nil {
		b.Fatal(err)
	}
	engine := mustEngine(b, s, nil)
	sess := engine.New()
	sess.Update(v.(*pyjson.Object))
	if err := s.Delete(ctx, benchKey); err != nil {
		b.Fatal(err)
	}
	if err := s.Save(ctx, benchKey, sess.Data(), djangosession.Expiry{Date: time.Now().Add(14 * 24 * time.Hour)}, true); err != nil {
		b.Fatal(err)
	}
	return s, engine
}

// cpuTime is the process's user plus system CPU time (all threads), the
// figure bench/sessions.py reads with time.process_time_ns.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureCPU runs the benchmark loop and reports the process CPU time per
// op as cpu-ns/op: the database server's work is not in it, so it compares
// what Go and Django spend of the web server's CPU.
func measureCPU(b *testing.B, op func()) {
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime(b)
	for b.Loop() {
		op()
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkCompare times what bench/sessions.py times in real Django
// under the same names (go run ./bench/compare -area sessions), on the
// same session in a django_session table made as Django makes it:
//
//	sessions.db_load[.db]  SessionStore(key).load()   Go: Engine.Open(ctx, key)
//	sessions.db_save[.db]  s.save() of a loaded s    Go: Session.Save(ctx) of an opened session
//
// SQLite (a temporary file) always; ".postgres" (pgx) and ".mysql"
// (go-sql-driver/mysql) when DJ_TEST_POSTGRES_DSN and DJ_TEST_MYSQL_DSN
// are set, in the database djs_bench_sessions. Besides ns/op each reports
// cpu-ns/op, the process CPU time per call.
func BenchmarkCompare(b *testing.B) {
	ctx := context.Background()
	for _, d := range benchDBs(b) {
		_, engine := benchStore(b, d)
		b.Run("sessions.db_load"+d.suffix, func(b *testing.B) {
			measureCPU(b, func() {
				sess, err := engine.Open(ctx, benchKey)
				if err != nil || sess.Key() != benchKey {
					b.Fatalf("open: %v", err)
				}
				sinkObj = sess.Data()
			})
		})
		b.Run("sessions.db_save"+d.suffix, func(b *testing.B) {
			sess, err := engine.Open(ctx, benchKey)
			if err != nil || sess.Key() != benchKey {
				b.Fatalf("open: %v", err)
			}
			measureCPU(b, func() {
				if err := sess.Save(ctx); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkRawSelect is the floor of sessions.db_load: the same SELECT
// Load runs (row by key, live expire_date), through the same *sql.DB,
// scanning session_data into []byte and expire_date into what the driver
// returns (a time.Time from pgx and SQLite, text from go-sql-driver/mysql
// without parseTime), with nothing decoded. It reports cpu-ns/op as
// BenchmarkCompare does. The ".prepared" variants run the statement
// prepared once, as the Store does unless Options.NoPrepare.
func BenchmarkRawSelect(b *testing.B) {
	ctx := context.Background()
	for _, d := range benchDBs(b) {
		benchStore(b, d)
		q := "SELECT session_data, expire_date FROM django_session WHERE session_key = ? AND expire_date > ?"
		var now any = dbstore.PyDatetime(time.Now().UTC())
		if d.dialect == django.PostgreSQL {
			q = "SELECT session_data, expire_date FROM django_session WHERE session_key = $1 AND expire_date > $2"
			now = time.Now().UTC().Truncate(time.Microsecond)
		}
		st, err := d.db.Prepare(q)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		for _, prepared := range []bool{false, true} {
			name := d.name
			if prepared {
				name += ".prepared"
			}
			b.Run(name, func(b *testing.B) {
				var data []byte
				var exp any
				measureCPU(b, func() {
					var row *sql.Row
					if prepared {
						row = st.QueryRowContext(ctx, benchKey, now)
					} else {
						row = d.db.QueryRowContext(ctx, q, benchKey, now)
					}
					if err := row.Scan(&data, &exp); err != nil {
						b.Fatal(err)
					}
					sinkData = data
					if t, ok := exp.(time.Time); ok {
						sinkTime = t
					}
				})
			})
		}
	}
}
