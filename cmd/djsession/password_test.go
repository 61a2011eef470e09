package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runPassword(t *testing.T, stdin string, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := newApp(strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] })
	code = a.run(context.Background(), args)
	return code, out.String(), errOut.String()
}

// Vectors from testdata/hashers.json (made by Django 4.2.28 and 3.2.25).
const (
	md5Vector    = "md5$seasalt1234567890abcde$c95d4fce2dedc19da7377148fb1e3877" // "correct horse"
	pbkdf2Vector = "pbkdf2_sha256$1000$seasalt1234567890abcde$xeN45jWNyCQI5LGlWkuZeex59LQtHeXsL9bVz+C/QTk="
)

func TestPasswordHash(t *testing.T) {
	code, out, errOut := runPassword(t, "correct horse\n", nil,
		"password", "hash", "--stdin", "--release", "4.2", "--algorithm", "md5", "--salt", "seasalt1234567890abcde")
	if code != 0 || out != md5Vector+"\n" {
		t.Fatalf("hash = %d, %q, %q", code, out, errOut)
	}
	code, out, _ = runPassword(t, "password\r\n", nil,
		"password", "hash", "--stdin", "--iterations", "1000", "--salt", "seasalt1234567890abcde")
	if code != 0 || out != pbkdf2Vector+"\n" {
		t.Fatalf("hash pbkdf2 = %d, %q", code, out)
	}
	// A random salt and the release's costs by default.
	code, out, _ = runPassword(t, "pw", nil, "password", "hash", "--stdin", "--release", "3.2", "--algorithm", "bcrypt_sha256", "--rounds", "4")
	if code != 0 || !strings.HasPrefix(out, "bcrypt_sha256$$2b$04$") || len(out) != len("bcrypt_sha256$")+60+1 {
		t.Fatalf("hash bcrypt = %d, %q", code, out)
	}
	code, out, _ = runPassword(t, "", nil, "password", "hash", "--unusable")
	if code != 0 || len(out) != 42 || out[0] != '!' {
		t.Fatalf("hash --unusable = %d, %q", code, out)
	}
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"pw\n", []string{"--algorithm", "sha1"}, "no \"sha1\" hasher"}, // removed in 5.1
		{"pw\n", []string{"--release", "1.11"}, "unknown release"},
		{"pw\n", []string{"--algorithm", "bcrypt", "--rounds", "40"}, "over the limits"},
		{strings.Repeat("p", 73) + "\n", []string{"--algorithm", "bcrypt", "--rounds", "4"}, "too long"},
		{"", nil, "standard input is empty"},
	} {
		code, out, errOut := runPassword(t, c.stdin, nil, append([]string{"password", "hash", "--stdin"}, c.args...)...)
		if code != 2 || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("hash %v = %d, %q, %q; want exit 2 and %q", c.args, code, out, errOut, c.want)
		}
		if strings.Contains(errOut, "ppppp") {
			t.Errorf("the password appears in the error: %q", errOut)
		}
	}
}

func TestPasswordReadsNoArgv(t *testing.T) {
	// Without --stdin and without a terminal there is no password source.
	code, _, errOut := runPassword(t, "pw\n", nil, "password", "hash")
	if code != 2 || !strings.Contains(errOut, "not a terminal") {
		t.Fatalf("hash without --stdin = %d, %q", code, errOut)
	}
	// A password given as an argument is a usage error, not a password.
	if code, _, _ := runPassword(t, "", nil, "password", "hash", "--stdin", "hunter2"); code != 2 {
		t.Fatalf("hash with an argument = %d", code)
	}
	// The same for check: no password source without --stdin or a
	// terminal, even when stdin holds the right one, and a second argument
	// is refused rather than taken as the password; neither error shows it.
	code, out, errOut := runPassword(t, "correct horse\n", nil, "password", "check", md5Vector)
	if code != 2 || out != "" || !strings.Contains(errOut, "not a terminal") {
		t.Fatalf("check without --stdin = %d, %q, %q", code, out, errOut)
	}
	code, out, errOut = runPassword(t, "", nil, "password", "check", "--stdin", md5Vector, "correct horse")
	if code != 2 || out != "" || strings.Contains(errOut, "correct horse") {
		t.Fatalf("check with the password as an argument = %d, %q, %q", code, out, errOut)
	}
}

func TestPasswordCheck(t *testing.T) {
	for _, c := range []struct {
		name, stdin, encoded string
		args                 []string
		code                 int
		out, errOut          string
	}{
		{"match", "correct horse\n", md5Vector, nil, 0, "", ""},
		{"mismatch", "wrong\n", md5Vector, nil, 1, "", "does not match"},
		{"md5 not listed", "correct horse\n", md5Vector, []string{"--hasher", "pbkdf2_sha256"}, 2, "", "unknown password hashing algorithm"},
		{"unusable", "x\n", "!abcdef", nil, 1, "", "unusable"},
		{"malformed", "x\n", "pbkdf2_sha256$1$salt", nil, 2, "", "malformed"},
		{"unknown", "x\n", "foo$bar", nil, 2, "", "unknown password hashing algorithm"},
		{"hostile cost", "x\n", "pbkdf2_sha256$2000000000$s$" + strings.Repeat("A", 43) + "=", nil, 2, "", "over the limits"},
		{"upgrade not needed", "password\n", pbkdf2Vector, []string{"--upgrade", "--iterations", "1000"}, 0, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runPassword(t, c.stdin, nil, append([]string{"password", "check", "--stdin", c.encoded}, c.args...)...)
			if code != c.code || out != c.out || !strings.Contains(errOut, c.errOut) {
				t.Fatalf("check = %d, %q, %q; want %d, %q, %q", code, out, errOut, c.code, c.out, c.errOut)
			}
		})
	}
	// --upgrade prints the value to store when must_update holds.
	code, out, _ := runPassword(t, "correct horse\n", nil, "password", "check", "--stdin", "--upgrade", "--release", "4.2", "--iterations", "10", md5Vector)
	if code != 0 || !strings.HasPrefix(out, "pbkdf2_sha256$10$") {
		t.Fatalf("check --upgrade = %d, %q", code, out)
	}
	enc := strings.TrimSpace(out)
	if code, _, _ := runPassword(t, "correct horse\n", nil, "password", "check", "--stdin", "--iterations", "10", enc); code != 0 {
		t.Fatalf("the upgraded value does not check: %d", code)
	}
}

func TestPasswordIdentify(t *testing.T) {
	code, out, _ := runPassword(t, "", nil, "password", "identify", pbkdf2Vector)
	want := "algorithm: pbkdf2_sha256\niterations: 1000\nsalt: seasal****************\nhash: xeN45j**************************************\nmust update: true (Django 6.1 defaults)\n"
	if code != 0 || out != want {
		t.Fatalf("identify = %d\n%s\nwant\n%s", code, out, want)
	}
	code, out, _ = runPassword(t, "", nil, "password", "identify", "argon2$argon2id$v=19$m=102400,t=2,p=8$c2Vhc2FsdDEyMzQ1Njc4OTBhYmNkZQ$H2AEF66bIvvFta2IMHl6AbvGw7ln7HHuHWoobtC7GFo")
	if code != 0 || !strings.Contains(out, "variety: argon2id\nversion: 19\nmemory cost: 102400\ntime cost: 2\nparallelism: 8\n") ||
		!strings.Contains(out, "must update: true") { // argon2 is not the preferred hasher
		t.Fatalf("identify argon2 = %d\n%s", code, out)
	}
	if code, _, _ := runPassword(t, "", nil, "password", "identify", "hunter2"); code != 1 {
		t.Fatalf("identify of a non-hash = %d, want 1", code)
	}
	if code, _, _ := runPassword(t, "", nil, "password", "identify", "scrypt$x"); code != 2 {
		t.Fatalf("identify of a malformed value = %d, want 2", code)
	}
}

func TestPasswordSessionHash(t *testing.T) {
	// Django 3.2.25 and 6.1.1 (testdata/hashers.json, session_auth[0]).
	env := map[string]string{envSecretKey: "django-insecure-hashers-vectors", envSecretKeyFallbacks: "an-older-secret-key-in-fallbacks"}
	code, out, errOut := runPassword(t, "", env, "password", "session-hash", pbkdf2Vector)
	if code != 0 || !strings.HasPrefix(out, "546c47c8a8f24b80c4faf9921821ea6c25d41d5e96d50fd1f98d970bb7f78c31\nfallback: ") {
		t.Fatalf("session-hash = %d, %q, %q", code, out, errOut)
	}
	if code, _, _ := runPassword(t, "", nil, "password", "session-hash", pbkdf2Vector); code != 2 {
		t.Fatalf("session-hash without a key = %d", code)
	}
}

// TestPasswordOverLimit: check and identify agree on what is over the
// cost limits (the library's Limits): both exit 2 with the same one-line
// reason and print nothing on standard output. The argon2 value is the
// review's: t=16, m=256 MiB, 3.4 s and 267 MB per check under the old
// limits.
func TestPasswordOverLimit(t *testing.T) {
	dir := t.TempDir()
	for _, enc := range []string{
		"argon2$argon2id$v=19$m=262144,t=16,p=8$c2Vhc2FsdDEyMzQ1Njc4OTBhYmNkZQ$" + strings.Repeat("A", 43),
		"pbkdf2_sha256$3000001$seasalt1234567890abcde$" + strings.Repeat("A", 43) + "=",
		"bcrypt_sha256$$2b$14$abcdefghijklmnopqrstuu" + strings.Repeat("A", 30) + "e",
		"scrypt$16384$seasalt1234567890abcde$8$11$" + strings.Repeat("A", 86) + "==",
	} {
		file := filepath.Join(dir, "hash")
		if err := os.WriteFile(file, []byte(enc+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, checkErr := runPassword(t, "pw\n", nil, "password", "check", "--stdin", "--hash-file", file)
		if code != 2 || out != "" || !strings.Contains(checkErr, "over the limits") || strings.Count(checkErr, "\n") != 1 {
			t.Errorf("check %.30s… = %d, %q, %q; want 2 and one line on the limits", enc, code, out, checkErr)
		}
		code, out, idErr := runPassword(t, "", nil, "password", "identify", "--hash-file", file)
		if code != 2 || out != "" || idErr != checkErr {
			t.Errorf("identify %.30s… = %d, %q, %q; want 2 and %q", enc, code, out, idErr, checkErr)
		}
	}
}

// TestPasswordHashFile: the stored value comes from a file or standard
// input, the password then from --password-file; the argv form still
// works but warns; the help shows only the safe forms.
func TestPasswordHashFile(t *testing.T) {
	dir := t.TempDir()
	hashFile, pwFile := filepath.Join(dir, "hash"), filepath.Join(dir, "pw")
	if err := os.WriteFile(hashFile, []byte(md5Vector+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pwFile, []byte("correct horse\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, stdin string
		args        []string
		code        int
		errOut      string
	}{
		{"file and stdin password", "correct horse\n", []string{"--hash-file", hashFile, "--stdin"}, 0, ""},
		{"file and password file", "", []string{"--hash-file", hashFile, "--password-file", pwFile}, 0, ""},
		{"stdin hash and password file", md5Vector + "\n", []string{"--hash-file", "-", "--password-file", pwFile}, 0, ""},
		{"wrong password", "wrong\n", []string{"--hash-file", hashFile, "--stdin"}, 1, "does not match"},
		{"both from stdin", md5Vector + "\ncorrect horse\n", []string{"--hash-file", "-", "--stdin"}, 2, "standard input"},
		{"stdin hash, no password source", md5Vector + "\n", []string{"--hash-file", "-"}, 2, "--password-file"},
		{"file and argument", "correct horse\n", []string{"--hash-file", hashFile, "--stdin", md5Vector}, 2, "once"},
		{"no hash", "correct horse\n", []string{"--stdin"}, 2, "--hash-file"},
		{"missing file", "correct horse\n", []string{"--stdin", "--hash-file", filepath.Join(dir, "nope")}, 2, "no such file"},
		{"argv warns", "correct horse\n", []string{"--stdin", md5Vector}, 0, "warning: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runPassword(t, c.stdin, nil, append([]string{"password", "check"}, c.args...)...)
			if code != c.code || out != "" || !strings.Contains(errOut, c.errOut) || c.errOut == "" && errOut != "" {
				t.Fatalf("check %v = %d, %q, %q; want %d, %q", c.args, code, out, errOut, c.code, c.errOut)
			}
			if strings.Contains(errOut, "correct horse") || strings.Contains(errOut, dir) {
				t.Fatalf("stderr shows the password or a path: %q", errOut)
			}
		})
	}
	// identify takes the same forms.
	code, out, errOut := runPassword(t, md5Vector+"\n", nil, "password", "identify", "--hash-file", "-")
	if code != 0 || !strings.HasPrefix(out, "algorithm: md5\n") || errOut != "" {
		t.Fatalf("identify --hash-file - = %d, %q, %q", code, out, errOut)
	}
	if code, _, errOut := runPassword(t, "", nil, "password", "identify", md5Vector); code != 0 || !strings.Contains(errOut, "warning: ") {
		t.Fatalf("identify with an argument = %d, %q; want 0 and a warning", code, errOut)
	}
	// session-hash too.
	env := map[string]string{envSecretKey: "django-insecure-hashers-vectors"}
	code, out, errOut = runPassword(t, pbkdf2Vector+"\n", env, "password", "session-hash", "--hash-file", "-")
	if code != 0 || !strings.HasPrefix(out, "546c47c8a8f24b80c4faf9921821ea6c25d41d5e96d50fd1f98d970bb7f78c31\n") || errOut != "" {
		t.Fatalf("session-hash --hash-file - = %d, %q, %q", code, out, errOut)
	}
	// The help shows the file forms, not the argument.
	for _, sub := range []string{"check", "identify", "session-hash"} {
		_, out, _ := runPassword(t, "", nil, "password", sub, "--help")
		if !strings.Contains(out, "--hash-file") || strings.Contains(out, "ENCODED") {
			t.Errorf("password %s --help shows the argv form or lacks --hash-file:\n%s", sub, out)
		}
	}
}
