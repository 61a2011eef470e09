package main

import (
	"database/sql"
	"encoding/csv"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pickle"
	"github.com/djsession/djsession/python/pyjson"
	"github.com/djsession/djsession/signing"
)

// Issue 13 item 9: standard input over the limit is refused as too large
// (exit 2), never cut and then reported as a bad signature.
func TestStdinTooLarge(t *testing.T) {
	env := map[string]string{envSecretKey: "k"}
	big := strings.Repeat("a", maxInput+1)
	for _, args := range [][]string{
		{"unsign", "-"},
		{"loads", "-"},
		{"sessions", "decode", "-"},
	} {
		res := runCLI(t, nil, env, big, args...)
		if res.code != exitError || !strings.Contains(res.err, "too large") || strings.Count(res.err, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line saying too large", args, res.code, res.err)
		}
	}
	// a value exactly at the limit is still read whole
	s, _ := signing.NewSigner(&signing.Options{Key: "k"})
	tok := s.Sign(strings.Repeat("v", maxInput-100))
	if res := runCLI(t, nil, env, tok, "unsign", "-"); res.code != exitOK {
		t.Errorf("unsign of a %d-byte token: exit %d %q", len(tok), res.code, res.err)
	}
}

// Issue 13 item 9: the reason of a failure is printed whole: errors
// joined over several lines ("nesting too deep" on the second) are not cut.
func TestFailureReasonKeptWhole(t *testing.T) {
	ts, err := signing.NewTimestampSigner(&signing.Options{Key: "k", Salt: signing.DumpsSalt})
	if err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	tok := ts.Sign(signing.B64Encode([]byte(deep)))
	res := runCLI(t, nil, map[string]string{envSecretKey: "k"}, "", "loads", tok)
	if res.code != exitError || !strings.Contains(res.err, "nesting too deep") || strings.Count(res.err, "\n") != 1 {
		t.Errorf("loads of deep JSON: exit %d, stderr %q; want one line naming the nesting", res.code, res.err)
	}
	// the same through sessions decode, in its JSON report
	cs, _ := signing.NewTimestampSigner(&signing.Options{Key: "k", Salt: "django.contrib.sessions.SessionStore"})
	data := cs.Sign(signing.B64Encode([]byte(deep)))
	res = runCLI(t, nil, map[string]string{envSecretKey: "k"}, "", "sessions", "decode", data)
	if !strings.Contains(res.out, "nesting too deep") || !strings.Contains(res.err, "nesting too deep") {
		t.Errorf("sessions decode of deep JSON: exit %d\nout %s\nerr %q", res.code, res.out, res.err)
	}
}

// hostileDB returns the sqlite URL of a django_session table holding data
// (session key -> session_data), all expiring in an hour.
func hostileDB(t *testing.T, rows map[string]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hostile.sqlite3")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ddl, err := dbstore.DDL(django.SQLite, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range ddl {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	exp := dbstore.PyDatetime(time.Now().Add(time.Hour).UTC())
	for k, v := range rows {
		if _, err := db.Exec("INSERT INTO django_session VALUES (?, ?, ?)", k, v, exp); err != nil {
			t.Fatal(err)
		}
	}
	return "sqlite:///" + path
}

// signPickle returns session_data holding d pickled, as Django's
// PickleSerializer sessions are, signed with key.
func signPickle(t *testing.T, key string, d *pyjson.Object) string {
	t.Helper()
	p, err := pickle.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := signing.NewTimestampSigner(&signing.Options{Key: key, Salt: djangosession.KeySalt(djangosession.DefaultClassName)})
	if err != nil {
		t.Fatal(err)
	}
	return ts.Sign(signing.B64Encode(p))
}

// terminalUnsafe reports the first character of s that a terminal would
// act on: C0 and C1 controls, DEL, and the Unicode bidirectional controls.
func terminalUnsafe(s string, allowNewline bool) (rune, bool) {
	for _, r := range s {
		switch {
		case r == '\n' && allowNewline:
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f,
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069,
			r == 0x200e, r == 0x200f, r == 0x061c, r == 0x2028, r == 0x2029:
			return r, true
		}
	}
	return 0, false
}

// Issue 13 item 8: control characters from session data are escaped in
// every human-facing format (ls table and CSV, stats, error lines); JSON
// stays JSON and CSV stays CSV.
func TestTerminalEscapes(t *testing.T) {
	const key = "terminal-key"
	hostile := "\x1b[2J\x1b]0;owned\a\rroot\u202egnp.exe\u0085\u009b31m\x7f"
	d := &pyjson.Object{}
	d.Set("_auth_user_id", hostile)
	d.Set("\x1b[31mkey", int64(1))
	url := hostileDB(t, map[string]string{
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":  signPickle(t, key, d),
		"b\x1b[2Jbbbbbbbbbbbbbbbbbbbbbbbbb": signPickle(t, key, d),
	})
	env := map[string]string{envSecretKey: key}
	all := "key,expires,status,size,user,format,serializer,keys,error"
	for _, format := range []string{"table", "csv"} {
		res := runCLI(t, nil, env, "", "sessions", "ls", "--database-url", url, "--format", format, "--columns", all)
		if res.code != 0 {
			t.Fatalf("ls --format %s: exit %d %q", format, res.code, res.err)
		}
		if r, bad := terminalUnsafe(res.out, true); bad {
			t.Errorf("ls --format %s prints %U raw:\n%q", format, r, res.out)
		}
		if !strings.Contains(res.out, `\x1b[2J`) || !strings.Contains(res.out, `\u202e`) {
			t.Errorf("ls --format %s: the escapes are not visible:\n%s", format, res.out)
		}
		if format == "csv" {
			recs, err := csv.NewReader(strings.NewReader(res.out)).ReadAll()
			if err != nil || len(recs) != 3 {
				t.Errorf("ls --format csv is not CSV of 3 records: %v %d", err, len(recs))
			}
		}
	}
	res := runCLI(t, nil, env, "", "sessions", "ls", "--database-url", url, "--format", "jsonl", "--columns", "key,user")
	for _, row := range lsJSONL(t, res.out) {
		if got := str(t, row["user"]); got != hostile {
			t.Errorf("jsonl user %q, want the value itself", got)
		}
	}
	res = runCLI(t, nil, env, "", "sessions", "stats", "--database-url", url)
	if r, bad := terminalUnsafe(res.out, true); bad || res.code != 0 {
		t.Errorf("stats prints %U raw (exit %d):\n%q", r, res.code, res.out)
	}
	// error lines: a flag name is echoed by the flag parser
	res = runCLI(t, nil, env, "", "sessions", "ls", "--\x1b]0;x\a\u202e")
	if r, bad := terminalUnsafe(res.err, true); bad || res.code != exitError {
		t.Errorf("error line prints %U raw (exit %d): %q", r, res.code, res.err)
	}
}

// Issue 13 item 7: a huge integer user id is not printed in full by ls and
// stats (a 2.5-million-digit id was); JSON output bounds it the same way.
func TestHugeIntegerBounded(t *testing.T) {
	const key = "huge-int-key"
	huge := new(big.Int).Exp(big.NewInt(10), big.NewInt(100_000), nil)
	d := &pyjson.Object{}
	d.Set("_auth_user_id", huge)
	url := hostileDB(t, map[string]string{"cccccccccccccccccccccccccccccccc": signPickle(t, key, d)})
	env := map[string]string{envSecretKey: key}
	for _, args := range [][]string{
		{"sessions", "ls", "--database-url", url},
		{"sessions", "ls", "--database-url", url, "--format", "jsonl"},
		{"sessions", "ls", "--database-url", url, "--format", "csv"},
		{"sessions", "stats", "--database-url", url},
	} {
		res := runCLI(t, nil, env, "", args...)
		if res.code != 0 || len(res.out) > 4096 {
			t.Errorf("%v: exit %d, %d bytes of output %.200q", args[1:], res.code, len(res.out), res.out)
		}
		if !strings.Contains(res.out, "332193 bits") {
			t.Errorf("%v: the size of the integer is not said: %.300q", args[1:], res.out)
		}
	}
}

func FuzzEscapeText(f *testing.F) {
	f.Add("\x1b[2J\r\u202e\u0085\xff\\")
	f.Add("plain text, ünïcode ✓")
	f.Fuzz(func(t *testing.T, s string) {
		out := escapeText(s)
		if r, bad := terminalUnsafe(out, false); bad {
			t.Fatalf("escapeText(%q) = %q keeps %U", s, out, r)
		}
		if !utf8.ValidString(out) {
			t.Fatalf("escapeText(%q) = %q is not UTF-8", s, out)
		}
		if plain := !strings.ContainsFunc(s, func(r rune) bool { return unsafeRune(r, 1) || r == utf8.RuneError }); plain && out != s {
			t.Fatalf("escapeText changed plain %q to %q", s, out)
		}
	})
}

// Issue 13 item 4: every secret has a file form; the argv forms still work
// but warn on stderr (without echoing the secret), and the help shows
// only the safe forms.
func TestSecretsOffArgv(t *testing.T) {
	s, _ := signing.NewSigner(&signing.Options{Key: "old-secret"})
	tok := s.Sign("hello")
	dir := t.TempDir()
	fb := filepath.Join(dir, "fallbacks")
	if err := os.WriteFile(fb, []byte("unrelated\nold-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{envSecretKey: "new-secret"}
	res := runCLI(t, nil, env, "", "unsign", "--fallback-key-file", fb, tok)
	if res.code != 0 || res.out != "hello\n" || res.err != "" {
		t.Errorf("--fallback-key-file: exit %d out %q err %q", res.code, res.out, res.err)
	}
	for _, args := range [][]string{
		{"unsign", "--fallback-key", "old-secret", tok},
		{"unsign", "--secret-key", "old-secret", tok},
	} {
		res := runCLI(t, nil, env, "", args...)
		if res.code != 0 || res.out != "hello\n" {
			t.Errorf("%v: exit %d out %q err %q", args[:2], res.code, res.out, res.err)
		}
		if !strings.Contains(res.err, "process list") || strings.Contains(res.err, "old-secret") {
			t.Errorf("%v: stderr %q; want a warning that does not repeat the secret", args[:2], res.err)
		}
	}
	for _, args := range [][]string{
		{"--help"}, {"sign", "--help"}, {"unsign", "--help"}, {"loads", "--help"},
		{"sessions", "--help"}, {"sessions", "ls", "--help"}, {"sessions", "rekey", "--help"},
	} {
		res := runCLI(t, nil, nil, "", args...)
		for _, unsafe := range []string{"--fallback-key ", "--secret-key ", "--fallback-key\n", "--secret-key\n"} {
			if strings.Contains(res.out, unsafe) {
				t.Errorf("%v shows %q:\n%s", args, unsafe, res.out)
			}
		}
	}
}

// Issue 13 item 12: sessions decode reads a signed_cookies session that
// Django 3.2 wrote with DEFAULT_HASHING_ALGORITHM = 'sha1', given the
// setting, and refuses it without.
func TestDecodeSHA1SignedCookie(t *testing.T) {
	dj := testenv.Django32(t)
	const key = "sha1-mode-secret"
	cookie := strings.TrimSpace(string(dj.Run(t, "testdata/signed_cookie_sha1.py", []byte(key), `{"_auth_user_id": "7", "n": 1}`)))
	env := map[string]string{envSecretKey: key}
	res := runCLI(t, nil, env, "", "sessions", "decode", "--default-hashing-algorithm", "sha1", cookie)
	if res.code != 0 || !strings.Contains(res.out, `"kind": "signed_cookie"`) || !strings.Contains(res.out, `"_auth_user_id": "7"`) {
		t.Errorf("decode --default-hashing-algorithm sha1: exit %d\n%s%s", res.code, res.out, res.err)
	}
	res = runCLI(t, nil, env, "", "sessions", "decode", cookie)
	if res.code != exitNoMatch || strings.Contains(res.out, `"verified": true`) {
		t.Errorf("decode of a sha1 cookie without the setting: exit %d\n%s", res.code, res.out)
	}
	res = runCLI(t, nil, env, "", "sessions", "decode", "--default-hashing-algorithm", "md5", cookie)
	if res.code != exitError {
		t.Errorf("--default-hashing-algorithm md5: exit %d, want a usage error", res.code)
	}
}
