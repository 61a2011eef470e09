package hashers

import (
	"crypto/subtle"
	"math"
	"strings"
	"unicode/utf8"
)

// Decoded holds the fields of an encoded password, what the decode method
// of Django's hasher returns. Fields that do not apply to the algorithm are
// zero.
type Decoded struct {
	Algorithm Algorithm
	// Salt is the salt as Django's decode reports it: the salt field
	// (pbkdf2_*, scrypt, md5, sha1, and crypt's usually empty one); for
	// argon2 the salt bytes decoded from base64 (as latin-1); for bcrypt the
	// 22 salt characters. Empty for the unsalted hashers.
	Salt string
	// Hash is the checksum as stored: base64 or hex text, the 31 bcrypt
	// characters, or the whole crypt(3) string for crypt. For unsalted_md5
	// it is the whole stored value, "md5$$" prefix included, as Django's
	// decode reports it.
	Hash string

	Iterations  int    // pbkdf2_*: PBKDF2 iterations; crypt sha*crypt: rounds
	WorkFactor  int    // bcrypt: cost (log2 of the rounds); scrypt: N
	BlockSize   int    // scrypt: r
	Parallelism int    // scrypt: p; argon2: lanes
	Variety     string // argon2: "argon2id", "argon2i" or "argon2d"
	// Version is argon2's version: 19 (0x13), or 16 (0x10) for a hash
	// without "v=", which libargon2 computes as Argon2 1.0 (argon2-cffi's
	// extract_parameters, and so Django's decode, report 18 for it).
	Version    int
	MemoryCost int    // argon2: KiB
	TimeCost   int    // argon2: passes
	Algostr    string // bcrypt: "2b", "2a" or "2y"
	// CryptMethod names the crypt(3) method of a crypt value: "des",
	// "bigcrypt", "md5crypt", "sha256crypt", "sha512crypt" or "bcrypt".
	CryptMethod string
}

// Decode parses encoded into its fields, for any hasher this package
// knows, without computing anything. It returns the errors of Identify,
// ErrMalformed for a value that does not parse, and ErrUnsupported for a
// crypt method this package cannot compute.
func Decode(encoded string) (Decoded, error) {
	a, err := Identify(encoded)
	if err != nil {
		return Decoded{}, err
	}
	v, err := parse(a, encoded)
	if err != nil {
		return Decoded{}, err
	}
	return v.decoded(), nil
}

// value is a parsed encoded password of one hasher.
type value interface {
	decoded() Decoded
	// verify is the hasher's verify(password, encoded): recompute with the
	// stored parameters and compare in constant time.
	verify(password string) (bool, error)
	// mustUpdate is the hasher's must_update(encoded) with p's parameters.
	mustUpdate(p *Policy) bool
	// harden is the hasher's harden_runtime(password, encoded) with p's
	// parameters.
	harden(p *Policy, password string)
}

func parse(a Algorithm, encoded string) (value, error) {
	switch a {
	case PBKDF2SHA256, PBKDF2SHA1:
		return parsePBKDF2(a, encoded)
	case Argon2:
		return parseArgon2(encoded)
	case BCryptSHA256, BCrypt:
		return parseBCrypt(a, encoded)
	case Scrypt:
		return parseScrypt(encoded)
	case SHA1, MD5:
		return parseDigest(a, encoded)
	case UnsaltedSHA1, UnsaltedMD5:
		return parseUnsalted(a, encoded)
	case Crypt:
		return parseCrypt(encoded)
	}
	return nil, unknownAlgorithm(a)
}

// equal compares two encoded values in constant time (for equal lengths),
// like Django's constant_time_compare.
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// parseDecimal parses a decimal the way Django's "%d" % n would print it
// back: digits only, no sign, no leading zero, at most 18 digits. Other
// spellings never match after Django re-encodes, so they are malformed.
func parseDecimal(s string) (int, bool) {
	if s == "" || len(s) > 18 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// saltLength is the length of the salts Django makes: ceil(128 / log2(62)).
const saltLength = 22

// saltEntropy is BasePasswordHasher.salt_entropy.
const saltEntropy = 128

// mustUpdateSalt is Django's must_update_salt(salt, 128): the salt (in
// Python characters) carries fewer than 128 bits at log2(62) bits each.
func mustUpdateSalt(salt string) bool {
	return float64(utf8.RuneCountInString(salt))*math.Log2(float64(len(randomStringChars))) < saltEntropy
}

// validSalt is Django's _check_encode_args rule for salts: not empty, no "$".
func validSalt(salt string) bool { return salt != "" && !strings.Contains(salt, "$") }
