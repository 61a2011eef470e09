package signing

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
)

// peerBatch collects requests for testdata/signing_interop.py and the
// checks to run on their answers, then runs them in one Python process.
type peerBatch struct {
	reqs   []map[string]any
	checks []func(t *testing.T, ans map[string]any)
}

func (p *peerBatch) add(req map[string]any, check func(t *testing.T, ans map[string]any)) {
	p.reqs = append(p.reqs, req)
	p.checks = append(p.checks, check)
}

func (p *peerBatch) run(t *testing.T, dj testenv.Django) {
	var stdin bytes.Buffer
	enc := json.NewEncoder(&stdin)
	for _, r := range p.reqs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	out := dj.Run(t, "../testdata/signing_interop.py", stdin.Bytes())
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for i, check := range p.checks {
		if !sc.Scan() {
			t.Fatalf("Django %s answered %d of %d requests", dj.Version, i, len(p.checks))
		}
		var ans map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ans); err != nil {
			t.Fatal(err)
		}
		check(t, ans)
	}
}

func b64std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func unb64std(t *testing.T, v any) []byte {
	s, _ := v.(string)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("bad base64 from peer: %v", err)
	}
	return b
}

func pyTime(tm time.Time) float64 { return float64(tm.UnixNano()) / 1e9 }

// outcomeOf names a Go result as the peer names Django's.
func outcomeOf(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrSignatureExpired):
		return "expired"
	case errors.Is(err, ErrBadSignature):
		return "bad_signature"
	case errors.Is(err, ErrMalformed):
		return "malformed"
	}
	return "unclassified: " + err.Error()
}

// TestInteropDjango proves the package against every real Django release
// testenv finds (DJ_TEST_DJANGO=1), in one Python process per release:
//
//   - random payloads (made by Python's random, lone surrogates, big ints,
//     floats and all): Go's Dumps, with and without compress, is read by
//     Django's loads to the same value; Django's dumps is read by Go's Loads
//     to the same JSON bytes; tokens are identical, compressed or not (and
//     so is the choice to compress);
//   - SECRET_KEY_FALLBACKS on 4.1+ (4.2, 5.2, 6.1): Go signs with an old key
//     Django lists as a fallback, and Django with one Go lists; legacy
//     SHA-1 on 3.2 (Go's LegacySHA1 accepts Django's SHA-1 tokens, and 4.2+
//     rejects them like Go without it);
//   - TimestampSigner max_age on both sides of the boundary, with the same
//     frozen clock on both sides;
//   - Signer and TimestampSigner with custom salt, sep and algorithm.
func TestInteropDjango(t *testing.T) {
	const key, oldKey = "interop-signing-key", "interop-signing-old-key"
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for _, dj := range testenv.Djangos(t) {
		t.Run(dj.Version, func(t *testing.T) {
			info := dj.Run(t, "../testdata/signing_interop.py", []byte(`{"op":"info"}`+"\n"))
			var in struct{ Fallbacks bool }
			json.Unmarshal(info, &in)
			r := rand.New(rand.NewPCG(seed, 7))
			now := time.Unix(1700000000+r.Int64N(1e8), int64(r.IntN(1e9)))
			clk := func() time.Time { return now }

			// Phase 1: Python makes random values.
			var gen struct{ Texts_b64 []string }
			out := dj.Run(t, "../testdata/signing_interop.py", []byte(`{"op":"gen","seed":`+jsonInt(int64(seed%(1<<53)))+`,"count":300}`+"\n"))
			if err := json.Unmarshal(out, &gen); err != nil || len(gen.Texts_b64) != 300 {
				t.Fatalf("gen: %v %s", err, out)
			}
			texts := [][]byte{
				[]byte(`{"_auth_user_id":"1","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","cart":{"n":[1,2.5,-0.0,1e+16]}}`),
				[]byte(`{"k":"` + string(bytes.Repeat([]byte("abc"), 300)) + `"}`),
				[]byte(`[1,2]`),
			}
			for _, s := range gen.Texts_b64 {
				texts = append(texts, unb64std(t, s))
			}

			var p peerBatch
			compressed := 0
			defer func() {
				t.Logf("%d of %d payloads compressed, all tokens identical to Django's", compressed, len(texts))
			}()
			o := &Options{Key: key, Now: clk}
			for i, text := range texts {
				v, err := pyjson.Unmarshal(text)
				if err != nil {
					t.Fatalf("Unmarshal(Python's %s): %v", text, err)
				}
				compress := i%2 == 1
				salt := ""
				if i%5 == 0 {
					salt = "custom.salt"
				}
				o := *o
				o.Compress, o.Salt = compress, salt
				tok, err := Dumps(v, &o)
				if err != nil {
					t.Fatalf("Dumps(%s): %v", text, err)
				}
				// Go dumps, Django loads.
				p.add(map[string]any{"op": "loads", "token": tok, "key": key, "salt": salt, "now": pyTime(now)},
					func(t *testing.T, ans map[string]any) {
						if ans["expect"] != "ok" || !bytes.Equal(unb64std(t, ans["json_b64"]), text) {
							t.Errorf("Django loads Go's %s (of %s): %v", tok, text, ans)
						}
					})
				// Django dumps, Go loads.
				p.add(map[string]any{"op": "dumps", "json_b64": b64std(text), "key": key, "salt": salt,
					"compress": compress, "now": pyTime(now)},
					func(t *testing.T, ans map[string]any) {
						dtok, _ := ans["token"].(string)
						got, err := Loads(dtok, &o)
						if err != nil {
							t.Errorf("Go Loads(Django's %s): %v", dtok, err)
							return
						}
						if b, err := pyjson.Marshal(got); err != nil || !bytes.Equal(b, text) {
							t.Errorf("Go reads Django's token as %s (%v), want %s", b, err, text)
						}
						if dtok != tok {
							t.Errorf("tokens differ (compress=%v): Go %s, Django %s", compress, tok, dtok)
						}
						if dtok[0] == '.' {
							compressed++
						}
					})
			}

			// Fallback keys (4.1+) and legacy SHA-1 (3.2).
			val := []byte(`{"who":"old"}`)
			v, _ := pyjson.Unmarshal(val)
			oldTok, _ := Dumps(v, &Options{Key: oldKey, Now: clk})
			if in.Fallbacks {
				p.add(map[string]any{"op": "loads", "token": oldTok, "key": key, "fallback_keys": []string{"x", oldKey}, "now": pyTime(now)},
					func(t *testing.T, ans map[string]any) {
						if ans["expect"] != "ok" || !bytes.Equal(unb64std(t, ans["json_b64"]), val) {
							t.Errorf("Django with fallback reads Go's old-key token: %v", ans)
						}
					})
				p.add(map[string]any{"op": "dumps", "json_b64": b64std(val), "key": oldKey, "now": pyTime(now)},
					func(t *testing.T, ans map[string]any) {
						dtok := ans["token"].(string)
						if _, err := Loads(dtok, &Options{Key: key, FallbackKeys: []string{"x", oldKey}, Now: clk}); err != nil {
							t.Errorf("Go with fallback reads Django's old-key token: %v", err)
						}
						if _, err := Loads(dtok, &Options{Key: key, Now: clk}); !errors.Is(err, ErrBadSignature) {
							t.Errorf("Go without fallback: %v", err)
						}
					})
			}
			p.add(map[string]any{"op": "loads", "token": oldTok, "key": key, "now": pyTime(now)},
				func(t *testing.T, ans map[string]any) {
					if ans["expect"] != "bad_signature" {
						t.Errorf("Django without fallback reads an old-key token: %v", ans)
					}
				})
			sha1Signer, _ := NewSigner(&Options{Key: key, Algorithm: SHA1})
			sha1Tok := sha1Signer.Sign("legacy")
			p.add(map[string]any{"op": "unsign", "kind": "signer", "token": sha1Tok, "key": key},
				func(t *testing.T, ans map[string]any) {
					s, _ := NewSigner(&Options{Key: key, LegacySHA1: dj.Version == "3.2"})
					_, err := s.Unsign(sha1Tok)
					if got := outcomeOf(err); got != ans["expect"] {
						t.Errorf("SHA-1 token: Django %v, Go (LegacySHA1=%v) %s", ans["expect"], dj.Version == "3.2", got)
					}
				})

			// max_age across the boundary, both directions.
			signedAt := time.Unix(now.Unix(), 0)
			for _, step := range []struct {
				after  time.Duration
				maxAge float64
			}{{0, 0}, {250 * time.Millisecond, 0}, {60 * time.Second, 60}, {60*time.Second + time.Millisecond, 60},
				{61 * time.Second, 60}, {90 * time.Second, 90.5}, {91 * time.Second, 90.5}, {-time.Hour, 1}} {
				check := signedAt.Add(step.after)
				ts, _ := NewTimestampSigner(&Options{Key: key, Salt: "ts.salt", Sep: "/", Now: clk})
				goTok := ts.Sign("payload/with:seps")
				verify, _ := NewTimestampSigner(&Options{Key: key, Salt: "ts.salt", Sep: "/", Now: func() time.Time { return check }})
				maxAge := time.Duration(step.maxAge * float64(time.Second))
				_, goErr := verify.UnsignMaxAge(goTok, maxAge)
				p.add(map[string]any{"op": "unsign", "kind": "timestamp", "token": goTok, "key": key, "salt": "ts.salt",
					"sep": "/", "max_age": step.maxAge, "now": pyTime(check)},
					func(t *testing.T, ans map[string]any) {
						if got := outcomeOf(goErr); got != ans["expect"] {
							t.Errorf("max_age %v, %v after signing: Django %v, Go %s", step.maxAge, step.after, ans["expect"], got)
						}
					})
				p.add(map[string]any{"op": "sign", "kind": "timestamp", "value": "payload/with:seps", "key": key,
					"salt": "ts.salt", "sep": "/", "now": pyTime(now)},
					func(t *testing.T, ans map[string]any) {
						if ans["token"] != goTok {
							t.Errorf("TimestampSigner tokens differ: Go %s, Django %v", goTok, ans["token"])
						}
					})
			}

			// Signer with custom salt, sep and algorithm: same tokens.
			for _, c := range []struct {
				salt, sep string
				alg       Algorithm
			}{{"", "", SHA256}, {"my.salt", "/", SHA512}, {"s", "::", SHA1}, {"s", "\u00a7", BLAKE2b}, {"x", "~", SHA3_256}} {
				s, err := NewSigner(&Options{Key: key, Salt: c.salt, Sep: c.sep, Algorithm: c.alg})
				if err != nil {
					t.Fatal(err)
				}
				value := "v\u00e4lue: " + string(c.alg)
				goTok := s.Sign(value)
				p.add(map[string]any{"op": "sign", "kind": "signer", "value": value, "key": key, "salt": c.salt, "sep": c.sep, "algorithm": string(c.alg)},
					func(t *testing.T, ans map[string]any) {
						if ans["token"] != goTok {
							t.Errorf("Signer%+v: Go %s, Django %v", c, goTok, ans["token"])
						}
					})
				p.add(map[string]any{"op": "unsign", "kind": "signer", "token": goTok, "key": key, "salt": c.salt, "sep": c.sep, "algorithm": string(c.alg)},
					func(t *testing.T, ans map[string]any) {
						if ans["expect"] != "ok" || ans["value"] != value {
							t.Errorf("Django unsign of Go's %s: %v", goTok, ans)
						}
					})
			}

			// Damaged zlib streams under a valid signature (made with the
			// key): Go and Django must agree on accept or reject, and on
			// the value.
			raw, _ := NewTimestampSigner(&Options{Key: key, Salt: DumpsSalt, Now: clk})
			for i := range 600 {
				text := texts[i%len(texts)]
				z := deflate(text)
				switch i % 4 {
				case 0:
					z[r.IntN(len(z))] ^= byte(1 << r.IntN(8))
				case 1:
					z = z[:r.IntN(len(z))]
				case 2:
					z = append(z, byte(r.IntN(256)), byte(r.IntN(256)))
				default:
					for range 3 {
						z[r.IntN(len(z))] = byte(r.IntN(256))
					}
				}
				tok := raw.Sign("." + B64Encode(z))
				got, goErr := raw.UnsignObject(tok)
				p.add(map[string]any{"op": "loads", "token": tok, "key": key, "now": pyTime(now)},
					func(t *testing.T, ans map[string]any) {
						if outcomeOf(goErr) != ans["expect"] {
							t.Errorf("damaged zlib %x: Django %v, Go %v", z, ans, goErr)
							return
						}
						if goErr == nil {
							b, _ := pyjson.Marshal(got)
							if !bytes.Equal(b, unb64std(t, ans["json_b64"])) {
								t.Errorf("damaged zlib %x: Django reads %s, Go %s", z, unb64std(t, ans["json_b64"]), b)
							}
						}
					})
			}

			// b64_decode's leniency on random near-base64 strings.
			const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=!\n. \xe9"
			for range 400 {
				b := make([]byte, r.IntN(14))
				for i := range b {
					if r.IntN(5) > 0 {
						b[i] = alpha[r.IntN(64)]
					} else {
						b[i] = alpha[r.IntN(len(alpha))]
					}
				}
				s := string(b)
				got, err := B64Decode(s)
				p.add(map[string]any{"op": "b64", "b64": b64std(b)},
					func(t *testing.T, ans map[string]any) {
						if ans["ok"] != (err == nil) || (err == nil && !bytes.Equal(got, unb64std(t, ans["b64"]))) {
							t.Errorf("b64_decode(%q): Django %v, Go %x %v", s, ans, got, err)
						}
					})
			}
			p.run(t, dj)
		})
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }
