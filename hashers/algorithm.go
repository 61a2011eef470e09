package hashers

import (
	"strings"
	"unicode/utf8"
)

// Algorithm is the name of a Django password hasher: the "algorithm"
// attribute of its class, and the text before the first "$" of what it
// stores (except for the unsalted hashers, see Identify).
type Algorithm string

// The hashers Django ships or has shipped, by their algorithm names.
const (
	PBKDF2SHA256 Algorithm = "pbkdf2_sha256" // PBKDF2PasswordHasher, Django's default
	PBKDF2SHA1   Algorithm = "pbkdf2_sha1"   // PBKDF2SHA1PasswordHasher
	Argon2       Algorithm = "argon2"        // Argon2PasswordHasher (argon2-cffi)
	BCryptSHA256 Algorithm = "bcrypt_sha256" // BCryptSHA256PasswordHasher (bcrypt)
	BCrypt       Algorithm = "bcrypt"        // BCryptPasswordHasher: no pre-hash, 72-byte limit
	Scrypt       Algorithm = "scrypt"        // ScryptPasswordHasher, Django 4.0+
	SHA1         Algorithm = "sha1"          // SHA1PasswordHasher, removed in 5.1
	MD5          Algorithm = "md5"           // MD5PasswordHasher
	UnsaltedSHA1 Algorithm = "unsalted_sha1" // UnsaltedSHA1PasswordHasher, removed in 5.1
	UnsaltedMD5  Algorithm = "unsalted_md5"  // UnsaltedMD5PasswordHasher, removed in 5.1
	Crypt        Algorithm = "crypt"         // CryptPasswordHasher (crypt(3)), removed in 5.0
)

// Algorithms lists every hasher this package implements, in the order of
// Django's documentation.
func Algorithms() []Algorithm {
	return []Algorithm{PBKDF2SHA256, PBKDF2SHA1, Argon2, BCryptSHA256, BCrypt, Scrypt,
		SHA1, MD5, UnsaltedSHA1, UnsaltedMD5, Crypt}
}

func (a Algorithm) known() bool {
	switch a {
	case PBKDF2SHA256, PBKDF2SHA1, Argon2, BCryptSHA256, BCrypt, Scrypt,
		SHA1, MD5, UnsaltedSHA1, UnsaltedMD5, Crypt:
		return true
	}
	return false
}

// UnusablePrefix starts every unusable password (Django's
// UNUSABLE_PASSWORD_PREFIX); UnusableSuffixLength random characters follow
// it (UNUSABLE_PASSWORD_SUFFIX_LENGTH).
const (
	UnusablePrefix       = "!"
	UnusableSuffixLength = 40
)

// IsUsable reports whether encoded can ever match a password: Django's
// is_password_usable, false for a value made by MakeUnusable (any value
// starting with "!").
func IsUsable(encoded string) bool { return !strings.HasPrefix(encoded, UnusablePrefix) }

// Identify returns the hasher an encoded password belongs to, by Django's
// identify_hasher rules:
//
//   - 32 characters without "$", or 37 starting with "md5$$": unsalted_md5;
//   - 46 characters starting with "sha1$$": unsalted_sha1;
//   - otherwise the text before the first "$".
//
// It returns ErrUnusablePassword for an unusable password and
// ErrUnknownAlgorithm when the name is not one of Django's hashers. Like
// Django, it looks at the shape only: Decode or Check find malformed values.
// A Policy's Identify also requires the hasher to be enabled.
func Identify(encoded string) (Algorithm, error) {
	if !IsUsable(encoded) {
		return "", ErrUnusablePassword
	}
	// Python's len counts code points.
	n := utf8.RuneCountInString(encoded)
	var a Algorithm
	switch {
	case n == 32 && !strings.Contains(encoded, "$"), n == 37 && strings.HasPrefix(encoded, "md5$$"):
		a = UnsaltedMD5
	case n == 46 && strings.HasPrefix(encoded, "sha1$$"):
		a = UnsaltedSHA1
	default:
		name, _, _ := strings.Cut(encoded, "$")
		a = Algorithm(name)
	}
	if !a.known() {
		return "", unknownAlgorithm(a)
	}
	return a, nil
}

func unknownAlgorithm(Algorithm) error {
	// The name is not echoed: a column that holds something else than a
	// Django hash may hold a plaintext password.
	return ErrUnknownAlgorithm
}
