package cachestore_test

import (
	"fmt"
	"testing"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/storetest"
)

// TestConformanceMemCache runs the store suite on the Redis backends'
// formats over an in-memory Client. The memcached backends are left to the
// live suites in internal/integration/cachestore: their expiry (negative
// and absolute exptimes) is the server's to apply, and MemCache does not
// imitate it.
func TestConformanceMemCache(t *testing.T) {
	for _, b := range []cachestore.Backend{cachestore.RedisCache, cachestore.DjangoRedis} {
		t.Run(fmt.Sprint(b), func(t *testing.T) {
			storetest.Run(t, storetest.Options{
				New: func(t *testing.T) djangosession.Store {
					s, err := cachestore.New(storetest.NewMemCache(), &cachestore.Options{Backend: b})
					if err != nil {
						t.Fatal(err)
					}
					return s
				},
				ExpiresByDate: true,
			})
		})
	}
}
