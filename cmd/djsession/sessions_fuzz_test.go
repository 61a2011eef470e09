package main

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/python/pickle"
	"github.com/djsession/djsession/python/pyjson"
	"github.com/djsession/djsession/signing"
)

// FuzzClassify feeds arbitrary session_data to the decoder ls, show, stats
// and decode use: it must never panic, and whatever it says must be
// consistent (a verdict without verification carries no data).
func FuzzClassify(f *testing.F) {
	b, err := os.ReadFile("../../testdata/sessions_db_expect.json")
	if err != nil {
		f.Fatal(err)
	}
	var fx fixture
	if err := json.Unmarshal(b, &fx); err != nil {
		f.Fatal(err)
	}
	for _, r := range fx.Rows {
		f.Add(r.SessionData)
	}
	f.Add(fx.SignedCookie.Value)
	key := strings.TrimSpace(string(mustRead(f, fixtureKeyFile)))
	cl, err := newClassifier(key, []string{fx.OtherKey}, "", true)
	if err != nil {
		f.Fatal(err)
	}
	rs, err := newResigner([]string{key, fx.OtherKey}, newTestKey, "")
	if err != nil {
		f.Fatal(err)
	}
	// testdata/hostile/session, signed with the fixture's key so that what
	// follows the signature is reached.
	ts, err := signing.NewTimestampSigner(&signing.Options{Key: key, Salt: djangosession.KeySalt(djangosession.DefaultClassName)})
	if err != nil {
		f.Fatal(err)
	}
	lk, err := signing.NewSaltedKey(signing.SHA1, "django.contrib.sessions"+djangosession.DefaultClassName, key)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range storetest.SignedCorpus(f, "session", ts, lk) {
		if len(s) <= 64<<10 { // larger ones stall the fuzzer's minimizing
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := cl.classify(s)
		if !v.verified && v.data != nil {
			t.Fatalf("%q: data without verification", s)
		}
		if v.status == statusOK && v.data == nil {
			t.Fatalf("%q: ok without data", s)
		}
		u := cl.unverified(s)
		if u.verified {
			t.Fatalf("%q: unverified decode claims verification", s)
		}
		out, outcome, err := rs.resign(s)
		if err == nil && outcome == resignDone && !v.verified {
			t.Fatalf("%q: re-signed data no old key verifies", s)
		}
		if err == nil && outcome == resignDone {
			if again, o2, err := rs.resign(out); err != nil || o2 != resignAlready || again != out {
				t.Fatalf("%q: re-signing is not idempotent", s)
			}
		}
	})
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzReadPickle feeds arbitrary bytes to the pickle reader, seeded with the
// pickles real Django wrote into the fixture: no panic, no runaway work,
// and a result is always a dict pyjson can encode.
func FuzzReadPickle(f *testing.F) {
	b := mustRead(f, "../../testdata/sessions_db_expect.json")
	var fx fixture
	if err := json.Unmarshal(b, &fx); err != nil {
		f.Fatal(err)
	}
	cl, err := newClassifier(strings.TrimSpace(string(mustRead(f, fixtureKeyFile))), nil, "", false)
	if err != nil {
		f.Fatal(err)
	}
	n := 0
	for _, r := range fx.Rows {
		if v := cl.classify(r.SessionData); v.serializer == serPickle {
			f.Add(append([]byte(nil), v.payload...))
			n++
		}
	}
	if n < 4 {
		f.Fatalf("%d pickle seeds", n)
	}
	// a list appended to after it was memoized, and shared references
	f.Add([]byte("\x80\x04}\x94(\x8c\x01a\x94]\x94h\x02h\x02e\x8c\x01b\x94h\x02u."))
	for _, p := range storetest.PickleCorpus(f) { // testdata/hostile/pickle
		if len(p) <= 64<<10 {
			f.Add(p)
		}
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		raw, err := pickle.UnmarshalDict(p)
		if err != nil {
			return
		}
		jv, err := pickle.JSONCompatible(raw) // as decodePayload does
		if err != nil {
			return
		}
		obj := jv.(*pyjson.Object)
		j, err := pyjson.Marshal(obj)
		if err != nil {
			if !errors.Is(err, pyjson.ErrTooDeep) {
				t.Fatalf("%q: read a dict pyjson cannot write: %v", p, err)
			}
			return
		}
		// what we read, we write back the same
		w, err := pickle.Marshal(obj)
		if err != nil {
			t.Fatalf("%q: cannot re-pickle: %v", p, err)
		}
		again, err := pickle.UnmarshalDict(w)
		if err != nil {
			t.Fatalf("%q: re-pickled %q does not read: %v", p, w, err)
		}
		if j2, _ := pyjson.Marshal(again); string(j2) != string(j) {
			t.Fatalf("%q: round trip %s != %s", p, j2, j)
		}
	})
}
