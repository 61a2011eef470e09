package unixcrypt

import (
	"crypto/des"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestVectors checks each method against crypt(3) strings that libxcrypt
// made through Python's crypt module for Django 3.2's golden vectors
// (testdata/hashers.json, the values after "crypt$$").
func TestVectors(t *testing.T) {
	long90 := strings.Repeat("y", 90)
	for _, c := range []struct{ password, want string }{
		{"password", "abJnggxhB/yWI"},
		{"password", "./xZjzHv5vzVE"},
		{"", "abmF1QH4PEr.E"},
		{"pässwörd ✓ 密码 🔑", "abzp3RXJm5gNA"},
		{"äöüß", "xyBrFWoFh/AtA"},
		{"pässwörd ✓", "abzp3RXJm5gNArg0N1fcfurk"}, // bigcrypt
		{long90, "ab1K8UeTNXiuwsNX.ICXcR8EIqmgoACfL6gqr9PUAN5FG2PhsHHrYWTLclY7ky/4RSsgAAuWm.cduVc88K3yBtiymEyuwdDhduDW64ZmwafrboF6CKk3.nvd3uM48xbO.8.5DQ"},
		{"password", "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"},
		{"", "$1$$qRPK7m23GJusamGpoGLby/"},
		{long90, "$1$saltsalt$GY/UzRwyKS4TqwTDddhtD."},
		{"password", "$5$saltstring$OH4IDuTlsuTYPdED1gsuiRMyTAwNlRWyA6Xr3I4/dQ5"},
		{"pässwörd ✓", "$5$rounds=1000$saltstring$/vFtjqO07DYZBxG.7rUe/kNqWkDleZbisvGItA1EFhA"},
		{"password", "$5$rounds=5000$saltstring$OH4IDuTlsuTYPdED1gsuiRMyTAwNlRWyA6Xr3I4/dQ5"},
		{"password", "$6$saltstring$adDbXsJjcDlq2662QPgd.tkSOVmnG9Tt3oXl4HR60SusC3AGjirnDenVZp3DGwLwqy6iYKCzannhaX9DR72nN1"},
		{long90, "$6$rounds=1234$longsaltlongsalt$6B9WOiGovzC6dc.wd9p2qDzSJlbNZsPNcawyppmd7g8s9rOKNB0q0xd6XNp41YCQIBO/.qFSV0xbU9VgzoH2S1"},
	} {
		var got string
		switch {
		case strings.HasPrefix(c.want, "$1$"):
			got = MD5([]byte(c.password), c.want)
		case strings.HasPrefix(c.want, "$5$"), strings.HasPrefix(c.want, "$6$"):
			s, ok := ParseSHASetting(c.want)
			if !ok {
				t.Fatalf("ParseSHASetting(%q) failed", c.want)
			}
			got = SHA([]byte(c.password), s)
		default:
			got, _ = DES([]byte(c.password), c.want)
		}
		if got != c.want {
			t.Errorf("crypt(%q) = %q, libxcrypt %q", c.password, got, c.want)
		}
	}
}

// TestParseSHASetting checks the "rounds=" rules libxcrypt applies.
func TestParseSHASetting(t *testing.T) {
	for setting, want := range map[string]int{
		"$5$salt": 5000, "$6$rounds=1000$s": 1000, "$5$rounds=999999999$s": 999_999_999,
		"$5$rounds=999$s": -1, "$5$rounds=01000$s": -1, "$5$rounds=+1000$s": -1,
		"$5$rounds=1000000000$s": -1, "$5$rounds=1000": -1, "$7$x": -1,
	} {
		s, ok := ParseSHASetting(setting)
		if (want < 0) == ok || ok && s.Rounds != want {
			t.Errorf("ParseSHASetting(%q) = %d, %v; want %d", setting, s.Rounds, ok, want)
		}
	}
}

// TestDESTables checks the DES of crypt against crypto/des (salt 0).
func TestDESTables(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		key, block := r.Uint64(), r.Uint64()
		var kb, bb, want [8]byte
		binary.BigEndian.PutUint64(kb[:], key)
		binary.BigEndian.PutUint64(bb[:], block)
		c, _ := des.NewCipher(kb[:])
		c.Encrypt(want[:], bb[:])
		ks := desSubkeys(key)
		if got := desEncrypt(block, &ks, 0); got != binary.BigEndian.Uint64(want[:]) {
			t.Fatalf("DES(%x, %x) = %x, crypto/des: %x", key, block, got, want)
		}
	}
}

// TestDESCrypt25 checks the table-driven 25-fold DES of crypt against the
// plain one.
func TestDESCrypt25(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 100 {
		ks := desSubkeys(r.Uint64())
		mask, _ := desSaltMask(Alphabet[r.IntN(64)], Alphabet[r.IntN(64)])
		var want uint64
		for range 25 {
			want = desEncrypt(want, &ks, mask)
		}
		if got := desCrypt25(&ks, mask); got != want {
			t.Fatalf("desCrypt25 = %x, want %x", got, want)
		}
	}
}
