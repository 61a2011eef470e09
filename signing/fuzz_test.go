package signing

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/python/pyjson"
)

const fuzzKey = "django-insecure-signing-vectors" // the vectors' key

// fuzzSeeds returns the tokens of the golden vectors.
func fuzzSeeds(f *testing.F) []string {
	if _, err := os.Stat("../testdata/signing.json"); err != nil {
		f.Fatal(err)
	}
	g := loadGolden(f)
	var out []string
	r := g.Releases["3.2"]
	for _, v := range r.Unsign {
		if v.Name != "zlib_bomb" && v.Name != "json_deep_nesting" {
			out = append(out, v.Token)
		}
	}
	for _, v := range r.Dumps {
		if len(v.Token) < 2000 {
			out = append(out, v.Token)
		}
	}
	return out
}

// mutated reports whether a differs from b in any byte the signature covers
// or in the signature itself; the fuzzers check such tokens are rejected.
func flipAt(s string, i int) string {
	b := []byte(s)
	b[i] ^= 0x01
	return string(b)
}

// FuzzUnsign: Unsign never panics, and a token whose one byte was flipped
// is never accepted with the same key (HMAC-SHA256 makes a collision out of
// reach, so acceptance would mean the signature was not checked).
func FuzzUnsign(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, uint16(0))
	}
	f.Add("hello:vXm_1S1JULp3JenKPoUNI7SuSkcTtIrp3k6VktA1Hc4", uint16(3))
	s, _ := NewSigner(&Options{Key: fuzzKey})
	ts, _ := NewTimestampSigner(&Options{Key: fuzzKey, LegacySHA1: true, FallbackKeys: []string{"old"}})
	addHostileSeeds(f, ts)
	f.Fuzz(func(t *testing.T, token string, at uint16) {
		v1, err1 := s.Unsign(token)
		ts.UnsignMaxAge(token, time.Minute)
		ts.UnsignTime(token)
		if err1 == nil && !strings.HasPrefix(token, v1) {
			t.Fatalf("Unsign(%q) = %q, not a prefix", token, v1)
		}
		// Sign, then flip one byte: must be rejected.
		signed := s.Sign(token)
		if v, err := s.Unsign(signed); err != nil || v != token {
			t.Fatalf("round trip of %q: %q, %v", token, v, err)
		}
		i := int(at) % len(signed)
		bad := flipAt(signed, i)
		if v, err := s.Unsign(bad); err == nil {
			// Flipping a byte of the value part may move the last
			// separator; the signature must still fail.
			t.Fatalf("accepted tampered token %q (byte %d) as %q", bad, i, v)
		} else if !errors.Is(err, ErrBadSignature) {
			t.Fatalf("tampered token: %v, want ErrBadSignature", err)
		}
	})
}

// FuzzLoads: loads never panics on any input, errors are classified, and a
// valid token with one byte flipped is rejected with ErrBadSignature.
func FuzzLoads(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, uint16(0))
	}
	now := func() time.Time { return time.Unix(1700000000, 250000000) }
	ts, _ := NewTimestampSigner(&Options{Key: fuzzKey, Salt: DumpsSalt, Now: now, MaxDecompressedSize: 1 << 16})
	addHostileSeeds(f, ts)
	f.Fuzz(func(t *testing.T, token string, at uint16) {
		v, err := ts.UnsignObjectMaxAge(token, time.Hour)
		if err != nil {
			if !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("unclassified error %v", err)
			}
		} else if _, err := pyjson.Marshal(v); err != nil {
			t.Fatalf("accepted %q but cannot re-encode: %v", token, err)
		}
		// Re-sign whatever the token carries (valid or not) as a payload,
		// flip one byte, and require rejection.
		signed := ts.Sign(token)
		bad := flipAt(signed, int(at)%len(signed))
		if _, err := ts.UnsignObject(bad); err == nil || !errors.Is(err, ErrBadSignature) {
			t.Fatalf("tampered token %q: %v, want ErrBadSignature", bad, err)
		}
	})
}

// addHostileSeeds adds the hostile corpus (testdata/hostile/signing): the
// token-* files as they are, the value-* files signed by ts, so that the
// fuzzer starts past the signature.
func addHostileSeeds(f *testing.F, ts *TimestampSigner) {
	for name, b := range hostileFiles(f) {
		s := string(b)
		if strings.HasPrefix(name, "value-") {
			s = ts.Signer().Sign(s)
		}
		f.Add(s, uint16(len(name)))
	}
}
