package hashers

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// pbkdf2_sha256$<iterations>$<salt>$<base64 of PBKDF2-HMAC-SHA256, 32 bytes>
// pbkdf2_sha1$<iterations>$<salt>$<base64 of PBKDF2-HMAC-SHA1, 20 bytes>

type pbkdf2Value struct{ d Decoded }

func pbkdf2Size(a Algorithm) int {
	if a == PBKDF2SHA1 {
		return sha1.Size
	}
	return sha256.Size
}

func parsePBKDF2(a Algorithm, encoded string) (value, error) {
	parts := strings.SplitN(encoded, "$", 4)
	if len(parts) != 4 || parts[0] != string(a) {
		return nil, fmt.Errorf("%w: %s needs 4 fields separated by '$'", ErrMalformed, a)
	}
	iter, ok := parseDecimal(parts[1])
	if !ok || iter < 1 {
		return nil, fmt.Errorf("%w: %s iterations", ErrMalformed, a)
	}
	if parts[2] == "" {
		return nil, fmt.Errorf("%w: %s has an empty salt", ErrMalformed, a)
	}
	if !canonicalStdBase64(parts[3], pbkdf2Size(a)) {
		return nil, fmt.Errorf("%w: %s hash is not the base64 of %d bytes", ErrMalformed, a, pbkdf2Size(a))
	}
	return &pbkdf2Value{Decoded{Algorithm: a, Iterations: iter, Salt: parts[2], Hash: parts[3]}}, nil
}

func (v *pbkdf2Value) decoded() Decoded { return v.d }

func pbkdf2Within(iter int, l *Limits) error {
	if iter < 1 {
		return fmt.Errorf("%w: PBKDF2 iterations below 1", ErrParameters)
	}
	if iter > l.MaxPBKDF2Iterations {
		return fmt.Errorf("%w: %d PBKDF2 iterations (limit %d)", ErrOverLimit, iter, l.MaxPBKDF2Iterations)
	}
	return nil
}

func (v *pbkdf2Value) verify(password string) (bool, error) {
	dk, err := pbkdf2Key(v.d.Algorithm, password, v.d.Salt, v.d.Iterations)
	if err != nil {
		return false, err
	}
	return equal(v.d.Hash, base64.StdEncoding.EncodeToString(dk)), nil
}

// mustUpdate: the iterations differ from the policy's, in either
// direction, or the salt has fewer than 128 bits.
func (v *pbkdf2Value) mustUpdate(p *Policy) bool {
	return v.d.Iterations != p.pbkdf2 || mustUpdateSalt(v.d.Salt)
}

// harden runs the iterations the stored hash lacks.
func (v *pbkdf2Value) harden(p *Policy, password string) {
	if extra := p.pbkdf2 - v.d.Iterations; extra > 0 {
		p.hardened(v.d.Algorithm, extra)
		_, _ = pbkdf2Key(v.d.Algorithm, password, v.d.Salt, extra)
	}
}

// pbkdf2Key is hashlib.pbkdf2_hmac with a key of one digest length, as
// Django computes it: crypto/pbkdf2, which runs inside Go's FIPS 140
// module.
func pbkdf2Key(a Algorithm, password, salt string, iter int) ([]byte, error) {
	newHash := sha256.New
	if a == PBKDF2SHA1 {
		newHash = sha1.New
	}
	dk, err := pbkdf2.Key(newHash, password, []byte(salt), iter, newHash().Size())
	if err != nil {
		return nil, fmt.Errorf("hashers: %s: %w", a, err)
	}
	return dk, nil
}

func pbkdf2Encode(a Algorithm, password, salt string, iter int) (string, error) {
	if !validSalt(salt) {
		return "", fmt.Errorf("%w: must be non-empty and without '$'", ErrInvalidSalt)
	}
	dk, err := pbkdf2Key(a, password, salt, iter)
	if err != nil {
		return "", err
	}
	return string(a) + "$" + strconv.Itoa(iter) + "$" + salt + "$" + base64.StdEncoding.EncodeToString(dk), nil
}

// canonicalStdBase64 reports whether s is exactly what Python's
// base64.b64encode writes for n bytes: standard alphabet, "=" padding,
// zero trailing bits.
func canonicalStdBase64(s string, n int) bool {
	if len(s) != base64.StdEncoding.EncodedLen(n) {
		return false
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == n
}
