package dbstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
)

// replicaSet is a throwaway PostgreSQL primary with a streaming replica.
type replicaSet struct {
	primary, replica *testenv.Postgres
}

func startReplicaSet(t *testing.T) replicaSet {
	t.Helper()
	p := testenv.StartPostgres(t)
	return replicaSet{primary: p, replica: p.StartReplica(t)}
}

// open returns pgx handles on database name of the primary and the replica.
func (r replicaSet) open(t *testing.T, name string) (primary, replica *sql.DB) {
	t.Helper()
	return openDSN(t, "pgx", r.primary.DSN(name)), openDSN(t, "pgx", r.replica.DSN(name))
}

// pause stops WAL replay on the replica: from now on it lags.
func (r replicaSet) pause(t *testing.T) {
	t.Helper()
	db := openDSN(t, "pgx", r.replica.DSN("postgres"))
	defer db.Close()
	if _, err := db.Exec("SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	for state := ""; state != "paused"; time.Sleep(10 * time.Millisecond) {
		if err := db.QueryRow("SELECT pg_get_wal_replay_pause_state()").Scan(&state); err != nil {
			t.Fatal(err)
		}
	}
}

// catchUp resumes replay and waits until the replica has replayed every
// WAL record the primary wrote so far.
func (r replicaSet) catchUp(t *testing.T) {
	t.Helper()
	p := openDSN(t, "pgx", r.primary.DSN("postgres"))
	defer p.Close()
	rp := openDSN(t, "pgx", r.replica.DSN("postgres"))
	defer rp.Close()
	if _, err := rp.Exec("SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	var lsn string
	if err := p.QueryRow("SELECT pg_current_wal_insert_lsn()::text").Scan(&lsn); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var done bool
		if err := rp.QueryRow("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", lsn).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica did not replay up to %s", lsn)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// value returns the "v" a session holds ("" when none), failing the test
// on an error other than ErrNotFound.
func value(t *testing.T, s *dbstore.Store, ctx context.Context, key string) string {
	t.Helper()
	data, err := s.Load(ctx, key)
	if errors.Is(err, djangosession.ErrNotFound) {
		return ""
	}
	if err != nil {
		t.Fatalf("load %s: %v", key, err)
	}
	v, _ := data.Get("v")
	str, _ := v.(string)
	return str
}

func withV(v string) *pyjson.Object {
	o := pyjson.NewObject()
	o.Set("v", v)
	return o
}

func TestReplica(t *testing.T) {
	testenv.Topologies(t)
	rs := startReplicaSet(t)
	t.Run("read-your-writes", func(t *testing.T) { replicaReadYourWrites(t, rs) })
	t.Run("concurrent-lagging", func(t *testing.T) { replicaConcurrent(t, rs) })
	t.Run("django", func(t *testing.T) { replicaDjango(t, rs) })
}

// replicaConcurrent runs the 32-goroutine workload of the pooler test with
// the replica's replay paused halfway: every worker reads back what it
// last saved (no error, no stale read). Without the read-your-writes window
// (ReplicaLag < 0) the same workload reads stale rows: the failure mode.
func replicaConcurrent(t *testing.T, rs replicaSet) {
	pdb, rdb := rs.open(t, "postgres")
	rs.catchUp(t)
	defer rs.catchUp(t)
	for _, tc := range []struct {
		name  string
		lag   time.Duration
		stale bool
	}{
		{"window", 0, false},
		{"no-window", -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, pdb, django.PostgreSQL, dbstore.Options{ReadDB: rdb, ReplicaLag: tc.lag})
			// Halfway, once the replica has every row so far, it stops
			// replaying: the second half's updates and deletes of rows
			// the replica holds are not there.
			errs, n := poolerWork(t, s, pdb, 60, func() { rs.catchUp(t); rs.pause(t) })
			t.Logf("%d calls, the replica paused halfway: %d errors", n, len(errs))
			if tc.stale {
				if len(errs) == 0 {
					t.Error("no stale read without the window: the replica is not lagging")
				}
				return
			}
			for i, err := range errs {
				if i == 10 {
					break
				}
				t.Error(err)
			}
		})
	}
}

// replicaReadYourWrites pauses the replica's replay and checks which
// handle each read sees: the writing store reads its own writes for
// ReplicaLag, another store (another process) reads the replica's stale
// rows as Django does, except for rows the replica lacks.
func replicaReadYourWrites(t *testing.T, rs replicaSet) {
	ctx := context.Background()
	pdb, rdb := rs.open(t, "postgres")
	now := time.Now()
	clock := func() time.Time { return now }
	table := randomTable(t)
	mk := func(o dbstore.Options) *dbstore.Store {
		o.Dialect, o.Codec, o.Table, o.Now = django.PostgreSQL, codec(t), table, clock
		s, err := dbstore.New(pdb, &o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	if err := mk(dbstore.Options{}).CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	writer := mk(dbstore.Options{ReadDB: rdb, ReplicaLag: 2 * time.Second})
	other := mk(dbstore.Options{ReadDB: rdb})                 // another process of the site
	naive := mk(dbstore.Options{ReadDB: rdb, ReplicaLag: -1}) // replica reads, no read-your-writes
	exp := djangosession.Expiry{Date: now.Add(time.Hour)}
	for _, k := range []string{"updated00000000000000000000000001", "deleted00000000000000000000000001"} {
		if err := writer.Save(ctx, k, withV("v1"), exp, true); err != nil {
			t.Fatal(err)
		}
	}
	rs.catchUp(t)
	rs.pause(t)

	const upd, del, created = "updated00000000000000000000000001", "deleted00000000000000000000000001", "created00000000000000000000000001"
	if err := writer.Save(ctx, upd, withV("v2"), exp, false); err != nil {
		t.Fatal(err)
	}
	if err := writer.Delete(ctx, del); err != nil {
		t.Fatal(err)
	}
	if err := writer.Save(ctx, created, withV("new"), exp, true); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		who  string
		s    *dbstore.Store
		ctx  context.Context
		key  string
		want string
	}{
		// The store that wrote reads its writes back.
		{"writer", writer, ctx, upd, "v2"},
		{"writer", writer, ctx, del, ""},
		{"writer", writer, ctx, created, "new"},
		// Without read-your-writes the replica's stale rows come back:
		// the failure mode the window guards against.
		{"naive", naive, ctx, upd, "v1"},
		{"naive", naive, ctx, del, "v1"},
		// A row the replica lacks is asked of the primary.
		{"naive", naive, ctx, created, "new"},
		{"other", other, ctx, created, "new"},
		// Another process reads what the replica has, as Django does...
		{"other", other, ctx, upd, "v1"},
		{"other", other, ctx, del, "v1"},
		// ...unless the request says it needs the primary.
		{"other+ReadPrimary", other, dbstore.ReadPrimary(ctx), upd, "v2"},
		{"other+ReadPrimary", other, dbstore.ReadPrimary(ctx), del, ""},
	} {
		if got := value(t, tc.s, tc.ctx, tc.key); got != tc.want {
			t.Errorf("%s: Load(%s) = %q, want %q", tc.who, tc.key[:7], got, tc.want)
		}
	}
	if ok, err := other.Exists(ctx, created); err != nil || !ok {
		t.Errorf("other: Exists(created) = %v, %v; want true (from the primary)", ok, err)
	}
	// Once the window has passed the writer reads the replica again.
	now = now.Add(2 * time.Second)
	if got := value(t, writer, ctx, upd); got != "v1" {
		t.Errorf("writer after ReplicaLag: Load(updated) = %q, want the replica's v1", got)
	}
	rs.catchUp(t)
	for _, s := range []*dbstore.Store{writer, other, naive} {
		if got := value(t, s, ctx, upd); got != "v2" {
			t.Errorf("after catch-up: Load(updated) = %q, want v2", got)
		}
		if got := value(t, s, ctx, del); got != "" {
			t.Errorf("after catch-up: Load(deleted) = %q, want none", got)
		}
	}
}

// replicaDjango has Django, with a router that reads sessions from the
// replica, and Go, with ReadDB on the replica, share sessions while the
// replica lags and after it caught up.
func replicaDjango(t *testing.T, rs replicaSet) {
	ctx := context.Background()
	for _, dj := range testenv.Djangos(t) {
		t.Run(dj.Version, func(t *testing.T) {
			admin := openDSN(t, "pgx", rs.primary.DSN("postgres"))
			name := "djs_" + strings.ReplaceAll(dj.Version, ".", "")
			if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
				t.Fatal(err)
			}
			one := func(p *testenv.Postgres) map[string]any {
				return map[string]any{"NAME": name, "USER": "postgres", "HOST": "127.0.0.1", "PORT": fmt.Sprint(testenv.Port(p.Addr))}
			}
			conf := map[string]any{"ROUTER": "replica", "DATABASES": map[string]any{
				"default": one(rs.primary), "replica": one(rs.replica)}}
			runDjango(t, dj, "postgres", conf, []map[string]any{{"op": "migrate"}})
			rs.catchUp(t)
			pdb, rdb := rs.open(t, name)
			store, err := dbstore.New(pdb, &dbstore.Options{Dialect: django.PostgreSQL, Codec: codec(t), ReadDB: rdb})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			replicaOnly, err := dbstore.New(rdb, &dbstore.Options{Dialect: django.PostgreSQL, Codec: codec(t)})
			if err != nil {
				t.Fatal(err)
			}
			defer replicaOnly.Close()
			const n = 20

			// Django writes N while the replica lags. Django, reading
			// through its router, finds none of them (its user would be
			// logged out); Go finds every one.
			rs.pause(t)
			var cmds, reads []map[string]any
			for i := range n {
				cmds = append(cmds, map[string]any{"op": "write", "data": map[string]any{"v": fmt.Sprint("dj", i)}})
			}
			var keys []string
			for _, w := range runDjango(t, dj, "postgres", conf, cmds) {
				keys = append(keys, w.Key)
				reads = append(reads, map[string]any{"op": "read", "key": w.Key})
			}
			stale := 0
			for _, r := range runDjango(t, dj, "postgres", conf, reads) {
				if string(r.Data) == "null" {
					stale++
				}
			}
			t.Logf("Django %s, replica paused: %d of %d sessions Django just wrote not found by Django", dj.Version, stale, n)
			if stale != n {
				t.Errorf("Django found %d of its %d sessions on a paused replica: the replica is not lagging", n-stale, n)
			}
			for i, k := range keys {
				if got := value(t, store, ctx, k); got != fmt.Sprint("dj", i) {
					t.Errorf("Go read %q for Django's session %d", got, i)
				}
			}
			// Once the replica caught up, Go finds every one through the
			// read handle alone.
			rs.catchUp(t)
			for i, k := range keys {
				if got := value(t, replicaOnly, ctx, k); got != fmt.Sprint("dj", i) {
					t.Errorf("Go read %q from the replica for Django's session %d", got, i)
				}
			}

			// Go writes N (to the primary); Django loads every one after
			// the replica caught up.
			rs.pause(t)
			reads = nil
			engine := mustEngine(t, store, nil)
			for i := range n {
				s := engine.New()
				s.Set("v", fmt.Sprint("go", i))
				if err := s.Save(ctx); err != nil {
					t.Fatal(err)
				}
				if got := value(t, store, ctx, s.Key()); got != fmt.Sprint("go", i) {
					t.Errorf("Go read back %q for its session %d while the replica lags", got, i)
				}
				reads = append(reads, map[string]any{"op": "read", "key": s.Key()})
			}
			rs.catchUp(t)
			for i, r := range runDjango(t, dj, "postgres", conf, reads) {
				if want := fmt.Sprintf(`{"v": "go%d"}`, i); !sameJSONObject(t, r.Data, []byte(want)) {
					t.Errorf("Django read %s for Go's session %d, want %s", r.Data, i, want)
				}
			}
		})
	}
}
