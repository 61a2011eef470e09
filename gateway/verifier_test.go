package gateway_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/gateway"
	"github.com/djsession/djsession/signing"
)

func TestVerifierRefuses(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	key := "assertion-key-0123456789"
	v, err := gateway.NewVerifier(key, &gateway.VerifierOptions{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	good := gateway.SignAssertionForTest(t, key, now.Add(-30*time.Second))
	if _, err := v.Verify(good); err != nil {
		t.Fatalf("30 s old: %v", err)
	}
	stale := gateway.SignAssertionForTest(t, key, now.Add(-31*time.Second))
	if _, err := v.Verify(stale); !errors.Is(err, gateway.ErrBadAssertion) || !errors.Is(err, signing.ErrSignatureExpired) {
		t.Errorf("stale: %v", err)
	}
	forged := gateway.SignAssertionForTest(t, "another-key-0123456789", now)
	for _, bad := range []string{"", forged, good[:len(good)-1] + "x", flip(good, 10), strings.Repeat("a", 20000)} {
		if _, err := v.Verify(bad); !errors.Is(err, gateway.ErrBadAssertion) {
			t.Errorf("%.40q accepted: %v", bad, err)
		}
	}
}

// flip changes the byte of s at i to another base64 letter.
func flip(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}
