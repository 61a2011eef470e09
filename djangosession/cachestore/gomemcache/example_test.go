package gomemcache_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/gomemcache"
	"github.com/djsession/djsession/djangosession/cachestore/mcpool"
)

// Django's settings:
//
//	CACHES = {"default": {
//	    "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
//	    "LOCATION": ["10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211"],
//	}}
//	SESSION_ENGINE = "django.contrib.sessions.backends.cache"
func ExampleNewPool() {
	pool, err := gomemcache.NewPool(
		[]string{"10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211"},
		&mcpool.Options{Backend: mcpool.PyMemcacheCache},
		func(mc *memcache.Client) { mc.Timeout = time.Second },
	)
	if err != nil {
		log.Fatal(err)
	}
	// ResetOnLoadError: a server that is down means "no session", as in
	// Django's cache engine.
	store, err := cachestore.New(pool, &cachestore.Options{ResetOnLoadError: true})
	if err != nil {
		log.Fatal(err)
	}
	engine, err := djangosession.NewEngine(store, nil)
	if err != nil {
		log.Fatal(err)
	}
	s, err := engine.Open(context.Background(), "2b1p4yjv2w4r0oei9m4w8fl8p1h1c7q3")
	if err != nil {
		log.Fatal(err)
	}
	log.Println(s.Get("_auth_user_id"))
}

// Which server each session is on, as PyMemcacheCache places it
// (pymemcache's rendezvous hash over the cache key; pymemcache's
// RendezvousHash.get_node gives the same servers); no server is contacted.
func ExampleNewPool_server() {
	servers := []string{"10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211"}
	pool, err := gomemcache.NewPool(servers, &mcpool.Options{Backend: mcpool.PyMemcacheCache}, nil)
	if err != nil {
		log.Fatal(err)
	}
	store, err := cachestore.New(pool, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, key := range []string{"2b1p4yjv2w4r0oei9m4w8fl8p1h1c7q3", "n5eep83hnmjyrfd01kps8z2rvqf0wrq8", "zq0v5b3kc8x1m7n2p4r6t9w0y2a4c6e8"} {
		ck := store.CacheKey(key)
		fmt.Println(ck, servers[pool.Server(ck)])
	}
	// Output:
	// :1:django.contrib.sessions.cache2b1p4yjv2w4r0oei9m4w8fl8p1h1c7q3 10.0.0.3:11211
	// :1:django.contrib.sessions.cachen5eep83hnmjyrfd01kps8z2rvqf0wrq8 10.0.0.1:11211
	// :1:django.contrib.sessions.cachezq0v5b3kc8x1m7n2p4r6t9w0y2a4c6e8 10.0.0.3:11211
}
