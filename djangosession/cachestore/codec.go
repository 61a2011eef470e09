package cachestore

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"unicode/utf8"

	"github.com/djsession/djsession/internal/zlibx"
	"github.com/djsession/djsession/python/pickle"
)

// Memcached flags of pymemcache's pickle_serde and pylibmc.
const (
	flagBytes  = 0
	flagPickle = 1 << 0
	flagInt    = 1 << 1 // pymemcache int; pylibmc bool
	flagLong   = 1 << 2 // pylibmc int
	flagZlib   = 1 << 3 // pylibmc compression
	flagText   = 1 << 4
)

// maxIntDigits is CPython's default int_max_str_digits: int() of a longer
// string raises ValueError.
const maxIntDigits = 4300

// ErrValue is returned by Encode for a Go value a backend cannot store and
// by Decode for a value it cannot read.
var ErrValue = errors.New("cachestore: bad cache value")

func (b Backend) defaultProtocol() int {
	if b == DjangoRedis {
		return 4 // pickle.DEFAULT_PROTOCOL
	}
	return pickle.HighestProtocol
}

// Encode returns the bytes and memcached flags b's Django backend stores
// for v (Go values as package pickle takes them), with the backend's
// default pickle protocol.
func (b Backend) Encode(v any) (value []byte, flags uint32, err error) {
	if !b.valid() {
		return nil, 0, ErrBackend
	}
	return b.encode(v, b.defaultProtocol())
}

// Decode returns the value b's Django backend reads from value and flags.
// A pickle is read with package pickle; ints beyond 64 bits are
// *big.Int.
func (b Backend) Decode(value []byte, flags uint32) (any, error) {
	if !b.valid() {
		return nil, ErrBackend
	}
	return b.decode(value, flags, DefaultMaxValueSize)
}

func (b Backend) encode(v any, proto int) ([]byte, uint32, error) {
	if digits, ok := intText(v); ok {
		switch b {
		case PyMemcache:
			return digits, flagInt, nil
		case PyLibMC:
			return digits, flagLong, nil
		}
		return digits, 0, nil // redis-py sends an int as its digits
	}
	if b.Memcached() {
		switch v := v.(type) {
		case []byte:
			return v, flagBytes, nil
		case string:
			if !utf8.ValidString(v) {
				return nil, 0, fmt.Errorf("%w: str with a lone surrogate cannot be encoded to UTF-8", ErrValue)
			}
			return []byte(v), flagText, nil
		case bool:
			if b == PyLibMC {
				if v {
					return []byte("1"), flagInt, nil
				}
				return []byte("0"), flagInt, nil
			}
		}
	}
	p, err := pickle.MarshalProtocol(v, proto)
	if err != nil {
		return nil, 0, err
	}
	if b.Memcached() {
		return p, flagPickle, nil
	}
	return p, 0, nil
}

// intText returns the decimal digits of v when it is a Python int (not a
// bool).
func intText(v any) ([]byte, bool) {
	switch v := v.(type) {
	case int:
		return strconv.AppendInt(nil, int64(v), 10), true
	case int64:
		return strconv.AppendInt(nil, v, 10), true
	case *big.Int:
		if v == nil {
			return nil, false
		}
		return v.Append(nil, 10), true
	}
	return nil, false
}

func (b Backend) decode(value []byte, flags uint32, limit int) (any, error) {
	switch b {
	case RedisCache, DjangoRedis:
		// int(data) first, then pickle.loads.
		if n, ok := pyInt(value); ok {
			return n, nil
		}
		return pickle.Unmarshal(value)
	case PyLibMC:
		if flags&flagZlib != 0 {
			var err error
			if value, err = inflate(value, limit); err != nil {
				return nil, err
			}
			flags &^= flagZlib
		}
	}
	switch {
	case flags == flagBytes:
		return bytes.Clone(value), nil
	case flags&flagText != 0:
		if !utf8.Valid(value) {
			return nil, fmt.Errorf("%w: str item not UTF-8", ErrValue)
		}
		return string(value), nil
	case flags&(flagInt|flagLong) != 0:
		if n, ok := pyInt(value); ok {
			return n, nil
		}
		return nil, fmt.Errorf("%w: int item %.20q", ErrValue, value)
	case flags&flagPickle != 0:
		return pickle.Unmarshal(value)
	}
	return bytes.Clone(value), nil
}

// inflate decompresses a zlib stream of at most limit bytes.
func inflate(p []byte, limit int) ([]byte, error) {
	out, err := zlibx.Inflate(p, int64(limit))
	switch {
	case errors.Is(err, zlibx.ErrTooLarge):
		return nil, fmt.Errorf("%w: decompressed value over %d bytes", ErrValue, limit)
	case err != nil:
		return nil, fmt.Errorf("%w: zlib stream: %v", ErrValue, err)
	}
	return out, nil
}

// pyInt parses p as Python's int(p) does for bytes in base 10: optional
// ASCII whitespace around, a sign, digits with single underscores between
// them, at most maxIntDigits digits.
func pyInt(p []byte) (any, bool) {
	isSpace := func(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }
	for len(p) > 0 && isSpace(p[0]) {
		p = p[1:]
	}
	for len(p) > 0 && isSpace(p[len(p)-1]) {
		p = p[:len(p)-1]
	}
	neg := false
	if len(p) > 0 && (p[0] == '+' || p[0] == '-') {
		neg = p[0] == '-'
		p = p[1:]
	}
	if len(p) == 0 || len(p) > 2*maxIntDigits {
		return nil, false
	}
	digits := make([]byte, 0, len(p)+1)
	if neg {
		digits = append(digits, '-')
	}
	for i, c := range p {
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == '_' && i > 0 && i < len(p)-1 && p[i-1] != '_':
		default:
			return nil, false
		}
	}
	if n := len(digits); n-btoi(neg) > maxIntDigits {
		return nil, false
	}
	if n, err := strconv.ParseInt(string(digits), 10, 64); err == nil {
		return n, true
	}
	n, ok := new(big.Int).SetString(string(digits), 10)
	return n, ok
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
