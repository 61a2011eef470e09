package hashers

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// md5$<salt>$<hex md5(salt ‖ password)>     (MD5PasswordHasher)
// sha1$<salt>$<hex sha1(salt ‖ password)>   (SHA1PasswordHasher, ≤ 5.0)
// <hex md5(password)> or md5$$<hex …>      (UnsaltedMD5PasswordHasher, ≤ 5.0)
// sha1$$<hex sha1(password)>               (UnsaltedSHA1PasswordHasher, ≤ 5.0)

func digestNew(a Algorithm) (func() hash.Hash, int) {
	if a == SHA1 || a == UnsaltedSHA1 {
		return sha1.New, sha1.Size
	}
	return md5.New, md5.Size
}

func digestHex(a Algorithm, salt, password string) string {
	newHash, _ := digestNew(a)
	h := newHash()
	h.Write([]byte(salt))
	h.Write([]byte(password))
	return hex.EncodeToString(h.Sum(nil))
}

// isLowerHex reports whether s is n bytes of lowercase hex, what
// hexdigest() writes.
func isLowerHex(s string, n int) bool {
	if len(s) != 2*n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

type digestValue struct{ d Decoded }

func parseDigest(a Algorithm, encoded string) (value, error) {
	parts := strings.SplitN(encoded, "$", 3)
	if len(parts) != 3 || parts[0] != string(a) {
		return nil, fmt.Errorf("%w: %s needs 3 fields separated by '$'", ErrMalformed, a)
	}
	if parts[1] == "" {
		return nil, fmt.Errorf("%w: %s has an empty salt", ErrMalformed, a)
	}
	_, size := digestNew(a)
	if !isLowerHex(parts[2], size) {
		return nil, fmt.Errorf("%w: %s hash is not %d hex digits", ErrMalformed, a, 2*size)
	}
	return &digestValue{Decoded{Algorithm: a, Salt: parts[1], Hash: parts[2]}}, nil
}

func (v *digestValue) decoded() Decoded { return v.d }
func (v *digestValue) verify(password string) (bool, error) {
	return equal(v.d.Hash, digestHex(v.d.Algorithm, v.d.Salt, password)), nil
}
func (v *digestValue) mustUpdate(*Policy) bool { return mustUpdateSalt(v.d.Salt) }
func (v *digestValue) harden(*Policy, string)  {}

func digestEncode(a Algorithm, password, salt string) (string, error) {
	if !validSalt(salt) {
		return "", fmt.Errorf("%w: must be non-empty and without '$'", ErrInvalidSalt)
	}
	return string(a) + "$" + salt + "$" + digestHex(a, salt, password), nil
}

type unsaltedValue struct {
	d   Decoded
	hex string // the digest, without a "md5$$" or "sha1$$" prefix
}

func parseUnsalted(a Algorithm, encoded string) (value, error) {
	var h string
	switch {
	case a == UnsaltedSHA1 && strings.HasPrefix(encoded, "sha1$$"):
		h = encoded[len("sha1$$"):]
	case a == UnsaltedMD5 && strings.HasPrefix(encoded, "md5$$"):
		h = encoded[len("md5$$"):]
	case a == UnsaltedMD5:
		h = encoded
	default:
		return nil, fmt.Errorf("%w: not an %s value", ErrMalformed, a)
	}
	_, size := digestNew(a)
	if !isLowerHex(h, size) {
		return nil, fmt.Errorf("%w: %s hash is not %d hex digits", ErrMalformed, a, 2*size)
	}
	// Django's decode reports the hex after "sha1$$" for unsalted_sha1, and
	// the whole value, "md5$$" included, for unsalted_md5.
	d := Decoded{Algorithm: a, Hash: h}
	if a == UnsaltedMD5 {
		d.Hash = encoded
	}
	return &unsaltedValue{d: d, hex: h}, nil
}

func (v *unsaltedValue) decoded() Decoded { return v.d }
func (v *unsaltedValue) verify(password string) (bool, error) {
	return equal(v.hex, digestHex(v.d.Algorithm, "", password)), nil
}
func (v *unsaltedValue) mustUpdate(*Policy) bool { return false }
func (v *unsaltedValue) harden(*Policy, string)  {}

func unsaltedEncode(a Algorithm, password, salt string) (string, error) {
	if salt != "" {
		return "", fmt.Errorf("%w: %s takes no salt", ErrInvalidSalt, a)
	}
	if a == UnsaltedSHA1 {
		return "sha1$$" + digestHex(a, "", password), nil
	}
	return digestHex(a, "", password), nil
}
