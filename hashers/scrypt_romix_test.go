package hashers

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"golang.org/x/crypto/scrypt"
)

// TestScryptKeyMatchesXCrypto checks the package's ROMix against
// x/crypto/scrypt on random passwords and salts, at Django's default
// costs and at small and odd ones (r from 1 to 9, p up to 6).
func TestScryptKeyMatchesXCrypto(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	params := [][3]int{{16384, 8, 1}, {2, 1, 1}, {4, 1, 6}, {1024, 3, 5}, {256, 9, 2}, {16, 2, 3}}
	if testing.Short() {
		params = params[1:]
	}
	for _, c := range params {
		for range 3 {
			pw := make([]byte, rng.IntN(100))
			salt := make([]byte, 1+rng.IntN(40))
			for i := range pw {
				pw[i] = byte(rng.Uint32())
			}
			for i := range salt {
				salt[i] = byte(rng.Uint32())
			}
			got, err := scryptKey(pw, salt, c[0], c[1], c[2])
			if err != nil {
				t.Fatal(c, err)
			}
			want, err := scrypt.Key(pw, salt, c[0], c[1], c[2], scryptKeyLen)
			if err != nil {
				t.Fatal(c, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("N=%d r=%d p=%d: got %x, want %x", c[0], c[1], c[2], got, want)
			}
		}
	}
	// Parameters the package's ROMix does not take get x/crypto's answer
	// (here its error).
	if _, err := scryptKey([]byte("pw"), []byte("s"), 3, 1, 1); err == nil {
		t.Error("N=3 accepted")
	}
}
