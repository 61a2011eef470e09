package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/python/pyjson"
)

// benchSessionJSON is a typical session as Django stores it: the auth
// keys, a language, an expiry and a small nested cart (bench/signing.py
// uses the same value).
const benchSessionJSON = `{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend",` +
	`"_auth_user_hash":"5d8cadad5e5585e0204e7e798d2b2cb58716024fa4dde4f3da90c2666f495699",` +
	`"_session_expiry":1209600,"django_language":"fr","_csrftoken":"Zx8cQk2v0bqK9yP1wL3mN5rT7uV9aB2c",` +
	`"last_seen":"2026-11-23T01:17:58.123456+00:00","visits":17,"flags":{"beta":true,"tour_done":false},` +
	`"cart":{"items":[{"sku":"A-1","qty":2,"price":19.99},{"sku":"B-22","qty":1,"price":5.0}],"coupon":null}}`

const benchKey = "django-insecure-bench-secret"

func benchNow() time.Time { return time.Unix(1700000000, 0) }

var (
	sinkString string
	sinkAny    any
	sinkBytes  []byte
)

func benchSigner(b *testing.B) *TimestampSigner {
	s, err := NewTimestampSigner(&Options{Key: benchKey, Salt: DumpsSalt, Now: benchNow})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func benchValue(b *testing.B) any {
	v, err := pyjson.Unmarshal([]byte(benchSessionJSON))
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkCompare has one sub-benchmark per Django call that
// bench/signing.py times in real Django under the same name (run both with
// "go run ./bench/compare -area signing").
//
//	signing.sign            Signer(key).sign(v)      v = the base64 payload of the session
//	signing.unsign          Signer(key).unsign(s)
//	signing.dumps           signing.dumps(session)   Go: TimestampSigner.SignObject, keys derived once
//	signing.loads           signing.loads(token)     Go: TimestampSigner.UnsignObject, keys derived once
//	signing.dumps_compress  dumps(session, compress=True)
//	signing.loads_compress  loads of that token
//	signing.loads_oneshot   Go: the Loads function, which derives the keys per call as Django does
func BenchmarkCompare(b *testing.B) {
	ts := benchSigner(b)
	plain, _ := NewSigner(&Options{Key: benchKey})
	v := benchValue(b)
	payload := B64Encode([]byte(benchSessionJSON))
	signed := plain.Sign(payload)
	token, err := ts.SignObject(v, false)
	if err != nil {
		b.Fatal(err)
	}
	ctoken, _ := ts.SignObject(v, true)

	b.Run("signing.sign", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkString = plain.Sign(payload)
		}
	})
	b.Run("signing.unsign", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s, err := plain.Unsign(signed)
			if err != nil {
				b.Fatal(err)
			}
			sinkString = s
		}
	})
	b.Run("signing.dumps", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkString, _ = ts.SignObject(v, false)
		}
	})
	b.Run("signing.loads", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			x, err := ts.UnsignObject(token)
			if err != nil {
				b.Fatal(err)
			}
			sinkAny = x
		}
	})
	b.Run("signing.dumps_compress", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkString, _ = ts.SignObject(v, true)
		}
	})
	b.Run("signing.loads_compress", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			x, err := ts.UnsignObject(ctoken)
			if err != nil {
				b.Fatal(err)
			}
			sinkAny = x
		}
	})
	o := &Options{Key: benchKey, Now: benchNow}
	b.Run("signing.loads_oneshot", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			x, err := Loads(token, o)
			if err != nil {
				b.Fatal(err)
			}
			sinkAny = x
		}
	})
}

// BenchmarkRawFloor measures the least work a loads of the same token
// needs, with the standard library doing each step once and nothing else:
// one HMAC-SHA256 of the signed part with a key already derived (the
// hmac's pads precomputed, as SaltedKey keeps them), the base64 encoding of
// that MAC and a compare, the RawURLEncoding decode of the payload, and
// encoding/json's Unmarshal of the JSON into an any (the fastest correct
// decoder in the standard library; it keeps no key order and turns every
// number into a float64, so it does less than loads must). "total" is the
// floor the "within 2x of the raw cost" target refers to.
func BenchmarkRawFloor(b *testing.B) {
	ts := benchSigner(b)
	token, _ := ts.SignObject(benchValue(b), false)
	i := strings.LastIndexByte(token, ':')
	value, sig := token[:i], token[i+1:]
	payload := token[:strings.IndexByte(token, ':')]
	key := sha256.Sum256([]byte(DumpsSalt + "signer" + benchKey))
	mac := hmac.New(sha256.New, key[:])
	var sum [sha256.Size]byte
	var enc [64]byte
	raw := make([]byte, base64.RawURLEncoding.DecodedLen(len(payload)))

	step := map[string]func(){
		"hmac": func() {
			mac.Reset()
			mac.Write([]byte(value))
			m := mac.Sum(sum[:0])
			base64.RawURLEncoding.Encode(enc[:43], m)
			if !hmac.Equal(enc[:43], []byte(sig)) {
				b.Fatal("bad mac")
			}
		},
		"base64": func() {
			if _, err := base64.RawURLEncoding.Decode(raw, []byte(payload)); err != nil {
				b.Fatal(err)
			}
		},
		"json": func() {
			var x any
			if err := json.Unmarshal([]byte(benchSessionJSON), &x); err != nil {
				b.Fatal(err)
			}
			sinkAny = x
		},
	}
	for _, name := range []string{"hmac", "base64", "json"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				step[name]()
			}
		})
	}
	b.Run("total", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			step["hmac"]()
			step["base64"]()
			step["json"]()
		}
	})
}

// BenchmarkPyJSON separates the codec's share of dumps and loads.
func BenchmarkPyJSON(b *testing.B) {
	v := benchValue(b)
	b.Run("unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkAny, _ = pyjson.Unmarshal([]byte(benchSessionJSON))
		}
	})
	b.Run("marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkBytes, _ = pyjson.Marshal(v)
		}
	})
}
