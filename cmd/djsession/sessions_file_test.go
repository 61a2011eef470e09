package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/internal/testenv"
)

// fileDirFromFixture writes the Django-made fixture rows as the file engine
// stores them: expired rows get an mtime older than SESSION_COOKIE_AGE.
// It returns the directory and the keys expected to be expired.
func fileDirFromFixture(t *testing.T, f *fixture) (string, map[string]bool) {
	t.Helper()
	dir := t.TempDir()
	expired := map[string]bool{}
	now := time.Now()
	for _, r := range f.Rows {
		p := filepath.Join(dir, "sessionid"+r.Key)
		if err := os.WriteFile(p, []byte(r.SessionData), 0o600); err != nil {
			t.Fatal(err)
		}
		mtime := now
		if r.Expired {
			mtime = now.Add(-15 * 24 * time.Hour)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		intExpiry := r.Kind == "json" && strings.Contains(string(r.Data), `"_session_expiry": 3600`)
		if r.Expired && !intExpiry {
			expired[r.Key] = true
		}
	}
	// what Django leaves beside sessions: a temporary file and a foreign one
	os.WriteFile(filepath.Join(dir, "sessionidabc_out_x1y2"), []byte("junk"), 0o600)
	os.WriteFile(filepath.Join(dir, "README"), []byte("x"), 0o600)
	return dir, expired
}

func dirKeys(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range ents {
		if k, ok := strings.CutPrefix(e.Name(), "sessionid"); ok && djangosession.ValidKeyChars(k) {
			keys = append(keys, k)
		}
	}
	return keys
}

func TestSessionsFileEngine(t *testing.T) {
	f := loadFixture(t)
	dir, expired := fileDirFromFixture(t, f)
	if len(expired) == 0 {
		t.Fatal("no expired rows")
	}
	key := []string{"--secret-key-file", fixtureKeyFile}
	url := "file://" + dir

	res := runCLI(t, nil, nil, "", append([]string{"sessions", "ls", "--database-url", url, "--format", "jsonl", "--columns", "key,status,expired"}, key...)...)
	rows := lsJSONL(t, res.out)
	if res.code != 0 || len(rows) != len(f.Rows) {
		t.Fatalf("ls: exit %d, %d rows: %s", res.code, len(rows), res.err)
	}
	for i, r := range f.Rows {
		if str(t, rows[i]["status"]) != r.wantStatus() {
			t.Errorf("%s: %s, want %s", r.Key, rows[i]["status"], r.wantStatus())
		}
		if got := string(rows[i]["expired"]) == "true"; got != expired[r.Key] {
			t.Errorf("%s: expired %v, want %v", r.Key, got, expired[r.Key])
		}
	}
	// a bare directory path works too, and --expired filters
	res = runCLI(t, nil, nil, "", append([]string{"sessions", "ls", "--database-url", dir, "--expired", "--format", "jsonl", "--columns", "key"}, key...)...)
	if got := len(lsJSONL(t, res.out)); got != len(expired) {
		t.Errorf("ls --expired: %d rows, want %d (%s)", got, len(expired), res.err)
	}

	// clear-expired needs the key to read expiry, then removes exactly the
	// expired files
	res = runCLI(t, nil, nil, "", "sessions", "clear-expired", "--database-url", url)
	if res.code != 2 || !strings.Contains(res.err, "no secret key") {
		t.Errorf("clear-expired without a key: exit %d %q", res.code, res.err)
	}
	res = runCLI(t, nil, nil, "", append([]string{"sessions", "clear-expired", "--database-url", url}, key...)...)
	if res.code != 0 || !strings.Contains(res.out, "deleted "+itoa(len(expired))+" ") {
		t.Fatalf("clear-expired: exit %d %q %q", res.code, res.out, res.err)
	}
	left := dirKeys(t, dir)
	if len(left) != len(f.Rows)-len(expired) {
		t.Fatalf("%d files left, want %d", len(left), len(f.Rows)-len(expired))
	}
	for _, k := range left {
		if expired[k] {
			t.Errorf("%s: expired but kept", k)
		}
	}

	// rekey keeps mtimes (the expiry) and makes every movable row verify
	// under the new key
	before := map[string]time.Time{}
	for _, k := range left {
		st, _ := os.Stat(filepath.Join(dir, "sessionid"+k))
		before[k] = st.ModTime()
	}
	res = runCLI(t, nil, map[string]string{envNewSecretKey: newTestKey}, "", append([]string{"sessions", "rekey", "--database-url", url, "--batch-size", "4"}, key...)...)
	if res.code != 0 {
		t.Fatalf("rekey: exit %d %q", res.code, res.err)
	}
	for _, k := range left {
		st, _ := os.Stat(filepath.Join(dir, "sessionid"+k))
		if !st.ModTime().Equal(before[k]) {
			t.Errorf("%s: mtime moved from %v to %v", k, before[k], st.ModTime())
		}
	}
	res = runCLI(t, nil, map[string]string{envSecretKey: newTestKey}, "", "sessions", "ls", "--database-url", url, "--format", "jsonl", "--columns", "key,status")
	byKey := map[string]string{}
	for _, r := range lsJSONL(t, res.out) {
		byKey[str(t, r["key"])] = str(t, r["status"])
	}
	for _, r := range f.Rows {
		if _, ok := byKey[r.Key]; !ok {
			continue
		}
		if r.rekeyable() && byKey[r.Key] != r.wantStatus() {
			t.Errorf("%s: %s under the new key", r.Key, byKey[r.Key])
		}
	}
}

// TestSessionsFileEngineMatchesDjango has real Django write sessions with
// its file engine and clear them with clear_expired, and checks that
// clear-expired removes the same files and that Django reads what rekey
// wrote.
func TestSessionsFileEngineMatchesDjango(t *testing.T) {
	for _, dj := range testenv.Djangos(t) {
		t.Run(dj.Version, func(t *testing.T) {
			const script = "../../testdata/sessions_db_files.py"
			keyFile, _ := filepath.Abs(fixtureKeyFile)
			a, b := t.TempDir(), t.TempDir()
			made := dj.Run(t, script, nil, "make", a, keyFile)
			type madeSession struct {
				Key  string
				Case string
				Data json.RawMessage
			}
			var sessions []madeSession
			for _, line := range strings.Split(strings.TrimSpace(string(made)), "\n") {
				var m madeSession
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatal(err)
				}
				sessions = append(sessions, m)
			}
			// copy a to b, keeping mtimes
			ents, _ := os.ReadDir(a)
			for _, e := range ents {
				src := filepath.Join(a, e.Name())
				data, _ := os.ReadFile(src)
				st, _ := os.Stat(src)
				dst := filepath.Join(b, e.Name())
				os.WriteFile(dst, data, 0o600)
				os.Chtimes(dst, st.ModTime(), st.ModTime())
			}
			res := runCLI(t, nil, nil, "", "sessions", "ls", "--database-url", b, "--secret-key-file", keyFile, "--format", "jsonl", "--columns", "key,status")
			for _, r := range lsJSONL(t, res.out) {
				k, s := str(t, r["key"]), str(t, r["status"])
				if s != statusOK && !strings.HasPrefix(k, "placeholder") {
					t.Errorf("%s: %s", k, s)
				}
			}
			dj.Run(t, script, nil, "clear", a, keyFile)
			res = runCLI(t, nil, nil, "", "sessions", "clear-expired", "--database-url", b, "--secret-key-file", keyFile)
			if res.code != 0 {
				t.Fatalf("clear-expired: exit %d %q", res.code, res.err)
			}
			want, got := dirKeys(t, a), dirKeys(t, b)
			sort.Strings(want)
			sort.Strings(got)
			if strings.Join(want, " ") != strings.Join(got, " ") {
				t.Fatalf("Django kept %v, we kept %v", want, got)
			}
			if len(want) == len(sessions) || len(want) == 0 {
				t.Fatalf("the cases do not exercise expiry: %d of %d kept", len(want), len(sessions))
			}

			// rekey b; Django reads every kept session with the new key
			newKeyFile := filepath.Join(t.TempDir(), "new")
			os.WriteFile(newKeyFile, []byte(newTestKey), 0o600)
			res = runCLI(t, nil, map[string]string{envNewSecretKey: newTestKey}, "", "sessions", "rekey", "--database-url", b, "--secret-key-file", keyFile)
			if res.code != 0 {
				t.Fatalf("rekey: exit %d %q", res.code, res.err)
			}
			var in strings.Builder
			kept := map[string]bool{}
			for _, k := range got {
				kept[k] = true
				in.WriteString(k + "\n")
			}
			out := dj.Run(t, script, []byte(in.String()), "read", b, newKeyFile)
			read := map[string]string{}
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				var m struct {
					Key  string
					Data json.RawMessage
				}
				json.Unmarshal([]byte(line), &m)
				read[m.Key] = canon(t, m.Data)
			}
			for _, s := range sessions {
				if !kept[s.Key] || s.Case == "empty-old" {
					continue
				}
				if read[s.Key] != canon(t, s.Data) {
					t.Errorf("%s (%s): Django read %s, want %s", s.Key, s.Case, read[s.Key], s.Data)
				}
			}
		})
	}
}

// TestSessionsRekeyChangedMeanwhile has the application rewrite a session
// after rekey listed it and before rekey reaches it: rekey leaves the
// application's write in place and reports it.
func TestSessionsRekeyChangedMeanwhile(t *testing.T) {
	f := loadFixture(t)
	dir, _ := fileDirFromFixture(t, f)
	var movable []string
	for _, r := range f.Rows {
		if r.rekeyable() {
			movable = append(movable, r.Key)
		}
	}
	sort.Strings(movable)
	last := filepath.Join(dir, "sessionid"+movable[len(movable)-1])
	const appWrote = "written by the application meanwhile"
	ctx := context.WithValue(context.Background(), afterRowKey{}, func(n int) {
		if n == 1 {
			if err := os.WriteFile(last, []byte(appWrote), 0o600); err != nil {
				t.Error(err)
			}
		}
	})
	res := rekeyRun(t, ctx, "file://"+dir, "--batch-size", "1000")
	if res.code != 0 || !strings.Contains(res.out, "rekeyed "+itoa(len(movable)-1)+" sessions") || !strings.Contains(res.out, "1 changed meanwhile") {
		t.Fatalf("exit %d %q %q", res.code, res.out, res.err)
	}
	if got := readFile(t, last); got != appWrote {
		t.Fatalf("the application's write was replaced by %.40q", got)
	}
}
