package zlibx

import (
	"bytes"
	"compress/zlib"
	"io"
	"testing"
)

// FuzzRoundTrip checks that every output inflates (with Go's compress/zlib)
// back to the input.
func FuzzRoundTrip(f *testing.F) {
	for _, kind := range []string{"text", "random", "runs", "skew", "cycle", "bytes"} {
		in, _ := genInput(kind, 7, 700)
		f.Add(in)
	}
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte("ab"), 300))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := zlib.NewReader(bytes.NewReader(Compress(data)))
		if err != nil {
			t.Fatal(err)
		}
		back, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("inflate: %v", err)
		}
		if !bytes.Equal(back, data) {
			t.Fatal("round trip differs")
		}
	})
}
