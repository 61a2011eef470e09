package gateway_test

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/djsession/djsession/gateway"
)

// An upstream written in Go checks the identity the gateway asserts.
func ExampleVerifier_VerifyRequest() {
	// The value the gateway put in X-Django-Identity (signed with
	// "example-assertion-key" at Unix time 1800000000).
	const assertion = "eyJpZCI6IjciLCJ1c2VybmFtZSI6InpvXHUwMGViIiwiZW1haWwiOiJ6QGV4YW1wbGUuY29tIiwiaXNfc3RhZmYiOnRydWUsImlzX3N1cGVydXNlciI6ZmFsc2UsImdyb3VwcyI6WyJhLGIiLCJjIl19:1xocE4:2fL5FlKJlX1LUvsfVoyrsyPSRMIrGhcQvhOufjuF9CE"
	now := time.Unix(1800000010, 0) // ten seconds later; real code leaves Now nil
	v, err := gateway.NewVerifier("example-assertion-key", &gateway.VerifierOptions{Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}
	r, _ := http.NewRequest("GET", "http://upstream/reports/", nil)
	r.Header.Set(gateway.HeaderAssertion, assertion)
	a, err := v.VerifyRequest(r)
	if err != nil {
		fmt.Println("refused:", err)
		return
	}
	fmt.Println(a.ID, a.Username, a.IsStaff, a.Groups)

	now = now.Add(time.Minute)
	_, err = v.VerifyRequest(r)
	fmt.Println(errors.Is(err, gateway.ErrBadAssertion))
	// Output:
	// 7 zoë true [a,b c]
	// true
}
