// Package pyjson reads and writes JSON exactly as Python's json module does
// with the options Django's JSONSerializer uses (separators "," and ":",
// ASCII output, NaN and infinities allowed), so that a value Django wrote
// comes back to Django byte for byte after a Go program decodes and
// re-encodes it.
//
// Unmarshal reads what Django wrote (a session's JSON, a signed value's
// payload); Marshal writes a value back as json.dumps would; an Object is a
// dict with its key order. See the examples.
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
//
// Fidelity: for any input, Unmarshal accepts exactly what CPython 3.11's
// json.loads accepts (a differential test feeds both thousands of random
// valid and invalid texts) and Marshal(Unmarshal(x)) is byte for byte what
// json.dumps(json.loads(x), separators=(",", ":")) gives: integers of any
// size stay integers (up to CPython's 4300-digit limit, beyond which both
// refuse), 1.0 stays a float and floats keep Python's repr (1e+16, 1e-05,
// -0.0), key order and duplicate-key rules are a dict's, and astral
// characters and lone surrogates survive. The one difference is depth:
// MaxDepth is fixed, while Python's recursion limit stops at about 990
// levels depending on the caller's stack.
//
// Strings decoded without escapes share one copy of the input, which stays
// in memory while any of them does. Equal object keys are one Go string,
// the first seen, as CPython's scanner makes them one str object: package
// pickle then writes a decoded session as pickle.dumps(json.loads(...))
// does, a repeated key written once and referred to.
//
// Limits on hostile input: an integer's size is checked before the
// conversion that takes time quadratic in it, both ways. Unmarshal counts
// the digits of an integer literal and refuses more than MaxIntDigits with
// ErrIntTooLong, as json.loads does, before converting; Marshal (and
// AppendInt, FormatInt for a program that shows integers to a person)
// decides from a *big.Int's bit length that it has too many digits, so a
// 4 MB integer is refused at once instead of after seconds. Nesting is
// bounded by MaxDepth both ways. Marshal writes each place a shared
// value appears in full, as json.dumps does; what a decoded pickle may
// stand for is bounded where it is read (package pickle's MaxExpanded).
package pyjson
