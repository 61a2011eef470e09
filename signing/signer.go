package signing

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Default salts, as Django derives them from the class path.
const (
	SignerSalt          = "django.core.signing.Signer"
	TimestampSignerSalt = "django.core.signing.TimestampSigner"
	// DumpsSalt is the salt Django's dumps and loads use by default.
	DumpsSalt = "django.core.signing"
)

// DefaultMaxDecompressedSize bounds what a compressed payload may inflate
// to unless Options says otherwise: 4 MiB, far above any real session.
const DefaultMaxDecompressedSize = 4 << 20

// Options configure a Signer or TimestampSigner. The zero value of every
// field except Key means Django's default. Field names follow Django's
// Signer arguments and settings.
type Options struct {
	// Key is SECRET_KEY (or the key argument of Signer). Required.
	Key string
	// FallbackKeys are SECRET_KEY_FALLBACKS (Django 4.1+): old keys that
	// are still accepted when unsigning, tried in order after Key. New
	// signatures always use Key.
	FallbackKeys []string
	// Salt defaults to SignerSalt for NewSigner, TimestampSignerSalt for
	// NewTimestampSigner and DumpsSalt for Dumps and Loads.
	Salt string
	// Sep is the separator, ":" by default.
	Sep string
	// Algorithm defaults to SHA256, Django's default since 3.1. Use SHA1
	// to sign as Django before 3.1, or 3.1-3.2 with
	// DEFAULT_HASHING_ALGORITHM = 'sha1'.
	Algorithm Algorithm
	// LegacySHA1 also accepts SHA-1 signatures when unsigning, as Django
	// 3.1 and 3.2 did for values signed before 3.1. Django 4.0 dropped it.
	// With FallbackKeys it is tried under every key, a combination no
	// Django release had (3.2 had no fallbacks, 4.1+ no SHA-1).
	LegacySHA1 bool
	// Serializer turns objects into bytes for SignObject and back; JSON by
	// default.
	Serializer Serializer
	// MaxDecompressedSize bounds a compressed payload once inflated;
	// DefaultMaxDecompressedSize when zero.
	MaxDecompressedSize int64
	// Compress is used by Dumps: compress the payload when that makes it
	// shorter, as Django's dumps(compress=True).
	Compress bool
	// MaxAge is used by Loads: reject signatures older than this (an age
	// of exactly MaxAge is accepted, as Django compares age > max_age).
	// Zero means no limit (Django's max_age=None); for Django's max_age=0
	// use TimestampSigner.UnsignObjectMaxAge. A negative MaxAge rejects
	// every signature not made in the future, as in Django.
	MaxAge time.Duration
	// Now is the clock; time.Now when nil. For tests.
	Now func() time.Time
}

// Signer signs and unsigns strings as Django's django.core.signing.Signer.
// A Signer is safe for concurrent use.
type Signer struct {
	sep       string
	salt      string
	keys      []*SaltedKey // Key first, then FallbackKeys
	legacy    []*SaltedKey // SHA-1 keys when LegacySHA1
	ser       Serializer
	maxInflat int64
}

// NewSigner returns a Signer. Keys are derived here, once.
func NewSigner(o *Options) (*Signer, error) {
	return newSigner(o, SignerSalt)
}

func newSigner(o *Options, defaultSalt string) (*Signer, error) {
	if o == nil {
		o = &Options{}
	}
	if o.Key == "" {
		return nil, ErrNoKey
	}
	s := &Signer{sep: o.Sep, salt: o.Salt, ser: o.Serializer, maxInflat: o.MaxDecompressedSize}
	if s.sep == "" {
		s.sep = ":"
	}
	if unsafeSep(s.sep) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidSeparator, s.sep)
	}
	if s.salt == "" {
		s.salt = defaultSalt
	}
	if s.ser == nil {
		s.ser = JSONSerializer{}
	}
	if s.maxInflat <= 0 {
		s.maxInflat = DefaultMaxDecompressedSize
	}
	alg := o.Algorithm
	if alg == "" {
		alg = SHA256
	}
	keySalt := s.salt + "signer"
	for _, secret := range append([]string{o.Key}, o.FallbackKeys...) {
		k, err := NewSaltedKey(alg, keySalt, secret)
		if err != nil {
			return nil, err
		}
		s.keys = append(s.keys, k)
		if o.LegacySHA1 && alg != SHA1 {
			l, _ := NewSaltedKey(SHA1, keySalt, secret)
			s.legacy = append(s.legacy, l)
		}
	}
	return s, nil
}

// unsafeSep reports whether Django would reject sep: it does when sep
// matches ^[A-z0-9-_=]*$, a class whose A-z range also takes in [\]^_ and
// the backtick. Python's $ also matches before a final newline, so "\n"
// and "abc\n" are rejected too.
func unsafeSep(sep string) bool {
	sep = strings.TrimSuffix(sep, "\n")
	for i := 0; i < len(sep); i++ {
		c := sep[i]
		if !(c >= 'A' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '=') {
			return false
		}
	}
	return true
}

// Salt returns the signer's salt.
func (s *Signer) Salt() string { return s.salt }

// Signature returns Django's Signer.signature(value): the URL-safe base64
// of the salted HMAC of value under the signer's key.
func (s *Signer) Signature(value string) string {
	var buf [64]byte
	return B64Encode(s.keys[0].sumString(buf[:0], value))
}

// Sign returns value + sep + signature.
func (s *Signer) Sign(value string) string {
	var mac, enc [128]byte
	m := s.keys[0].sumString(mac[:0], value)
	n := base64.RawURLEncoding.EncodedLen(len(m))
	base64.RawURLEncoding.Encode(enc[:n], m)
	var b strings.Builder
	b.Grow(len(value) + len(s.sep) + n)
	b.WriteString(value)
	b.WriteString(s.sep)
	b.Write(enc[:n])
	return b.String()
}

// Unsign checks the signature of signed and returns the value it covers.
// The signature is split off at the last separator and compared in
// constant time with the signature under each accepted key. A mismatch or
// a missing separator gives an error matching ErrBadSignature.
func (s *Signer) Unsign(signed string) (string, error) {
	i := strings.LastIndex(signed, s.sep)
	if i < 0 {
		return "", fmt.Errorf("%w: no %q found in value", ErrBadSignature, s.sep)
	}
	value, sig := signed[:i], signed[i+len(s.sep):]
	if s.verify(value, sig) {
		return value, nil
	}
	return "", ErrBadSignature
}

func (s *Signer) verify(value, sig string) bool {
	var mac, enc [128]byte
	for _, set := range [2][]*SaltedKey{s.keys, s.legacy} {
		for _, k := range set {
			m := k.sumString(mac[:0], value)
			n := base64.RawURLEncoding.EncodedLen(len(m))
			if n != len(sig) {
				// A length mismatch reveals nothing about the key.
				continue
			}
			base64.RawURLEncoding.Encode(enc[:n], m)
			if equalCT(enc[:n], sig) {
				return true
			}
		}
	}
	return false
}

// equalCT reports whether b and s (of the same length) are equal, in time
// that depends only on their length.
func equalCT(b []byte, s string) bool {
	var v byte
	for i := range b {
		v |= b[i] ^ s[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) == 1
}
