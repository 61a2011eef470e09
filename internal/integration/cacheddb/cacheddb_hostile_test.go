package cacheddb_test

import (
	"context"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cacheddb"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/storetest"
)

// memcachedItemMax is memcached's default item size limit (-I 1m): a
// larger value cannot be planted there.
const memcachedItemMax = 1<<20 - 1024

// TestHostilePickles plants every pickle of testdata/hostile/pickle (and
// issue 13's 1 MB str x 2,000 memo laugh, a 4 MB LONG4) raw in the cache
// under a session key: each hostile pickle is a cache miss, and Load falls
// back to the database (ErrNotFound, as Django's cached_db does); an ok-*
// pickle is a session that takes a Set and a Save. No panic, and
// storetest's allocation bound per input on every call.
func TestHostilePickles(t *testing.T) {
	d := databases()[0] // the database plays no part in reading the cache
	for _, c := range caches() {
		t.Run(d.name+"/"+c.name, func(t *testing.T) {
			cl := c.client(t)
			storetest.RunHostile(t, storetest.HostileOptions{
				New: func(t *testing.T) djangosession.Store {
					return newStore(t, d.open(t), cl, cacheddb.Options{})
				},
				Plant: func(t *testing.T, s djangosession.Store, key string, raw []byte) {
					if len(raw) > memcachedItemMax && c.name != "redis" {
						t.Skipf("%d bytes: over memcached's item size limit", len(raw))
					}
					cs := s.(*cacheddb.Store).Cache()
					if _, err := cs.Client().Set(context.Background(), &cachestore.Item{
						Key: cs.CacheKey(key), Value: raw, Flags: 1, TTL: time.Minute, Exptime: 60,
					}, cachestore.SetAlways); err != nil {
						t.Fatal(err)
					}
				},
				PlantedMiss: true,
				Secrets:     []string{secret},
				Values:      storetest.PickleCorpus(t),
			})
		})
	}
}
