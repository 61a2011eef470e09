package signing

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"fmt"
	"hash"
	"sync"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/blake2s"
)

// Algorithm names a hash function the way Django does: by the name of a
// hashlib constructor.
type Algorithm string

// The algorithms salted_hmac accepts. Django's default for Signer is SHA256
// (since 3.1); salted_hmac itself still defaults to SHA1.
const (
	SHA1     Algorithm = "sha1"
	SHA224   Algorithm = "sha224"
	SHA256   Algorithm = "sha256"
	SHA384   Algorithm = "sha384"
	SHA512   Algorithm = "sha512"
	SHA3_224 Algorithm = "sha3_224"
	SHA3_256 Algorithm = "sha3_256"
	SHA3_384 Algorithm = "sha3_384"
	SHA3_512 Algorithm = "sha3_512"
	BLAKE2b  Algorithm = "blake2b"
	BLAKE2s  Algorithm = "blake2s"
	MD5      Algorithm = "md5"
)

// newFunc returns the constructor for a. The blake2 constructors mirror
// hashlib's defaults: 64-byte blake2b and 32-byte blake2s, no key.
func (a Algorithm) newFunc() (func() hash.Hash, error) {
	switch a {
	case SHA1:
		return sha1.New, nil
	case SHA224:
		return sha256.New224, nil
	case SHA256:
		return sha256.New, nil
	case SHA384:
		return sha512.New384, nil
	case SHA512:
		return sha512.New, nil
	case SHA3_224:
		return func() hash.Hash { return sha3.New224() }, nil
	case SHA3_256:
		return func() hash.Hash { return sha3.New256() }, nil
	case SHA3_384:
		return func() hash.Hash { return sha3.New384() }, nil
	case SHA3_512:
		return func() hash.Hash { return sha3.New512() }, nil
	case BLAKE2b:
		return func() hash.Hash { h, _ := blake2b.New512(nil); return h }, nil
	case BLAKE2s:
		return func() hash.Hash { h, _ := blake2s.New256(nil); return h }, nil
	case MD5:
		return md5.New, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrInvalidAlgorithm, string(a))
}

// SaltedKey is the HMAC key Django's salted_hmac derives from a key salt and
// a secret: H(keySalt ‖ secret), used as the key of HMAC-H. Deriving it once
// and reusing it saves two hash computations per signature. A SaltedKey is
// safe for concurrent use.
type SaltedKey struct {
	alg  Algorithm
	size int
	pool sync.Pool // of *macState
}

// macState is an HMAC keyed with the derived key, and a scratch buffer that
// feeds it strings without allocating.
type macState struct {
	h   hash.Hash
	sum [64]byte // the largest digest: SHA-512, SHA3-512, BLAKE2b
	buf [512]byte
}

// NewSaltedKey derives the key salted_hmac(keySalt, ·, secret, algorithm)
// uses. Strings are taken as their bytes; Django encodes str with UTF-8, so
// pass UTF-8 text.
func NewSaltedKey(alg Algorithm, keySalt, secret string) (*SaltedKey, error) {
	newHash, err := alg.newFunc()
	if err != nil {
		return nil, err
	}
	h := newHash()
	h.Write([]byte(keySalt))
	h.Write([]byte(secret))
	key := h.Sum(nil)
	k := &SaltedKey{alg: alg, size: h.Size()}
	k.pool.New = func() any { return &macState{h: hmac.New(newHash, key)} }
	return k, nil
}

// Algorithm returns the hash algorithm of the key.
func (k *SaltedKey) Algorithm() Algorithm { return k.alg }

// Size returns the length of a MAC in bytes.
func (k *SaltedKey) Size() int { return k.size }

// Sum appends the MAC of value to dst and returns the result.
func (k *SaltedKey) Sum(dst, value []byte) []byte {
	m := k.pool.Get().(*macState)
	m.h.Reset()
	m.h.Write(value)
	dst = append(dst, m.h.Sum(m.sum[:0])...)
	k.pool.Put(m)
	return dst
}

// sumString is Sum for a string value, fed through the state's buffer so
// that no copy of the string is allocated.
func (k *SaltedKey) sumString(dst []byte, value string) []byte {
	m := k.pool.Get().(*macState)
	m.h.Reset()
	for len(value) > 0 {
		n := copy(m.buf[:], value)
		m.h.Write(m.buf[:n])
		value = value[n:]
	}
	// Summing into the state's array keeps dst (often on the caller's
	// stack) from escaping through the hash.Hash interface.
	dst = append(dst, m.h.Sum(m.sum[:0])...)
	k.pool.Put(m)
	return dst
}

// SaltedHMAC returns Django's salted_hmac(keySalt, value, secret,
// algorithm=alg).digest(). Use NewSaltedKey when the same key salt and
// secret sign many values.
func SaltedHMAC(alg Algorithm, keySalt, secret string, value []byte) ([]byte, error) {
	k, err := NewSaltedKey(alg, keySalt, secret)
	if err != nil {
		return nil, err
	}
	return k.Sum(nil, value), nil
}
