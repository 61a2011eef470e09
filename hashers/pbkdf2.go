package hashers

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding"
	"encoding/base64"
	"fmt"
	"hash"
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

func (v *pbkdf2Value) within(l *Limits) error { return pbkdf2Within(v.d.Iterations, l) }

func pbkdf2Within(iter int, l *Limits) error {
	if iter < 1 || iter > l.MaxPBKDF2Iterations {
		return fmt.Errorf("%w: %d PBKDF2 iterations (limit %d)", ErrParameters, iter, l.MaxPBKDF2Iterations)
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

func pbkdf2Key(a Algorithm, password, salt string, iter int) ([]byte, error) {
	newHash := sha256.New
	if a == PBKDF2SHA1 {
		newHash = sha1.New
	}
	if dk := pbkdf2Block(newHash, password, salt, iter); dk != nil {
		return dk, nil
	}
	dk, err := pbkdf2.Key(newHash, password, []byte(salt), iter, newHash().Size())
	if err != nil {
		return nil, fmt.Errorf("hashers: %s: %w", a, err)
	}
	return dk, nil
}

// stateHash is a hash whose state can be saved and restored, as the
// standard library's SHA-1 and SHA-256 digests allow.
type stateHash interface {
	hash.Hash
	encoding.BinaryAppender
	encoding.BinaryUnmarshaler
}

// pbkdf2Block is PBKDF2-HMAC with a derived key of one hash length (what
// Django asks for), computed one compression per HMAC half: the states
// after the key's inner and outer pads are saved once and restored for
// each iteration, and each U is hashed as one block padded once, by hand.
// The digest is read from the saved state (the chaining values, big-endian,
// after a 4-byte identifier, which is the hash of a message that ends on a
// block boundary). It returns nil when the hash does not save its state in
// that shape, so the caller falls back to crypto/pbkdf2; the first
// iteration is computed both ways and compared to make sure.
func pbkdf2Block(newHash func() hash.Hash, password, salt string, iter int) []byte {
	inner, ok1 := newHash().(stateHash)
	outer, ok2 := newHash().(stateHash)
	if !ok1 || !ok2 || iter < 1 {
		return nil
	}
	size, bs := inner.Size(), inner.BlockSize()
	if size+9 > bs || bs > 128 {
		return nil
	}
	key := []byte(password)
	if len(key) > bs {
		inner.Write(key)
		key = inner.Sum(nil)
		inner.Reset()
	}
	var pad [128]byte
	copy(pad[:], key)
	for i := range bs {
		pad[i] ^= 0x36
	}
	inner.Write(pad[:bs])
	for i := range bs {
		pad[i] ^= 0x36 ^ 0x5c
	}
	outer.Write(pad[:bs])
	clear(pad[:])
	istate, err1 := inner.AppendBinary(nil)
	ostate, err2 := outer.AppendBinary(nil)
	if err1 != nil || err2 != nil {
		return nil
	}
	defer clear(istate)
	defer clear(ostate)

	// U_1 = HMAC(salt ‖ INT(1)), the ordinary way.
	inner.Write([]byte(salt))
	inner.Write([]byte{0, 0, 0, 1})
	u := inner.Sum(make([]byte, 0, size))
	outer.Write(u)
	u = outer.Sum(u[:0])
	dk := append([]byte(nil), u...)
	if iter == 1 {
		return dk
	}

	// blk is U, padded as the last block of a message of one block (the
	// pad) plus size bytes.
	var blk [128]byte
	b := blk[:bs]
	copy(b, u)
	b[size] = 0x80
	bits := uint64(bs+size) * 8
	for i := range 8 {
		b[bs-1-i] = byte(bits >> (8 * i))
	}
	st := make([]byte, 0, len(istate))
	defer clear(blk[:])
	defer func() { clear(st[:cap(st)]) }()
	// hmac computes HMAC(b[:size]) into b[:size].
	hmac := func() bool {
		if inner.UnmarshalBinary(istate) != nil {
			return false
		}
		inner.Write(b)
		st, _ = inner.AppendBinary(st[:0])
		if len(st) < 4+size {
			return false
		}
		copy(b, st[4:4+size])
		if outer.UnmarshalBinary(ostate) != nil {
			return false
		}
		outer.Write(b)
		st, _ = outer.AppendBinary(st[:0])
		if len(st) < 4+size {
			return false
		}
		copy(b, st[4:4+size])
		return true
	}

	// Check the shortcut against the ordinary HMAC on U_2.
	if inner.UnmarshalBinary(istate) != nil || outer.UnmarshalBinary(ostate) != nil {
		return nil
	}
	inner.Write(u)
	u = inner.Sum(u[:0])
	outer.Write(u)
	u = outer.Sum(u[:0])
	if !hmac() || !bytes.Equal(b[:size], u) {
		return nil
	}
	for n := 2; ; n++ {
		subtle.XORBytes(dk, dk, b[:size])
		if n == iter {
			return dk
		}
		if !hmac() {
			return nil
		}
	}
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
