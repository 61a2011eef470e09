package signing

import "errors"

var (
	// ErrBadSignature is returned when a value's signature matches none of
	// the keys and algorithms the signer accepts, or the value has no
	// separator at all (Django's BadSignature).
	ErrBadSignature = errors.New("signing: bad signature")

	// ErrSignatureExpired is returned when a timestamped signature is valid
	// but older than the maximum age (Django's SignatureExpired). An error
	// that matches it also matches ErrBadSignature.
	ErrSignatureExpired error = expiredError{}

	// ErrMalformed is returned when the signature is valid but what it
	// covers cannot be decoded: no timestamp, bad base62, base64, zlib or
	// JSON. Django raises ValueError (or a subclass) in these cases.
	ErrMalformed = errors.New("signing: malformed signed value")

	// ErrTooLarge is returned when a compressed payload inflates beyond the
	// limit set in Options.MaxDecompressedSize. It also matches ErrMalformed.
	ErrTooLarge error = tooLargeError{}

	// ErrInvalidAlgorithm is returned for a hash algorithm name Django's
	// salted_hmac would not accept (Django's InvalidAlgorithm).
	ErrInvalidAlgorithm = errors.New("signing: invalid hash algorithm")

	// ErrInvalidSeparator is returned by the constructors for a separator
	// Django rejects: empty, or made only of characters that can occur in
	// base64 and base62 output.
	ErrInvalidSeparator = errors.New("signing: unsafe separator")

	// ErrNoKey is returned by the constructors when Options.Key is empty.
	ErrNoKey = errors.New("signing: no key")
)

type expiredError struct{}

func (expiredError) Error() string { return "signing: signature expired" }

// Is makes an expired signature also a bad signature.
func (expiredError) Is(target error) bool { return target == ErrBadSignature }

type tooLargeError struct{}

func (tooLargeError) Error() string { return "signing: decompressed payload too large" }

// Is makes a payload that is too large also a malformed one.
func (tooLargeError) Is(target error) bool { return target == ErrMalformed }
