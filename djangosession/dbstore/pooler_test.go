package dbstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/internal/testenv"
)

// poolerWork runs workers goroutines of opsPer calls each on s: every
// worker creates, loads, updates and deletes sessions of its own, and now
// and then runs ClearExpired over expired rows the workers also write.
// It returns every error a call returned, and checks afterwards through
// direct (a connection that bypasses the pooler) that each worker's live
// sessions hold exactly what it last saved: no lost or misplaced write.
// When midway is not nil, every worker stops halfway until it returned.
func poolerWork(t *testing.T, s *dbstore.Store, direct *sql.DB, opsPer int, midway func()) (errs []error, ops int64) {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	fail := func(what string, err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, fmt.Errorf("%s: %w", what, err))
	}
	var n atomic.Int64
	last := make([]map[string]string, workers) // worker -> key -> id last saved ("" deleted)
	var wg, half sync.WaitGroup
	resume := make(chan struct{})
	if midway != nil {
		half.Add(workers)
	}
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 10))
			mine := map[string]string{}
			last[w] = mine
			var keys []string
			for i := range opsPer {
				if midway != nil && i == opsPer/2 {
					half.Done()
					<-resume
				}
				n.Add(1)
				id := fmt.Sprintf("w%d-%d", w, i)
				live := djangosession.Expiry{Date: time.Now().Add(time.Hour), Age: 3600}
				switch p := r.IntN(20); {
				case p < 5 || len(keys) == 0: // create
					key := fmt.Sprintf("pool%02d%06d%s", w, i, strings.Repeat("x", 20))
					if err := s.Save(ctx, key, payload(id), live, true); err != nil {
						fail("create", err)
						continue
					}
					keys = append(keys, key)
					mine[key] = id
				case p < 11: // load
					key := keys[r.IntN(len(keys))]
					data, err := s.Load(ctx, key)
					switch {
					case errors.Is(err, djangosession.ErrNotFound):
						if mine[key] != "" {
							fail("load", fmt.Errorf("%s lost (last saved %s)", key, mine[key]))
						}
					case err != nil:
						fail("load", err)
					case idOf(t, data) != mine[key]:
						fail("load", fmt.Errorf("%s holds %s, last saved %s", key, idOf(t, data), mine[key]))
					}
				case p < 16: // update
					key := keys[r.IntN(len(keys))]
					err := s.Save(ctx, key, payload(id), live, false)
					switch {
					case errors.Is(err, djangosession.ErrVanished) && mine[key] == "":
					case err != nil:
						fail("update", err)
					default:
						mine[key] = id
					}
				case p < 18: // delete
					key := keys[r.IntN(len(keys))]
					if err := s.Delete(ctx, key); err != nil {
						fail("delete", err)
						continue
					}
					mine[key] = ""
				case p < 19: // an expired row for ClearExpired to find
					key := fmt.Sprintf("gone%02d%06d%s", w, i, strings.Repeat("y", 20))
					old := djangosession.Expiry{Date: time.Now().Add(-time.Hour)}
					if err := s.Save(ctx, key, payload(id), old, true); err != nil {
						fail("create expired", err)
					}
				default:
					if _, err := s.ClearExpired(ctx); err != nil {
						fail("clear expired", err)
					}
				}
			}
		})
	}
	if midway != nil {
		half.Wait()
		midway()
		close(resume)
	}
	wg.Wait()
	rows := map[string]string{}
	rs, err := direct.Query("SELECT session_key, session_data FROM " + s.Table() + " WHERE session_key LIKE 'pool%'")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	c := codec(t)
	for rs.Next() {
		var k, data string
		if err := rs.Scan(&k, &data); err != nil {
			t.Fatal(err)
		}
		obj, err := c.Decode(data)
		if err != nil {
			t.Fatalf("row %s: %v", k, err)
		}
		rows[k] = idOf(t, obj)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	for w := range last {
		for key, id := range last[w] {
			if got, ok := rows[key]; (id == "") == ok || got != id {
				t.Errorf("worker %d: row %s holds %q (present %v), last saved %q", w, key, got, ok, id)
			}
		}
	}
	return errs, n.Load()
}

// TestPgBouncerTransactionPooling runs the store behind a PgBouncer in
// transaction mode with two server connections shared by 32 clients. With
// the store's and the drivers' defaults most calls fail: statements the
// store prepared, or the driver named or parsed in a separate round trip,
// are looked for on another client's server connection (about 70% of the
// calls with lib/pq, 95% with pgx on PgBouncer 1.18), and some bind their
// parameters to another client's statement. With TransactionPooler and
// the DSN settings its doc names, none fails and no write is lost.
func TestPgBouncerTransactionPooling(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	bouncer := testenv.PgBouncer(t, "127.0.0.1:5432", testenv.PgBouncerOptions{PoolSize: 2})
	direct := openDSN(t, "pgx", dsn)
	via := "postgres://postgres@" + bouncer.Addr + "/test?sslmode=disable"
	const opsPer = 100
	for _, tc := range []struct {
		name, driver, params string
		o                    dbstore.Options
		fails                bool // the configuration the test guards against
	}{
		{"pq/defaults", "postgres", "", dbstore.Options{}, true},
		{"pgx/defaults", "pgx", "", dbstore.Options{}, true},
		{"pq/pooler-without-binary_parameters", "postgres", "", dbstore.Options{TransactionPooler: true}, true},
		{"pgx/pooler-describe_exec", "pgx", "&default_query_exec_mode=describe_exec", dbstore.Options{TransactionPooler: true}, true},
		{"pq/pooler", "postgres", "&binary_parameters=yes", dbstore.Options{TransactionPooler: true}, false},
		{"pgx/pooler-exec", "pgx", "&default_query_exec_mode=exec", dbstore.Options{TransactionPooler: true}, false},
		{"pgx/pooler-simple_protocol", "pgx", "&default_query_exec_mode=simple_protocol", dbstore.Options{TransactionPooler: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDSN(t, tc.driver, via+tc.params)
			db.SetMaxOpenConns(workers)
			o := tc.o
			o.Table = randomTable(t)
			newStore(t, direct, django.PostgreSQL, dbstore.Options{Table: o.Table}) // the table, made directly
			o.Dialect, o.Codec = django.PostgreSQL, codec(t)
			s, err := dbstore.New(db, &o)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ops := opsPer
			if tc.fails {
				ops = 20 // enough to show it: most calls fail
			}
			errs, n := poolerWork(t, s, direct, ops, nil)
			pooler := 0
			for _, err := range errs {
				if errors.Is(err, dbstore.ErrPooler) {
					pooler++
				}
			}
			t.Logf("%d calls, %d errors (%d match ErrPooler)", n, len(errs), pooler)
			if tc.fails {
				if pooler == 0 {
					t.Errorf("no ErrPooler in %d calls through the pooler", n)
				}
				return
			}
			for i, err := range errs {
				if i == 10 {
					break
				}
				t.Error(err)
			}
			if t.Failed() {
				return
			}
			// The contended workload of TestConcurrent, through the pooler.
			o.Table = ""
			concurrentMixed(t, newStore(t, db, django.PostgreSQL, o), poolerSurvivors(direct))
		})
	}
	t.Run("max_prepared_statements", func(t *testing.T) {
		if !testenv.PgBouncerAtLeast(t, 1, 21) {
			t.Skip("PgBouncer before 1.21 cannot track prepared statements")
		}
		b := testenv.PgBouncer(t, "127.0.0.1:5432", testenv.PgBouncerOptions{PoolSize: 2, MaxPreparedStatements: 100})
		for _, driver := range []string{"postgres", "pgx"} {
			db := openDSN(t, driver, "postgres://postgres@"+b.Addr+"/test?sslmode=disable")
			s := newStore(t, direct, django.PostgreSQL, dbstore.Options{})
			s2, _ := dbstore.New(db, &dbstore.Options{Dialect: django.PostgreSQL, Codec: codec(t), Table: s.Table()})
			errs, _ := poolerWork(t, s2, direct, opsPer, nil)
			for _, err := range errs {
				t.Errorf("%s: %v", driver, err)
			}
			s2.Close()
		}
	})
}

// poolerSurvivors reads a table's rows through direct, as TestConcurrent's
// survivors does.
func poolerSurvivors(direct *sql.DB) func(*testing.T, *dbstore.Store) map[string]string {
	return func(t *testing.T, s *dbstore.Store) map[string]string {
		t.Helper()
		rs, err := direct.Query("SELECT session_key, session_data FROM " + s.Table())
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		c := codec(t)
		m := map[string]string{}
		for rs.Next() {
			var k, data string
			if err := rs.Scan(&k, &data); err != nil {
				t.Fatal(err)
			}
			obj, err := c.Decode(data)
			if err != nil {
				t.Errorf("row %s does not decode: %v", k, err)
				continue
			}
			m[k] = idOf(t, obj)
		}
		if err := rs.Err(); err != nil {
			t.Fatal(err)
		}
		return m
	}
}

// BenchmarkPgBouncer measures what the pooler's configuration costs a Load
// (one session, parallel clients): prepared statements straight to the
// server, the same unprepared, and through PgBouncer in transaction mode
// with each driver's one-round-trip setting.
func BenchmarkPgBouncer(b *testing.B) {
	dsn := testenv.PostgresDSN(b)
	bouncer := testenv.PgBouncer(b, "127.0.0.1:5432", testenv.PgBouncerOptions{PoolSize: 2})
	direct, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer direct.Close()
	table := randomTable(b)
	admin, err := dbstore.New(direct, &dbstore.Options{Dialect: django.PostgreSQL, Codec: codec(b), Table: table})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := admin.CreateTable(ctx); err != nil {
		b.Fatal(err)
	}
	defer direct.Exec("DROP TABLE " + table)
	const key = "poolbench000000000000000000000001"
	if err := admin.Save(ctx, key, payload("bench"), djangosession.Expiry{Date: time.Now().Add(time.Hour)}, true); err != nil {
		b.Fatal(err)
	}
	via := "postgres://postgres@" + bouncer.Addr + "/test?sslmode=disable"
	for _, c := range []struct {
		name, driver, dsn string
		pooler            bool
	}{
		{"path=direct/driver=pgx/prepared", "pgx", dsn, false},
		{"path=direct/driver=pgx-exec/unprepared", "pgx", dsn + "&default_query_exec_mode=exec", true},
		{"path=pgbouncer/driver=pgx-exec/unprepared", "pgx", via + "&default_query_exec_mode=exec", true},
		{"path=pgbouncer/driver=pq-binary/unprepared", "postgres", via + "&binary_parameters=yes", true},
	} {
		b.Run(c.name, func(b *testing.B) {
			db, err := sql.Open(c.driver, c.dsn)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			s, err := dbstore.New(db, &dbstore.Options{Dialect: django.PostgreSQL, Codec: codec(b), Table: table, TransactionPooler: c.pooler})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ReportAllocs()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					obj, err := s.Load(ctx, key)
					if err != nil {
						b.Error(err)
						return
					}
					sinkObj = obj
				}
			})
		})
	}
}
