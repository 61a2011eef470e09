package hashers_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/hashers"
)

// A login handler: check the password, and store the upgraded hash Django
// would store.
func ExamplePolicy_CheckUpgrade() {
	policy, err := hashers.New(nil) // Django 6.1's PASSWORD_HASHERS and costs
	if err != nil {
		log.Fatal(err)
	}
	// A hash a Django 3.2 site stored (fewer PBKDF2 iterations than 6.1's).
	stored := "pbkdf2_sha256$260000$seasalt1234567890abcde$I2WehpkXUMFZ+G4aVfMTStWMthDl6qThiw4pLtJbD38="

	ok, rehashed, err := policy.CheckUpgrade("password", stored)
	switch {
	case errors.Is(err, hashers.ErrUnusablePassword):
		fmt.Println("this user cannot log in with a password")
	case err != nil:
		fmt.Println("cannot check:", err)
	case !ok:
		fmt.Println("wrong password")
	default:
		fmt.Println("logged in")
		if rehashed != "" {
			d, _ := hashers.Decode(rehashed)
			fmt.Println("store the upgraded hash:", d.Algorithm, d.Iterations, "iterations")
		}
	}
	// Output:
	// logged in
	// store the upgraded hash: pbkdf2_sha256 1500000 iterations
}

func ExamplePolicy_Check() {
	// A policy for a Django 4.2 site that also accepts old md5 hashes.
	policy, err := hashers.New(&hashers.Options{
		Settings:        django.Settings{Release: "4.2"},
		PasswordHashers: []hashers.Algorithm{hashers.PBKDF2SHA256, hashers.Argon2, hashers.MD5}})
	if err != nil {
		log.Fatal(err)
	}
	stored := "md5$seasalt1234567890abcde$c95d4fce2dedc19da7377148fb1e3877"
	for _, pw := range []string{"correct horse", "wrong"} {
		ok, err := policy.Check(pw, stored)
		fmt.Println(pw, ok, err)
	}
	_, err = policy.Check("x", "pbkdf2_sha256$2000000000$salt$AAAA")
	fmt.Println(errors.Is(err, hashers.ErrMalformed))
	// Output:
	// correct horse true <nil>
	// wrong false <nil>
	// true
}

func ExamplePolicy_MakeWith() {
	policy, err := hashers.New(&hashers.Options{Settings: django.Settings{Release: "4.2"}, PBKDF2Iterations: 1000})
	if err != nil {
		log.Fatal(err)
	}
	// A fixed salt gives the bytes Django's make_password(password, salt) gives.
	enc, err := policy.MakeWith(hashers.PBKDF2SHA256, "password", "seasalt1234567890abcde")
	fmt.Println(enc, err)
	// An empty salt means a fresh random one, as make_password(password) does.
	enc, _ = policy.Make("password")
	d, _ := hashers.Decode(enc)
	fmt.Println(d.Algorithm, d.Iterations, len(d.Salt))
	// Output:
	// pbkdf2_sha256$1000$seasalt1234567890abcde$xeN45jWNyCQI5LGlWkuZeex59LQtHeXsL9bVz+C/QTk= <nil>
	// pbkdf2_sha256 1000 22
}

func ExampleIdentify() {
	for _, enc := range []string{
		"argon2$argon2id$v=19$m=102400,t=2,p=8$c2Vhc2FsdDEyMzQ1Njc4OTBhYmNkZQ$H2AEF66bIvvFta2IMHl6AbvGw7ln7HHuHWoobtC7GFo",
		"5f4dcc3b5aa765d61d8327deb882cf99",
		"!QcN6oCjmgNmmd2SjKyCsbuBoZnA3H4ce3FHaq0Ga",
		"plaintext",
	} {
		alg, err := hashers.Identify(enc)
		fmt.Println(alg, err)
	}
	// Output:
	// argon2 <nil>
	// unsalted_md5 <nil>
	//  hashers: unusable password
	//  hashers: unknown password hashing algorithm
}

func ExamplePolicy_SessionAuthHash() {
	policy, _ := hashers.New(nil)
	stored := "pbkdf2_sha256$1000$seasalt1234567890abcde$xeN45jWNyCQI5LGlWkuZeex59LQtHeXsL9bVz+C/QTk="
	// What login() stores in the session as "_auth_user_hash".
	h := policy.SessionAuthHash("django-insecure-hashers-vectors", stored)
	fmt.Println(h)
	// After a key rotation, a session made under the old key is still valid
	// (and its key and hash must be rotated).
	valid, rotate := policy.VerifySessionAuthHash(h, stored, "a-new-secret-key",
		[]string{"django-insecure-hashers-vectors"})
	fmt.Println(valid, rotate)
	// Output:
	// 546c47c8a8f24b80c4faf9921821ea6c25d41d5e96d50fd1f98d970bb7f78c31
	// true true
}

// Limits bound what a stored value may cost before anything is computed;
// Check and Limits.Check agree on it.
func ExampleLimits_Check() {
	// An argon2 hash at t=16 and 256 MiB: seconds and hundreds of MB per
	// check, eight times Django's time cost.
	stored := "argon2$argon2id$v=19$m=262144,t=16,p=8$c2Vhc2FsdDEyMzQ1Njc4OTBhYmNkZQ$" +
		"H2AEF66bIvvFta2IMHl6AbvGw7ln7HHuHWoobtC7GFo"
	d, err := hashers.Decode(stored)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(hashers.DefaultLimits().Check(d))

	policy, err := hashers.New(nil)
	if err != nil {
		log.Fatal(err)
	}
	_, err = policy.Check("password", stored)
	fmt.Println(errors.Is(err, hashers.ErrOverLimit))

	// A site whose hasher subclass uses t=16 raises the limits.
	raised := hashers.Limits{MaxArgon2TimeCost: 16, MaxArgon2MemoryCost: 256 * 1024}
	fmt.Println(raised.Check(d))
	// Output:
	// hashers: cost over the limits: argon2 time cost 16 (limit 4)
	// true
	// <nil>
}
