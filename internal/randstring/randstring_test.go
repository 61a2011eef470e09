package randstring

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// TestGetMapping pins how bytes become characters: alphabet[b % len] for
// b below the largest multiple of len, the rest skipped.
func TestGetMapping(t *testing.T) {
	src := append([]byte{252, 255, 0, 35, 36, 251}, make([]byte, 58)...)
	s, err := Get(bytes.NewReader(src), 4, "abcdefghijklmnopqrstuvwxyz0123456789")
	if err != nil || s != "a9a9" { // 0, 35, 36 % 36, 251 % 36
		t.Fatalf("Get = %q, %v", s, err)
	}
	if _, err := Get(io.MultiReader(bytes.NewReader(src[:10]), errReader{}), 4, "ab"); !errors.Is(err, errBoom) {
		t.Fatalf("Get with a failing reader: %v", err)
	}
}

var errBoom = errors.New("no entropy")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBoom }
