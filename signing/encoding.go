package signing

import (
	"encoding/base64"
	"errors"
	"strings"
)

// B64Encode encodes b as Django's signing.b64_encode: URL-safe base64 with
// the padding removed.
func B64Encode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// B64Decode decodes what B64Encode makes. Trailing '=' padding is accepted,
// as Django re-pads before decoding.
func B64Decode(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.Join(ErrMalformed, err)
	}
	return b, nil
}

// base62Alphabet is the alphabet of Django's b62_encode: digits, then
// uppercase, then lowercase.
const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// B62Encode writes n in Django's base62 (signing.b62_encode; baseconv.base62
// before 5.0): most significant digit first, "0" for zero, a leading '-'
// for negative numbers.
func B62Encode(n int64) string {
	if n == 0 {
		return "0"
	}
	var buf [12]byte
	i := len(buf)
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	for u > 0 {
		i--
		buf[i] = base62Alphabet[u%62]
		u /= 62
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// B62Decode reverses B62Encode. A character outside the alphabet, an empty
// string or a value beyond int64 gives an error matching ErrMalformed.
func B62Decode(s string) (int64, error) {
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	if s == "" {
		return 0, ErrMalformed
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'A' && c <= 'Z':
			d = c - 'A' + 10
		case c >= 'a' && c <= 'z':
			d = c - 'a' + 36
		default:
			return 0, ErrMalformed
		}
		if n > (1<<63-1-uint64(d))/62 {
			return 0, ErrMalformed // beyond int64
		}
		n = n*62 + uint64(d)
	}
	if neg {
		return -int64(n), nil
	}
	return int64(n), nil
}
