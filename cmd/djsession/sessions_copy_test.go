package main

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testenv"
)

// emptySQLite makes a SQLite database with Django's django_session DDL.
func emptySQLite(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "empty.sqlite3")
	db, err := sql.Open("sqlite", sqliteTarget(path, path).dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL)`,
		`CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date")`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return "sqlite:///" + path
}

// lsAll returns key -> "expires status size" for every session at url.
func lsAll(t *testing.T, url string, extra ...string) map[string]string {
	t.Helper()
	args := append([]string{"sessions", "ls", "--database-url", url, "--secret-key-file", fixtureKeyFile, "--format", "jsonl", "--columns", "key,expires,status,size"}, extra...)
	res := runCLI(t, nil, nil, "", args...)
	if res.code > 1 {
		t.Fatalf("ls %s: exit %d %s", url, res.code, res.err)
	}
	out := map[string]string{}
	for _, r := range lsJSONL(t, res.out) {
		exp, err := time.Parse(time.RFC3339Nano, str(t, r["expires"]))
		if err != nil {
			t.Fatal(err)
		}
		out[str(t, r["key"])] = exp.UTC().Format(time.RFC3339Nano) + " " + str(t, r["status"]) + " " + string(r["size"])
	}
	return out
}

func sameSessions(t *testing.T, got, want map[string]string, what string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d sessions, want %d", what, len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s is %q, want %q", what, k, got[k], w)
		}
	}
}

func TestSessionsCopy(t *testing.T) {
	f := loadFixture(t)
	src, _ := copyFixtureDB(t)
	srcAll := lsAll(t, src)
	srcActive := lsAll(t, src, "--active")
	if len(srcActive) == len(srcAll) || len(srcActive) == 0 {
		t.Fatal("fixture without both live and expired sessions")
	}

	t.Run("sqlite-to-sqlite", func(t *testing.T) {
		dst := emptySQLite(t)
		res := runCLI(t, nil, nil, "", "sessions", "copy", "--database-url", src, "--to", dst, "--batch-size", "7")
		if res.code != 0 || !strings.Contains(res.out, "copied "+itoa(len(srcActive))+" of "+itoa(len(srcActive))) {
			t.Fatalf("exit %d %q %q", res.code, res.out, res.err)
		}
		sameSessions(t, lsAll(t, dst), srcActive, "copy")
		res = runCLI(t, nil, nil, "", "sessions", "copy", "--database-url", src, "--to", dst)
		if res.code != 0 || !strings.Contains(res.out, "copied 0 of "+itoa(len(srcActive))) {
			t.Fatalf("second copy: exit %d %q", res.code, res.out)
		}
		res = runCLI(t, nil, nil, "", "sessions", "copy", "--database-url", src, "--to", dst, "--include-expired", "--replace")
		if res.code != 0 || !strings.Contains(res.out, "copied "+itoa(len(f.Rows))+" of "+itoa(len(f.Rows))) {
			t.Fatalf("replace: exit %d %q", res.code, res.out)
		}
		sameSessions(t, lsAll(t, dst), srcAll, "copy --include-expired")
	})

	t.Run("sqlite-to-files-and-back", func(t *testing.T) {
		dir := t.TempDir()
		res := runCLI(t, nil, nil, "", "sessions", "copy", "--database-url", src, "--to", "file://"+dir, "--secret-key-file", fixtureKeyFile)
		if res.code != 0 {
			t.Fatalf("exit %d %q", res.code, res.err)
		}
		got := lsAll(t, dir)
		// the file engine expires at mtime + SESSION_COOKIE_AGE, which copy
		// set to expire_date, except where _session_expiry is an int (the
		// file engine never expires those)
		want := map[string]string{}
		for k, v := range srcActive {
			want[k] = v
		}
		for _, r := range f.Rows {
			if _, ok := want[r.Key]; ok && strings.Contains(string(r.Data), `"_session_expiry": 3600`) {
				want[r.Key] = neverExpires.Format(time.RFC3339Nano) + want[r.Key][strings.IndexByte(want[r.Key], ' '):]
			}
		}
		sameSessions(t, got, want, "files")

		back := emptySQLite(t)
		res = runCLI(t, nil, nil, "", "sessions", "copy", "--database-url", dir, "--secret-key-file", fixtureKeyFile, "--to", back)
		if res.code != 0 {
			t.Fatalf("back: exit %d %q", res.code, res.err)
		}
		sameSessions(t, lsAll(t, back), want, "files to sqlite")
	})

	t.Run("usage", func(t *testing.T) {
		res := runCLI(t, nil, nil, "", "sessions", "copy", "--database-url", src)
		if res.code != 2 || !strings.Contains(res.err, "--to") {
			t.Fatalf("exit %d %q", res.code, res.err)
		}
		res = runCLI(t, nil, nil, "", "sessions", "copy", "--database-url", src, "--to", emptySQLite(t), "--dry-run")
		if res.code != 0 || !strings.Contains(res.out, "would copy "+itoa(len(srcActive))) {
			t.Fatalf("dry run: exit %d %q", res.code, res.out)
		}
	})
}

// TestDBTimeZone reads naive expire_date values written in a zone other
// than UTC (Django with USE_TZ=False and TIME_ZONE = "America/Chicago").
func TestDBTimeZone(t *testing.T) {
	f := loadFixture(t)
	url := emptySQLite(t)
	path := strings.TrimPrefix(url, "sqlite:///")
	db, err := sql.Open("sqlite", sqliteTarget(path, path).dsn)
	if err != nil {
		t.Fatal(err)
	}
	live := f.row(t, func(r fixtureRow) bool { return r.Kind == "json" && !r.Expired })
	dead := f.row(t, func(r fixtureRow) bool { return r.Kind == "json" && r.Expired })
	for _, r := range []struct{ key, data, exp string }{
		{live.Key, live.SessionData, "2091-03-01 06:00:00.5"}, // CST, UTC-6
		{dead.Key, dead.SessionData, "2021-07-01 03:00:00"},   // CDT, UTC-5
	} {
		if _, err := db.Exec(`INSERT INTO "django_session" VALUES (?, ?, ?)`, r.key, r.data, r.exp); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	tz := []string{"--db-time-zone", "America/Chicago"}
	got := lsAll(t, url, tz...)
	if !strings.HasPrefix(got[live.Key], "2091-03-01T12:00:00.5Z ok") || !strings.HasPrefix(got[dead.Key], "2021-07-01T08:00:00Z ok") {
		t.Fatalf("%v", got)
	}
	if n := len(lsAll(t, url, append(tz, "--active")...)); n != 1 {
		t.Fatalf("%d active", n)
	}
	res := runCLI(t, nil, nil, "", append([]string{"sessions", "clear-expired", "--database-url", url}, tz...)...)
	if res.code != 0 || !strings.Contains(res.out, "deleted 1 ") {
		t.Fatalf("exit %d %q %q", res.code, res.out, res.err)
	}
	res = runCLI(t, nil, nil, "", append([]string{"sessions", "ls", "--database-url", url, "--secret-key-file", fixtureKeyFile}, "--db-time-zone", "Mars/Olympus")...)
	if res.code != 2 || !strings.Contains(res.err, "--db-time-zone") {
		t.Fatalf("bad zone: exit %d %q", res.code, res.err)
	}
}

// TestDBTimeZoneDjangoNaive has real Django 3.2 with USE_TZ=False and
// TIME_ZONE = "America/Chicago" write sessions, and reads their expiry with
// --db-time-zone.
func TestDBTimeZoneDjangoNaive(t *testing.T) {
	dj := testenv.Django32(t)
	path := filepath.Join(t.TempDir(), "naive.sqlite3")
	out := dj.Run(t, "../../testdata/sessions_db_naive.py", nil, path)
	got := map[string]string{}
	res := runCLI(t, nil, map[string]string{envSecretKey: "naive-test-key"}, "", "sessions", "ls", "--database-url", "sqlite:///"+path,
		"--db-time-zone", "America/Chicago", "--format", "jsonl", "--columns", "key,expires,status,expired")
	for _, r := range lsJSONL(t, res.out) {
		if str(t, r["status"]) != statusOK {
			t.Errorf("%v", r)
		}
		got[str(t, r["key"])] = str(t, r["expires"])
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 || len(got) != 3 {
		t.Fatalf("django wrote %d, ls shows %d", len(lines), len(got))
	}
	for _, line := range lines {
		var m struct{ Key, Expire_utc string }
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		want, err := time.Parse(time.RFC3339Nano, m.Expire_utc)
		if err != nil {
			t.Fatal(err)
		}
		have, err := time.Parse(time.RFC3339Nano, got[m.Key])
		if err != nil || !have.Equal(want) {
			t.Errorf("%s: expires %s, Django stored %s", m.Key, got[m.Key], m.Expire_utc)
		}
	}
}
