package djangosession

import (
	"fmt"
	"io"

	"github.com/djsession/djsession/internal/randstring"
)

// validKeyChars is Django's VALID_KEY_CHARS: lowercase letters and digits.
const validKeyChars = "abcdefghijklmnopqrstuvwxyz0123456789"

// KeyLength is the length of the session keys Django makes.
const KeyLength = 32

// MaxCreateAttempts bounds how many fresh keys Session.Create tries before
// giving up with ErrCreateFailed (Django's db engine never gives up; its
// cache engine stops after 10,000).
const MaxCreateAttempts = 100

// NewKey returns a session key as Django's get_random_string(32,
// VALID_KEY_CHARS): 32 characters, each uniform over [a-z0-9].
func NewKey(r io.Reader) (string, error) {
	k, err := randstring.Get(r, KeyLength, validKeyChars)
	if err != nil {
		return "", fmt.Errorf("djangosession: reading random bytes: %w", err)
	}
	return k, nil
}

// ValidKey reports whether Django accepts key as a session key: at least
// eight characters. Shorter keys are treated as no key at all. Characters
// are counted as bytes, as Django counts them in a cookie a WSGI server
// hands it (decoded as Latin-1). Each store adds what its storage can hold
// (see Store).
func ValidKey(key string) bool { return len(key) >= 8 }

// ValidKeyChars reports whether key is non-empty and made only of
// Django's VALID_KEY_CHARS (a-z and 0-9), the characters of the keys
// Django makes. The file and cache engines hold no other: Django's file
// engine refuses any other character, and listing a cache or a session
// directory skips names with them.
func ValidKeyChars(key string) bool {
	if key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
