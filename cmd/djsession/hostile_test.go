package main

import (
	"strings"
	"testing"

	"github.com/djsession/djsession/signing"
)

// Issue 13 item 9: standard input over the limit is refused as too large
// (exit 2), never cut and then reported as a bad signature.
func TestStdinTooLarge(t *testing.T) {
	env := map[string]string{envSecretKey: "k"}
	big := strings.Repeat("a", maxInput+1)
	for _, args := range [][]string{
		{"unsign", "-"},
		{"loads", "-"},
		{"sessions", "decode", "-"},
	} {
		res := runCLI(t, nil, env, big, args...)
		if res.code != exitError || !strings.Contains(res.err, "too large") || strings.Count(res.err, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line saying too large", args, res.code, res.err)
		}
	}
	// a value exactly at the limit is still read whole
	s, _ := signing.NewSigner(&signing.Options{Key: "k"})
	tok := s.Sign(strings.Repeat("v", maxInput-100))
	if res := runCLI(t, nil, env, tok, "unsign", "-"); res.code != exitOK {
		t.Errorf("unsign of a %d-byte token: exit %d %q", len(tok), res.code, res.err)
	}
}

// Issue 13 item 9: the reason of a failure is printed whole: errors
// joined over several lines ("nesting too deep" on the second) are not cut.
func TestFailureReasonKeptWhole(t *testing.T) {
	ts, err := signing.NewTimestampSigner(&signing.Options{Key: "k", Salt: signing.DumpsSalt})
	if err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	tok := ts.Sign(signing.B64Encode([]byte(deep)))
	res := runCLI(t, nil, map[string]string{envSecretKey: "k"}, "", "loads", tok)
	if res.code != exitError || !strings.Contains(res.err, "nesting too deep") || strings.Count(res.err, "\n") != 1 {
		t.Errorf("loads of deep JSON: exit %d, stderr %q; want one line naming the nesting", res.code, res.err)
	}
	// the same through sessions decode, in its JSON report
	cs, _ := signing.NewTimestampSigner(&signing.Options{Key: "k", Salt: "django.contrib.sessions.SessionStore"})
	data := cs.Sign(signing.B64Encode([]byte(deep)))
	res = runCLI(t, nil, map[string]string{envSecretKey: "k"}, "", "sessions", "decode", data)
	if !strings.Contains(res.out, "nesting too deep") || !strings.Contains(res.err, "nesting too deep") {
		t.Errorf("sessions decode of deep JSON: exit %d\nout %s\nerr %q", res.code, res.out, res.err)
	}
}
