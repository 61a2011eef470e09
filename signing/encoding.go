package signing

import (
	"encoding/base64"
	"errors"
	"math"
	"math/big"
	"strings"
)

// B64Encode encodes b as Django's signing.b64_encode: URL-safe base64 with
// the padding removed.
func B64Encode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// errBase64 is what B64Decode wraps (with ErrMalformed) when Python would
// raise binascii.Error.
var errBase64 = errors.New("incorrect base64 padding or length")

// B64Decode decodes s as Django's signing.b64_decode does, including its
// leniency, so that Go and Django agree on every payload a key holder can
// sign:
//
//   - '=' is appended until the length (of the whole input) is a multiple
//     of four;
//   - the URL-safe and the standard alphabet are both read ('-' and '+' are
//     62, '_' and '/' are 63);
//   - any other byte is skipped;
//   - once a quantum is complete with its padding, the rest of the input is
//     ignored;
//   - a quantum left incomplete is an error, as are the bits of a single
//     leftover character.
//
// This is Python's non-strict binascii.a2b_base64. Django's own output is
// always clean URL-safe base64 without padding, which takes a fast path.
// Errors match ErrMalformed.
func B64Decode(s string) ([]byte, error) {
	if strings.IndexByte(s, '\n') < 0 && strings.IndexByte(s, '\r') < 0 {
		// RawURLEncoding skips only CR and LF, which Python counts in the
		// padding arithmetic; without them it accepts exactly the clean
		// inputs on which Python gives the same bytes.
		if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return pyB64Decode(s)
}

// b64Values maps a byte to its base64 value, or 0xff when Python's decoder
// skips it. Both alphabets are accepted: Django's urlsafe_b64decode only
// translates '-' and '_' to '+' and '/'.
var b64Values = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(std); i++ {
		t[std[i]] = byte(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// pyB64Decode is Python's binascii.a2b_base64 (non-strict) of s padded as
// Django pads it.
func pyB64Decode(s string) ([]byte, error) {
	pad := (4 - len(s)%4) % 4
	out := make([]byte, 0, (len(s)+pad)/4*3)
	quad, pads := 0, 0
	var left byte
	for i := 0; i < len(s)+pad; i++ {
		c := byte('=')
		if i < len(s) {
			c = s[i]
		}
		if c == '=' {
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					return out, nil // complete: Python ignores the rest
				}
			}
			continue
		}
		v := b64Values[c]
		if v == 0xff {
			continue
		}
		pads = 0
		switch quad {
		case 0:
			left = v
		case 1:
			out = append(out, left<<2|v>>4)
			left = v & 0x0f
		case 2:
			out = append(out, left<<4|v>>2)
			left = v & 0x03
		case 3:
			out = append(out, left<<6|v)
		}
		quad = (quad + 1) % 4
	}
	if quad != 0 {
		return nil, errors.Join(ErrMalformed, errBase64)
	}
	return out, nil
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
		u = -u
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

func b62Digit(c byte) (uint64, bool) {
	switch {
	case c >= '0' && c <= '9':
		return uint64(c - '0'), true
	case c >= 'A' && c <= 'Z':
		return uint64(c-'A') + 10, true
	case c >= 'a' && c <= 'z':
		return uint64(c-'a') + 36, true
	}
	return 0, false
}

// B62Decode reverses B62Encode as Django's b62_decode does: an optional
// leading '-', then digits (leading zeros allowed). Like Django it reads
// "-" alone as 0. A character outside the alphabet, an empty string or a
// value beyond int64 (which Django, having unbounded integers, would read)
// gives an error matching ErrMalformed.
func B62Decode(s string) (int64, error) {
	n, exact, err := b62DecodeSat(s)
	if err != nil {
		return 0, err
	}
	if !exact {
		return 0, ErrMalformed // beyond int64
	}
	return n, nil
}

// b62DecodeSat decodes s, saturating at the int64 bounds; exact is false
// when it saturated.
func b62DecodeSat(s string) (n int64, exact bool, err error) {
	if s == "" {
		return 0, false, ErrMalformed // Django: IndexError
	}
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var u uint64
	over := false
	for i := 0; i < len(s); i++ {
		d, ok := b62Digit(s[i])
		if !ok {
			return 0, false, ErrMalformed
		}
		if !over && u > (1<<63-1-d)/62 {
			over = true
		}
		if !over {
			u = u*62 + d
		}
	}
	switch {
	case over && neg:
		return math.MinInt64, false, nil
	case over:
		return math.MaxInt64, false, nil
	case neg:
		return -int64(u), true, nil
	}
	return int64(u), true, nil
}

// maxFloatB62Digits is the most significant base62 digits an integer a
// float64 can hold may have: 62^172 > 2^1024, so any integer of 173 or
// more digits overflows.
const maxFloatB62Digits = 172

// b62Float is float(b62_decode(s)) as Python computes it when it subtracts
// the timestamp from time.time(): ok is false when the integer is too large
// for a float (Python's OverflowError, raised from 2^1024 - 2^970 up, the
// values that round to 2^1024). s must be a valid base62 number. The
// verdict for a long s comes from its length, so the cost is linear in s
// (converting a million digits took over a minute).
func b62Float(s string) (f float64, ok bool) {
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	s = strings.TrimLeft(s, "0")
	if len(s) > maxFloatB62Digits {
		return 0, false
	}
	x := new(big.Int)
	d62 := big.NewInt(62)
	for i := 0; i < len(s); i++ {
		d, _ := b62Digit(s[i])
		x.Mul(x, d62).Add(x, new(big.Int).SetUint64(d))
	}
	if neg {
		x.Neg(x)
	}
	f, _ = new(big.Float).SetInt(x).Float64()
	return f, !math.IsInf(f, 0)
}
