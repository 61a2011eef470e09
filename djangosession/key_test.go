package djangosession_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/djsession/djsession/djangosession"
)

// TestValidKeyLikeDjango: the keys each release accepts (at least eight
// characters; a cookie value reaches Django as latin-1 text, one character
// per byte, so Go counts bytes).
func TestValidKeyLikeDjango(t *testing.T) {
	v := loadVectors(t)
	for rel, r := range v.Releases {
		for _, c := range r.Keys.Validation {
			k, err := hex.DecodeString(c.KeyHex)
			if err != nil {
				t.Fatal(err)
			}
			if got := djangosession.ValidKey(string(k)); got != c.Valid {
				t.Errorf("%s: ValidKey(%q) = %v, Django %s %v", rel, k, got, r.Django, c.Valid)
			}
		}
	}
}

// TestNewKeyShape: 32 characters of Django's VALID_KEY_CHARS, all of them
// in use, as get_random_string(32, VALID_KEY_CHARS).
func TestNewKeyShape(t *testing.T) {
	v := loadVectors(t)
	for rel, r := range v.Releases {
		if r.Keys.ValidKeyChars != "abcdefghijklmnopqrstuvwxyz0123456789" ||
			len(r.Keys.GeneratedLengths) != 1 || r.Keys.GeneratedLengths[0] != djangosession.KeyLength {
			t.Fatalf("Django %s: alphabet %q, lengths %v", rel, r.Keys.ValidKeyChars, r.Keys.GeneratedLengths)
		}
	}
	alphabet := v.Releases["3.2"].Keys.ValidKeyChars
	counts := map[rune]int{}
	const n = 3000
	for range n {
		k, err := djangosession.NewKey(cryptoReader{})
		if err != nil {
			t.Fatal(err)
		}
		if len(k) != djangosession.KeyLength {
			t.Fatalf("key %q has length %d", k, len(k))
		}
		for _, c := range k {
			if !strings.ContainsRune(alphabet, c) {
				t.Fatalf("key %q has %q, outside Django's VALID_KEY_CHARS", k, c)
			}
			counts[c]++
		}
	}
	if len(counts) != len(alphabet) {
		t.Fatalf("%d of %d characters used", len(counts), len(alphabet))
	}
	// Chi-square over 36 bins (35 degrees of freedom): 100 lies far beyond
	// the 1e-7 quantile, so a uniform source does not fail this, and a
	// modulo bias of 256 % 36 (a 7/256 skew) would.
	expected := float64(n*djangosession.KeyLength) / 36
	chi := 0.0
	for _, c := range alphabet {
		d := float64(counts[c]) - expected
		chi += d * d / expected
	}
	if chi > 100 || math.IsNaN(chi) {
		t.Fatalf("chi-square %.1f over 35 degrees of freedom: not uniform", chi)
	}
}

type cryptoReader struct{}

func (cryptoReader) Read(p []byte) (int, error) { return cryptoRead(p) }

// TestNewKeyMapping pins how random bytes become characters:
// VALID_KEY_CHARS[b % 36] for b < 252; bytes 252-255 are skipped, so there
// is no modulo bias.
func TestNewKeyMapping(t *testing.T) {
	src := make([]byte, 0, 64)
	for i := range 64 {
		src = append(src, byte(i))
	}
	src[0], src[1] = 252, 255 // rejected
	k, err := djangosession.NewKey(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if want := "cdefghijklmnopqrstuvwxyz01234567"; k != want {
		t.Fatalf("NewKey = %q, want %q", k, want)
	}
	boom := errors.New("no entropy")
	if _, err := djangosession.NewKey(io.MultiReader(bytes.NewReader(src[:10]), errReader{boom})); !errors.Is(err, boom) {
		t.Fatalf("NewKey with a failing reader: %v", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func cryptoRead(p []byte) (int, error) { return rand.Read(p) }

func TestValidKeyChars(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want bool
	}{
		{"", false},
		{"a", true},
		{"abcdefghijklmnopqrstuvwxyz0123456789", true},
		{"Abc", false},
		{"abc-def", false},
		{"abc/../x", false},
		{"abc\x00", false},
		{"ab\u00e9", false},
		{"z9", true},
		{"{", false}, {"`", false}, {"/", false}, {":", false},
	} {
		if got := djangosession.ValidKeyChars(tc.key); got != tc.want {
			t.Errorf("ValidKeyChars(%q) = %v, want %v", tc.key, got, tc.want)
		}
	}
	for i := 0; i < 50; i++ {
		k, _ := djangosession.NewKey(rand.Reader)
		if !djangosession.ValidKeyChars(k) {
			t.Errorf("NewKey made %q", k)
		}
	}
}
