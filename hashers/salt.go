package hashers

import (
	"fmt"
	"io"
)

// randomStringChars is Django's RANDOM_STRING_CHARS.
const randomStringChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomString is Django's get_random_string(n, alphabet): n characters
// chosen uniformly (secrets.choice). Bytes from r at or above the largest
// multiple of len(alphabet) are rejected, so there is no modulo bias.
func randomString(r io.Reader, n int, alphabet string) (string, error) {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4+8)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("hashers: reading random bytes: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit {
				out = append(out, alphabet[int(b)%len(alphabet)])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out), nil
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
