package messages

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/internal/hostiletest"
	"github.com/djsession/djsession/signing"
)

// The corpus, testdata/hostile/messages (testdata/hostile/README.md):
// value-* files are JSON a key holder could sign (the test signs them, so
// the checks after the signature are reached) and, as a "_messages"
// session string, store; cookie-* files are cookies taken as they are;
// ok-* inputs must be accepted.
//
// hostileBound bounds the bytes allocated per input: the cookie is read
// once, base64 decoded, inflated to at most
// signing.DefaultMaxDecompressedSize, and parsed by pyjson (about 48 bytes
// per byte at worst), then turned into at most one Message (80 bytes) per
// 13 input bytes.
var hostileBound = hostiletest.Bound{Base: 1<<20 + 48*signing.DefaultMaxDecompressedSize, PerByte: 64}

func hostileStore(t testing.TB, rel string) *Store {
	t.Helper()
	s, err := New(&Options{
		Settings: django.Settings{SecretKey: "hostile-corpus-key", Release: django.Release(rel)},
		Now:      func() time.Time { return time.Unix(1700000000, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func hostileInputs(t testing.TB) map[string][]byte {
	t.Helper()
	in := hostiletest.Files(t, "messages")
	// Generated: over 1 MB.
	in["ok-value-generated: 100,000 messages"] = []byte("[" + strings.Repeat(`["__json_message",0,20,"x"],`, 100_000) + `"__messagesnotfinished__"]`)
	// A cookie inflating past the bound is refused; the session, written
	// by the server, has no such bound (nor has Django).
	in["big-value-generated: 5 MB of one string"] = []byte(`[["__json_message",0,20,"` + strings.Repeat("a", 5<<20) + `"]]`)
	return in
}

// TestHostileCorpus runs every hostile input through the cookie decoder
// of 3.2 (which also tries the legacy forms) and of 6.1, and each value-*
// through the session decoder: no panic, errors matching the sentinels,
// ok-* accepted, and the bytes allocated bounded.
func TestHostileCorpus(t *testing.T) {
	in := hostileInputs(t)
	for _, rel := range []string{"3.2", "6.1"} {
		s := hostileStore(t, rel)
		hostiletest.Run(t, in, func(t *testing.T, c hostiletest.Case) {
			cookie := string(c.Input)
			value := strings.Contains(c.Name, "value-")
			if value {
				var err error
				if cookie, err = s.codec.signer.SignObject(c.Input, true); err != nil {
					t.Fatal(err)
				}
			}
			var msgs []Message
			var err error
			what := rel + "/" + c.Name + ": cookie"
			hostileBound.Check(t, what, []byte(cookie), func() { msgs, _, err = s.DecodeCookie(cookie) })
			check(t, what, c.OK, len(msgs), err)
			if value {
				what = rel + "/" + c.Name + ": session"
				hostileBound.Check(t, what, c.Input, func() { msgs, _, err = decodeList(c.Input, s.codec.tags) })
				check(t, what, c.OK || strings.HasPrefix(c.Name, "big-"), len(msgs), err)
			}
		})
	}
}

func check(t *testing.T, what string, ok bool, n int, err error) {
	t.Helper()
	if ok && err != nil {
		t.Errorf("%s: refused: %v", what, err)
	}
	if !ok && err == nil {
		t.Errorf("%s: accepted (%d messages)", what, n)
	}
	if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, signing.ErrBadSignature) && !errors.Is(err, signing.ErrMalformed) {
		t.Errorf("%s: error matches no sentinel: %v", what, err)
	}
}

// FuzzDecodeCookie: any cookie is refused with a sentinel or read, and
// what is read writes back to a cookie that reads the same.
func FuzzDecodeCookie(f *testing.F) {
	s := hostileStore(f, "3.2")
	for name, v := range hostileInputs(f) {
		if len(v) > 1<<16 {
			continue
		}
		if strings.Contains(name, "value-") {
			c, err := s.codec.signer.SignObject(v, true)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(c)
		}
		f.Add(string(v))
	}
	ok, _ := s.EncodeCookie([]Message{{Level: Info, Message: "Hello"}, {Level: Error, Message: "<b>x</b>", Safe: true, ExtraTags: "t"}}, true)
	f.Add(ok)
	f.Fuzz(func(t *testing.T, cookie string) {
		msgs, all, err := s.DecodeCookie(cookie)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, signing.ErrBadSignature) && !errors.Is(err, signing.ErrMalformed) {
				t.Fatalf("error matches no sentinel: %v", err)
			}
			return
		}
		again, err := s.EncodeCookie(msgs, !all)
		if err != nil {
			return // a lone surrogate pair that is not WTF-8, say
		}
		msgs2, all2, err := s.DecodeCookie(again)
		if err != nil || all2 != all || len(msgs2) != len(msgs) {
			t.Fatalf("round trip: %v %v %d %d", err, all2, len(msgs2), len(msgs))
		}
		for i := range msgs {
			a, b := msgs[i], msgs2[i]
			if a.Level != b.Level || a.Message != b.Message || a.ExtraTags != b.ExtraTags || a.Safe != b.Safe || a.noTags != b.noTags {
				t.Fatalf("round trip: %+v != %+v", msgs[i], msgs2[i])
			}
		}
	})
}
