package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/go-sql-driver/mysql"
)

// serverTable is a copy of the Django-made fixture in a fresh table of a
// database server.
type serverTable struct {
	url    string         // --database-url
	table  string         // --table
	empty  string         // a second table, empty
	django map[string]any // settings.DATABASES["default"] for real Django
}

// fixtureRows reads the rows Django wrote into the committed SQLite file.
func fixtureRows(t *testing.T) []sessionRow {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+fixtureDB+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: "only listing"}})
	if err != nil {
		t.Fatal(err)
	}
	store, err := dbstore.New(db, &dbstore.Options{Dialect: django.SQLite, Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	s := &sessionDB{db: db, store: store}
	var rows []sessionRow
	if err := s.each(context.Background(), rowFilter{}, func(r sessionRow) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return rows
}

func randomTable() string {
	var b [4]byte
	rand.Read(b[:])
	return "djs_cli_session_" + hex.EncodeToString(b[:])
}

// loadInto creates table with Django's DDL for d and copies the
// fixture's rows into it as Django would store them.
func loadInto(t *testing.T, db *sql.DB, d django.Dialect, table string) {
	t.Helper()
	createTable(t, db, d, table)
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: "only writing records"}})
	if err != nil {
		t.Fatal(err)
	}
	store, err := dbstore.New(db, &dbstore.Options{Dialect: d, Codec: codec, Table: table})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, r := range fixtureRows(t) {
		if err := store.PutRecord(context.Background(), djangosession.Record{Key: r.key, Data: []byte(r.data), Expire: r.expire}, false); err != nil {
			t.Fatal(err)
		}
	}
}

// createTable makes table with Django's DDL for d, dropped at cleanup.
func createTable(t *testing.T, db *sql.DB, d django.Dialect, table string) {
	t.Helper()
	ctx := context.Background()
	var ddl []string
	switch d {
	case django.PostgreSQL:
		ddl = []string{
			`CREATE TABLE "` + table + `" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" timestamp with time zone NOT NULL)`,
			`CREATE INDEX "` + table + `_session_key_like" ON "` + table + `" ("session_key" varchar_pattern_ops)`,
			`CREATE INDEX "` + table + `_expire_date" ON "` + table + `" ("expire_date")`,
		}
	case django.MySQL:
		ddl = []string{
			"CREATE TABLE `" + table + "` (`session_key` varchar(40) NOT NULL PRIMARY KEY, `session_data` longtext NOT NULL, `expire_date` datetime(6) NOT NULL)",
			"CREATE INDEX `" + table + "_expire_date` ON `" + table + "` (`expire_date`)",
		}
	}
	for _, q := range ddl {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		q := `DROP TABLE "` + table + `"`
		if d == django.MySQL {
			q = "DROP TABLE `" + table + "`"
		}
		db.ExecContext(context.Background(), q)
	})
}

func postgresTable(t *testing.T) serverTable {
	dsn := testenv.PostgresDSN(t)
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	table := randomTable()
	loadInto(t, db, django.PostgreSQL, table)
	empty := randomTable()
	createTable(t, db, django.PostgreSQL, empty)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	return serverTable{url: dsn, table: table, empty: empty, django: map[string]any{
		"ENGINE": "django.db.backends.postgresql", "NAME": strings.TrimPrefix(u.Path, "/"),
		"USER": u.User.Username(), "PASSWORD": pw, "HOST": u.Hostname(), "PORT": u.Port(),
	}}
}

func mysqlTable(t *testing.T) serverTable {
	dsn := testenv.MySQLDSN(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	table := randomTable()
	loadInto(t, db, django.MySQL, table)
	empty := randomTable()
	createTable(t, db, django.MySQL, empty)
	u := &url.URL{Scheme: "mysql", Host: cfg.Addr, Path: "/" + cfg.DBName}
	if cfg.Passwd != "" {
		u.User = url.UserPassword(cfg.User, cfg.Passwd)
	} else {
		u.User = url.User(cfg.User)
	}
	host, port, _ := strings.Cut(cfg.Addr, ":")
	return serverTable{url: u.String(), table: table, empty: empty, django: map[string]any{
		"ENGINE": "django.db.backends.mysql", "NAME": cfg.DBName,
		"USER": cfg.User, "PASSWORD": cfg.Passwd, "HOST": host, "PORT": port,
	}}
}

func TestSessionsOnServers(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(*testing.T) serverTable
	}{
		{"postgres", postgresTable},
		{"mariadb", mysqlTable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := loadFixture(t)
			st := tc.open(t)
			db := []string{"--database-url", st.url, "--table", st.table}
			key := []string{"--secret-key-file", fixtureKeyFile}

			// ls: the same statuses and expiry as on SQLite
			res := runCLI(t, nil, nil, "", append(append([]string{"sessions", "ls", "--format", "jsonl", "--columns", "key,status,expires,expired"}, db...), key...)...)
			rows := lsJSONL(t, res.out)
			if res.code != 0 || len(rows) != len(f.Rows) {
				t.Fatalf("ls: exit %d, %d rows: %s", res.code, len(rows), res.err)
			}
			for i, want := range f.Rows {
				if str(t, rows[i]["key"]) != want.Key || str(t, rows[i]["status"]) != want.wantStatus() {
					t.Errorf("row %d: %v, want %s %s", i, rows[i], want.Key, want.wantStatus())
				}
				wantExp, err := time.Parse(time.RFC3339Nano, want.ExpireDate)
				if err != nil {
					t.Fatal(err)
				}
				gotExp, err := time.Parse(time.RFC3339Nano, str(t, rows[i]["expires"]))
				if err != nil || !gotExp.Equal(wantExp) {
					t.Errorf("%s: expires %s, want %s", want.Key, rows[i]["expires"], want.ExpireDate)
				}
				if string(rows[i]["expired"]) != map[bool]string{true: "true", false: "false"}[want.Expired] {
					t.Errorf("%s: expired %s", want.Key, rows[i]["expired"])
				}
			}
			if tc.name == "postgres" { // a schema-qualified --table
				res := runCLI(t, nil, nil, "", append([]string{"sessions", "ls", "--format", "jsonl", "--columns", "key", "--database-url", st.url, "--table", "public." + st.table}, key...)...)
				if got := len(lsJSONL(t, res.out)); res.code != 0 || got != len(f.Rows) {
					t.Errorf("--table public.%s: exit %d, %d rows: %s", st.table, res.code, got, res.err)
				}
			}
			// filters in SQL
			for _, args := range [][]string{{"--active"}, {"--expired"}, {"--key-prefix", f.Rows[5].Key[:2]}} {
				res := runCLI(t, nil, nil, "", append(append(append([]string{"sessions", "ls", "--format", "jsonl", "--columns", "key"}, db...), key...), args...)...)
				want := 0
				for _, r := range f.Rows {
					switch args[0] {
					case "--active":
						want += b2i(!r.Expired)
					case "--expired":
						want += b2i(r.Expired)
					default:
						want += b2i(strings.HasPrefix(r.Key, args[1]))
					}
				}
				if got := len(lsJSONL(t, res.out)); got != want {
					t.Errorf("ls %v: %d rows, want %d", args, got, want)
				}
			}

			// copy from the SQLite fixture into the empty table: the same
			// sessions, expiry and data
			src, _ := copyFixtureDB(t)
			res = runCLI(t, nil, nil, "", "sessions", "copy", "--database-url", src, "--to", st.url, "--to-table", st.empty, "--include-expired", "--batch-size", "9")
			if res.code != 0 {
				t.Fatalf("copy: exit %d %q", res.code, res.err)
			}
			sameSessions(t, lsAll(t, st.url, "--table", st.empty), lsAll(t, src), "copy to "+tc.name)
			res = runCLI(t, nil, nil, "", "sessions", "copy", "--database-url", src, "--to", st.url, "--to-table", st.empty, "--replace")
			if res.code != 0 || strings.Contains(res.out, "copied 0 ") {
				t.Fatalf("copy --replace: exit %d %q %q", res.code, res.out, res.err)
			}

			// show and stats
			r := f.row(t, func(r fixtureRow) bool { return r.Kind == "json" && r.Format == "legacy" })
			res = runCLI(t, nil, nil, "", append(append([]string{"sessions", "show", r.Key}, db...), key...)...)
			var shown struct{ Data json.RawMessage }
			if json.Unmarshal([]byte(res.out), &shown); res.code != 0 || canon(t, shown.Data) != canon(t, r.Data) {
				t.Errorf("show: exit %d %s %s", res.code, res.out, res.err)
			}
			res = runCLI(t, nil, nil, "", append(append([]string{"sessions", "stats", "--format", "json"}, db...), key...)...)
			var stats sessionStats
			if json.Unmarshal([]byte(res.out), &stats); res.code != 0 || stats.Total != int64(len(f.Rows)) || stats.Format[formatLegacy] != 3 {
				t.Errorf("stats: exit %d %s", res.code, res.out)
			}

			// rekey, then real Django reads the table
			env := map[string]string{envNewSecretKey: newTestKey}
			res = runCLI(t, nil, env, "", append(append([]string{"sessions", "rekey", "--batch-size", "6"}, db...), key...)...)
			if res.code != 0 {
				t.Fatalf("rekey: exit %d %q", res.code, res.err)
			}
			checkRekeyed(t, f, st.url, "--table", st.table)
			if os.Getenv("DJ_TEST_DJANGO") != "" {
				dj := testenv.Django32(t)
				keyFile := filepath.Join(t.TempDir(), "new_key.txt")
				os.WriteFile(keyFile, []byte(newTestKey+"\n"), 0o600)
				spec, _ := json.Marshal(st.django)
				djangoReadCheck(t, dj, f, string(spec), keyFile, st.table)
			}

			// clear-expired
			expired := 0
			for _, r := range f.Rows {
				expired += b2i(r.Expired)
			}
			res = runCLI(t, nil, nil, "", append([]string{"sessions", "clear-expired", "--batch-size", "4"}, db...)...)
			if res.code != 0 || !strings.Contains(res.out, "deleted "+itoa(expired)+" ") {
				t.Fatalf("clear-expired: exit %d %q %q", res.code, res.out, res.err)
			}
			res = runCLI(t, nil, map[string]string{envSecretKey: newTestKey}, "", append([]string{"sessions", "ls", "--expired"}, db...)...)
			if res.code != 1 {
				t.Fatalf("expired sessions left: %s", res.out)
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
