package main

import (
	"bytes"
	"compress/zlib"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pickle"
	"github.com/djsession/djsession/python/pyjson"
	"github.com/djsession/djsession/signing"
)

// Row statuses shown by ls and counted by stats.
const (
	statusOK        = "ok"            // verified and decoded
	statusBadSig    = "bad-signature" // well formed, signed with a key we do not have (or tampered)
	statusCorrupt   = "corrupt"       // not session data, or verified but undecodable
	statusUndecoded = "undecoded"     // verified, but in a serializer this build cannot read
	statusExpired   = "expired"       // a signed_cookies value older than SESSION_COOKIE_AGE
)

// Formats and serializers.
const (
	formatCurrent = "current" // signing.dumps, Django 3.1+
	formatLegacy  = "legacy"  // base64(sha1 hex ":" serialized), Django <= 3.0 or 3.1-3.2 with sha1
	formatCache   = "cache"   // a cache engine's value: the dict pickled, unsigned
	serJSON       = "json"
	serPickle     = "pickle"
)

// cookieSalt is the salt of the signed_cookies engine.
const cookieSalt = "django.contrib.sessions.backends.signed_cookies"

// maxSessionInflate bounds what a compressed session may inflate to.
const maxSessionInflate = signing.DefaultMaxDecompressedSize

// verdict is what is known about one session_data value.
type verdict struct {
	status     string
	format     string // formatCurrent or formatLegacy ("" when unknown)
	serializer string // serJSON or serPickle ("" when unknown)
	verified   bool
	keyIndex   int       // which key verified: 0 SECRET_KEY, 1.. fallbacks
	signedAt   time.Time // current format only
	payload    []byte    // serialized bytes (after base64 and zlib); valid until the classifier's next call
	data       *pyjson.Object
	err        error
}

// userID returns _auth_user_id, or "".
func (v *verdict) userID() string {
	if v.data == nil {
		return ""
	}
	u, ok := v.data.Get("_auth_user_id")
	if !ok || u == nil {
		return ""
	}
	switch u := u.(type) {
	case string:
		return u
	case *big.Int:
		return boundedInt(u) // before pyjson would convert all of it
	}
	b, err := pyjson.Marshal(u)
	if err != nil {
		return fmt.Sprintf("unprintable %T", u)
	}
	return string(b)
}

// classifier decodes session_data under one set of keys.
type classifier struct {
	inf     inflater
	signers []*signing.TimestampSigner // one per key: which key verified matters for rekey
	legacy  []*signing.SaltedKey
	cookie  *signing.TimestampSigner // nil unless decoding cookies
}

func newClassifier(key string, fallbacks []string, className string, cookies bool) (*classifier, error) {
	return newClassifierAlg(key, fallbacks, className, cookies, false)
}

// newClassifierAlg is newClassifier that, with sha1, also accepts
// current-format values signed with HMAC-SHA1, as Django 3.1-3.2 did with
// DEFAULT_HASHING_ALGORITHM = 'sha1' (signed_cookies sessions among them).
func newClassifierAlg(key string, fallbacks []string, className string, cookies, sha1 bool) (*classifier, error) {
	if className == "" {
		className = djangosession.DefaultClassName
	}
	c := &classifier{}
	name := className[strings.LastIndexByte(className, '.')+1:]
	for _, k := range append([]string{key}, fallbacks...) {
		s, err := signing.NewTimestampSigner(&signing.Options{Key: k, Salt: djangosession.KeySalt(className), LegacySHA1: sha1})
		if err != nil {
			return nil, err
		}
		c.signers = append(c.signers, s)
		lk, err := signing.NewSaltedKey(signing.SHA1, "django.contrib.sessions"+name, k)
		if err != nil {
			return nil, err
		}
		c.legacy = append(c.legacy, lk)
	}
	if cookies {
		s, err := signing.NewTimestampSigner(&signing.Options{Key: key, FallbackKeys: fallbacks, Salt: cookieSalt, LegacySHA1: sha1})
		if err != nil {
			return nil, err
		}
		c.cookie = s
	}
	return c, nil
}

// classifyRow is classify for a stored row; a cache engine's row is an
// unsigned pickle, read as such (nothing to verify).
func (c *classifier) classifyRow(r sessionRow) verdict {
	if r.cache == nil {
		return c.classify(r.data)
	}
	v := verdict{format: formatCache, verified: true, serializer: serPickle}
	obj, err := decodeCacheRow(r)
	switch {
	case errors.Is(err, pickle.ErrUnsupported):
		v.status, v.err = statusUndecoded, err
	case err != nil:
		v.status, v.err = statusCorrupt, err
	default:
		v.status, v.data = statusOK, obj
	}
	return v
}

// looksCurrent reports whether s has the shape payload:ts:sig.
func looksCurrent(s string) bool { return strings.Count(s, ":") >= 2 }

// classify verifies and decodes session_data.
func (c *classifier) classify(s string) verdict {
	if looksCurrent(s) {
		return c.current(s, c.signers)
	}
	return c.legacyDecode(s)
}

func (c *classifier) current(s string, signers []*signing.TimestampSigner) verdict {
	v := verdict{format: formatCurrent}
	var lastErr error
	for i, sg := range signers {
		p, ts, err := sg.UnsignTime(s)
		if err == nil {
			v.verified, v.keyIndex, v.signedAt = true, i, ts
			if v.payload, err = c.inf.payloadBytes(p); err != nil {
				v.status, v.err = statusCorrupt, err
				return v
			}
			c.decodePayload(&v)
			return v
		}
		lastErr = err
		if !errors.Is(err, signing.ErrBadSignature) {
			// a good signature over a bad timestamp
			v.verified, v.keyIndex, v.status, v.err = true, i, statusCorrupt, err
			return v
		}
	}
	v.status, v.err = statusBadSig, lastErr
	if !c.wellFormedCurrent(s) {
		v.status = statusCorrupt
	}
	return v
}

// wellFormedCurrent reports whether s could be a signing.dumps value: a
// decodable payload, a base62 timestamp and a base64 HMAC-SHA256 (43
// characters).
func (c *classifier) wellFormedCurrent(s string) bool {
	i := strings.LastIndexByte(s, ':')
	j := strings.LastIndexByte(s[:max(i, 0)], ':')
	if i < 0 || j < 0 || len(s)-i-1 != 43 {
		return false
	}
	if _, err := signing.B64Decode(s[i+1:]); err != nil {
		return false
	}
	if _, err := signing.B62Decode(s[j+1 : i]); err != nil {
		return false
	}
	_, err := c.inf.payloadBytes(s[:j])
	return err == nil
}

func (c *classifier) legacyDecode(s string) verdict {
	v := verdict{format: formatLegacy}
	mac, ser, err := splitLegacy(s)
	if err != nil {
		v.format, v.status, v.err = "", statusCorrupt, err
		return v
	}
	for i, k := range c.legacy {
		var sum [20]byte
		want := hex.EncodeToString(k.Sum(sum[:0], ser))
		if subtle.ConstantTimeCompare([]byte(want), mac) == 1 {
			v.verified, v.keyIndex, v.payload = true, i, ser
			c.decodePayload(&v)
			return v
		}
	}
	v.status, v.err = statusBadSig, signing.ErrBadSignature
	return v
}

// splitLegacy decodes base64(hexmac ":" serialized).
func splitLegacy(s string) (mac, ser []byte, err error) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: neither current nor legacy session data", signing.ErrMalformed)
	}
	i := bytes.IndexByte(raw, ':')
	if i != 40 {
		return nil, nil, fmt.Errorf("%w: neither current nor legacy session data", signing.ErrMalformed)
	}
	return raw[:i], raw[i+1:], nil
}

// decodePayload reads v.payload as JSON or pickle.
func (c *classifier) decodePayload(v *verdict) {
	p := v.payload
	if len(p) > 0 && p[0] == 0x80 { // pickle PROTO opcode
		v.serializer = serPickle
		obj, err := pickle.UnmarshalDict(p)
		if err == nil {
			// values JSON lacks (datetime, bytes ...) stay undecoded here
			var j any
			if j, err = pickle.JSONCompatible(obj); err == nil {
				obj = j.(*pyjson.Object)
			}
		}
		switch {
		case errors.Is(err, pickle.ErrUnsupported):
			v.status, v.err = statusUndecoded, err
		case err != nil:
			v.status, v.err = statusCorrupt, err
		default:
			v.status, v.data = statusOK, obj
		}
		return
	}
	v.serializer = serJSON
	val, err := pyjson.Unmarshal(p)
	if err != nil {
		v.status, v.err = statusCorrupt, errors.Join(signing.ErrMalformed, err)
		return
	}
	obj, ok := val.(*pyjson.Object)
	if !ok {
		v.status, v.err = statusCorrupt, djangosession.ErrNotDict
		return
	}
	v.status, v.data = statusOK, obj
}

// unverifiedCurrent extracts the payload of payload:ts:sig without checking
// the signature.
func (inf *inflater) unverifiedCurrent(s string) ([]byte, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return nil, signing.ErrMalformed
	}
	j := strings.LastIndexByte(s[:i], ':')
	if j < 0 {
		return nil, signing.ErrMalformed
	}
	return inf.payloadBytes(s[:j])
}

// inflater undoes the base64 and zlib layers of signed payloads, reusing
// its zlib state and buffers from one row to the next (a zlib reader costs
// some 40 KB). Not safe for concurrent use.
type inflater struct {
	zr  io.ReadCloser
	src bytes.Reader
	raw []byte
	out bytes.Buffer
}

// payloadBytes undoes the base64 and, for a leading '.', the zlib layer of
// a signing.dumps payload, bounding the inflated size. The result is valid
// until the next call.
func (inf *inflater) payloadBytes(p string) ([]byte, error) {
	compressed := strings.HasPrefix(p, ".")
	p = strings.TrimPrefix(p, ".")
	n := base64.RawURLEncoding.DecodedLen(len(p))
	if cap(inf.raw) < n {
		inf.raw = make([]byte, n)
	}
	m, err := base64.RawURLEncoding.Decode(inf.raw[:n], []byte(p))
	if err != nil {
		// Django's b64_decode pads and decodes URL-safe base64; let the
		// signing package judge odd inputs the same way.
		b, err := signing.B64Decode(p)
		if err != nil {
			return nil, fmt.Errorf("%w: base64: %v", signing.ErrMalformed, err)
		}
		inf.raw, m = b, len(b)
	}
	b := inf.raw[:m]
	if !compressed {
		return b, nil
	}
	inf.src.Reset(b)
	if inf.zr == nil {
		inf.zr, err = zlib.NewReader(&inf.src)
	} else {
		err = inf.zr.(zlib.Resetter).Reset(&inf.src, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: zlib: %v", signing.ErrMalformed, err)
	}
	inf.out.Reset()
	k, err := inf.out.ReadFrom(io.LimitReader(inf.zr, maxSessionInflate+1))
	if err != nil {
		return nil, fmt.Errorf("%w: zlib: %v", signing.ErrMalformed, err)
	}
	if k > maxSessionInflate {
		return nil, signing.ErrTooLarge
	}
	return inf.out.Bytes(), nil
}

// unverified decodes s without checking any signature, for decode
// --no-verify. The verdict is never marked verified.
func (c *classifier) unverified(s string) verdict {
	v := verdict{format: formatCurrent}
	var err error
	if looksCurrent(s) {
		v.payload, err = c.inf.unverifiedCurrent(s)
	} else {
		v.format = formatLegacy
		_, v.payload, err = splitLegacy(s)
	}
	if err != nil {
		return verdict{status: statusCorrupt, err: err}
	}
	c.decodePayload(&v)
	return v
}
