package cachestore_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/gomemcache"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/internal/testenv"
)

// TestLister runs the listing conformance case on Redis (SCAN) and
// memcached (lru_crawler metadump) with every backend.
func TestLister(t *testing.T) {
	eachListingStore(t, func(t *testing.T, _ cachestore.Backend, o storetest.Options) {
		storetest.RunLister(t, o)
	})
}

// eachListingStore calls f, in a subtest per server and backend, with
// Options whose New makes a store on Redis (goredis) or memcached (a
// gomemcache Lister): the clients that list, and swap in one step.
func eachListingStore(t *testing.T, f func(t *testing.T, b cachestore.Backend, o storetest.Options)) {
	clients := map[string]func(t testing.TB) cachestore.Client{
		"redis": func(t testing.TB) cachestore.Client { return goredis.New(redisClient(t)) },
		"memcached": func(t testing.TB) cachestore.Client {
			return gomemcache.NewLister(memcacheClient(t), testenv.MemcachedAddr(t))
		},
	}
	for _, srv := range servers() {
		for _, b := range srv.backends {
			t.Run(fmt.Sprintf("%s/%s", srv.name, b), func(t *testing.T) {
				c := clients[srv.name](t)
				f(t, b, storetest.Options{
					New:           func(t *testing.T) djangosession.Store { return newStore(t, c, cachestore.Options{Backend: b}) },
					ExpiresByDate: true,
				})
			})
		}
	}
}

// A client that cannot list says so.
func TestListerNeedsKeyLister(t *testing.T) {
	s := newStore(t, gomemcache.New(memcacheClient(t)), cachestore.Options{})
	for _, err := range s.List(t.Context(), nil) {
		if !errors.Is(err, cachestore.ErrCannotList) {
			t.Fatalf("List over a plain client: %v", err)
		}
	}
}
