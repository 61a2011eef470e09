package zlibx

import (
	"bytes"
	"compress/zlib"
	"errors"
	"runtime"
	"testing"
)

func TestInflate(t *testing.T) {
	text := bytes.Repeat([]byte("session data "), 1000) // 13000 bytes
	good := Compress(text)
	for _, tc := range []struct {
		name  string
		in    []byte
		limit int64
		want  []byte
		err   error // nil, ErrTooLarge, or any other: malformed
	}{
		{"exact limit", good, int64(len(text)), text, nil},
		{"one over", good, int64(len(text)) - 1, nil, ErrTooLarge},
		{"trailing bytes ignored", append(clone(good), "junk"...), 1 << 20, text, nil},
		{"empty stream", Compress(nil), 0, []byte{}, nil},
		{"no header", good[2:], 1 << 20, nil, zlib.ErrHeader},
		{"bad checksum", append(clone(good[:len(good)-1]), good[len(good)-1]^1), 1 << 20, nil, zlib.ErrChecksum},
		{"truncated", good[:len(good)/2], 1 << 20, nil, errors.New("any")},
		{"empty input", nil, 1 << 20, nil, errors.New("any")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Inflate(tc.in, tc.limit)
			switch {
			case tc.err == nil && err != nil:
				t.Fatalf("Inflate: %v", err)
			case tc.err == nil && !bytes.Equal(got, tc.want):
				t.Fatalf("Inflate = %d bytes, want %d", len(got), len(tc.want))
			case tc.err == ErrTooLarge && !errors.Is(err, ErrTooLarge):
				t.Fatalf("Inflate: %v, want ErrTooLarge", err)
			case tc.err != nil && (err == nil || got != nil):
				t.Fatalf("Inflate = %d bytes, %v; want an error", len(got), err)
			case tc.err == zlib.ErrHeader || tc.err == zlib.ErrChecksum:
				if !errors.Is(err, tc.err) {
					t.Fatalf("Inflate: %v, want %v", err, tc.err)
				}
			}
		})
	}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// TestInflateBomb inflates a 32 MiB run of zeros (40 KB compressed) with
// a 256 KiB limit: it must fail with ErrTooLarge having allocated a bounded
// number of bytes, not the 32 MiB the stream stands for.
func TestInflateBomb(t *testing.T) {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestSpeed)
	zeros := make([]byte, 1<<20)
	for range 32 {
		zw.Write(zeros)
	}
	zw.Close()
	bomb := buf.Bytes()
	const limit = 256 << 10
	if _, err := Inflate(bomb, limit); !errors.Is(err, ErrTooLarge) { // also warms the pool
		t.Fatalf("Inflate: %v, want ErrTooLarge", err)
	}
	const runs = 5
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		if _, err := Inflate(bomb, limit); !errors.Is(err, ErrTooLarge) {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	perCall := (after.TotalAlloc - before.TotalAlloc) / runs
	// The output doubles up to limit+1 (about twice limit in all, rounded
	// up to allocation size classes), plus a decompressor (about 40 KB)
	// when the pool is empty.
	if max := uint64(3*limit + 64<<10); perCall > max {
		t.Fatalf("a %d-byte bomb allocated %d bytes per Inflate, over %d", len(bomb), perCall, max)
	}
	t.Logf("%d-byte bomb, limit %d: %d bytes allocated per Inflate", len(bomb), limit, perCall)
}
