package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testenv"
)

// runSigning runs the CLI with a fixed clock at t (Unix seconds).
func runSigning(t *testing.T, at float64, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := newApp(strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] })
	now := time.Unix(0, int64(at*1e9))
	ctx := context.WithValue(context.Background(), clockKey{}, func() time.Time { return now })
	code = a.run(ctx, args)
	return code, out.String(), errOut.String()
}

const cliNow = 1700000000.25

func TestSigningCLI(t *testing.T) {
	env := map[string]string{"DJANGO_SECRET_KEY": "secret"}
	keyFile := filepath.Join(t.TempDir(), "key")
	os.WriteFile(keyFile, []byte("secret\n"), 0o600)
	// Vectors from django-formats.md §1 (made by Django 3.2, 4.2 and 6.0)
	// and testdata/signing.json.
	const (
		signerHello = "hello:vXm_1S1JULp3JenKPoUNI7SuSkcTtIrp3k6VktA1Hc4"
		tsHello     = "hello:1r31eq:cd3olmP207LffIZrXNJ8LTxzeEF4brfUrRYVM3D-t8Q"
		dumpsAB     = "eyJhIjoxLCJiIjoieCJ9:1r31eq:rnorOS7JnYYAmhUM-L1hQWYIue9kPQKLHHNdR78GMaY"
		dumpsList   = ".eJwNzEERwDAMA0FC94gkx4mxdMqfRgtg9xEmFJvmcBm0kJBRUKGNGh100eCFf2McXHjjxgdfPGQRkb8MKbJJk0MumfcDgzMVIQ:1r31eq:wubsoVWiFn5dUayi15mxVPFBS7hdg7NBUXiozlXi4xA"
	)
	tests := []struct {
		name     string
		env      map[string]string
		at       float64
		stdin    string
		args     []string
		code     int
		stdout   string
		errMatch string
	}{
		{"sign", env, cliNow, "", []string{"sign", "--salt", "my.salt", "hello"}, 0, signerHello + "\n", ""},
		{"sign stdin", env, cliNow, "hello\n", []string{"sign", "--salt", "my.salt", "-"}, 0, signerHello + "\n", ""},
		{"sign key file", nil, cliNow, "", []string{"sign", "--secret-key-file", keyFile, "--salt", "my.salt", "hello"}, 0, signerHello + "\n", ""},
		{"sign key flag", nil, cliNow, "", []string{"sign", "--secret-key", "secret", "--salt", "my.salt", "hello"}, 0, signerHello + "\n", "WARNING"},
		{"sign sha1", env, cliNow, "", []string{"sign", "--salt", "my.salt", "--algorithm", "sha1", "hello"}, 0, "hello:kynAN3mZAPLvD5Zl7rPNg3OLYjU\n", ""},
		{"sign timestamp", env, cliNow, "", []string{"sign", "--timestamp", "hello"}, 0, tsHello + "\n", ""},
		{"sign no key", nil, cliNow, "", []string{"sign", "x"}, 2, "", "no secret key"},
		{"sign bad sep", env, cliNow, "", []string{"sign", "--sep", "abc", "x"}, 2, "", "unsafe separator"},
		{"sign bad algorithm", env, cliNow, "", []string{"sign", "--algorithm", "whirlpool", "x"}, 2, "", "invalid hash algorithm"},
		{"unsign", env, cliNow, "", []string{"unsign", "--salt", "my.salt", signerHello}, 0, "hello\n", ""},
		{"unsign stdin", env, cliNow, signerHello + "\n", []string{"unsign", "--salt", "my.salt"}, 0, "hello\n", ""},
		{"unsign bad", env, cliNow, "", []string{"unsign", "--salt", "other", signerHello}, 1, "", "bad signature"},
		{"unsign no sep", env, cliNow, "", []string{"unsign", "hello"}, 1, "", "bad signature"},
		{"unsign timestamp", env, 1700000060, "", []string{"unsign", "--timestamp", "--max-age", "60", tsHello}, 0, "hello\n", ""},
		{"unsign expired", env, cliNow + 61, "", []string{"unsign", "--timestamp", "--max-age", "1m", tsHello}, 1, "", "signature expired"},
		{"unsign max-age without timestamp", env, cliNow, "", []string{"unsign", "--max-age", "1", signerHello}, 2, "", "--max-age needs --timestamp"},
		{"unsign bad max-age", env, cliNow, "", []string{"unsign", "--timestamp", "--max-age", "soon", tsHello}, 2, "", "--max-age"},
		{"unsign fallback", map[string]string{"DJANGO_SECRET_KEY": "new"}, cliNow, "", []string{"unsign", "--fallback-key", "secret", "--salt", "my.salt", signerHello}, 0, "hello\n", "WARNING"},
		{"unsign fallback env", map[string]string{"DJANGO_SECRET_KEY": "new", "DJANGO_SECRET_KEY_FALLBACKS": "x\nsecret\n"}, cliNow, "", []string{"unsign", "--salt", "my.salt", signerHello}, 0, "hello\n", ""},
		{"unsign legacy", env, cliNow, "", []string{"unsign", "--legacy-sha1", "--salt", "my.salt", "hello:kynAN3mZAPLvD5Zl7rPNg3OLYjU"}, 0, "hello\n", ""},
		{"unsign legacy off", env, cliNow, "", []string{"unsign", "--salt", "my.salt", "hello:kynAN3mZAPLvD5Zl7rPNg3OLYjU"}, 1, "", "bad signature"},
		{"dumps", env, cliNow, "", []string{"dumps", `{"a": 1, "b": "x"}`}, 0, dumpsAB + "\n", ""},
		{"dumps stdin", env, cliNow, "{\"a\":1,\n \"b\":\"x\"}\n", []string{"dumps"}, 0, dumpsAB + "\n", ""},
		{"dumps bad json", env, cliNow, "", []string{"dumps", `{"a":1,}`}, 2, "", "not JSON"},
		{"loads", env, cliNow, "", []string{"loads", dumpsAB}, 0, `{"a":1,"b":"x"}` + "\n", ""},
		{"loads compressed", env, cliNow, dumpsList, []string{"loads", "--max-age", "15m"}, 0, "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39]\n", ""},
		{"loads expired", env, cliNow + 3600, "", []string{"loads", "--max-age", "15m", dumpsAB}, 1, "", "signature expired"},
		{"loads tampered", env, cliNow, "", []string{"loads", "eyJhIjoyLCJiIjoieCJ9" + dumpsAB[20:]}, 1, "", "bad signature"},
		{"loads wrong salt", env, cliNow, "", []string{"loads", "--salt", "x", dumpsAB}, 1, "", "bad signature"},
		// Made with the key (signing.json "bad_json_trailing_comma"): exit 2.
		{"loads malformed", map[string]string{"DJANGO_SECRET_KEY": "django-insecure-signing-vectors"}, cliNow, "", []string{"loads", "WzEsXQ:1r31eq:UA57bVoB2C98LmXtac7_zpUao7lHt2ObMWcz2RLGtq8"}, 2, "", "malformed"},
		{"loads too large", map[string]string{"DJANGO_SECRET_KEY": "secret"}, cliNow, "", []string{"loads", "--max-decompressed-size", "10", dumpsList}, 2, "", "too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runSigning(t, tc.at, tc.env, tc.stdin, tc.args...)
			if code != tc.code || out != tc.stdout {
				t.Errorf("exit %d stdout %q stderr %q; want exit %d stdout %q", code, out, errOut, tc.code, tc.stdout)
			}
			if tc.errMatch != "" && !strings.Contains(errOut, tc.errMatch) {
				t.Errorf("stderr %q does not say %q", errOut, tc.errMatch)
			}
			if tc.errMatch == "" && errOut != "" {
				t.Errorf("unexpected stderr %q", errOut)
			}
			if strings.Count(errOut, "\n") > 1 {
				t.Errorf("stderr is more than one line: %q", errOut)
			}
			for _, secret := range []string{"django-insecure-signing-vectors"} {
				if errOut != "" && strings.Contains(errOut, secret) {
					t.Errorf("stderr shows the secret: %q", errOut)
				}
			}
		})
	}
}

// TestSigningCLIRoundTrip: what dumps prints, loads reads back unchanged,
// for values whose JSON form Python would keep (big ints, floats, order,
// astral characters and lone surrogates).
func TestSigningCLIRoundTrip(t *testing.T) {
	env := map[string]string{"DJANGO_SECRET_KEY": "k"}
	for _, js := range []string{
		`{"z":1,"a":[1.0,-0.0,1e+16,1e-05,NaN,Infinity],"n":123456789012345678901234567890}`,
		`"\ud83d\ude00\ud800"`,
		`{"k":"` + strings.Repeat("abc", 300) + `"}`,
	} {
		for _, compress := range []bool{false, true} {
			args := []string{"dumps", js}
			if compress {
				args = append(args, "--compress")
			}
			code, tok, errOut := runSigning(t, cliNow, env, "", args...)
			if code != 0 {
				t.Fatalf("dumps: %d %s", code, errOut)
			}
			code, out, errOut := runSigning(t, cliNow, env, tok, "loads", "-")
			if code != 0 || out != js+"\n" {
				t.Errorf("loads(dumps(%s)) = %d %q %s", js, code, out, errOut)
			}
		}
	}
}

// TestSigningCLIDjango: tokens the CLI prints are read by real Django 3.2.
func TestSigningCLIDjango(t *testing.T) {
	dj := testenv.Django32(t)
	env := map[string]string{"DJANGO_SECRET_KEY": "cli-secret"}
	_, tok, _ := runSigning(t, float64(time.Now().Unix()), env, "", "dumps", "--compress", `{"k":"`+strings.Repeat("ab", 100)+`","n":[1.0,2]}`)
	_, signed, _ := runSigning(t, cliNow, env, "", "sign", "--salt", "s", "--sep", "/", "v")
	script := filepath.Join(t.TempDir(), "check.py")
	os.WriteFile(script, []byte(`import sys, json
from django.conf import settings
settings.configure(SECRET_KEY="cli-secret")
from django.core import signing
tok, signed = sys.stdin.read().split()
print(json.dumps(signing.loads(tok, max_age=60), separators=(",", ":")))
print(signing.Signer(salt="s", sep="/").unsign(signed))
`), 0o600)
	out := dj.Run(t, script, []byte(tok+signed))
	want := `{"k":"` + strings.Repeat("ab", 100) + `","n":[1.0,2]}` + "\nv\n"
	if string(out) != want {
		t.Errorf("Django read %q, want %q", out, want)
	}
}
