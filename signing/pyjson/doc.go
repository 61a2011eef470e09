// Package pyjson reads and writes JSON exactly as Python's json module does
// with the options Django's JSONSerializer uses (separators "," and ":",
// ASCII output, NaN and infinities allowed), so that a value Django wrote
// comes back to Django byte for byte after a Go program decodes and
// re-encodes it.
//
// Decoded values have these Go types:
//
//	JSON object  -> *Object (insertion order kept, as a Python dict)
//	JSON array   -> []any
//	JSON string  -> string (see below for lone surrogates)
//	integer      -> int64, or *big.Int when it does not fit in an int64
//	float        -> float64 (NaN and ±Infinity included)
//	true, false  -> bool
//	null         -> nil
//
// Python strings may hold lone UTF-16 surrogates ("\ud800"), which valid
// UTF-8 cannot. Such a code point is kept in the Go string as its
// three-byte generalized UTF-8 form (WTF-8, e.g. "\xed\xa0\x80"), and the
// encoder writes it back as the same \u escape. Valid UTF-8 is unaffected.
//
// Like Django, the decoder reads its input as latin-1: each byte is one
// code point. Django's own output is pure ASCII, so this only matters for
// foreign input.
package pyjson
