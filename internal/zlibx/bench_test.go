package zlibx

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"testing"
)

var sinkBytes []byte

// BenchmarkCompress compresses JSON-like text of a few sizes at level 6
// with this package and, for scale, with Go's compress/zlib (a pooled
// writer, reset per call).
func BenchmarkCompress(b *testing.B) {
	for _, size := range []int{600, 4 << 10, 64 << 10} {
		in, _ := genInput("text", 1, size)
		b.Run(fmt.Sprintf("zlibx/size=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				sinkBytes = Compress(in)
			}
		})
		b.Run(fmt.Sprintf("compress-zlib/size=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size))
			var out bytes.Buffer
			w, _ := zlib.NewWriterLevel(&out, 6)
			for b.Loop() {
				out.Reset()
				w.Reset(&out)
				w.Write(in)
				w.Close()
				sinkBytes = out.Bytes()
			}
		})
	}
}
