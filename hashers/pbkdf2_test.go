package hashers

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"hash"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestPBKDF2BlockMatchesStdlib checks the one-compression-per-HMAC PBKDF2
// against crypto/pbkdf2 on random passwords (including ones longer than a
// block, which HMAC hashes first), salts and iteration counts.
func TestPBKDF2BlockMatchesStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, h := range []struct {
		name string
		new  func() hash.Hash
	}{{"sha256", sha256.New}, {"sha1", sha1.New}} {
		for i := range 200 {
			pw := make([]byte, r.IntN(150))
			for j := range pw {
				pw[j] = byte(r.Uint32())
			}
			salt := strings.Repeat("s", r.IntN(80))
			iter := 1 + r.IntN(40)
			if i%50 == 0 {
				iter = 1 + r.IntN(5000)
			}
			got := pbkdf2Block(h.new, string(pw), salt, iter)
			if got == nil {
				t.Fatalf("%s: pbkdf2Block fell back on this platform", h.name)
			}
			want, err := pbkdf2.Key(h.new, string(pw), []byte(salt), iter, h.new().Size())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s pw=%x salt=%q iter=%d: got %x, want %x", h.name, pw, salt, iter, got, want)
			}
		}
	}
}
