package cachestore_test

import (
	"context"
	"fmt"
	"log"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/python/pyjson"
)

// A Go service sharing a Django project's cache sessions:
//
//	SESSION_ENGINE = "django.contrib.sessions.backends.cache"
//	CACHES = {"default": {
//	    "BACKEND": "django.core.cache.backends.redis.RedisCache",
//	    "LOCATION": "redis://127.0.0.1:6379/0",
//	    "KEY_PREFIX": "shop",
//	}}
//
// (It needs a server, so go test compiles it without running it.)
func Example() {
	addr := "127.0.0.1:6379"
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	store, err := cachestore.New(goredis.New(rdb), &cachestore.Options{
		Backend:   cachestore.RedisCache,
		KeyPrefix: "shop",
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	const key = "n5eep83hnmjyrfd01kps8z2rvqf0wrq8" // the sessionid cookie
	defer store.Delete(ctx, key)
	fmt.Println(store.CacheKey(key))

	// What Django's login leaves in the session, saved with the default
	// two-week timeout.
	engine := djangosession.NewEngine(store, nil)
	s := engine.New()
	if err := s.Set("_auth_user_id", "42"); err != nil {
		log.Fatal(err)
	}
	if err := store.Save(ctx, key, s.Data(), djangosession.Expiry{Age: 1209600}, true); err != nil {
		log.Fatal(err)
	}

	// A later request.
	s, err = engine.Open(ctx, key)
	if err != nil {
		log.Fatal(err)
	}
	uid, _ := s.Get("_auth_user_id")
	fmt.Println("user", uid)
}

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
