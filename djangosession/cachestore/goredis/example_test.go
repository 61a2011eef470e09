package goredis_test

import (
	"context"
	"fmt"
	"log"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
)

// A Go service beside a Django project whose sessions live in Redis with
// two replicas:
//
//	SESSION_ENGINE = "django.contrib.sessions.backends.cache"
//	CACHES = {"default": {
//	    "BACKEND": "django.core.cache.backends.redis.RedisCache",
//	    "LOCATION": ["redis://10.0.0.1:6379/0",   # primary: writes
//	                 "redis://10.0.0.2:6379/0",   # replicas: reads
//	                 "redis://10.0.0.3:6379/0"],
//	}}
//
// (It needs the servers, so go test compiles it without running it.)
func ExampleNewReplicated() {
	primary := redis.NewClient(&redis.Options{Addr: "10.0.0.1:6379"})
	replicas := []redis.Cmdable{
		redis.NewClient(&redis.Options{Addr: "10.0.0.2:6379"}),
		redis.NewClient(&redis.Options{Addr: "10.0.0.3:6379"}),
	}
	// nil options: Django's choice of server, plus read-your-writes for
	// 5 s and misses confirmed on the primary.
	client, err := goredis.NewReplicated(primary, replicas, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	store, err := cachestore.New(client, nil) // Backend: RedisCache
	if err != nil {
		log.Fatal(err)
	}
	engine, err := djangosession.NewEngine(store, nil)
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	s, err := engine.Open(ctx, "n5eep83hnmjyrfd01kps8z2rvqf0wrq8") // the sessionid cookie
	if err != nil {
		log.Fatal(err)
	}
	uid, _ := s.Get("_auth_user_id")
	fmt.Println("user", uid)
}

// The server django-redis's ShardClient keeps a session on, for
//
//	CACHES = {"default": {
//	    "BACKEND": "django_redis.cache.RedisCache",
//	    "LOCATION": ["redis://10.0.0.1:6379/1", "redis://10.0.0.2:6379/1",
//	                 "redis://10.0.0.3:6379/1"],
//	    "OPTIONS": {"CLIENT_CLASS": "django_redis.client.ShardClient"},
//	}}
//
// NewSharded uses this ring; the shard names must be LOCATION's entries
// exactly as written.
func ExampleRing() {
	ring := goredis.NewRing([]string{
		"redis://10.0.0.1:6379/1",
		"redis://10.0.0.2:6379/1",
		"redis://10.0.0.3:6379/1",
	})
	for _, session := range []string{"n5eep83hnmjyrfd01kps8z2rvqf0wrq8", "0h3c1r1v8o2w3kq6l0a4m2x9z5y7b1d3", "zq1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h"} {
		// The cache key, as cachestore.Store.CacheKey makes it: KEY_PREFIX
		// "", VERSION 1.
		key := cachestore.DefaultKeyFunc(cachestore.CachePrefix+session, "", 1)
		fmt.Println(key, "->", ring.Names()[ring.Node(key)])
	}
	// Output:
	// :1:django.contrib.sessions.cachen5eep83hnmjyrfd01kps8z2rvqf0wrq8 -> redis://10.0.0.1:6379/1
	// :1:django.contrib.sessions.cache0h3c1r1v8o2w3kq6l0a4m2x9z5y7b1d3 -> redis://10.0.0.3:6379/1
	// :1:django.contrib.sessions.cachezq1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h -> redis://10.0.0.2:6379/1
}
