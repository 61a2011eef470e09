package csrf

import (
	"testing"
)

// TestNilReaderMeansCryptoRand is the regression test for issue 13 item 6:
// MaskRandom(secret, nil) and NewSecret(nil) panicked; a nil reader means
// crypto/rand.
func TestNilReaderMeansCryptoRand(t *testing.T) {
	secret, err := NewSecret(nil)
	if err != nil {
		t.Fatalf("NewSecret(nil): %v", err)
	}
	if len(secret) != SecretLength || !ValidFormat(secret) {
		t.Fatalf("NewSecret(nil) = %q, not a valid secret", secret)
	}
	tok, err := MaskRandom(secret, nil)
	if err != nil {
		t.Fatalf("MaskRandom(secret, nil): %v", err)
	}
	got, err := Unmask(tok)
	if err != nil || got != secret {
		t.Fatalf("Unmask(MaskRandom(secret, nil)) = %q, %v; want %q", got, err, secret)
	}
	tok2, err := MaskRandom(secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok2[:SecretLength] == tok[:SecretLength] {
		t.Fatalf("two masks from crypto/rand are equal: %q", tok[:SecretLength])
	}
}
