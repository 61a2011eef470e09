package gomemcache_test

import (
	"context"
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
	engine := djangosession.NewEngine(store, nil)
	s, err := engine.Open(context.Background(), "2b1p4yjv2w4r0oei9m4w8fl8p1h1c7q3")
	if err != nil {
		log.Fatal(err)
	}
	log.Println(s.Get("_auth_user_id"))
}
