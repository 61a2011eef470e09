// Package signing implements Django's django.core.signing and the
// salted_hmac of django.utils.crypto, byte for byte, so that a Go program
// and a Django project sharing a SECRET_KEY accept each other's signed
// values.
//
// Which call to use:
//
//   - Dumps and Loads for what Django's signing.dumps and signing.loads
//     make: a timestamped, signed, optionally compressed JSON value. For
//     repeated use build a TimestampSigner once with NewTimestampSigner and
//     call SignObject and UnsignObject: keys are derived at construction.
//   - NewSigner for Signer().sign(value) and unsign; NewTimestampSigner for
//     TimestampSigner, with UnsignMaxAge for max_age.
//   - SaltedHMAC and NewSaltedKey for salted_hmac, which sessions, password
//     reset tokens and the session auth hash are built on.
//
// Every failure is checkable with errors.Is. A wrong signature (any key, any
// accepted algorithm) is ErrBadSignature; an expired one is
// ErrSignatureExpired, which also matches ErrBadSignature, as Django's
// SignatureExpired subclasses BadSignature. A value whose signature is good
// but whose payload cannot be decoded (which only a holder of the key can
// make) is ErrMalformed, or ErrTooLarge when it decompresses beyond the
// configured limit. Signatures are checked, in constant time, before any
// base62, base64, zlib or JSON work is done.
//
// Payloads are JSON as Python writes it; see package pyjson for the Go types
// a payload decodes into (objects as *pyjson.Object in insertion order,
// integers as int64 or *big.Int, floats as float64, strings with lone
// surrogates kept) and how Go values are written.
//
// # Where Go and Django read the same bytes
//
// The table tests run vectors made by Django 3.2, 4.2, 5.2 and 6.1
// (testdata/signing.json), and a live test has each release read what Go
// writes and the reverse. Under a valid signature Go follows Django even
// where Django is lenient, so a token signed by a key holder gets the same
// verdict on both sides:
//
//   - base64: Django's b64_decode pads, accepts both alphabets and skips
//     junk bytes (Python's non-strict decoder); B64Decode does the same.
//   - base62 timestamps: "-" reads as 0 and leading zeros are fine;
//     timestamps beyond int64 are accepted (and clamped), as Django's
//     unbounded integers are, except that with a maximum age a timestamp
//     too large for a float is ErrMalformed (Django's OverflowError),
//     decided from its digit count, so any timestamp costs time linear in
//     its length. (Django 3.2 also refuses a timestamp of 10^4300 or more
//     without a maximum age; see docs/errata.md.)
//   - zlib: the zlib header and Adler-32 are required and bytes after the
//     end of the stream are ignored, as by Python's zlib.decompress.
//   - JSON: as CPython 3.11's json.loads (see package pyjson).
//
// Deliberate differences: a compressed payload may not inflate beyond
// Options.MaxDecompressedSize (Django has no bound); nesting deeper than
// pyjson.MaxDepth is refused (Python's limit depends on its stack, about
// 990 levels); and ages are compared in exact nanoseconds, not in floats.
// Compressed payloads are written with a port of zlib 1.2.13's deflate, the
// zlib CPython links on Debian bookworm, so Dumps with Compress gives
// Django's bytes, and the same choice of whether to compress.
package signing
