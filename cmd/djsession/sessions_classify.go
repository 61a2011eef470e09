package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/djsession/djsession/django"
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
		return pyjson.FormatInt(u) // bounded: a hostile user id is never converted whole
	}
	b, err := pyjson.Marshal(u)
	if err != nil {
		return fmt.Sprintf("unprintable %T", u)
	}
	return string(b)
}

// classifier decodes session_data under one set of keys, through the
// library's Codec (which tells which key verified and in what format).
type classifier struct {
	codec  *djangosession.Codec
	cookie *signing.TimestampSigner // nil unless decoding cookies
}

func newClassifier(key string, fallbacks []string, className string, cookies bool) (*classifier, error) {
	return newClassifierAlg(key, fallbacks, className, cookies, false)
}

// newClassifierAlg is newClassifier that, with sha1, also accepts
// signed_cookies values signed with HMAC-SHA1, as Django 3.1-3.2 made
// them with DEFAULT_HASHING_ALGORITHM = 'sha1' (session_data in that form
// the Codec always reads).
func newClassifierAlg(key string, fallbacks []string, className string, cookies, sha1 bool) (*classifier, error) {
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{
		Settings:  django.Settings{SecretKey: key, SecretKeyFallbacks: fallbacks},
		ClassName: className, Serializer: sessionSerializer{}, MaxDecompressedSize: maxSessionInflate})
	if err != nil {
		return nil, err
	}
	c := &classifier{codec: codec}
	if cookies {
		s, err := signing.NewTimestampSigner(&signing.Options{Key: key, FallbackKeys: fallbacks, Salt: cookieSalt, LegacySHA1: sha1})
		if err != nil {
			return nil, err
		}
		c.cookie = s
	}
	return c, nil
}

// sessionSerializer reads a session dict in either of Django's
// serializers, telling them apart by the pickle PROTO opcode; a pickled
// value JSON has no form for (datetime, bytes ...) is pickle.ErrUnsupported.
type sessionSerializer struct{}

func (sessionSerializer) Marshal(v any) ([]byte, error) { return pyjson.Marshal(v) }

func (sessionSerializer) Unmarshal(p []byte) (any, error) {
	if !isPickle(p) {
		return pyjson.Unmarshal(p)
	}
	obj, err := pickle.UnmarshalDict(p)
	if err != nil {
		return nil, err
	}
	return pickle.JSONCompatible(obj)
}

func isPickle(p []byte) bool { return len(p) > 0 && p[0] == 0x80 }

// classifyRow is classify for a stored row; a cache engine's row is an
// unsigned pickle, read as such (nothing to verify).
func (c *classifier) classifyRow(r sessionRow) verdict {
	if r.cache == nil {
		return c.classify(r.data)
	}
	v := verdict{format: formatCache, verified: true, serializer: serPickle}
	obj, err := decodeCacheRow(r)
	v.status, v.err = statusOf(err)
	v.data = obj
	return v
}

// statusOf is the status of verified data that decoded with err.
func statusOf(err error) (string, error) {
	switch {
	case err == nil:
		return statusOK, nil
	case errors.Is(err, pickle.ErrUnsupported):
		return statusUndecoded, err
	}
	return statusCorrupt, err
}

// looksCurrent reports whether s has the shape payload:ts:sig.
func looksCurrent(s string) bool { return strings.Count(s, ":") >= 2 }

// classify verifies and decodes session_data.
func (c *classifier) classify(s string) verdict {
	obj, in, err := c.codec.Inspect(s)
	v := verdict{verified: in.Verified, keyIndex: in.Key, signedAt: in.SignedAt, payload: in.Serialized}
	if !in.Verified {
		v.status, v.err = statusCorrupt, err
		if f := wellFormed(s); f != "" {
			v.format, v.status = f, statusBadSig
		}
		return v
	}
	v.format = in.Format.String()
	v.serializer = map[bool]string{true: serPickle, false: serJSON}[isPickle(in.Serialized)]
	v.status, v.err = statusOf(err)
	if err == nil {
		v.data = obj
	}
	return v
}

// wellFormed returns the format s has the shape of (a decodable payload,
// a base62 timestamp and a 43-character HMAC-SHA256; or base64 of a MAC,
// a colon and the serialized data), or "" for data in neither.
func wellFormed(s string) string {
	if !looksCurrent(s) {
		raw, err := base64.StdEncoding.DecodeString(s)
		if err == nil && bytes.IndexByte(raw, ':') >= 0 {
			return formatLegacy
		}
		return ""
	}
	i := strings.LastIndexByte(s, ':')
	j := strings.LastIndexByte(s[:i], ':')
	if len(s)-i-1 != 43 {
		return ""
	}
	if _, err := signing.B64Decode(s[i+1:]); err != nil {
		return ""
	}
	if _, err := signing.B62Decode(s[j+1 : i]); err != nil {
		return ""
	}
	if _, err := signing.DecodePayload(s[:j], maxSessionInflate); err != nil {
		return ""
	}
	return formatCurrent
}

// classifyCookie verifies s as a signed_cookies session; the verdict is
// not verified when the cookie signature does not match.
func (c *classifier) classifyCookie(s string) verdict {
	p, at, err := c.cookie.UnsignTime(s)
	if errors.Is(err, signing.ErrBadSignature) {
		return verdict{status: statusBadSig, err: err}
	}
	v := verdict{verified: true, format: formatCurrent, signedAt: at}
	if err == nil {
		v.payload, err = signing.DecodePayload(p, maxSessionInflate)
	}
	if err != nil {
		v.status, v.err = statusCorrupt, err
		return v
	}
	c.decodePayload(&v)
	return v
}

// decodePayload reads v.payload as JSON or pickle.
func (c *classifier) decodePayload(v *verdict) {
	v.serializer = map[bool]string{true: serPickle, false: serJSON}[isPickle(v.payload)]
	val, err := sessionSerializer{}.Unmarshal(v.payload)
	if err != nil {
		v.status, v.err = statusOf(errors.Join(signing.ErrMalformed, err))
		return
	}
	obj, ok := val.(*pyjson.Object)
	if !ok {
		v.status, v.err = statusCorrupt, djangosession.ErrNotDict
		return
	}
	v.status, v.data = statusOK, obj
}

// unverified decodes s without checking any signature, for decode
// --no-verify. The verdict is never marked verified.
func (c *classifier) unverified(s string) verdict {
	v := verdict{format: formatCurrent}
	var err error
	if looksCurrent(s) {
		p := s[:strings.LastIndexByte(s, ':')]
		v.payload, err = signing.DecodePayload(p[:strings.LastIndexByte(p, ':')], maxSessionInflate)
	} else {
		// base64(mac ":" serialized); the first colon ends the MAC
		v.format = formatLegacy
		var raw []byte
		if raw, err = base64.StdEncoding.DecodeString(s); err == nil {
			if i := bytes.IndexByte(raw, ':'); i >= 0 {
				v.payload = raw[i+1:]
			} else {
				err = signing.ErrMalformed
			}
		}
	}
	if err != nil {
		return verdict{status: statusCorrupt, err: err}
	}
	c.decodePayload(&v)
	return v
}
