package dbstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/lib/pq"
	_ "modernc.org/sqlite"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
)

const secret = "dbstore-test-secret-key-not-a-real-one"

func codec(t testing.TB) *djangosession.Codec {
	c, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: secret}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// backend opens one database and makes fresh tables in it.
type backend struct {
	name    string
	dialect django.Dialect
	open    func(t *testing.T) *sql.DB
}

func backends() []backend {
	return []backend{
		{"sqlite", django.SQLite, func(t *testing.T) *sql.DB {
			db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "s.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}},
		{"postgres-pq", django.PostgreSQL, func(t *testing.T) *sql.DB { return openDSN(t, "postgres", testenv.PostgresDSN(t)) }},
		{"postgres-pgx", django.PostgreSQL, func(t *testing.T) *sql.DB { return openDSN(t, "pgx", testenv.PostgresDSN(t)) }},
		{"mysql", django.MySQL, func(t *testing.T) *sql.DB { return openDSN(t, "mysql", testenv.MySQLDSN(t)) }},
	}
}

func openDSN(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatalf("%s: %v", driver, err)
	}
	return db
}

func randomTable(t testing.TB) string {
	var b [6]byte
	rand.Read(b[:])
	return "django_session_" + hex.EncodeToString(b[:])
}

// newStore makes a fresh table with Django's DDL and a store over it.
func newStore(t *testing.T, db *sql.DB, d django.Dialect, o dbstore.Options) *dbstore.Store {
	t.Helper()
	o.Dialect = d
	if o.Codec == nil {
		o.Codec = codec(t)
	}
	if o.Table == "" {
		o.Table = randomTable(t)
	}
	s, err := dbstore.New(db, &o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		db.Exec("DROP TABLE " + o.Table)
	})
	return s
}

func TestConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			storetest.Run(t, storetest.Options{
				New:           func(t *testing.T) djangosession.Store { return newStore(t, db, b.dialect, dbstore.Options{}) },
				ExpiresByDate: true,
			})
			t.Run("NoPrepare", func(t *testing.T) {
				storetest.Run(t, storetest.Options{
					New: func(t *testing.T) djangosession.Store {
						return newStore(t, db, b.dialect, dbstore.Options{NoPrepare: true})
					},
					ExpiresByDate: true,
				})
			})
		})
	}
}

func TestClose(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			s := newStore(t, db, b.dialect, dbstore.Options{})
			exp := djangosession.Expiry{Date: time.Now().Add(time.Hour)}
			if err := s.Save(ctx, "closetest1", storetest.Sample(), exp, true); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Load(ctx, "closetest1"); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Load(ctx, "closetest1"); !errors.Is(err, dbstore.ErrClosed) {
				t.Errorf("Load after Close: %v", err)
			}
			if err := s.Save(ctx, "closetest1", storetest.Sample(), exp, false); !errors.Is(err, dbstore.ErrClosed) {
				t.Errorf("Save after Close: %v", err)
			}
			if err := db.Ping(); err != nil {
				t.Errorf("the *sql.DB was closed too: %v", err)
			}
		})
	}
}

func TestExpireDateAsDjangoWritesIt(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 20, 30, 123456789, time.UTC)
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			for _, tc := range []struct {
				name string
				loc  *time.Location
				at   time.Time
				want string // raw column text for naive databases
			}{
				{"utc-micro", nil, at, "2026-11-23 10:20:30.123456"},
				{"utc-whole", nil, at.Truncate(time.Second), "2026-11-23 10:20:30"},
				{"chicago", chicago, at, "2026-11-23 04:20:30.123456"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					s := newStore(t, db, b.dialect, dbstore.Options{Location: tc.loc, NaiveTime: tc.loc != nil})
					table := tableOf(t, s)
					if err := s.Save(context.Background(), "k1234567890", storetest.Sample(), djangosession.Expiry{Date: tc.at, Age: 60}, true); err != nil {
						t.Fatal(err)
					}
					var raw string
					// The concatenation keeps the driver from parsing the text.
					q := "SELECT expire_date || '' FROM " + table
					switch b.dialect {
					case django.PostgreSQL:
						q = "SELECT to_char(expire_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM " + table
						tc.want = at.UTC().Format("2006-01-02 15:04:05.000000")
						if tc.name == "utc-whole" {
							tc.want = "2026-11-23 10:20:30.000000"
						}
					case django.MySQL:
						q = "SELECT CAST(expire_date AS CHAR) FROM " + table
						if !strings.Contains(tc.want, ".") {
							tc.want += ".000000"
						}
					}
					if err := db.QueryRow(q).Scan(&raw); err != nil {
						t.Fatal(err)
					}
					if raw != tc.want {
						t.Errorf("stored expire_date = %q, want %q", raw, tc.want)
					}
					_, exp, err := s.LoadExpiry(context.Background(), "k1234567890")
					if err != nil && !errors.Is(err, djangosession.ErrNotFound) {
						t.Fatal(err)
					}
					if err == nil && !exp.Equal(tc.at.Truncate(time.Microsecond)) {
						t.Errorf("LoadExpiry = %v, want %v", exp, tc.at)
					}
				})
			}
		})
	}
}

// tableOf digs the table name back out through a query error-free path:
// the tests name tables themselves, so keep them in a registry.
func tableOf(t *testing.T, s *dbstore.Store) string {
	t.Helper()
	return s.Table()
}

func TestLongKeyAndClearExpired(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			now := time.Now()
			s := newStore(t, db, b.dialect, dbstore.Options{BatchSize: 7, Now: func() time.Time { return now }})
			long := strings.Repeat("a", 41)
			if err := s.Save(ctx, long, storetest.Sample(), djangosession.Expiry{Date: now.Add(time.Hour)}, true); !errors.Is(err, djangosession.ErrInvalidKey) {
				t.Fatalf("41-char key: %v", err)
			}
			for i := range 30 {
				d := now.Add(time.Hour)
				if i%3 != 0 {
					d = now.Add(-time.Duration(i) * time.Minute)
				}
				k := fmt.Sprintf("key%08d", i)
				if err := s.Save(ctx, k, storetest.Sample(), djangosession.Expiry{Date: d}, true); err != nil {
					t.Fatal(err)
				}
			}
			n, err := s.ClearExpired(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != 20 {
				t.Fatalf("ClearExpired removed %d rows, want 20", n)
			}
			var left int
			db.QueryRow("SELECT COUNT(*) FROM " + s.Table()).Scan(&left)
			if left != 10 {
				t.Fatalf("%d rows left, want 10", left)
			}
		})
	}
}

func TestUpdateUnchangedOnMySQL(t *testing.T) {
	// MySQL reports 0 changed rows when an UPDATE writes the same values;
	// that must not look like a vanished session.
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			now := time.Unix(1700000000, 0)
			c, _ := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: secret}, Now: func() time.Time { return now }})
			s := newStore(t, db, b.dialect, dbstore.Options{Codec: c})
			exp := djangosession.Expiry{Date: time.Now().Add(time.Hour).Truncate(time.Second)}
			if err := s.Save(ctx, "samevalues1", storetest.Sample(), exp, true); err != nil {
				t.Fatal(err)
			}
			if err := s.Save(ctx, "samevalues1", storetest.Sample(), exp, false); err != nil {
				t.Fatalf("update with identical values: %v", err)
			}
		})
	}
}

func TestDDLMatchesDjangoNames(t *testing.T) {
	// Index names Django derives: md5("django_session" "expire_date")[:8]
	// and md5("django_session" "session_key")[:8].
	pg, err := dbstore.DDL(django.PostgreSQL, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" timestamp with time zone NOT NULL);`,
		`CREATE INDEX "django_session_session_key_c0390e0f_like" ON "django_session" ("session_key" varchar_pattern_ops);`,
		`CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date");`,
	}
	if strings.Join(pg, "\n") != strings.Join(want, "\n") {
		t.Errorf("postgres DDL:\n%s\nwant\n%s", strings.Join(pg, "\n"), strings.Join(want, "\n"))
	}
}

// --- live interop with real Django ---

type djResult struct {
	Key       string          `json:"key"`
	Data      json.RawMessage `json:"data"`
	ExpiryAge int64           `json:"expiry_age"`
	SQL       []string        `json:"sql"`
	Raw       *string         `json:"raw"`
}

func runDjango(t *testing.T, dj testenv.Django, engine string, conf map[string]any, cmds []map[string]any) []djResult {
	t.Helper()
	cj, _ := json.Marshal(conf)
	var in bytes.Buffer
	for _, c := range cmds {
		// pyjson, not encoding/json: 1.0 must reach Python as a float.
		b, err := pyjson.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		in.Write(b)
		in.WriteByte('\n')
	}
	out := dj.Run(t, "testdata/dbstore_django.py", in.Bytes(), engine, string(cj), secret)
	var res []djResult
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var r djResult
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("bad line %q: %v", line, err)
		}
		res = append(res, r)
	}
	if len(res) != len(cmds) {
		t.Fatalf("django answered %d of %d commands", len(res), len(cmds))
	}
	return res
}

func sampleValues() []map[string]any {
	big1, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	return []map[string]any{
		{"_auth_user_id": "7", "_auth_user_backend": "django.contrib.auth.backends.ModelBackend"},
		{"unicode": "héllo ✓ 😀 \u2028", "nested": map[string]any{"a": []any{1, 2.5, nil, true}}},
		{"big": big1, "float": 1.0, "neg": -0.5, "exp": 1e300},
		{"cart": map[string]any{"sku-9": 3}, "empty": map[string]any{}},
	}
}

func TestLiveInteropSQLite(t *testing.T) {
	for _, dj := range testenv.Djangos(t) {
		t.Run(dj.Version, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "django.sqlite3")
			conf := map[string]any{"NAME": path}
			runDjango(t, dj, "sqlite", conf, []map[string]any{{"op": "migrate"}})
			db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			interop(t, dj, "sqlite", conf, db, dbstore.Options{Dialect: django.SQLite})
		})
	}
}

func TestLiveInteropPostgres(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	for _, dj := range testenv.Djangos(t) {
		t.Run(dj.Version, func(t *testing.T) {
			db := openDSN(t, "pgx", dsn)
			name := "djs_" + strings.ReplaceAll(dj.Version, ".", "") + "_" + randomTable(t)[15:]
			if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Exec("DROP DATABASE " + name + " WITH (FORCE)") })
			conf := map[string]any{"NAME": name, "USER": "postgres", "HOST": "127.0.0.1", "PORT": "5432"}
			runDjango(t, dj, "postgres", conf, []map[string]any{{"op": "migrate"}})
			tdb := openDSN(t, "pgx", strings.Replace(dsn, "/test?", "/"+name+"?", 1))
			interop(t, dj, "postgres", conf, tdb, dbstore.Options{Dialect: django.PostgreSQL})
		})
	}
}

func TestLiveInteropMySQL(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	for _, dj := range testenv.Djangos(t) {
		t.Run(dj.Version, func(t *testing.T) {
			if dj.Version == "6.1" {
				t.Log("Django 6.1 needs mysqlclient >= 2.2.1; Debian bookworm has 1.4.6: not run")
				return
			}
			db := openDSN(t, "mysql", dsn)
			name := "djs_" + strings.ReplaceAll(dj.Version, ".", "") + "_" + randomTable(t)[15:]
			if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Exec("DROP DATABASE " + name) })
			conf := map[string]any{"NAME": name, "USER": "root", "HOST": "127.0.0.1", "PORT": "3306"}
			runDjango(t, dj, "mysql", conf, []map[string]any{{"op": "migrate"}})
			tdb := openDSN(t, "mysql", strings.Replace(dsn, "/test", "/"+name, 1))
			interop(t, dj, "mysql", conf, tdb, dbstore.Options{Dialect: django.MySQL})
		})
	}
}

// interop proves Go and Django agree on the sessions in db, which conf
// (the runner's database settings) names for Django; o configures the
// Go store (its codec is set here).
func interop(t *testing.T, dj testenv.Django, engine string, conf map[string]any, db *sql.DB, o dbstore.Options) {
	ctx := context.Background()
	d := o.Dialect
	o.Codec = codec(t)
	store, err := dbstore.New(db, &o)
	if err != nil {
		t.Fatal(err)
	}
	engineGo := mustEngine(t, store, nil)

	// The schema Django made is the one our DDL makes.
	sqlm := runDjango(t, dj, engine, conf, []map[string]any{{"op": "sqlmigrate"}})[0].SQL
	ours, _ := dbstore.DDL(d, "")
	if strings.Join(sqlm, "\n") != strings.Join(ours, "\n") {
		t.Errorf("sqlmigrate on Django %s:\n%s\nours:\n%s", dj.Version, strings.Join(sqlm, "\n"), strings.Join(ours, "\n"))
	}

	// Django writes, Go reads and updates, Django reads the update.
	var cmds []map[string]any
	for i, v := range sampleValues() {
		var exp any
		switch i % 3 {
		case 1:
			exp = 600
		case 2:
			exp = 0
		}
		cmds = append(cmds, map[string]any{"op": "write", "data": v, "expiry": exp})
	}
	written := runDjango(t, dj, engine, conf, cmds)
	var reads []map[string]any
	var wantAfter []string
	for i, w := range written {
		s, err := engineGo.Open(ctx, w.Key)
		if err != nil || s.Key() != w.Key {
			t.Fatalf("Go open of Django's session %d: key %q, err %v", i, s.Key(), err)
		}
		want, _ := pyjson.Marshal(sampleValues()[i])
		gotV := s.Data().Clone()
		gotV.Delete(djangosession.ExpiryKey)
		got, _ := pyjson.Marshal(gotV)
		if !sameJSONObject(t, got, want) {
			t.Errorf("session %d: Go read %s, Django wrote %s", i, got, want)
		}
		s.Set("go_was_here", int64(i))
		s.Set("go_unicode", "ünï ✓")
		if err := s.Save(ctx); err != nil {
			t.Fatal(err)
		}
		after, _ := pyjson.Marshal(s.Data())
		wantAfter = append(wantAfter, string(after))
		reads = append(reads, map[string]any{"op": "read", "key": w.Key})
	}
	for i, r := range runDjango(t, dj, engine, conf, reads) {
		if !sameJSONObject(t, r.Data, []byte(wantAfter[i])) {
			t.Errorf("Django read %s after Go's update, want %s", r.Data, wantAfter[i])
		}
	}

	// Go writes, Django reads, with the expiry Go stored.
	reads = nil
	wantAfter = nil
	for i, v := range sampleValues() {
		s := engineGo.New()
		for k, x := range v {
			s.Set(k, x)
		}
		if i%2 == 1 {
			s.SetExpiry(900)
		}
		if err := s.Save(ctx); err != nil {
			t.Fatal(err)
		}
		b, _ := pyjson.Marshal(s.Data())
		wantAfter = append(wantAfter, string(b))
		reads = append(reads, map[string]any{"op": "read", "key": s.Key()})
	}
	for i, r := range runDjango(t, dj, engine, conf, reads) {
		if !sameJSONObject(t, r.Data, []byte(wantAfter[i])) {
			t.Errorf("Django read %s, Go wrote %s", r.Data, wantAfter[i])
		}
		wantAge := int64(1209600)
		if i%2 == 1 {
			wantAge = 900
		}
		if r.ExpiryAge != wantAge {
			t.Errorf("Django's expiry age %d, want %d", r.ExpiryAge, wantAge)
		}
	}
}

// sameJSONObject compares two JSON objects as values (Python's json.dumps
// without separators differs in spacing from ours).
func sameJSONObject(t *testing.T, a, b []byte) bool {
	t.Helper()
	va, err := pyjson.Unmarshal(a)
	if err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	vb, err := pyjson.Unmarshal(b)
	if err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	ea, _ := pyjson.Marshal(va)
	eb, _ := pyjson.Marshal(vb)
	return bytes.Equal(ea, eb)
}
