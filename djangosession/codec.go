package djangosession

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/python/pyjson"
	"github.com/djsession/djsession/signing"
)

// DefaultClassName is the __qualname__ of every built-in Django session
// store class (db, cache, cached_db, file, signed_cookies), from which the
// key salt is derived.
const DefaultClassName = "SessionStore"

// CodecOptions configure a Codec. The zero value of every field except
// Settings.SecretKey means Django's default.
type CodecOptions struct {
	// Settings gives SECRET_KEY (required), which signs new data, and
	// SECRET_KEY_FALLBACKS (Django 4.1+), under which data is still read.
	Settings django.Settings
	// ClassName is the __qualname__ of the Django session store class, e.g.
	// "SessionStore" (the default) or "Outer.Inner" for a nested custom
	// class. Django derives the key salt from it:
	// "django.contrib.sessions." + ClassName, and the legacy salt from the
	// last component: "django.contrib.sessions" + name, with no dot.
	ClassName string
	// Serializer is SESSION_SERIALIZER: signing.JSONSerializer (the default)
	// or a pickle serializer for projects that used PickleSerializer.
	Serializer signing.Serializer
	// WriteLegacy writes the pre-3.1 format, as Django 3.0 and earlier did,
	// and 3.1-3.2 with DEFAULT_HASHING_ALGORITHM = 'sha1'. Django 4.0 and
	// later cannot read it.
	WriteLegacy bool
	// RejectLegacy treats data in the pre-3.1 format, and current-format
	// data signed with SHA-1 (as Django 3.1.0 wrote it with
	// DEFAULT_HASHING_ALGORITHM = 'sha1'), as corrupt, as Django 4.0 and
	// later do. By default both are read, as Django 3.1-3.2 did.
	RejectLegacy bool
	// MaxDecompressedSize bounds compressed session data once inflated;
	// signing.DefaultMaxDecompressedSize when zero.
	MaxDecompressedSize int64
	// Now is the clock used for the signing timestamp; time.Now when nil.
	Now func() time.Time
}

// Codec encodes and decodes the session_data that Django's db, cached_db
// and file engines store. A Codec is safe for concurrent use.
type Codec struct {
	signer      *signing.TimestampSigner
	ser         signing.Serializer
	legacyKeys  []*signing.SaltedKey // SHA-1, SECRET_KEY then fallbacks
	writeLegacy bool
	readLegacy  bool

	opts    CodecOptions // for Inspect's per-key verifiers, built on first use
	inspect inspectors
}

// NewCodec returns a Codec. Keys are derived here, once.
func NewCodec(o *CodecOptions) (*Codec, error) {
	if o == nil || o.Settings.SecretKey == "" {
		return nil, fmt.Errorf("djangosession: %w", signing.ErrNoKey)
	}
	if err := o.Settings.Validate(); err != nil {
		return nil, fmt.Errorf("djangosession: %w", err)
	}
	class := o.ClassName
	if class == "" {
		class = DefaultClassName
	}
	ser := o.Serializer
	if ser == nil {
		ser = signing.JSONSerializer{}
	}
	t, err := signing.NewTimestampSigner(&signing.Options{
		Key:                 o.Settings.SecretKey,
		FallbackKeys:        o.Settings.SecretKeyFallbacks,
		Salt:                KeySalt(class),
		LegacySHA1:          !o.RejectLegacy, // 3.1-3.2's Signer also accepts SHA-1
		Serializer:          ser,
		MaxDecompressedSize: o.MaxDecompressedSize,
		Now:                 o.Now,
	})
	if err != nil {
		return nil, err
	}
	c := &Codec{signer: t, ser: ser, writeLegacy: o.WriteLegacy, readLegacy: !o.RejectLegacy, opts: *o}
	c.opts.ClassName = class
	c.opts.Settings.SecretKeyFallbacks = slices.Clone(o.Settings.SecretKeyFallbacks)
	name := class[strings.LastIndexByte(class, '.')+1:]
	for _, k := range o.Settings.Keys() {
		lk, err := signing.NewSaltedKey(signing.SHA1, "django.contrib.sessions"+name, k)
		if err != nil {
			return nil, err
		}
		c.legacyKeys = append(c.legacyKeys, lk)
	}
	return c, nil
}

// KeySalt returns the salt Django's session stores sign with for a store
// class of the given __qualname__.
func KeySalt(className string) string { return "django.contrib.sessions." + className }

// Encode returns session_data for data, as SessionBase.encode: the signed,
// timestamped, compressed-when-shorter serialization (or the legacy format
// when the codec was configured to write it).
func (c *Codec) Encode(data *pyjson.Object) (string, error) {
	if data == nil {
		data = &pyjson.Object{}
	}
	if c.writeLegacy {
		return c.encodeLegacy(data)
	}
	return c.signer.SignObject(data, true)
}

// Decode returns the session dict held in sessionData. Data that fails the
// signature check (under every key), that cannot be decoded, or that is
// not a dict gives an error matching ErrCorrupt; a bad signature also
// matches signing.ErrBadSignature.
func (c *Codec) Decode(sessionData string) (*pyjson.Object, error) {
	v, err := c.signer.UnsignObject(sessionData)
	if err != nil && c.readLegacy && errors.Is(err, signing.ErrBadSignature) {
		if lv, lerr := c.decodeLegacy(sessionData); lerr == nil {
			v, err = lv, nil
		}
	}
	if err != nil {
		return nil, errors.Join(ErrCorrupt, err)
	}
	obj, ok := v.(*pyjson.Object)
	if !ok {
		return nil, errors.Join(ErrCorrupt, ErrNotDict)
	}
	return obj, nil
}

// verifyLegacy checks base64(hexhmac ":" serialized) under each key and
// returns the serialized bytes and the index of the key that verified.
// The first colon ends the MAC, as Django's split(b":", 1) takes it.
func (c *Codec) verifyLegacy(s string) (ser []byte, key int, err error) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, 0, errors.Join(signing.ErrMalformed, err)
	}
	i := strings.IndexByte(string(raw), ':')
	if i < 0 {
		return nil, 0, signing.ErrMalformed
	}
	got, ser := raw[:i], raw[i+1:]
	var want [2 * 20]byte
	for n, k := range c.legacyKeys {
		var mac [20]byte
		hex.Encode(want[:], k.Sum(mac[:0], ser))
		if subtle.ConstantTimeCompare(want[:], got) == 1 {
			return ser, n, nil
		}
	}
	return nil, 0, signing.ErrBadSignature
}

// encodeLegacy writes base64(hexhmac ":" serialized), standard alphabet with
// padding, where hexhmac is salted_hmac("django.contrib.sessions" + class
// name, serialized) with SHA-1.
func (c *Codec) encodeLegacy(data *pyjson.Object) (string, error) {
	ser, err := c.ser.Marshal(data)
	if err != nil {
		return "", err
	}
	mac := c.legacyKeys[0].Sum(nil, ser)
	raw := make([]byte, 0, 2*len(mac)+1+len(ser))
	raw = hex.AppendEncode(raw, mac)
	raw = append(raw, ':')
	raw = append(raw, ser...)
	return base64.StdEncoding.EncodeToString(raw), nil
}

func (c *Codec) decodeLegacy(s string) (any, error) {
	ser, _, err := c.verifyLegacy(s)
	if err != nil {
		return nil, err
	}
	v, err := c.ser.Unmarshal(ser)
	if err != nil {
		return nil, errors.Join(signing.ErrMalformed, err)
	}
	return v, nil
}
