package messages_test

import (
	"crypto/sha256"
	"fmt"
	"reflect"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/internal/testenv"
)

const t0 = 1700000000.25

// smallSet is the messages of django-formats.md §10.2's vectors, plus a
// DEBUG message Django drops at the default MESSAGE_LEVEL and non-ASCII
// text.
func smallSet() []add {
	return []add{
		{20, "Hello", "", false},
		{25, "<b>ok</b>", "t1 t2", true},
		{10, "debug: not recorded", "", false},
		{40, "Err", "", false},
		{30, "Grüße \u2028 \U0001F600 \"q\" ;,", "x", false},
	}
}

// bigSet is more than a 2048-byte cookie holds, in text that compresses
// poorly, so FallbackStorage splits it between cookie and session.
func bigSet() []add {
	var as []add
	for i := range 90 {
		h := sha256.Sum256([]byte{byte(i)})
		as = append(as, add{20 + 5*(i%5), fmt.Sprintf("message %d %x", i, h[:24]), "", i%7 == 0})
	}
	return as
}

var sets = []struct {
	name string
	adds func() []add
}{{"small", smallSet}, {"big", bigSet}}

// TestInteropDjango proves each storage against real Django: for the same
// messages added at the same instant Go sets the same messages cookie and
// session value as Django, byte for byte; Django reads what Go stored and
// Go reads what Django stored, both seeing the same messages and answering
// with the same headers; messages added after reading are kept.
func TestInteropDjango(t *testing.T) {
	for _, dj := range testenv.Djangos(t) {
		rel := django.Release(dj.Version)
		t.Run(dj.Version, func(t *testing.T) {
			type tc struct {
				name, storage string
				adds          []add
			}
			var cases []tc
			for _, s := range []string{"cookie", "session", "fallback"} {
				for _, set := range sets {
					cases = append(cases, tc{s + "/" + set.name, s, set.adds()})
				}
			}
			// Phase 1: both add the messages.
			var writes []request
			for _, c := range cases {
				writes = append(writes, request{Now: t0, Storage: c.storage, Add: c.adds})
			}
			djW := runDjango(t, dj, writes)
			goW := make([]result, len(cases))
			for i, req := range writes {
				goW[i] = runGo(t, rel, req)
			}
			// Phase 2: each reads what each stored, and adds one more.
			var reads []request
			for i, c := range cases {
				for _, w := range []result{djW[i], goW[i]} {
					reads = append(reads, request{Now: t0 + 10, Storage: c.storage, Cookies: jar(nil, w), Read: true,
						AddAfter: []add{{25, "after", "", false}}})
				}
			}
			djR := runDjango(t, dj, reads)
			for i, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					dw, gw := djW[i], goW[i]
					for _, name := range []string{"messages", "sessionid"} {
						if gw.SetCookie[name] != dw.SetCookie[name] {
							t.Errorf("Set-Cookie %s:\n go     %q\n django %q", name, gw.SetCookie[name], dw.SetCookie[name])
						}
					}
					if !reflect.DeepEqual(gw.Session, dw.Session) {
						t.Errorf("session:\n go     %v\n django %v", gw.Session, dw.Session)
					}
					fromDj, fromGo := djR[2*i], djR[2*i+1]
					if len(fromDj.Messages) == 0 {
						t.Fatalf("Django read none of its own messages")
					}
					if !reflect.DeepEqual(fromGo.Messages, fromDj.Messages) {
						t.Errorf("Django reading Go's messages:\n got  %v\n want %v", fromGo.Messages, fromDj.Messages)
					}
					goRead := runGo(t, rel, reads[2*i])
					if !reflect.DeepEqual(goRead.Messages, fromDj.Messages) {
						t.Errorf("Go reading Django's messages:\n got  %v\n want %v", goRead.Messages, fromDj.Messages)
					}
					for _, name := range []string{"messages", "sessionid"} {
						if goRead.SetCookie[name] != fromDj.SetCookie[name] {
							t.Errorf("after reading, Set-Cookie %s:\n go     %q\n django %q", name, goRead.SetCookie[name], fromDj.SetCookie[name])
						}
					}
					if c.storage == "fallback" && len(c.adds) > 50 {
						// The cookie held the oldest, the session the rest.
						if _, ok := dw.Session["_messages"]; !ok || dw.Cookies["messages"] == "" {
							t.Fatalf("Django did not split the messages: %v", dw.SetCookie)
						}
						if got, want := len(fromDj.Messages), len(c.adds); got != want {
							t.Errorf("read %d messages, want all %d", got, want)
						}
					}
				})
			}
		})
	}
}
