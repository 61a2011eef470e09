package gateway

import (
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession/auth"
)

// Within a second the signer reuses an assertion only for the same
// statement: a changed identity (or a caller changing its groups after
// signing) is signed anew, and the next second gets its own timestamp.
func TestSignerReuse(t *testing.T) {
	at := time.Unix(1_700_000_000, 0)
	now := func() time.Time { return at }
	s, err := newSigner("assertion-key-0123456789", now)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier("assertion-key-0123456789", &VerifierOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	read := func(value string) Assertion {
		t.Helper()
		a, err := v.Verify(value)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	u := &auth.Identity{ID: "7", Username: "zoë", Groups: []string{"a"}}
	a1, _ := s.sign(u)
	u.Groups[0] = "changed after signing"
	u2 := &auth.Identity{ID: "7", Username: "zoë", Groups: []string{"a"}}
	if a2, _ := s.sign(u2); a2 != a1 {
		t.Errorf("same identity, same second: %q, want %q", a2, a1)
	}
	u2.IsStaff = true
	if a := read(mustSign(t, s, u2)); !a.IsStaff {
		t.Errorf("made staff within the second: the assertion says %+v", a)
	}
	u2.Groups = append(u2.Groups, "b")
	if a := read(mustSign(t, s, u2)); len(a.Groups) != 2 {
		t.Errorf("group added within the second: the assertion says %+v", a)
	}
	at = at.Add(time.Second)
	if a := read(mustSign(t, s, u2)); !a.Issued.Equal(at) {
		t.Errorf("next second: issued %v, want %v", a.Issued, at)
	}
}

func mustSign(t *testing.T, s *signer, u *auth.Identity) string {
	t.Helper()
	v, err := s.sign(u)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
