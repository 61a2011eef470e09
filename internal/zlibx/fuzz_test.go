package zlibx

import (
	"bytes"
	"compress/zlib"
	"io"
	"testing"
)

// FuzzRoundTrip checks that every output inflates (with Go's compress/zlib)
// back to the input, at every level.
func FuzzRoundTrip(f *testing.F) {
	for _, kind := range []string{"text", "random", "runs", "skew", "cycle", "bytes"} {
		in, _ := genInput(kind, 7, 700)
		f.Add(in, uint8(6))
	}
	f.Add([]byte{}, uint8(1))
	f.Add(bytes.Repeat([]byte("ab"), 300), uint8(9))
	f.Fuzz(func(t *testing.T, data []byte, level uint8) {
		lv := int(level%11) - 1 // -1 (the default) to 9
		out, err := CompressLevel(data, lv)
		if err != nil {
			t.Fatal(err)
		}
		r, err := zlib.NewReader(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("level %d: %v", lv, err)
		}
		back, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("level %d: inflate: %v", lv, err)
		}
		if !bytes.Equal(back, data) {
			t.Fatalf("level %d: round trip differs", lv)
		}
	})
}
