package signing

import (
	"errors"
	"fmt"
	"time"

	"github.com/djsession/djsession/internal/zlibx"
	"github.com/djsession/djsession/python/pyjson"
)

// Serializer turns an object into bytes and back, as the serializer classes
// Django's sign_object, dumps and sessions take.
type Serializer interface {
	Marshal(v any) ([]byte, error)
	Unmarshal(data []byte) (any, error)
}

// JSONSerializer is Django's signing.JSONSerializer: compact JSON, ASCII
// only, read back as latin-1. See package pyjson for the Go types.
type JSONSerializer struct{}

// Marshal returns json.dumps(v, separators=(",", ":")) as Python writes it.
func (JSONSerializer) Marshal(v any) ([]byte, error) { return pyjson.Marshal(v) }

// Unmarshal parses data as json.loads(data.decode("latin-1")).
func (JSONSerializer) Unmarshal(data []byte) (any, error) { return pyjson.Unmarshal(data) }

// SignObject serializes v, compresses it when compress is set and that
// saves more than one byte (marking it with a leading '.'), encodes it in
// URL-safe base64 and signs it, as Django's Signer.sign_object.
//
// Compression is zlib 1.2.13's deflate at Python's default level, ported
// byte for byte (internal/zlibx), so compressed tokens, like uncompressed
// ones, are the very tokens Django makes for the same value and time, and
// the choice to compress is Django's too.
func (s *Signer) SignObject(v any, compress bool) (string, error) {
	p, err := s.payload(v, compress)
	if err != nil {
		return "", err
	}
	return s.Sign(p), nil
}

// UnsignObject verifies signed and returns the object it carries.
func (s *Signer) UnsignObject(signed string) (any, error) {
	p, err := s.Unsign(signed)
	if err != nil {
		return nil, err
	}
	return s.decodePayload(p)
}

// SignObject is Signer.SignObject with a timestamp, as Django's
// TimestampSigner.sign_object and dumps.
func (t *TimestampSigner) SignObject(v any, compress bool) (string, error) {
	p, err := t.s.payload(v, compress)
	if err != nil {
		return "", err
	}
	return t.Sign(p), nil
}

// UnsignObject verifies signed, whatever its age, and returns its object.
func (t *TimestampSigner) UnsignObject(signed string) (any, error) {
	p, _, err := t.UnsignTime(signed)
	if err != nil {
		return nil, err
	}
	return t.s.decodePayload(p)
}

// UnsignObjectMaxAge verifies signed, rejects it when older than maxAge,
// and returns its object.
func (t *TimestampSigner) UnsignObjectMaxAge(signed string, maxAge time.Duration) (any, error) {
	p, err := t.UnsignMaxAge(signed, maxAge)
	if err != nil {
		return nil, err
	}
	return t.s.decodePayload(p)
}

func (s *Signer) payload(v any, compress bool) (string, error) {
	data, err := s.ser.Marshal(v)
	if err != nil {
		return "", err
	}
	if compress {
		if c := deflate(data); len(c) < len(data)-1 {
			return "." + B64Encode(c), nil
		}
	}
	return B64Encode(data), nil
}

// deflate returns zlib.compress(data) as CPython writes it with the system
// zlib (1.2.13 on Debian bookworm): internal/zlibx reproduces its bytes.
func deflate(data []byte) []byte { return zlibx.Compress(data) }

func (s *Signer) decodePayload(p string) (any, error) {
	data, err := DecodePayload(p, s.maxInflat)
	if err != nil {
		return nil, err
	}
	v, err := s.ser.Unmarshal(data)
	if err != nil {
		return nil, errors.Join(ErrMalformed, err)
	}
	return v, nil
}

// inflate decompresses a zlib stream of at most limit bytes, as Python's
// zlib.decompress (header and checksum required, trailing bytes ignored).
func inflate(data []byte, limit int64) ([]byte, error) {
	out, err := zlibx.Inflate(data, limit)
	switch {
	case errors.Is(err, zlibx.ErrTooLarge):
		return nil, ErrTooLarge
	case err != nil:
		return nil, fmt.Errorf("%w: zlib stream: %v", ErrMalformed, err)
	}
	return out, nil
}

// Dumps returns a signed, timestamped string for v, as Django's
// signing.dumps(v, key, salt, compress=o.Compress). The salt defaults to
// DumpsSalt. It derives keys on every call: for many values, build a
// TimestampSigner once (with Salt: DumpsSalt) and call SignObject.
func Dumps(v any, o *Options) (string, error) {
	t, err := newTimestampSigner(o, DumpsSalt)
	if err != nil {
		return "", err
	}
	return t.SignObject(v, o.Compress)
}

// Loads reverses Dumps, as Django's signing.loads(s, key, salt, max_age,
// fallback_keys): it checks the signature under Key and FallbackKeys and,
// when o.MaxAge is set, the age.
func Loads(s string, o *Options) (any, error) {
	t, err := newTimestampSigner(o, DumpsSalt)
	if err != nil {
		return nil, err
	}
	if o.MaxAge != 0 {
		return t.UnsignObjectMaxAge(s, o.MaxAge)
	}
	return t.UnsignObject(s)
}
