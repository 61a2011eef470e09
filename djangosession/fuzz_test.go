package djangosession_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
)

// fuzzSeeds returns every session_data, cookie and ISO string of
// ../testdata/session.json.
func fuzzSeeds(f *testing.F) (data, iso []string) {
	v := loadVectors(f)
	for _, e := range v.Encode {
		data = append(data, e.SessionData)
	}
	for _, e := range v.Legacy {
		data = append(data, e.SessionData)
	}
	for _, in := range v.decodeInputs(f) {
		data = append(data, in.SessionData)
	}
	for _, c := range v.CookieInputs {
		data = append(data, c.Cookie)
	}
	for _, c := range v.ISOTime {
		iso = append(iso, c.Text)
	}
	for _, r := range v.Releases {
		for _, c := range r.Expiry {
			var s string
			if json.Unmarshal(c.Stored, &s) == nil {
				iso = append(iso, s)
			}
			iso = append(iso, c.Now, c.Date)
		}
	}
	return data, iso
}

// saltedMAC is Django's salted_hmac, written again from its definition
// (HMAC-H keyed with H(keySalt + secret)) to check the codec independently.
func saltedMAC(h func() hash.Hash, keySalt, secret string, msg []byte) []byte {
	k := h()
	k.Write([]byte(keySalt + secret))
	m := hmac.New(h, k.Sum(nil))
	m.Write(msg)
	return m.Sum(nil)
}

// signedByKey reports whether s carries a signature Django 3.2 would accept
// for the store class SessionStore under secret: the current format
// (HMAC-SHA256, or SHA-1, of everything before the last ':') or the legacy
// one (hex HMAC-SHA1 of the serialization, inside standard base64).
func signedByKey(s, secret string) bool {
	const salt = "django.contrib.sessions.SessionStore"
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		value, sig := s[:i], s[i+1:]
		for _, h := range []func() hash.Hash{sha256.New, sha1.New} {
			want := base64.RawURLEncoding.EncodeToString(saltedMAC(h, salt+"signer", secret, []byte(value)))
			if hmac.Equal([]byte(sig), []byte(want)) {
				return true
			}
		}
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return false
	}
	mac, ser, ok := strings.Cut(string(raw), ":")
	if !ok {
		return false
	}
	want := hex.EncodeToString(saltedMAC(sha1.New, "django.contrib.sessionsSessionStore", secret, []byte(ser)))
	return hmac.Equal([]byte(mac), []byte(want))
}

// FuzzDecode, seeded with the vectors and testdata/hostile/session (signed
// with the vectors' key): Decode never panics, accepts nothing whose signature an
// independent check rejects, and what it accepts re-encodes to data that
// decodes to the same JSON.
func FuzzDecode(f *testing.F) {
	data, _ := fuzzSeeds(f)
	for _, s := range data {
		f.Add(s)
	}
	v := loadVectors(f)
	for _, s := range hostileSessionData(f, v.SecretKey) {
		if len(s) <= 1<<20 { // larger ones stall the fuzzer's minimizing
			f.Add(s)
		}
	}
	c := releaseCodec(f, v, "3.2", "")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := c.Decode(s)
		if err != nil {
			if got != nil {
				t.Fatalf("Decode(%q) returned data with error %v", s, err)
			}
			return
		}
		if !signedByKey(s, v.SecretKey) {
			t.Fatalf("Decode accepted %q, whose signature is wrong", s)
		}
		first := dump(t, got)
		enc, err := c.Encode(got)
		if err != nil {
			t.Fatalf("Encode of decoded %s: %v", first, err)
		}
		back, err := c.Decode(enc)
		if err != nil || dump(t, back) != first {
			t.Fatalf("round trip of %s: %s, %v", first, dump(t, back), err)
		}
	})
}

// FuzzParseISOTime: ParseISOTime never panics; what it accepts is a year
// Python allows, and formatting it and parsing again gives the same instant
// and the same text.
func FuzzParseISOTime(f *testing.F) {
	_, iso := fuzzSeeds(f)
	for _, s := range iso {
		f.Add(s)
	}
	naive := time.FixedZone("naive", -(5*3600 + 17*60))
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := djangosession.ParseISOTime(s, naive)
		if err != nil {
			return
		}
		aware := tm.Location() != naive
		if y := tm.Year(); y < 1 || y > 9999 {
			t.Fatalf("%q: year %d", s, y)
		}
		text := djangosession.FormatISOTime(tm, aware)
		again, err := djangosession.ParseISOTime(text, naive)
		if err != nil {
			t.Fatalf("%q read as %v, formatted %q, which does not parse: %v", s, tm, text, err)
		}
		if !again.Equal(tm) || djangosession.FormatISOTime(again, aware) != text {
			t.Fatalf("%q: %v formats as %q, which reads back as %v", s, tm, text, again)
		}
	})
}

func TestFuzzOracle(t *testing.T) {
	// The independent check agrees with Django on its own vectors.
	v := loadVectors(t)
	for _, e := range v.Encode {
		if e.Class == "SessionStore" && !signedByKey(e.SessionData, v.SecretKey) {
			t.Errorf("oracle rejects Django's %s", e.Name)
		}
	}
	for _, e := range v.Legacy {
		if e.Class == "SessionStore" && !signedByKey(e.SessionData, v.SecretKey) {
			t.Errorf("oracle rejects Django's legacy %s", e.Name)
		}
	}
	if signedByKey(v.Encode[0].SessionData, "another key") {
		t.Error("oracle accepts any key")
	}
}
