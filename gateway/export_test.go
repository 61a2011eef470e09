package gateway

import (
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession/auth"
)

// SignAssertionForTest signs a fixed identity with key at time at.
func SignAssertionForTest(t testing.TB, key string, at time.Time) string {
	t.Helper()
	s, err := newSigner(key, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.sign(&auth.Identity{ID: "7", Username: "zoë", Email: "z@example.com", IsStaff: true, Groups: []string{"a,b", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}
