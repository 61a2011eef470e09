package hashers

import (
	"syscall"
	"testing"
	"time"

	"github.com/djsession/djsession/hashers/internal/unixcrypt"
)

// benchCases are checks at Django's newest default costs (6.1: PBKDF2
// 1,500,000 iterations, argon2id t=2 m=102400 p=8, bcrypt 12, scrypt
// N=16384 r=8 p=5), with the fixed salt bench/hashers.py uses, so both sides
// check the same value. The legacy hashers (gone from 6.1) use 4.2's.
var benchCases = []struct {
	name string
	alg  Algorithm
	salt string
}{
	{"pbkdf2_sha256", PBKDF2SHA256, benchSalt},
	{"pbkdf2_sha1", PBKDF2SHA1, benchSalt},
	{"argon2", Argon2, benchSalt},
	{"bcrypt_sha256", BCryptSHA256, "$2b$12$" + benchBcryptSalt},
	{"bcrypt", BCrypt, "$2b$12$" + benchBcryptSalt},
	{"scrypt", Scrypt, benchSalt},
	{"md5", MD5, benchSalt},
	{"sha1", SHA1, benchSalt},
	{"unsalted_md5", UnsaltedMD5, ""},
	{"unsalted_sha1", UnsaltedSHA1, ""},
	{"crypt", Crypt, "ab"},
}

const (
	benchPassword   = "correct horse"
	benchSalt       = "seasalt1234567890abcde"
	benchBcryptSalt = "abcdefghijklmnopqrstuu"
	benchSecret     = "django-insecure-bench-secret"
)

func benchPolicy(b testing.TB) *Policy {
	o, _ := Defaults("4.2")
	rel, _ := lookupRelease("4.2")
	o.PasswordHashers = rel.available
	last, _ := Defaults("6.1")
	o.PBKDF2Iterations, o.Scrypt, o.Argon2 = last.PBKDF2Iterations, last.Scrypt, last.Argon2
	return mustNew(b, &o)
}

var sinkBool bool
var sinkString string

// cpuTime is the process's user plus system CPU time (all threads), the
// figure bench/hashers.py reads with time.process_time_ns.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCompare has one sub-benchmark per Django call that
// bench/hashers.py times in real Django under the same name. The checks
// also report cpu-ns/op, the process CPU time per check (all threads:
// argon2's lanes run in parallel on both sides), which a machine shared
// with other work disturbs less than ns/op.
func BenchmarkCompare(b *testing.B) {
	p := benchPolicy(b)
	for _, c := range benchCases {
		enc, err := p.MakeWith(c.alg, benchPassword, c.salt)
		if c.alg == Crypt {
			// Django's crypt hasher reads 8 bytes of the password; MakeWith
			// refuses to truncate, so build the value Django makes.
			h, _ := unixcrypt.DES([]byte(benchPassword), c.salt)
			enc, err = "crypt$$"+h, nil
		}
		if err != nil {
			b.Fatal(err)
		}
		b.Run("hashers.check."+c.name, func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime(b)
			for b.Loop() {
				ok, err := p.Check(benchPassword, enc)
				if !ok || err != nil {
					b.Fatal(ok, err)
				}
				sinkBool = ok
			}
			b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
		})
	}
	enc, _ := p.MakeWith(MD5, benchPassword, benchSalt)
	b.Run("hashers.session_auth_hash", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkString = p.SessionAuthHash(benchSecret, enc)
		}
	})
}

// BenchmarkPBKDF2 shows the cost per iteration count (the releases'
// defaults).
func BenchmarkPBKDF2(b *testing.B) {
	for _, iter := range []int{260000, 600000, 1500000} {
		for _, a := range []Algorithm{PBKDF2SHA256, PBKDF2SHA1} {
			b.Run(string(a)+"/iter="+itoa(iter), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					dk, _ := pbkdf2Key(a, benchPassword, benchSalt, iter)
					sinkBool = dk[0] == 0
				}
			})
		}
	}
}

// BenchmarkScrypt times scrypt at Django's default cost (N=16384 r=8 p=5).
func BenchmarkScrypt(b *testing.B) {
	b.Run("N=16384/r=8/p=5", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dk, _ := scryptKey([]byte(benchPassword), []byte(benchSalt), 16384, 8, 5)
			sinkBool = dk[0] == 0
		}
	})
}

func itoa(n int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}
