package hashers

import "errors"

// Errors returned by this package. Every failure wraps exactly one of them,
// so callers can test with errors.Is. Messages never contain a password or
// a secret key.
var (
	// ErrUnknownAlgorithm is returned for an encoded password whose
	// algorithm is not one Django ships, or is not enabled in the policy's
	// PASSWORD_HASHERS (Django's "Unknown password hashing algorithm"
	// ValueError). Also returned by New and MakeWith for an algorithm the
	// chosen Django release does not have.
	ErrUnknownAlgorithm = errors.New("hashers: unknown password hashing algorithm")

	// ErrMalformed is returned when an encoded password names a known
	// algorithm but its fields do not parse, or are such that Django could
	// never accept any password for it (Django returns False or raises
	// ValueError for these).
	ErrMalformed = errors.New("hashers: malformed encoded password")

	// ErrParameters is returned for cost parameters that cannot be used:
	// a stored value's costs over the Limits (ErrOverLimit, which matches
	// ErrParameters too), or a policy's own parameters that Django would
	// refuse or that exceed the limits (from New).
	ErrParameters = errors.New("hashers: cost parameters out of bounds")

	// ErrOverLimit is returned when an encoded password's cost parameters
	// (PBKDF2 iterations, bcrypt cost, scrypt N, r and p, argon2 memory,
	// time and parallelism, crypt rounds) exceed the policy's Limits.
	// Nothing is computed for such a value, so a hostile row cannot exhaust
	// the process. It also matches ErrParameters.
	ErrOverLimit error = overLimitError{}

	// ErrUnusablePassword is returned by Check for a password field made by
	// MakeUnusable (Django's set_unusable_password: "!" and 40 random
	// characters). Django's check_password returns False for these.
	ErrUnusablePassword = errors.New("hashers: unusable password")

	// ErrUnsupported is returned for a crypt(3) method this package does not
	// implement without cgo (yescrypt, gost-yescrypt, scrypt "$7$", BSDi
	// extended DES, SunMD5, sha1crypt, NT hash, bcrypt "$2x$").
	ErrUnsupported = errors.New("hashers: unsupported crypt method")

	// ErrInvalidPassword is returned when a hasher cannot take the password
	// at all: plain bcrypt and crypt reject a password containing a NUL
	// byte, as Django (through the bcrypt and crypt modules) does.
	ErrInvalidPassword = errors.New("hashers: password not accepted by this hasher")

	// ErrPasswordTooLong is returned by Make and MakeWith for a plain
	// "bcrypt" hash of a password longer than 72 bytes, or a "crypt" hash
	// of one longer than 8: the algorithm would ignore the rest, and this
	// package does not truncate a password silently (Django does). Use
	// bcrypt_sha256, which pre-hashes the password. It also matches
	// ErrInvalidPassword.
	ErrPasswordTooLong error = tooLongError{}

	// ErrInvalidSalt is returned by MakeWith for a salt the hasher does not
	// accept (Django's "salt must be provided and cannot contain $." and
	// its per-hasher rules).
	ErrInvalidSalt = errors.New("hashers: invalid salt")
)

type tooLongError struct{}

func (tooLongError) Error() string {
	return "hashers: password too long for this hasher (it would be truncated)"
}
func (tooLongError) Is(target error) bool { return target == ErrInvalidPassword }

type overLimitError struct{}

func (overLimitError) Error() string        { return "hashers: cost over the limits" }
func (overLimitError) Is(target error) bool { return target == ErrParameters }
