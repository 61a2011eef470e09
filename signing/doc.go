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
// a payload decodes into and how Go values are written.
package signing
