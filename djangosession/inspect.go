package djangosession

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/djsession/djsession/python/pyjson"
	"github.com/djsession/djsession/signing"
)

// Format is the form session data was written in.
type Format int

// Session data formats.
const (
	// FormatCurrent is signing.dumps with HMAC-SHA256: Django 3.1 and
	// later.
	FormatCurrent Format = iota + 1
	// FormatLegacySHA1 is signing.dumps with HMAC-SHA1, as Django 3.1-3.2
	// signed with DEFAULT_HASHING_ALGORITHM = 'sha1' (session_data of
	// 3.1.0, signed_cookies sessions).
	FormatLegacySHA1
	// FormatLegacy is base64(hex HMAC-SHA1 ":" serialized): Django 3.0
	// and earlier, and 3.1-3.2 in sha1 mode.
	FormatLegacy
)

func (f Format) String() string {
	switch f {
	case FormatCurrent:
		return "current"
	case FormatLegacySHA1:
		return "legacy-sha1"
	case FormatLegacy:
		return "legacy"
	}
	return "unknown"
}

// Inspection is what Inspect learned about session data.
type Inspection struct {
	// Verified is true when a key's signature matched.
	Verified bool
	// Key is the key that verified it: 0 for Settings.SecretKey, i for
	// Settings.SecretKeyFallbacks[i-1].
	Key int
	// Format is the form it was written in (0 when nothing verified).
	Format Format
	// SignedAt is the signing time of the current formats.
	SignedAt time.Time
	// Serialized is the serializer's input (after base64 and zlib), for
	// a caller that must tell JSON from pickle or keep the bytes.
	Serialized []byte
}

// inspectors are per-key verifiers that return the serialized bytes
// instead of decoding them.
type inspectors struct {
	once   sync.Once
	sha256 []*signing.TimestampSigner
	sha1   []*signing.TimestampSigner
	err    error
}

// rawSerializer hands back the serialized bytes themselves.
type rawSerializer struct{}

func (rawSerializer) Marshal(v any) ([]byte, error)      { return v.([]byte), nil }
func (rawSerializer) Unmarshal(data []byte) (any, error) { return bytes.Clone(data), nil }

func (c *Codec) inspectors() (*inspectors, error) {
	in := &c.inspect
	in.once.Do(func() {
		for _, k := range c.opts.Settings.Keys() {
			o := signing.Options{Key: k, Salt: KeySalt(c.opts.ClassName), Serializer: rawSerializer{}, MaxDecompressedSize: c.opts.MaxDecompressedSize}
			s, err := signing.NewTimestampSigner(&o)
			if err != nil {
				in.err = err
				return
			}
			in.sha256 = append(in.sha256, s)
			if c.readLegacy {
				o.Algorithm = signing.SHA1
				s, _ := signing.NewTimestampSigner(&o)
				in.sha1 = append(in.sha1, s)
			}
		}
	})
	return in, in.err
}

// Inspect is Decode that also tells which key verified sessionData and in
// which format it was written: what a tool needs to report a table's
// state, or to re-sign data with a new key keeping its bytes. The errors
// are Decode's; when the signature verified but the data does not decode,
// the Inspection still says so (Verified, Key, Format, Serialized).
func (c *Codec) Inspect(sessionData string) (*pyjson.Object, Inspection, error) {
	var in Inspection
	ins, err := c.inspectors()
	if err != nil {
		return nil, in, err
	}
	lastErr := signing.ErrBadSignature
	if strings.Count(sessionData, ":") >= 2 {
		for _, set := range []struct {
			f Format
			s []*signing.TimestampSigner
		}{{FormatCurrent, ins.sha256}, {FormatLegacySHA1, ins.sha1}} {
			for i, s := range set.s {
				_, at, err := s.UnsignTime(sessionData)
				if errors.Is(err, signing.ErrBadSignature) {
					continue
				}
				in = Inspection{Verified: true, Key: i, Format: set.f}
				if err != nil { // a good signature over a bad timestamp
					return nil, in, errors.Join(ErrCorrupt, err)
				}
				in.SignedAt = at
				v, err := s.UnsignObject(sessionData)
				if err != nil {
					return nil, in, errors.Join(ErrCorrupt, err)
				}
				in.Serialized = v.([]byte)
				return c.unmarshal(in)
			}
		}
	}
	if c.readLegacy {
		ser, key, err := c.verifyLegacy(sessionData)
		if err == nil {
			return c.unmarshal(Inspection{Verified: true, Key: key, Format: FormatLegacy, Serialized: ser})
		}
		if !errors.Is(err, signing.ErrBadSignature) && strings.Count(sessionData, ":") < 2 {
			lastErr = err
		}
	}
	return nil, in, errors.Join(ErrCorrupt, lastErr)
}

func (c *Codec) unmarshal(in Inspection) (*pyjson.Object, Inspection, error) {
	v, err := c.ser.Unmarshal(in.Serialized)
	if err != nil {
		return nil, in, errors.Join(ErrCorrupt, signing.ErrMalformed, err)
	}
	obj, ok := v.(*pyjson.Object)
	if !ok {
		return nil, in, errors.Join(ErrCorrupt, ErrNotDict)
	}
	return obj, in, nil
}
