package hashers

import (
	"math/rand/v2"
	"testing"

	"golang.org/x/crypto/blowfish"
)

// xcryptoEksBlowfish is EksBlowfish on x/crypto/blowfish, the reference for
// the package's own.
func xcryptoEksBlowfish(ckey, salt []byte, cost int) [24]byte {
	c, err := blowfish.NewSaltedCipher(ckey, salt)
	if err != nil {
		panic(err)
	}
	for i := 0; i < 1<<cost; i++ {
		blowfish.ExpandKey(ckey, c)
		blowfish.ExpandKey(salt, c)
	}
	data := bcryptMagic
	for i := 0; i < 24; i += 8 {
		for range 64 {
			c.Encrypt(data[i:i+8], data[i:i+8])
		}
	}
	return data
}

// TestEksBlowfishMatchesXCrypto compares the package's EksBlowfish with
// one built on x/crypto/blowfish for random keys (1 to 73 bytes, the
// NUL-terminated keys bcrypt passes), salts and low costs.
func TestEksBlowfishMatchesXCrypto(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 300 {
		key := make([]byte, 1+rng.IntN(73))
		for j := range key {
			key[j] = byte(rng.Uint32())
		}
		salt := make([]byte, 16)
		for j := range salt {
			salt[j] = byte(rng.Uint32())
		}
		cost := i % 5
		if got, want := eksBlowfishRaw(key, salt, cost), xcryptoEksBlowfish(key, salt, cost); got != want {
			t.Fatalf("key %x salt %x cost %d: got %x, want %x", key, salt, cost, got, want)
		}
	}
}

// TestBlowfishPi checks the generated table's ends against the published
// digits of pi (P[0], P[17], S0[0], S3[255]).
func TestBlowfishPi(t *testing.T) {
	for i, want := range map[int]uint32{0: 0x243f6a88, 17: 0x8979fb1b, 18: 0xd1310ba6, 1041: 0x3ac372e6} {
		if blowfishPi[i] != want {
			t.Errorf("blowfishPi[%d] = %#x, want %#x", i, blowfishPi[i], want)
		}
	}
}
