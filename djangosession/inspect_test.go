package djangosession_test

import (
	"errors"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
	"github.com/djsession/djsession/signing"
)

func TestInspect(t *testing.T) {
	d := &pyjson.Object{}
	d.Set("_auth_user_id", "5")
	mk := func(o djangosession.CodecOptions) *djangosession.Codec {
		c, err := djangosession.NewCodec(&o)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	enc := func(c *djangosession.Codec) string {
		s, err := c.Encode(d)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	sha1, err := signing.NewTimestampSigner(&signing.Options{Key: "old", Salt: djangosession.KeySalt(djangosession.DefaultClassName), Algorithm: signing.SHA1})
	if err != nil {
		t.Fatal(err)
	}
	sha1Data, _ := sha1.SignObject(d, false)
	reader := mk(djangosession.CodecOptions{Settings: django.Settings{SecretKey: "new", SecretKeyFallbacks: []string{"older", "old"}}})
	for _, tc := range []struct {
		name   string
		data   string
		format djangosession.Format
		key    int
	}{
		{"current", enc(mk(djangosession.CodecOptions{Settings: django.Settings{SecretKey: "new"}})), djangosession.FormatCurrent, 0},
		{"current fallback 2", enc(mk(djangosession.CodecOptions{Settings: django.Settings{SecretKey: "old"}})), djangosession.FormatCurrent, 2},
		{"legacy fallback 1", enc(mk(djangosession.CodecOptions{Settings: django.Settings{SecretKey: "older"}, WriteLegacy: true})), djangosession.FormatLegacy, 1},
		{"current sha1", sha1Data, djangosession.FormatLegacySHA1, 2},
	} {
		got, in, err := reader.Inspect(tc.data)
		if err != nil || !in.Verified || in.Format != tc.format || in.Key != tc.key {
			t.Errorf("%s: %+v %v; want %v key %d", tc.name, in, err, tc.format, tc.key)
			continue
		}
		if v, _ := got.Get("_auth_user_id"); v != "5" || len(in.Serialized) == 0 {
			t.Errorf("%s: data %v, serialized %q", tc.name, v, in.Serialized)
		}
		// Decode agrees
		if _, err := reader.Decode(tc.data); err != nil {
			t.Errorf("%s: Decode: %v", tc.name, err)
		}
	}
	other := enc(mk(djangosession.CodecOptions{Settings: django.Settings{SecretKey: "someone else"}}))
	if _, in, err := reader.Inspect(other); in.Verified || !errors.Is(err, signing.ErrBadSignature) || !errors.Is(err, djangosession.ErrCorrupt) {
		t.Errorf("other key: %+v %v", in, err)
	}
	strict := mk(djangosession.CodecOptions{Settings: django.Settings{SecretKey: "old"}, RejectLegacy: true})
	if _, in, err := strict.Inspect(sha1Data); in.Verified || err == nil {
		t.Errorf("RejectLegacy read a SHA-1 value: %+v %v", in, err)
	}
	// verified, not decodable: still says which key
	ts, _ := signing.NewTimestampSigner(&signing.Options{Key: "new", Salt: djangosession.KeySalt(djangosession.DefaultClassName)})
	bad := ts.Sign(signing.B64Encode([]byte("[1,2")))
	if _, in, err := reader.Inspect(bad); !in.Verified || in.Key != 0 || !errors.Is(err, djangosession.ErrCorrupt) {
		t.Errorf("undecodable: %+v %v", in, err)
	}
}
