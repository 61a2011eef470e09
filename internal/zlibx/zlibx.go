// Package zlibx writes zlib streams byte for byte as zlib 1.2.13's
// compress2 does, and so as CPython's zlib.compress(data, level) on the
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
// Use Compress for Python's default level (6, the level Django uses) and
// CompressLevel for the others. The window is 32 KiB, memLevel 8 and the
// strategy Z_DEFAULT_STRATEGY, as zlib.compress uses.
//
// Level 0 (stored blocks only) depends on the size of the output buffer the
// caller hands zlib; CompressLevel(data, 0) reproduces CPython 3.11's
// zlib.compress, whose output buffer grows in blocks of 32 KiB, 64 KiB,
// 256 KiB and so on.
package zlibx

import (
	"errors"
	"hash/adler32"
	"sync"
)

// DefaultCompression is zlib's Z_DEFAULT_COMPRESSION, which zlib maps to
// level 6; it is what zlib.compress(data) uses when no level is given.
const DefaultCompression = -1

// ErrLevel is returned for a compression level outside -1..9, as zlib's
// deflateInit rejects it (CPython raises zlib.error "Bad compression level").
var ErrLevel = errors.New("zlibx: compression level out of range")

// Compress returns zlib.compress(data) as CPython computes it with zlib
// 1.2.13: a zlib stream at level 6.
func Compress(data []byte) []byte {
	out, _ := AppendCompress(make([]byte, 0, boundGuess(len(data))), data, DefaultCompression)
	return out
}

// CompressLevel returns zlib.compress(data, level): a zlib stream at the
// given level, -1 (DefaultCompression, meaning 6) through 9.
func CompressLevel(data []byte, level int) ([]byte, error) {
	return AppendCompress(make([]byte, 0, boundGuess(len(data))), data, level)
}

// AppendCompress appends the zlib stream for data at level to dst and
// returns the extended slice; see CompressLevel.
func AppendCompress(dst, data []byte, level int) ([]byte, error) {
	if level == DefaultCompression {
		level = 6
	}
	if level < 0 || level > 9 {
		return dst, ErrLevel
	}
	d := deflaters.Get().(*deflater)
	out := d.compress(dst, data, level)
	d.src, d.in, d.out = nil, nil, nil
	deflaters.Put(d)
	return out, nil
}

// boundGuess is a first capacity for the output: most inputs compress, and
// append grows the slice for those that do not.
func boundGuess(n int) int { return n/2 + 64 }

// deflaters pools compressor state (about 230 KB: the window, the hash
// chains, the symbol buffer and the trees), which would otherwise dominate
// the cost of compressing a small value.
var deflaters = sync.Pool{New: func() any { return new(deflater) }}

// config is one row of zlib's configuration table: how hard each level
// looks for matches.
type config struct {
	good  int // search a quarter of the chain once a match this long is in hand
	lazy  int // deflate_slow: no lazy search past a match this long; deflate_fast: insert limit
	nice  int // stop searching at a match this long
	chain int // longest hash chain to follow
}

// configs is zlib's table for levels 0-9 (levels 1-3 run the greedy
// matcher, 4-9 the lazy one, 0 only stores).
var configs = [10]config{
	{0, 0, 0, 0},
	{4, 4, 8, 4},
	{4, 5, 16, 8},
	{4, 6, 32, 32},
	{4, 4, 16, 16},
	{8, 16, 32, 32},
	{8, 16, 128, 128},
	{8, 32, 128, 256},
	{32, 128, 258, 1024},
	{32, 258, 258, 4096},
}

// compress runs a whole deflateInit / deflate(Z_FINISH) / deflateEnd cycle.
func (d *deflater) compress(dst, data []byte, level int) []byte {
	d.reset(level)
	d.src, d.in = data, data
	d.out = dst

	// The zlib header: deflate method with a 32 KiB window, then a flag
	// byte carrying zlib's level class (0 for levels 0-1, 1 for 2-5, 2 for
	// 6, 3 for 7-9) and made so that the 16-bit header is a multiple of 31.
	var class uint16
	switch {
	case level < 2:
		class = 0
	case level < 6:
		class = 1
	case level == 6:
		class = 2
	default:
		class = 3
	}
	h := uint16(0x78)<<8 | class<<6
	h += 31 - h%31
	d.out = append(d.out, byte(h>>8), byte(h))

	switch {
	case level == 0:
		d.deflateStored()
	case level <= 3:
		d.deflateFast()
	default:
		d.deflateSlow()
	}

	a := adler32.Checksum(data)
	return append(d.out, byte(a>>24), byte(a>>16), byte(a>>8), byte(a))
}
