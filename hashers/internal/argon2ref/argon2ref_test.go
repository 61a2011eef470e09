package argon2ref

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"

	"golang.org/x/crypto/argon2"
)

// TestKeyArgon2Cffi checks Key against hashes argon2-cffi 21.1.0 (Debian
// 12's libargon2) made for Django 3.2's golden vectors
// (testdata/hashers.json): password "password", salt
// "seasalt1234567890abcde", t=2, m=64 KiB, 3 lanes, 24 bytes. A hash
// without "v=" is version 16 in libargon2.
func TestKeyArgon2Cffi(t *testing.T) {
	for _, c := range []struct {
		name         string
		typ, version uint32
		hash         string
	}{
		{"argon2i v=16", TypeI, Version10, "ok21FzRlCTyIZK+N92C5D0KHYXjwhHiB"},
		{"argon2d v=16", TypeD, Version10, "LJlYFYMefqW8hpmP5HupeZdoKW/holU1"},
		{"argon2id v=16", TypeID, Version10, "gdd1AHnKy2i3115wyYu5RLvtrvT+JGFl"},
		{"argon2d v=19", TypeD, Version13, "9YjHiayGTJqc+13VdEnNddT0DK+o9A8r"},
		{"argon2i v=19", TypeI, Version13, "SCvm3auybc7fhDAIKPOuJK9a5Db72TXx"},
	} {
		want, err := base64.RawStdEncoding.DecodeString(c.hash)
		if err != nil {
			t.Fatal(err)
		}
		got := Key(c.typ, c.version, []byte("password"), []byte("seasalt1234567890abcde"), 2, 64, 3, uint32(len(want)))
		if !bytes.Equal(got, want) {
			t.Errorf("%s: got %s, argon2-cffi %s", c.name, base64.RawStdEncoding.EncodeToString(got), c.hash)
		}
	}
}

// TestKeyMatchesXCrypto checks Key against x/crypto/argon2 for what both
// compute (argon2i and argon2id, version 19) on random inputs.
func TestKeyMatchesXCrypto(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		lanes := uint32(1 + r.IntN(5))
		m := 8*lanes + uint32(r.IntN(200))
		tc := uint32(1 + r.IntN(3))
		keyLen := uint32(4 + r.IntN(100))
		pw := make([]byte, r.IntN(20))
		salt := make([]byte, 8+r.IntN(20))
		for j := range pw {
			pw[j] = byte(r.Uint32())
		}
		for j := range salt {
			salt[j] = byte(r.Uint32())
		}
		want := argon2.IDKey(pw, salt, tc, m, uint8(lanes), keyLen)
		if got := Key(TypeID, Version13, pw, salt, tc, m, lanes, keyLen); !bytes.Equal(got, want) {
			t.Fatalf("argon2id t=%d m=%d p=%d len=%d differs from x/crypto", tc, m, lanes, keyLen)
		}
		want = argon2.Key(pw, salt, tc, m, uint8(lanes), keyLen)
		if got := Key(TypeI, Version13, pw, salt, tc, m, lanes, keyLen); !bytes.Equal(got, want) {
			t.Fatalf("argon2i t=%d m=%d p=%d len=%d differs from x/crypto", tc, m, lanes, keyLen)
		}
	}
}

var sink []byte

// BenchmarkKey compares this package with x/crypto/argon2 at a small cost.
func BenchmarkKey(b *testing.B) {
	pw, salt := []byte("correct horse"), []byte("seasalt1234567890abcde")
	b.Run("argon2id-v19-xcrypto/t=2/m=8192/p=2", func(b *testing.B) {
		for b.Loop() {
			sink = argon2.IDKey(pw, salt, 2, 8192, 2, 32)
		}
	})
	for _, v := range []struct {
		name     string
		typ, ver uint32
	}{{"argon2d-v19", TypeD, Version13}, {"argon2i-v16", TypeI, Version10}} {
		b.Run(v.name+"/t=2/m=8192/p=2", func(b *testing.B) {
			for b.Loop() {
				sink = Key(v.typ, v.ver, pw, salt, 2, 8192, 2, 32)
			}
		})
	}
}
