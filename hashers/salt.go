package hashers

import (
	"fmt"
	"io"

	"github.com/djsession/djsession/internal/randstring"
)

// randomStringChars is Django's RANDOM_STRING_CHARS.
const randomStringChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomString is Django's get_random_string(n, alphabet).
func randomString(r io.Reader, n int, alphabet string) (string, error) {
	s, err := randstring.Get(r, n, alphabet)
	if err != nil {
		return "", fmt.Errorf("hashers: reading random bytes: %w", err)
	}
	return s, nil
}

// bcryptSalt is bcrypt.gensalt(rounds): "$2b$", the two-digit cost, "$" and
// 16 random bytes in bcrypt's base64 (22 characters).
func bcryptSalt(r io.Reader, rounds int) (string, error) {
	var raw [16]byte
	if _, err := io.ReadFull(r, raw[:]); err != nil {
		return "", fmt.Errorf("hashers: reading random bytes: %w", err)
	}
	return fmt.Sprintf("$2b$%02d$%s", rounds, bcryptBase64(raw[:])), nil
}
