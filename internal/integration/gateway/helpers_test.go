package gateway_test

import (
	"testing"

	"github.com/djsession/djsession/gateway"
	"github.com/djsession/djsession/signing"
)

// forgedAssertion is an identity assertion for a superuser signed with
// key, which is not the gateway's: the gateway's own tests make theirs
// with gateway.SignAssertionForTest, which a test of another module
// cannot reach.
func forgedAssertion(t testing.TB, key string) string {
	t.Helper()
	ts, err := signing.NewTimestampSigner(&signing.Options{Key: key, Salt: gateway.AssertionSalt})
	if err != nil {
		t.Fatal(err)
	}
	v, err := ts.SignObject(map[string]any{"id": "1", "username": "alice", "email": "x@example.com",
		"is_staff": true, "is_superuser": true, "groups": []any{"admins"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
