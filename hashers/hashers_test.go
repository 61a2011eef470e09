package hashers

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/signing"
)

// seqReader is a deterministic randomness source for tests.
type seqReader struct{ r *rand.ChaCha8 }

func newSeq(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return seqReader{rand.NewChaCha8(s)}
}
func (s seqReader) Read(p []byte) (int, error) { return s.r.Read(p) }

// cheapOptions enable every hasher of release with the lowest costs.
func cheapOptions(release django.Release) *Options {
	rel, _ := lookupRelease(release)
	return &Options{Settings: django.Settings{Release: release}, PasswordHashers: slices.Clone(rel.available),
		PBKDF2Iterations: 10, BCryptRounds: 4,
		Argon2: Argon2Params{TimeCost: 1, MemoryCost: 64, Parallelism: 2, HashLen: 16},
		Scrypt: ScryptParams{WorkFactor: 16, BlockSize: 1, Parallelism: 1}}
}

func mustNew(t testing.TB, o *Options) *Policy {
	t.Helper()
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNew(t *testing.T) {
	p := mustNew(t, nil)
	if p.Release() != django.Newest || p.Hashers()[0] != PBKDF2SHA256 || p.pbkdf2 != 1_500_000 {
		t.Errorf("New(nil) = release %s, hashers %v, %d iterations", p.Release(), p.Hashers(), p.pbkdf2)
	}
	if p.argon2 != (Argon2Params{2, 102400, 8, 32}) || p.scrypt != (ScryptParams{16384, 8, 5}) || p.bcrypt != 12 {
		t.Errorf("New(nil) parameters %+v %+v %d", p.argon2, p.scrypt, p.bcrypt)
	}
	if p.Limits() != DefaultLimits() {
		t.Errorf("Limits = %+v", p.Limits())
	}
	var names []django.Release
	for _, r := range releases {
		names = append(names, r.name)
	}
	if !slices.Equal(names, django.Releases()) {
		t.Errorf("the release table has %v, django.Releases() %v", names, django.Releases())
	}
	if got := Algorithms(); len(got) != 11 {
		t.Errorf("Algorithms = %v", got)
	}

	bad := []struct {
		name string
		o    Options
		want error
	}{
		{"unknown release", Options{Settings: django.Settings{Release: "2.2"}}, django.ErrUnknownRelease},
		{"sha1 in 6.1", Options{PasswordHashers: []Algorithm{PBKDF2SHA256, SHA1}}, ErrUnknownAlgorithm},
		{"crypt in 5.0", Options{Settings: django.Settings{Release: "5.0"}, PasswordHashers: []Algorithm{Crypt}}, ErrUnknownAlgorithm},
		{"scrypt in 3.2", Options{Settings: django.Settings{Release: "3.2"}, PasswordHashers: []Algorithm{Scrypt}}, ErrUnknownAlgorithm},
		{"made-up hasher", Options{PasswordHashers: []Algorithm{"rot13"}}, ErrUnknownAlgorithm},
		{"empty list", Options{PasswordHashers: []Algorithm{}}, ErrUnknownAlgorithm},
		{"iterations over limit", Options{PBKDF2Iterations: 20_000_000}, ErrParameters},
		{"negative iterations", Options{PBKDF2Iterations: -1}, ErrParameters},
		{"bcrypt 3", Options{BCryptRounds: 3}, ErrParameters},
		{"bcrypt over limit", Options{BCryptRounds: 17}, ErrParameters},
		{"argon2 m < 8p", Options{Argon2: Argon2Params{MemoryCost: 63, Parallelism: 8}}, ErrParameters},
		{"argon2 hash 3 bytes", Options{Argon2: Argon2Params{HashLen: 3}}, ErrParameters},
		{"argon2 memory over limit", Options{Argon2: Argon2Params{MemoryCost: 1 << 20}}, ErrParameters},
		{"scrypt N not a power of 2", Options{Scrypt: ScryptParams{WorkFactor: 1000}}, ErrParameters},
		{"scrypt over 32 MiB", Options{Scrypt: ScryptParams{WorkFactor: 32768}}, ErrParameters},
		{"scrypt p over limit", Options{Scrypt: ScryptParams{Parallelism: 33}}, ErrParameters},
	}
	for _, c := range bad {
		if _, err := New(&c.o); !errors.Is(err, c.want) {
			t.Errorf("%s: New = %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := New(&Options{Settings: django.Settings{Release: "4.2", DefaultHashingAlgorithm: "sha1"}}); err == nil {
		t.Error("DefaultHashingAlgorithm sha1 accepted for 4.2")
	}
	if _, err := New(&Options{Settings: django.Settings{Release: "3.2", DefaultHashingAlgorithm: "md5"}}); err == nil {
		t.Error("DefaultHashingAlgorithm md5 accepted")
	}
	// Raised limits admit higher costs.
	if _, err := New(&Options{PBKDF2Iterations: 20_000_000, Limits: Limits{MaxPBKDF2Iterations: 30_000_000}}); err != nil {
		t.Errorf("raised limit: %v", err)
	}
	// The options are copied: changing them later changes nothing.
	o := Options{PasswordHashers: []Algorithm{Argon2, PBKDF2SHA256}}
	q := mustNew(t, &o)
	o.PasswordHashers[0] = MD5
	if q.Hashers()[0] != Argon2 {
		t.Error("Policy shares the caller's slice")
	}
}

func TestDefaults(t *testing.T) {
	for _, rel := range django.Releases() {
		o, err := Defaults(rel)
		if err != nil {
			t.Fatal(err)
		}
		p := mustNew(t, &o)
		q := mustNew(t, &Options{Settings: django.Settings{Release: rel}})
		if p.pbkdf2 != q.pbkdf2 || p.argon2 != q.argon2 || p.bcrypt != q.bcrypt || !slices.Equal(p.hashers, q.hashers) {
			t.Errorf("%s: Defaults and zero Options differ", rel)
		}
	}
	if _, err := Defaults("7.0"); !errors.Is(err, django.ErrUnknownRelease) {
		t.Errorf("Defaults(7.0) = %v", err)
	}
}

func TestIdentify(t *testing.T) {
	cases := []struct {
		in   string
		want Algorithm
		err  error
	}{
		{"pbkdf2_sha256$1$s$h", PBKDF2SHA256, nil},
		{"argon2$argon2id$…", Argon2, nil},
		{"bcrypt$$2b$12$x", BCrypt, nil},
		{"bcrypt_sha256$$2b$12$x", BCryptSHA256, nil},
		{strings.Repeat("a", 32), UnsaltedMD5, nil},
		{"md5$$" + strings.Repeat("a", 32), UnsaltedMD5, nil},
		{"md5$$" + strings.Repeat("a", 31), MD5, nil},
		{"sha1$$" + strings.Repeat("a", 40), UnsaltedSHA1, nil},
		{"sha1$$" + strings.Repeat("a", 41), SHA1, nil},
		{"sha1$salt$h", SHA1, nil},
		{"crypt$$abJnggxhB/yWI", Crypt, nil},
		// 32 code points, 64 bytes: Django counts code points.
		{strings.Repeat("é", 32), UnsaltedMD5, nil},
		{strings.Repeat("a", 31), "", ErrUnknownAlgorithm},
		{"", "", ErrUnknownAlgorithm},
		{"$", "", ErrUnknownAlgorithm},
		{"PBKDF2_SHA256$1$s$h", "", ErrUnknownAlgorithm},
		{"!", "", ErrUnusablePassword},
		{"!pbkdf2_sha256$1$s$h", "", ErrUnusablePassword},
	}
	for _, c := range cases {
		got, err := Identify(c.in)
		if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("Identify(%q) = %q, %v; want %q, %v", c.in, got, err, c.want, c.err)
		}
	}
	// The policy's Identify also wants the hasher enabled.
	p := mustNew(t, nil)
	if _, err := p.Identify("md5$salt$" + strings.Repeat("0", 32)); !errors.Is(err, ErrUnknownAlgorithm) {
		t.Errorf("md5 not enabled: %v", err)
	}
	// An unknown algorithm's name is not echoed: it may be a password.
	if _, err := Identify("hunter2"); strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error echoes the value: %v", err)
	}
}

func TestMakeCheckEveryHasher(t *testing.T) {
	for _, rel := range []django.Release{django.Django32, django.Django42} { // every hasher Django has shipped
		o := cheapOptions(rel)
		o.Rand = newSeq(1)
		p := mustNew(t, o)
		for _, a := range p.Hashers() {
			for _, pw := range []string{"password", "", "pässwörd ✓", "12345678"} {
				if a == Crypt && len(pw) > 8 {
					continue // DES reads 8 bytes; tested in TestPasswordRules
				}
				enc, err := p.MakeWith(a, pw, "")
				if err != nil {
					t.Fatalf("%s %s: MakeWith(%q): %v", rel, a, pw, err)
				}
				if got, err := Identify(enc); got != a || err != nil {
					t.Errorf("%s: Identify(%q) = %q, %v", a, enc, got, err)
				}
				if ok, err := p.Check(pw, enc); !ok || err != nil {
					t.Errorf("%s: Check(%q, %q) = %v, %v", a, pw, enc, ok, err)
				}
				if ok, err := p.Check("x"+pw, enc); ok || err != nil {
					t.Errorf("%s: Check(wrong) = %v, %v", a, ok, err)
				}
				d, err := Decode(enc)
				if err != nil || d.Algorithm != a {
					t.Errorf("%s: Decode = %+v, %v", a, d, err)
				}
				switch a {
				case PBKDF2SHA256, PBKDF2SHA1, Argon2, Scrypt, MD5, SHA1:
					if len(d.Salt) != 22 || strings.Trim(d.Salt, randomStringChars) != "" {
						t.Errorf("%s: salt %q is not 22 characters of RANDOM_STRING_CHARS", a, d.Salt)
					}
				case BCrypt, BCryptSHA256:
					if !strings.HasPrefix(enc, string(a)+"$$2b$04$") {
						t.Errorf("%s: %q", a, enc)
					}
				case Crypt:
					if len(enc) != len("crypt$$")+13 {
						t.Errorf("crypt: %q", enc)
					}
				}
			}
		}
	}
}

func TestMakeDeterministic(t *testing.T) {
	o := cheapOptions("4.2")
	o.Rand = newSeq(7)
	a, _ := mustNew(t, o).Make("pw")
	o.Rand = newSeq(7)
	b, _ := mustNew(t, o).Make("pw")
	o.Rand = newSeq(8)
	c, _ := mustNew(t, o).Make("pw")
	if a != b || a == c {
		t.Errorf("same seed: %q %q; other seed: %q", a, b, c)
	}
	o.Rand = iotest{}
	if _, err := mustNew(t, o).Make("pw"); err == nil || !strings.Contains(err.Error(), "random") {
		t.Errorf("failing reader: %v", err)
	}
}

type iotest struct{}

func (iotest) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestRandomStringUniform(t *testing.T) {
	s, err := randomString(newSeq(3), 62*2000, randomStringChars)
	if err != nil {
		t.Fatal(err)
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	for i := 0; i < len(randomStringChars); i++ {
		// 2000 expected per character; 5 sigma is about 220.
		if n := counts[randomStringChars[i]]; n < 1780 || n > 2220 {
			t.Errorf("%q drawn %d times of 124000", randomStringChars[i], n)
		}
	}
	// Bytes at or above 248 (= 4·62) are rejected, not folded.
	src := append(bytes.Repeat([]byte{255}, 50), 0, 248, 61, 62)
	src = append(src, make([]byte, 64)...)
	s, err = randomString(bytes.NewReader(src), 3, randomStringChars)
	if err != nil || s != "a9a" {
		t.Errorf("randomString = %q, %v", s, err)
	}
}

func TestMakeWithSalts(t *testing.T) {
	p := mustNew(t, cheapOptions("4.2"))
	bad := []struct {
		a    Algorithm
		salt string
	}{
		{PBKDF2SHA256, "a$b"}, {MD5, "$"}, {SHA1, "x$"}, {Scrypt, "s$alt"},
		{Argon2, "short"},
		{UnsaltedMD5, "salt"}, {UnsaltedSHA1, "salt"},
		{BCrypt, "$2b$04$abcdefghijklmnopqrstu"}, {BCrypt, "$2x$04$abcdefghijklmnopqrstuu"},
		{BCryptSHA256, "abcdefghijklmnopqrstuuvwxyzab"}, {BCrypt, "$2b$04$abcdefghijklmnopqrstuuX"},
		{Crypt, "a"}, {Crypt, "abc"}, {Crypt, "a!"},
	}
	for _, c := range bad {
		if _, err := p.MakeWith(c.a, "pw", c.salt); !errors.Is(err, ErrInvalidSalt) {
			t.Errorf("MakeWith(%s, salt %q) = %v, want ErrInvalidSalt", c.a, c.salt, err)
		}
	}
	if _, err := p.MakeWith(BCrypt, "pw", "$2b$20$abcdefghijklmnopqrstuu"); !errors.Is(err, ErrParameters) {
		t.Errorf("bcrypt cost over the limit: %v", err)
	}
	if _, err := p.MakeWith("rot13", "pw", ""); !errors.Is(err, ErrUnknownAlgorithm) {
		t.Errorf("unknown algorithm: %v", err)
	}
	q := mustNew(t, nil)
	if _, err := q.MakeWith(MD5, "pw", ""); !errors.Is(err, ErrUnknownAlgorithm) {
		t.Errorf("md5 not enabled: %v", err)
	}
	// A non-canonical last salt character is written back canonical, as
	// bcrypt.hashpw does.
	enc, err := p.MakeWith(BCrypt, "pw", "$2b$04$abcdefghijklmnopqrstuv")
	if err != nil || !strings.HasPrefix(enc, "bcrypt$$2b$04$abcdefghijklmnopqrstuu") {
		t.Errorf("MakeWith non-canonical salt = %q, %v", enc, err)
	}
}

func TestPasswordRules(t *testing.T) {
	p := mustNew(t, cheapOptions("4.2"))
	long := strings.Repeat("a", 73)
	_, err := p.MakeWith(BCrypt, long, "")
	if !errors.Is(err, ErrPasswordTooLong) || !errors.Is(err, ErrInvalidPassword) {
		t.Errorf("bcrypt, 73 bytes: %v", err)
	}
	if _, err := p.MakeWith(BCrypt, long[:72], ""); err != nil {
		t.Errorf("bcrypt, 72 bytes: %v", err)
	}
	enc, err := p.MakeWith(BCryptSHA256, long, "")
	if err != nil {
		t.Fatalf("bcrypt_sha256, 73 bytes: %v", err)
	}
	if ok, _ := p.Check(long[:72], enc); ok {
		t.Error("bcrypt_sha256 truncated the password")
	}
	for _, a := range []Algorithm{BCrypt, Crypt} {
		if _, err := p.MakeWith(a, "nul\x00", ""); !errors.Is(err, ErrInvalidPassword) {
			t.Errorf("%s with NUL: %v", a, err)
		}
	}
	if _, err := p.MakeWith(Crypt, "123456789", ""); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("crypt, 9 bytes: %v", err)
	}
	enc, _ = p.MakeWith(BCrypt, "pw", "")
	if _, err := p.Check("nul\x00", enc); !errors.Is(err, ErrInvalidPassword) {
		t.Errorf("Check bcrypt with NUL: %v", err)
	}
	// Other hashers take NUL bytes, as Django does.
	enc, _ = p.MakeWith(PBKDF2SHA256, "nul\x00", "")
	if ok, err := p.Check("nul\x00", enc); !ok || err != nil {
		t.Errorf("pbkdf2 with NUL: %v, %v", ok, err)
	}
}

func TestCheckUpgrade(t *testing.T) {
	o := cheapOptions("4.2")
	o.PasswordHashers = []Algorithm{PBKDF2SHA256, MD5, Argon2}
	o.PBKDF2Iterations = 20
	p := mustNew(t, o)
	old := mustNew(t, &Options{Settings: django.Settings{Release: "4.2"}, PasswordHashers: []Algorithm{PBKDF2SHA256, MD5, Argon2},
		PBKDF2Iterations: 10, Argon2: o.Argon2})
	oldHash, _ := old.Make("secret")
	md5Hash, _ := old.MakeWith(MD5, "secret", "")
	shortSalt, _ := p.MakeWith(PBKDF2SHA256, "secret", "s12345678901234567890") // 21 characters
	current, _ := p.Make("secret")
	argonHash, _ := p.MakeWith(Argon2, "secret", "")

	for _, c := range []struct {
		name, enc string
		upgrade   bool
	}{
		{"fewer iterations", oldHash, true},
		{"other hasher", md5Hash, true},
		{"another listed hasher", argonHash, true},
		{"salt of 21 characters", shortSalt, true},
		{"current", current, false},
	} {
		if mu, err := p.MustUpdate(c.enc); mu != c.upgrade || err != nil {
			t.Errorf("%s: MustUpdate = %v, %v", c.name, mu, err)
		}
		ok, re, err := p.CheckUpgrade("secret", c.enc)
		if !ok || err != nil || (re != "") != c.upgrade {
			t.Errorf("%s: CheckUpgrade = %v, %q, %v", c.name, ok, re, err)
			continue
		}
		if re != "" {
			if !strings.HasPrefix(re, "pbkdf2_sha256$20$") {
				t.Errorf("%s: rehashed %q", c.name, re)
			}
			if mu, _ := p.MustUpdate(re); mu {
				t.Errorf("%s: the rehashed value must be updated again", c.name)
			}
			if ok, _ := p.Check("secret", re); !ok {
				t.Errorf("%s: the rehashed value does not check", c.name)
			}
		}
		if ok, re, err := p.CheckUpgrade("wrong", c.enc); ok || re != "" || err != nil {
			t.Errorf("%s: wrong password: %v, %q, %v", c.name, ok, re, err)
		}
	}
	if ok, re, err := p.CheckUpgrade("secret", "!unusable"); ok || re != "" || !errors.Is(err, ErrUnusablePassword) {
		t.Errorf("unusable: %v, %q, %v", ok, re, err)
	}
	// Re-hashing can fail: a preferred plain bcrypt refuses 73 bytes.
	q := mustNew(t, &Options{Settings: django.Settings{Release: "4.2"}, PasswordHashers: []Algorithm{BCrypt, PBKDF2SHA256}, BCryptRounds: 4, PBKDF2Iterations: 10})
	long := strings.Repeat("p", 73)
	enc, _ := q.MakeWith(PBKDF2SHA256, long, "")
	if ok, re, err := q.CheckUpgrade(long, enc); ok || re != "" || !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("failed re-hash: %v, %q, %v", ok, re, err)
	}
}

func TestHardenRuntime(t *testing.T) {
	o := cheapOptions("4.2")
	o.PasswordHashers = []Algorithm{PBKDF2SHA256, BCryptSHA256, MD5}
	o.PBKDF2Iterations = 50
	p := mustNew(t, o)
	var got []int
	p.onHarden = func(a Algorithm, extra int) { got = append(got, extra) }
	low := mustNew(t, &Options{Settings: django.Settings{Release: "4.2"}, PBKDF2Iterations: 20, BCryptRounds: 4,
		PasswordHashers: []Algorithm{PBKDF2SHA256, BCryptSHA256}})
	pbLow, _ := low.Make("pw")
	pbHigh, _ := mustNew(t, &Options{Settings: django.Settings{Release: "4.2"}, PBKDF2Iterations: 80}).MakeWith(PBKDF2SHA256, "pw", "")
	bcLow, _ := low.MakeWith(BCryptSHA256, "pw", "")
	md5Hash, _ := p.MakeWith(MD5, "pw", "")

	pb := []struct {
		name, pw, enc string
		want          []int
	}{
		{"wrong password, fewer iterations", "no", pbLow, []int{30}},
		{"right password", "pw", pbLow, nil},
		{"more iterations", "no", pbHigh, nil},
		{"not the preferred hasher", "no", bcLow, nil},
		{"no cost to harden", "no", md5Hash, nil},
		{"unusable: dummy hash", "no", "!x", []int{0}},
		{"unknown: dummy hash", "no", "foo$bar", []int{0}},
		{"malformed: dummy hash", "no", "pbkdf2_sha256$x", []int{0}},
	}
	for _, c := range pb {
		got = nil
		p.Check(c.pw, c.enc)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: hardened %v, want %v", c.name, got, c.want)
		}
	}
	// bcrypt: 2^(6−4) − 1 = 3 more hashes at cost 4.
	o.PasswordHashers = []Algorithm{BCryptSHA256}
	o.BCryptRounds = 6
	q := mustNew(t, o)
	q.onHarden = func(a Algorithm, extra int) { got = append(got, extra) }
	got = nil
	q.Check("no", bcLow)
	if !slices.Equal(got, []int{3}) {
		t.Errorf("bcrypt: hardened %v, want [3]", got)
	}
}

func TestLimits(t *testing.T) {
	p := mustNew(t, cheapOptions("4.2"))
	hostile := []string{
		"pbkdf2_sha256$2147483647$salt$" + strings.Repeat("A", 43) + "=",
		"pbkdf2_sha256$10000001$salt$" + strings.Repeat("A", 43) + "=",
		"argon2$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$" + strings.Repeat("A", 22),
		"argon2$argon2id$v=19$m=262145,t=1,p=1$c2FsdHNhbHQ$" + strings.Repeat("A", 22),
		"argon2$argon2id$v=19$m=65536,t=4294967295,p=1$c2FsdHNhbHQ$" + strings.Repeat("A", 22),
		"argon2$argon2id$v=19$m=262144,t=1,p=65$c2FsdHNhbHQ$" + strings.Repeat("A", 22),
		"argon2$argon2d$v=19$m=65536,t=17,p=1$c2FsdHNhbHQ$" + strings.Repeat("A", 22),
		"scrypt$1048576$salt$8$1$" + strings.Repeat("A", 86) + "==",
		"scrypt$16384$salt$8$1000$" + strings.Repeat("A", 86) + "==",
		"bcrypt$$2b$31$abcdefghijklmnopqrstuu" + strings.Repeat("A", 30) + "e",
		"bcrypt_sha256$$2b$17$abcdefghijklmnopqrstuu" + strings.Repeat("A", 30) + "e",
		"crypt$$$6$rounds=999999999$salt$" + strings.Repeat("A", 86),
		"crypt$$$2b$20$abcdefghijklmnopqrstuu" + strings.Repeat("A", 30) + "e",
	}
	for _, enc := range hostile {
		if ok, err := p.Check("pw", enc); ok || !errors.Is(err, ErrParameters) {
			t.Errorf("Check(%.50s…) = %v, %v; want ErrParameters", enc, ok, err)
		}
		// Decode and MustUpdate compute nothing and do not refuse.
		if _, err := Decode(enc); err != nil {
			t.Errorf("Decode(%.50s…) = %v", enc, err)
		}
	}
	// A limit can be lowered, and raised again.
	enc := "bcrypt_sha256$$2b$06$abcdefghijklmnopqrstuu" + strings.Repeat("A", 30) + "e"
	low := mustNew(t, &Options{Settings: django.Settings{Release: "4.2"}, BCryptRounds: 5, Limits: Limits{MaxBCryptRounds: 5}})
	if _, err := low.Check("pw", enc); !errors.Is(err, ErrParameters) {
		t.Errorf("lowered limit: %v", err)
	}
	high := mustNew(t, &Options{Settings: django.Settings{Release: "4.2"}, BCryptRounds: 5, Limits: Limits{MaxBCryptRounds: 6}})
	if _, err := high.Check("pw", enc); err != nil {
		t.Errorf("raised limit: %v", err)
	}
}

func TestDecodeMalformed(t *testing.T) {
	for _, enc := range []string{
		"pbkdf2_sha256$1$salt", "pbkdf2_sha256$-1$salt$x", "pbkdf2_sha256$ 1$salt$x", "pbkdf2_sha256$1$salt$x",
		"pbkdf2_sha1$1$salt$" + strings.Repeat("A", 43) + "=",
		"argon2", "argon2$", "argon2$argon2id", "argon2$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ",
		"argon2$argon2id$v=19$m=8,t=1,p=1,x=1$c2FsdHNhbHQ$AAAAAA",
		"argon2$argon2id$v=4294967296$m=8,t=1,p=1$c2FsdHNhbHQ$AAAAAA",
		"argon2$argon2id$v=19$m=8,t=0,p=1$c2FsdHNhbHQ$AAAAAA",
		"argon2$argon2id$v=19$m=8,t=1,p=0$c2FsdHNhbHQ$AAAAAA",
		"argon2$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$AAA",
		"bcrypt$", "bcrypt$$2b$04$", "bcrypt_sha256$2b$04$abcdefghijklmnopqrstuu" + strings.Repeat("A", 31),
		"scrypt$16384$salt$8$1", "scrypt$0$salt$8$1$x", "scrypt$16384$$8$1$" + strings.Repeat("A", 86) + "==",
		"md5$salt$", "md5$$" + strings.Repeat("g", 32), "sha1$salt$" + strings.Repeat("a", 39),
		"crypt$", "crypt$$$1$salt", "crypt$$$5$rounds=0999$s$" + strings.Repeat("a", 43), "crypt$$$9$x",
	} {
		if _, err := Decode(enc); !errors.Is(err, ErrMalformed) {
			t.Errorf("Decode(%q) = %v, want ErrMalformed", enc, err)
		}
	}
}

func TestSessionAuthPerRelease(t *testing.T) {
	const secret, old = "new-secret", "old-secret"
	enc := "pbkdf2_sha256$1000$salt$" + strings.Repeat("A", 43) + "="
	viaOld := new(Policy).sessionAuthHash("sha256", old, enc)
	for _, c := range []struct {
		rel           string
		valid, rotate bool
	}{{"3.2", false, false}, {"4.0", false, false}, {"4.1", true, true}, {"6.1", true, true}} {
		p := mustNew(t, &Options{Settings: django.Settings{Release: django.Release(c.rel)}})
		if ok, rot := p.VerifySessionAuthHash(viaOld, enc, secret, []string{old}); ok != c.valid || rot != c.rotate {
			t.Errorf("%s: fallback hash: %v, %v; want %v, %v", c.rel, ok, rot, c.valid, c.rotate)
		}
		if ok, _ := p.VerifySessionAuthHash(p.SessionAuthHash(secret, enc+"x"), enc, secret, nil); ok {
			t.Errorf("%s: a hash of another password field is valid", c.rel)
		}
	}
}

// TestDecodeUnsaltedMD5 is Django's UnsaltedMD5PasswordHasher.decode
// (3.2 to 5.0): the hash is the whole stored value, "md5$$" included, as
// Django 3.2.25 and 4.2.28 report it (testdata/hashers.json); the value
// still checks.
func TestDecodeUnsaltedMD5(t *testing.T) {
	p := mustNew(t, &Options{Settings: django.Settings{Release: "4.2"}, PasswordHashers: []Algorithm{UnsaltedMD5}})
	for _, enc := range []string{"md5$$5f4dcc3b5aa765d61d8327deb882cf99", "5f4dcc3b5aa765d61d8327deb882cf99"} {
		d, err := Decode(enc)
		if err != nil || d.Algorithm != UnsaltedMD5 || d.Hash != enc || d.Salt != "" {
			t.Errorf("Decode(%q) = %+v, %v; want hash %q", enc, d, err, enc)
		}
		if ok, err := p.Check("password", enc); !ok || err != nil {
			t.Errorf("Check(%q) = %v, %v", enc, ok, err)
		}
		if ok, err := p.Check("passwore", enc); ok || err != nil {
			t.Errorf("Check(wrong, %q) = %v, %v", enc, ok, err)
		}
	}
}

// TestDefaultLimitsFromDjango: the default limits are twice what Django's
// newest release writes (its PBKDF2 iterations, bcrypt work, argon2 time,
// memory and lanes, scrypt p), so every hash a Django release makes with
// its defaults checks, and a hash just over a limit is refused before any
// work, whatever Check's policy.
func TestDefaultLimitsFromDjango(t *testing.T) {
	newest, _ := lookupRelease(django.Newest)
	l := DefaultLimits()
	if l.MaxPBKDF2Iterations != 2*newest.pbkdf2 || l.MaxBCryptRounds != newest.bcrypt+1 ||
		l.MaxArgon2TimeCost != 2*newest.argon2.TimeCost || l.MaxArgon2MemoryCost != 2*newest.argon2.MemoryCost ||
		l.MaxArgon2Parallelism != 2*newest.argon2.Parallelism || l.MaxScryptParallelism != 2*newest.scrypt.Parallelism {
		t.Errorf("DefaultLimits() = %+v, want twice Django %s's defaults", l, newest.name)
	}
	for _, r := range releases {
		o, _ := Defaults(r.name)
		if _, err := New(&o); err != nil {
			t.Errorf("Django %s's defaults are over the limits: %v", r.name, err)
		}
	}
	p := mustNew(t, cheapOptions(""))
	over := []string{
		"pbkdf2_sha256$3000001$salt$" + strings.Repeat("A", 43) + "=",
		"pbkdf2_sha1$3000001$salt$" + strings.Repeat("A", 27) + "=",
		"argon2$argon2id$v=19$m=204801,t=1,p=1$c2FsdHNhbHQ$" + strings.Repeat("A", 22),
		"argon2$argon2id$v=19$m=65536,t=5,p=1$c2FsdHNhbHQ$" + strings.Repeat("A", 22),
		"argon2$argon2id$v=19$m=65536,t=1,p=17$c2FsdHNhbHQ$" + strings.Repeat("A", 22),
		"bcrypt_sha256$$2b$14$abcdefghijklmnopqrstuu" + strings.Repeat("A", 30) + "e",
		"bcrypt$$2b$14$abcdefghijklmnopqrstuu" + strings.Repeat("A", 30) + "e",
		"scrypt$16384$salt$8$11$" + strings.Repeat("A", 86) + "==",
		"crypt$$$6$rounds=1000001$salt$" + strings.Repeat("A", 86),
	}
	crypt := mustNew(t, &Options{Settings: django.Settings{Release: "4.2"}, PasswordHashers: []Algorithm{Crypt}})
	for _, enc := range over {
		p := p
		if strings.HasPrefix(enc, "crypt$") {
			p = crypt
		}
		if ok, err := p.Check("pw", enc); ok || !errors.Is(err, ErrOverLimit) || !errors.Is(err, ErrParameters) {
			t.Errorf("Check(%.50s…) = %v, %v; want ErrOverLimit", enc, ok, err)
		}
		d, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode(%.50s…): %v", enc, err)
		}
		if err := (Limits{}).Check(d); !errors.Is(err, ErrOverLimit) {
			t.Errorf("Limits.Check(%.50s…) = %v; want ErrOverLimit", enc, err)
		}
		// One step lower is within the limits (checked without computing).
		d.Iterations, d.TimeCost, d.MemoryCost = min(d.Iterations, 3000000), min(d.TimeCost, 4), min(d.MemoryCost, 204800)
		d.Parallelism, d.WorkFactor = min(d.Parallelism, 16), min(d.WorkFactor, 13)
		if d.Algorithm == Scrypt {
			d.WorkFactor, d.Parallelism = 16384, 10
		}
		if d.CryptMethod == "sha512crypt" {
			d.Iterations = 300000
		}
		if err := (Limits{}).Check(d); err != nil {
			t.Errorf("Limits.Check(%+v) = %v; want nil at the limits", d, err)
		}
	}
}

// TestSessionAuthHashKeyCache: the keys a Policy keeps do not mix
// secrets or algorithms, and secrets beyond the cache's bound are still
// hashed correctly.
func TestSessionAuthHashKeyCache(t *testing.T) {
	p, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	const enc = "pbkdf2_sha256$1000000$salt$hash="
	for i := range 3 * maxAuthKeys {
		secret := fmt.Sprintf("secret-%d", i)
		want := hex.EncodeToString(must(signing.SaltedHMAC(signing.SHA256, sessionAuthKeySalt, secret, []byte(enc))))
		for range 2 { // derived, then (within the bound) cached
			if got := p.SessionAuthHash(secret, enc); got != want {
				t.Fatalf("secret %d: %s, want %s", i, got, want)
			}
		}
		sha1 := hex.EncodeToString(must(signing.SaltedHMAC(signing.SHA1, sessionAuthKeySalt, secret, []byte(enc))))
		if got := p.sessionAuthHash(signing.SHA1, secret, enc); got != sha1 {
			t.Fatalf("secret %d sha1: %s, want %s", i, got, sha1)
		}
	}
	if n := len(p.authKeys.m); n != maxAuthKeys {
		t.Errorf("cache holds %d keys, want the bound %d", n, maxAuthKeys)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func BenchmarkSessionAuthHash(b *testing.B) {
	p, err := New(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		sinkString = p.SessionAuthHash("django-insecure-a-fifty-character-secret-key-xxxxxxxx", "pbkdf2_sha256$1000000$saltsaltsaltsaltsalt$hashhashhashhashhashhashhashhashhashhashhas=")
	}
}
