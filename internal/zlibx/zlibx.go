// Package zlibx writes zlib streams byte for byte as zlib 1.2.13's
// compress2 does, and so as CPython's zlib.compress(data) on the
// systems Django runs on (Debian bookworm links CPython 3.11 to the system
// zlib 1.2.13).
//
// Go's compress/zlib produces valid streams, but other bytes: it finds other
// matches, cuts blocks elsewhere and builds other Huffman codes. Django's
// signing.dumps(compress=True) keeps the compressed form only when it is
// shorter than the JSON by more than one byte, so even the choice to compress
// depends on the exact output length. This package reimplements zlib's
// deflate (the hash chains, lazy matching, block flush points, Huffman tree
// construction and block type choice) so that the output is identical.
//
// Compress is zlib.compress(data) at Python's default level (6, the level
// Django's signing.dumps uses), with a 32 KiB window, memLevel 8 and
// Z_DEFAULT_STRATEGY; it is the only level the library writes (pylibmc
// values are never compressed on write). Inflate is the one bounded
// zlib.decompress of the library: signing's compressed payloads and
// pylibmc's compressed cache values.
package zlibx

import (
	"hash/adler32"
	"sync"
)

// Compress returns zlib.compress(data) as CPython computes it with zlib
// 1.2.13: a zlib stream at level 6.
func Compress(data []byte) []byte {
	d := deflaters.Get().(*deflater)
	out := d.compress(make([]byte, 0, boundGuess(len(data))), data)
	d.src, d.in, d.out = nil, nil, nil
	deflaters.Put(d)
	return out
}

// boundGuess is a first capacity for the output: most inputs compress, and
// append grows the slice for those that do not.
func boundGuess(n int) int { return n/2 + 64 }

// deflaters pools compressor state (about 230 KB: the window, the hash
// chains, the symbol buffer and the trees), which would otherwise dominate
// the cost of compressing a small value.
var deflaters = sync.Pool{New: func() any { return new(deflater) }}

// Level 6's row of zlib's configuration table: how hard the lazy matcher
// looks for matches.
const (
	goodLength = 8   // search a quarter of the chain once a match this long is in hand
	maxLazy    = 16  // no lazy search past a match this long
	niceLength = 128 // stop searching at a match this long
	maxChain   = 128 // longest hash chain to follow
)

// compress runs a whole deflateInit / deflate(Z_FINISH) / deflateEnd cycle.
func (d *deflater) compress(dst, data []byte) []byte {
	d.reset()
	d.src, d.in = data, data
	d.out = dst

	// The zlib header: deflate with a 32 KiB window, then a flag byte
	// carrying level 6's class (2) and made so that the 16-bit header is a
	// multiple of 31: 78 9c.
	d.out = append(d.out, 0x78, 0x9c)
	d.deflateSlow()

	a := adler32.Checksum(data)
	return append(d.out, byte(a>>24), byte(a>>16), byte(a>>8), byte(a))
}
