package cachestore_test

import (
	"context"
	"fmt"
	"log"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
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
	engine, err := djangosession.NewEngine(store, nil)
	if err != nil {
		log.Fatal(err)
	}
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
