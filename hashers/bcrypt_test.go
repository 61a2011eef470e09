package hashers

import (
	"math/rand/v2"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestBCryptMatchesXCrypto checks the bcrypt strings this package writes
// against x/crypto/bcrypt, both ways: CompareHashAndPassword accepts what
// bcryptString makes, and bcryptString re-makes what GenerateFromPassword
// makes (as "$2b$": the hash of "$2a$" is the same for keys under 255
// bytes) for random keys of 0 to 72 bytes and low costs.
func TestBCryptMatchesXCrypto(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 60 {
		key := make([]byte, rng.IntN(73))
		for j := range key {
			key[j] = byte(1 + rng.IntN(255))
		}
		st := bcryptSetting{minor: 'b', cost: 4 + i%2}
		for j := range st.salt {
			st.salt[j] = byte(rng.Uint32())
		}
		ours := bcryptString(&st, key)
		if err := bcrypt.CompareHashAndPassword([]byte(ours), key); err != nil {
			t.Fatalf("x/crypto rejects %q for key %x: %v", ours, key, err)
		}
		theirs, err := bcrypt.GenerateFromPassword(key, st.cost)
		if err != nil {
			t.Fatal(err)
		}
		st2, canonical, err := parseBCryptSetting(string(theirs))
		if err != nil || !canonical || st2.minor != 'a' {
			t.Fatalf("parsing x/crypto's %q: %v, %v", theirs, canonical, err)
		}
		st2.minor = 'b'
		if got, want := bcryptString(&st2, key), "$2b"+string(theirs[3:]); got != want {
			t.Fatalf("key %x: got %q, x/crypto %q", key, got, want)
		}
	}
}
