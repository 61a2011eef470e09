package mcpool_test

import (
	"fmt"

	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/mcpool"
)

// A pool laid out as Django's PyLibMCCache with {"ketama": True} lays it
// out. The per-server clients here are never called; a real program uses
// gomemcache.NewPool, or New with its own client per server.
func Example() {
	// CACHES = {"default": {
	//     "BACKEND": "django.core.cache.backends.memcached.PyLibMCCache",
	//     "LOCATION": "10.0.0.1:11211;10.0.0.2:11211;10.0.0.3:11211",
	//     "OPTIONS": {"behaviors": {"ketama": True}},
	// }}
	servers := cachestore.SplitLocation(cachestore.PyMemcache, "10.0.0.1:11211;10.0.0.2:11211;10.0.0.3:11211")
	pool, err := mcpool.New(servers, dialNothing, &mcpool.Options{
		Backend:      mcpool.PyLibMCCache,
		CacheOptions: map[string]any{"behaviors": map[string]any{"ketama": true}},
	})
	if err != nil {
		panic(err)
	}
	store, err := cachestore.New(pool, &cachestore.Options{ResetOnLoadError: true})
	if err != nil {
		panic(err)
	}
	key := store.CacheKey("2b1p4yjv2w4r0oei9m4w8fl8p1h1c7q3")
	fmt.Println(key, "is on", servers[pool.Server(key)])
	// Output:
	// :1:django.contrib.sessions.cache2b1p4yjv2w4r0oei9m4w8fl8p1h1c7q3 is on 10.0.0.2:11211
}

// dialNothing stands for a real client constructor such as
// func(addr string) (cachestore.Client, error) { return gomemcache.New(memcache.New(addr)), nil }.
func dialNothing(string) (cachestore.Client, error) { return offline{}, nil }
