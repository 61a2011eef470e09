package cachestore_test

import (
	"fmt"
	"testing"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/gomemcache"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/internal/testenv"
)

// TestRecordWriter runs the RecordWriter conformance case on Redis (a
// script) and memcached (gets and cas) with every backend.
func TestRecordWriter(t *testing.T) {
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
				storetest.RunReplace(t, storetest.Options{
					New:           func(t *testing.T) djangosession.Store { return newStore(t, c, cachestore.Options{Backend: b}) },
					ExpiresByDate: true,
					Concurrency:   16,
					NoKeepExpiry:  b.Memcached(),
				})
			})
		}
	}
}
