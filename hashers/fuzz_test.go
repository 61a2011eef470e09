package hashers

import (
	"errors"
	"testing"
)

// fuzzPolicy enables every hasher with low costs and low limits, so that
// one input costs milliseconds at most.
func fuzzPolicy(t testing.TB) *Policy {
	o := cheapOptions("4.2")
	o.Limits = Limits{MaxPBKDF2Iterations: 2000, MaxBCryptRounds: 6, MaxArgon2MemoryCost: 1024,
		MaxArgon2TimeCost: 3, MaxArgon2Parallelism: 8, MaxScryptParallelism: 2, MaxCryptRounds: 5000}
	return mustNew(t, o)
}

func seedGolden(f *testing.F, add func(g goldenVector)) {
	g, err := golden()
	if err != nil {
		f.Fatal(err)
	}
	for _, rel := range keys(g.Releases) {
		for _, v := range g.Releases[rel].Vectors {
			if v.Make == "" {
				add(v)
			}
		}
	}
}

// seedHostile adds every encoded hash of testdata/hostile/hashers of at
// most hashersHostileMaxSeeded bytes.
func seedHostile(f *testing.F, add func(encoded string)) {
	for _, enc := range hostileHashes(f) {
		if len(enc) <= hashersHostileMaxSeeded {
			add(string(enc))
		}
	}
}

// FuzzIdentify, seeded with the golden vectors and testdata/hostile/hashers:
// Identify and Decode never panic and agree with each other.
func FuzzIdentify(f *testing.F) {
	seedGolden(f, func(v goldenVector) { f.Add(v.Encoded) })
	seedHostile(f, func(enc string) { f.Add(enc) })
	f.Fuzz(func(t *testing.T, encoded string) {
		a, err := Identify(encoded)
		d, derr := Decode(encoded)
		if err != nil {
			if derr == nil {
				t.Fatalf("Identify failed (%v) but Decode did not", err)
			}
			if !errors.Is(err, ErrUnknownAlgorithm) && !errors.Is(err, ErrUnusablePassword) {
				t.Fatalf("Identify: unexpected error %v", err)
			}
			return
		}
		if !a.known() {
			t.Fatalf("Identify returned %q", a)
		}
		if derr == nil && d.Algorithm != a {
			t.Fatalf("Decode algorithm %q, Identify %q", d.Algorithm, a)
		}
		if derr != nil && !errors.Is(derr, ErrMalformed) && !errors.Is(derr, ErrUnsupported) {
			t.Fatalf("Decode: unexpected error %v", derr)
		}
		if IsUsable(encoded) != (encoded == "" || encoded[0] != '!') {
			t.Fatal("IsUsable")
		}
	})
}

// FuzzCheck, seeded as FuzzIdentify: Check never panics, returns true only without an error, and
// fails exactly where Decode (or the limits) refuse the value.
func FuzzCheck(f *testing.F) {
	seedGolden(f, func(v goldenVector) { f.Add(v.Password, v.Encoded) })
	seedHostile(f, func(enc string) { f.Add("password", enc) })
	p := fuzzPolicy(f)
	f.Fuzz(func(t *testing.T, password, encoded string) {
		ok, err := p.Check(password, encoded)
		if ok && err != nil {
			t.Fatalf("Check = true with error %v", err)
		}
		_, derr := Decode(encoded)
		if derr != nil && err == nil {
			t.Fatalf("Decode failed (%v) but Check did not", derr)
		}
		if err != nil {
			for _, s := range []error{ErrUnknownAlgorithm, ErrMalformed, ErrParameters, ErrUnusablePassword,
				ErrUnsupported, ErrInvalidPassword} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("Check: error %v matches no sentinel", err)
		}
		if _, err := p.MustUpdate(encoded); err != nil {
			t.Fatalf("MustUpdate failed (%v) where Check did not", err)
		}
	})
}

// FuzzMakeCheck: what Make writes, Check accepts, for every hasher.
func FuzzMakeCheck(f *testing.F) {
	p := fuzzPolicy(f)
	algs := p.Hashers()
	for i := range algs {
		f.Add("password", uint8(i))
		f.Add("pässwörd ✓ \x00", uint8(i))
	}
	f.Fuzz(func(t *testing.T, password string, which uint8) {
		a := algs[int(which)%len(algs)]
		enc, err := p.MakeWith(a, password, "")
		if err != nil {
			if errors.Is(err, ErrInvalidPassword) && (a == BCrypt || a == Crypt) {
				return
			}
			t.Fatalf("MakeWith(%s): %v", a, err)
		}
		ok, err := p.Check(password, enc)
		if !ok || err != nil {
			t.Fatalf("Check(MakeWith(%s)) = %v, %v for %q", a, ok, err, enc)
		}
		if d, err := Decode(enc); err != nil || d.Algorithm != a {
			t.Fatalf("Decode(%q) = %v, %v", enc, d.Algorithm, err)
		}
	})
}
