package storetest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/python/pyjson"
)

// Sample is the session the suite stores: what Django's login leaves in
// one, and a value of every kind a JSON session holds (a non-ASCII and an
// astral str, an int beyond 64 bits, a float, a list, a dict).
func ExampleSample() {
	b, err := pyjson.Marshal(storetest.Sample())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))
	// Output:
	// {"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","_auth_user_hash":"0f4b1d0c3a5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a","unicode":"h\u00e9llo w\u00f6rld \u2713 \ud83d\ude00","big":1267650600228229401496703205376,"float":1.0,"list":[1,"two",null,true,2.5],"cart":{"sku-1":2,"sku-2":-7}}
}

// MemCache stands in for Redis or memcached in the tests of code built on
// package cachestore.
func ExampleMemCache() {
	store, err := cachestore.New(storetest.NewMemCache(), &cachestore.Options{Backend: cachestore.PyMemcache})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	const key = "n5eep83hnmjyrfd01kps8z2rvqf0wrq8"
	if err := store.Save(ctx, key, storetest.Sample(), djangosession.Expiry{Age: 60}, true); err != nil {
		log.Fatal(err)
	}
	ok, err := store.Exists(ctx, key)
	fmt.Println(ok, err)
	// Output: true <nil>
}
