package zlibx

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"slices"
	"sync"
)

// ErrTooLarge is returned by Inflate for a stream that inflates to more
// than the limit.
var ErrTooLarge = errors.New("zlibx: inflated data over the limit")

// inflaters pools decompressors (about 40 KB of state each).
var inflaters sync.Pool

// Inflate decompresses the zlib stream p as Python's zlib.decompress does:
// the zlib header and checksum are required, bytes after the end of the
// stream are ignored. A stream that inflates to more than limit bytes gives
// ErrTooLarge after at most about twice limit bytes were allocated for the
// output, however much the stream would expand; any other error is
// compress/zlib's for a malformed stream.
func Inflate(p []byte, limit int64) ([]byte, error) {
	src := bytes.NewReader(p)
	var r io.ReadCloser
	var err error
	if z, ok := inflaters.Get().(io.ReadCloser); ok {
		r, err = z, z.(zlib.Resetter).Reset(src, nil)
	} else {
		r, err = zlib.NewReader(src)
	}
	if err != nil {
		return nil, err
	}
	defer inflaters.Put(r)
	// Most streams inflate to a few times their size; grow by doubling, but
	// never past limit+1, the one byte that proves the stream too large.
	out := make([]byte, 0, min(int64(len(p))*4+64, limit+1))
	for {
		if len(out) == cap(out) {
			if int64(len(out)) > limit {
				return nil, ErrTooLarge
			}
			out = slices.Grow(out, int(min(int64(cap(out)), limit+1-int64(len(out)))))
		}
		n, err := r.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(out)) > limit {
		return nil, ErrTooLarge
	}
	return out, nil
}
