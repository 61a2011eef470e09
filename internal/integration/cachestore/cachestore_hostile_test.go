package cachestore_test

import (
	"fmt"
	"testing"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/storetest"
)

// memcachedItemMax is memcached's default item size limit (-I 1m): a
// larger value cannot be planted there, so that shape cannot reach a
// memcached-backed store.
const memcachedItemMax = 1<<20 - 1024

// TestHostilePickles plants every pickle of testdata/hostile/pickle (and
// issue 13's 1 MB str x 2,000 memo laugh, a 4 MB LONG4) raw under a
// session key, as anyone who can write to the cache can, and reads it
// through each Backend: ErrCorrupt, or for an ok-* pickle a session that
// takes a Set and a Save; no panic, and storetest's allocation bound per
// input (4 MiB + 128 bytes per input byte) on every call.
func TestHostilePickles(t *testing.T) {
	for _, srv := range servers() {
		for _, b := range srv.backends {
			t.Run(fmt.Sprintf("%s/%s", srv.name, b), func(t *testing.T) {
				c := srv.client(t)
				storetest.RunHostile(t, storetest.HostileOptions{
					New: func(t *testing.T) djangosession.Store {
						return newStore(t, c, cachestore.Options{Backend: b})
					},
					Plant: func(t *testing.T, s djangosession.Store, key string, raw []byte) {
						if srv.name == "memcached" && len(raw) > memcachedItemMax {
							t.Skipf("%d bytes: over memcached's item size limit", len(raw))
						}
						plantCache(t, s, key, raw)
					},
					Values: storetest.PickleCorpus(t),
				})
			})
		}
	}
}
