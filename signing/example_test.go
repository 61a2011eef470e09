package signing_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/djsession/djsession/python/pyjson"
	"github.com/djsession/djsession/signing"
)

// frozen is a fixed clock, so the outputs below are stable.
func frozen() time.Time { return time.Unix(1700000000, 250000000) }

func ExampleSigner() {
	s, err := signing.NewSigner(&signing.Options{Key: "secret", Salt: "my.salt"})
	if err != nil {
		panic(err)
	}
	signed := s.Sign("hello")
	fmt.Println(signed)
	v, err := s.Unsign(signed)
	fmt.Println(v, err)
	_, err = s.Unsign("hello:forged")
	fmt.Println(errors.Is(err, signing.ErrBadSignature))
	// Output:
	// hello:vXm_1S1JULp3JenKPoUNI7SuSkcTtIrp3k6VktA1Hc4
	// hello <nil>
	// true
}

func ExampleTimestampSigner() {
	s, err := signing.NewTimestampSigner(&signing.Options{Key: "secret", Now: frozen})
	if err != nil {
		panic(err)
	}
	signed := s.Sign("hello")
	fmt.Println(signed)
	v, err := s.UnsignMaxAge(signed, time.Minute)
	fmt.Println(v, err)
	// Output:
	// hello:1r31eq:cd3olmP207LffIZrXNJ8LTxzeEF4brfUrRYVM3D-t8Q
	// hello <nil>
}

func ExampleTimestampSigner_expired() {
	signedAt := frozen
	s, _ := signing.NewTimestampSigner(&signing.Options{Key: "secret", Now: signedAt})
	token := s.Sign("hello")

	later := func() time.Time { return frozen().Add(time.Hour) }
	s, _ = signing.NewTimestampSigner(&signing.Options{Key: "secret", Now: later})
	_, err := s.UnsignMaxAge(token, 15*time.Minute)
	fmt.Println(errors.Is(err, signing.ErrSignatureExpired), errors.Is(err, signing.ErrBadSignature))
	// Output: true true
}

func ExampleDumps() {
	v := pyjson.NewObject()
	v.Set("a", int64(1))
	v.Set("b", "x")
	o := &signing.Options{Key: "secret", Now: frozen}
	token, err := signing.Dumps(v, o)
	if err != nil {
		panic(err)
	}
	fmt.Println(token)

	back, err := signing.Loads(token, o)
	if err != nil {
		panic(err)
	}
	b, _ := pyjson.Marshal(back)
	fmt.Println(string(b))
	// Output:
	// eyJhIjoxLCJiIjoieCJ9:1r31eq:rnorOS7JnYYAmhUM-L1hQWYIue9kPQKLHHNdR78GMaY
	// {"a":1,"b":"x"}
}

func ExampleLoads() {
	// A value Django's signing.dumps(..., compress=True) wrote.
	token := ".eJwNzEERwDAMA0FC94gkx4mxdMqfRgtg9xEmFJvmcBm0kJBRUKGNGh100eCFf2McXHjjxgdfPGQRkb8MKbJJk0MumfcDgzMVIQ:1r31eq:wubsoVWiFn5dUayi15mxVPFBS7hdg7NBUXiozlXi4xA"
	v, err := signing.Loads(token, &signing.Options{Key: "secret", MaxAge: time.Hour, Now: frozen})
	if err != nil {
		panic(err)
	}
	list := v.([]any)
	fmt.Println(len(list), list[0], list[38])
	// Output: 39 1 39
}

func ExampleSaltedHMAC() {
	mac, err := signing.SaltedHMAC(signing.SHA256, "salt", "secret", []byte("value"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%x\n", mac)
	// Output: debaddcd9ecbaab181289870baf8af49b0af0a7050d620d1a63f1e69bd87ceb8
}
