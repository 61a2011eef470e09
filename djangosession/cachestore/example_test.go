package cachestore_test

import (
	"context"
	"fmt"
	"log"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/python/pyjson"
)

// A session saved as Django's RedisCache backend saves it, here into an
// in-memory Client (storetest.MemCache) so that the bytes can be shown:
// the key Django looks under, and the session dict pickled with protocol 5,
// unsigned (Python's pickle.dumps({"_auth_user_id": "42"}, 5) to the byte).
func ExampleStore_Save() {
	mem := storetest.NewMemCache()
	store, err := cachestore.New(mem, &cachestore.Options{Backend: cachestore.RedisCache, KeyPrefix: "shop"})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	const key = "n5eep83hnmjyrfd01kps8z2rvqf0wrq8"
	data := &pyjson.Object{}
	data.Set("_auth_user_id", "42")
	if err := store.Save(ctx, key, data, djangosession.Expiry{Age: 1209600}, true); err != nil {
		log.Fatal(err)
	}
	raw, _, _, _ := mem.Get(ctx, store.CacheKey(key))
	fmt.Println(store.CacheKey(key))
	fmt.Printf("%q\n", raw)

	loaded, err := store.Load(ctx, key)
	if err != nil {
		log.Fatal(err)
	}
	uid, _ := loaded.Get("_auth_user_id")
	fmt.Println("user", uid)
	// Output:
	// shop:1:django.contrib.sessions.cachen5eep83hnmjyrfd01kps8z2rvqf0wrq8
	// "\x80\x05\x95\x19\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\r_auth_user_id\x94\x8c\x0242\x94s."
	// user 42
}
