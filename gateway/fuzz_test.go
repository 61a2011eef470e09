package gateway_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/gateway"
)

// FuzzVerify: any input is refused with ErrBadAssertion or read as an
// assertion with an id; nothing panics.
func FuzzVerify(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	key := "fuzz-assertion-key"
	good := gateway.SignAssertionForTest(f, key, now)
	for _, s := range []string{good, good[:20], "a:b:c", "::", strings.Repeat(":", 100), "eyJ9:1:x"} {
		f.Add(s)
	}
	v, err := gateway.NewVerifier(key, &gateway.VerifierOptions{Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := v.Verify(s)
		if err != nil && !errors.Is(err, gateway.ErrBadAssertion) {
			t.Fatalf("error %v is not ErrBadAssertion", err)
		}
		if err == nil && a.ID == "" {
			t.Fatal("accepted without an id")
		}
	})
}

// TestVerifyHostileSize: an oversized header is refused before any
// decoding: no allocation.
func TestVerifyHostileSize(t *testing.T) {
	v, err := gateway.NewVerifier("k-0123456789", nil)
	if err != nil {
		t.Fatal(err)
	}
	huge := strings.Repeat("a", 1<<20) + ":" + strings.Repeat("b", 1<<20) + ":x"
	if n := testing.AllocsPerRun(10, func() { _, _ = v.Verify(huge) }); n != 0 {
		t.Errorf("%v allocations for a 2 MB assertion", n)
	}
}
