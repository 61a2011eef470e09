package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/python/pyjson"
)

const benchKey = "django-insecure-bench-key-not-secret"

// benchFill inserts n sessions shaped like a logged-in user's (half of
// them expired) into the table, in transactions of 1000 rows (test setup:
// the library writes one row per statement).
func benchFill(b *testing.B, d benchDB, n int, onlyExpired bool) {
	b.Helper()
	s := d.s
	q := `INSERT INTO "` + d.table + `" (session_key, session_data, expire_date) VALUES (?, ?, ?)`
	at := func(t time.Time) any { return dbstore.PyDatetime(t.UTC()) }
	if d.name == "postgres" {
		q = `INSERT INTO "` + d.table + `" (session_key, session_data, expire_date) VALUES ($1, $2, $3)`
		at = func(t time.Time) any { return t.UTC() }
	}
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: benchKey}})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	ctx := context.Background()
	for start := 0; start < n; start += 1000 {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		for i := start; i < min(start+1000, n); i++ {
			expired := i%2 == 0
			if onlyExpired && !expired {
				continue
			}
			d := &pyjson.Object{}
			if i%3 == 0 {
				d.Set("cart", map[string]any{"sku-1": int64(i % 7), "sku-2": int64(1)})
			} else {
				d.Set("_auth_user_id", fmt.Sprint(i%1000))
				d.Set("_auth_user_backend", "django.contrib.auth.backends.ModelBackend")
				d.Set("_auth_user_hash", strings.Repeat("ab", 32))
			}
			data, err := codec.Encode(d)
			if err != nil {
				b.Fatal(err)
			}
			exp := now.Add(time.Duration(i%500+1) * time.Hour)
			if expired {
				exp = now.Add(-time.Duration(i%500+1) * time.Hour)
			}
			if _, err := tx.ExecContext(ctx, q, fmt.Sprintf("bench%027d", i), data, at(exp)); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

type benchDB struct {
	name  string
	url   string
	table string
	s     *sessionDB
	pgDSN string // for the psql COPY floor
}

func benchSQLite(b *testing.B) benchDB {
	path := filepath.Join(b.TempDir(), "bench.sqlite3")
	db, err := sql.Open("sqlite", sqliteTarget(path, path).dsn)
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	b.Cleanup(func() { db.Close() })
	for _, q := range []string{
		`CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL)`,
		`CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date")`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	return benchDB{name: "sqlite", url: "sqlite:///" + path, table: defaultTable, s: &sessionDB{db: db, store: benchStore(b, db, django.SQLite, defaultTable)}}
}

func benchPostgres(b *testing.B) benchDB {
	dsn := os.Getenv("DJ_TEST_POSTGRES_DSN")
	if dsn == "" {
		b.Skip("set DJ_TEST_POSTGRES_DSN")
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		b.Fatal(err)
	}
	table := randomTable()
	for _, q := range []string{
		`CREATE TABLE "` + table + `" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" timestamp with time zone NOT NULL)`,
		`CREATE INDEX ON "` + table + `" ("expire_date")`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(func() { db.Exec(`DROP TABLE "` + table + `"`); db.Close() })
	return benchDB{name: "postgres", url: dsn, table: table, s: &sessionDB{db: db, store: benchStore(b, db, django.PostgreSQL, table)}, pgDSN: dsn}
}

// benchStore is the library store the sql-scan floor reads through.
func benchStore(b *testing.B, db *sql.DB, d django.Dialect, table string) *dbstore.Store {
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: benchKey}})
	if err != nil {
		b.Fatal(err)
	}
	s, err := dbstore.New(db, &dbstore.Options{Dialect: d, Codec: codec, Table: table})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func benchRun(b *testing.B, args ...string) {
	a := newApp(strings.NewReader(""), io.Discard, io.Discard, func(k string) string {
		if k == envSecretKey {
			return benchKey
		}
		return ""
	})
	if code := a.run(context.Background(), args); code != 0 {
		b.Fatalf("%v: exit %d", args, code)
	}
}

// BenchmarkSessions times ls --format jsonl, stats and clear-expired over a
// filled table, beside the floor of reading the same rows without decoding
// them (database/sql; psql's COPY on PostgreSQL).
func BenchmarkSessions(b *testing.B) {
	if testing.Short() {
		b.Skip("fills tables")
	}
	for _, open := range []func(*testing.B) benchDB{benchSQLite, benchPostgres} {
		for _, n := range []int{20000} {
			b.Run("", func(b *testing.B) {
				d := open(b)
				benchFill(b, d, n, false)
				b.Run(fmt.Sprintf("db=%s/rows=%d/cmd=ls-jsonl", d.name, n), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						benchRun(b, "sessions", "ls", "--format", "jsonl", "--database-url", d.url, "--table", d.table)
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/row")
				})
				b.Run(fmt.Sprintf("db=%s/rows=%d/cmd=stats", d.name, n), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						benchRun(b, "sessions", "stats", "--database-url", d.url, "--table", d.table)
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/row")
				})
				b.Run(fmt.Sprintf("db=%s/rows=%d/floor=sql-scan", d.name, n), func(b *testing.B) {
					b.ReportAllocs()
					var sink int
					for b.Loop() {
						err := d.s.each(context.Background(), rowFilter{}, func(r sessionRow) error { sink += len(r.data); return nil })
						if err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/row")
				})
				if d.pgDSN != "" {
					psql, err := exec.LookPath("psql")
					if err == nil {
						b.Run(fmt.Sprintf("db=%s/rows=%d/floor=psql-copy", d.name, n), func(b *testing.B) {
							for b.Loop() {
								cmd := exec.Command(psql, d.pgDSN, "-q", "-c", `\copy "`+d.table+`" to '/dev/null'`)
								if out, err := cmd.CombinedOutput(); err != nil {
									b.Fatalf("%v: %s", err, out)
								}
							}
							b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/row")
						})
					}
				}
				b.Run(fmt.Sprintf("db=%s/rows=%d/cmd=clear-expired", d.name, n), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						benchRun(b, "sessions", "clear-expired", "--database-url", d.url, "--table", d.table)
						b.StopTimer()
						benchFill(b, d, n, true) // put the expired half back
						b.StartTimer()
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n/2), "ns/deleted-row")
				})
			})
		}
	}
}
