package csrf

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"io"

	"github.com/djsession/djsession/internal/randstring"
)

// Lengths and alphabet of Django's CSRF secrets and tokens.
const (
	SecretLength = 32
	TokenLength  = 2 * SecretLength
	// AllowedChars is CSRF_ALLOWED_CHARS, in Django's order.
	AllowedChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// charIndex maps a byte to its index in AllowedChars, or -1.
var charIndex = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(AllowedChars); i++ {
		t[AllowedChars[i]] = int8(i)
	}
	return t
}()

// NewSecret returns a new secret: 32 characters uniform over AllowedChars,
// as get_random_string(32, CSRF_ALLOWED_CHARS). A nil r means crypto/rand.
func NewSecret(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	s, err := randstring.Get(r, SecretLength, AllowedChars)
	if err != nil {
		return "", fmt.Errorf("csrf: reading random bytes: %w", err)
	}
	return s, nil
}

// Mask returns the token for secret with the given mask, as Django's
// _mask_cipher_secret: the mask followed by each secret character shifted
// by the mask character's index, modulo 62. secret and mask must be valid
// 32-character strings (see ValidFormat); otherwise ErrBadFormat.
func Mask(secret, mask string) (string, error) {
	if len(secret) != SecretLength || len(mask) != SecretLength || !validChars(secret) || !validChars(mask) {
		return "", ErrBadFormat
	}
	out := make([]byte, TokenLength)
	copy(out, mask)
	for i := 0; i < SecretLength; i++ {
		out[SecretLength+i] = AllowedChars[(int(charIndex[secret[i]])+int(charIndex[mask[i]]))%62]
	}
	return string(out), nil
}

// MaskRandom masks secret with a fresh random mask from r, as get_token
// does for every token it hands out. A nil r means crypto/rand.
func MaskRandom(secret string, r io.Reader) (string, error) {
	mask, err := NewSecret(r)
	if err != nil {
		return "", err
	}
	return Mask(secret, mask)
}

// Unmask returns the secret inside a 64-character token, as Django's
// _unmask_cipher_token; ErrBadFormat for anything else.
func Unmask(token string) (string, error) {
	if len(token) != TokenLength || !validChars(token) {
		return "", ErrBadFormat
	}
	out := make([]byte, SecretLength)
	for i := 0; i < SecretLength; i++ {
		d := int(charIndex[token[SecretLength+i]]) - int(charIndex[token[i]])
		if d < 0 {
			d += 62
		}
		out[i] = AllowedChars[d]
	}
	return string(out), nil
}

// ValidFormat reports whether s is a secret or token Django 4.0+ accepts:
// 32 or 64 characters of [a-zA-Z0-9].
func ValidFormat(s string) bool {
	return (len(s) == SecretLength || len(s) == TokenLength) && validChars(s)
}

func validChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if charIndex[s[i]] < 0 {
			return false
		}
	}
	return true
}

// formatReason returns Django's phrase for a malformed value, or "".
func formatReason(s string) string {
	if len(s) != SecretLength && len(s) != TokenLength {
		return "has incorrect length"
	}
	if !validChars(s) {
		return "has invalid characters"
	}
	return ""
}

// Match reports whether token (a 64-character masked token or a
// 32-character secret, already checked with ValidFormat) carries secret,
// in constant time, as Django's _does_token_match.
func Match(token, secret string) bool {
	if len(token) == TokenLength {
		t, err := Unmask(token)
		if err != nil {
			return false
		}
		token = t
	}
	return subtle.ConstantTimeCompare([]byte(token), []byte(secret)) == 1
}
