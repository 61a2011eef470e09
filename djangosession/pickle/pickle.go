// Package pickle reads and writes the Python pickles that Django keeps
// session data in: the values PickleSerializer signed into session_data
// (deprecated in Django 4.1, removed in 5.0, still found in old rows) and
// the values Django's cache backends store in Redis and memcached.
//
// It is a data-only codec. The reader knows the opcodes of protocols 2 to
// 5 that carry plain values and has no machinery to import a module or
// call anything a pickle names: such a pickle is rejected with
// ErrUnsupported, never run. Every length, the stack, the memo and the
// nesting depth are bounded before anything is allocated.
//
// Values use the Go types of package pyjson, so a pickled session and a
// JSON one look the same to the caller:
//
//	dict   *pyjson.Object (str keys, insertion order kept)
//	list   []any
//	tuple  []any (Django's JSON serializer also turns tuples into lists)
//	str    string
//	int    int64, or *big.Int beyond 64 bits
//	float  float64
//	bool   bool
//	None   nil
package pickle

import "errors"

var (
	// ErrMalformed is returned for bytes that are not a well-formed pickle
	// or that exceed a bound (length, depth, memo, stack).
	ErrMalformed = errors.New("pickle: malformed")
	// ErrUnsupported is returned for a pickle that is well formed but holds
	// a value this package does not represent (a class instance, a set),
	// and by Marshal for a Go value it cannot write.
	ErrUnsupported = errors.New("pickle: unsupported value")
)
