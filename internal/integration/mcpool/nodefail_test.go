package mcpool_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/gomemcache"
	"github.com/djsession/djsession/djangosession/cachestore/mcpool"
	"github.com/djsession/djsession/internal/testenv"
)

// TestNodeFailure stops one of three memcached servers mid-run and starts
// it again, for each backend, with Go and Django sharing the pool:
//   - sessions on the live servers keep loading, in Go and in Django;
//   - a session on the stopped server is what the backend makes of it:
//     PyMemcacheCache an error, then misses while pymemcache waits to
//     retry, then the key moves to another server once the server is
//     marked dead; PyLibMCCache an error every time; MemcachedCache a
//     miss (the key is rehashed to a live server). Django's cache engine
//     turns each of those into "no session", and so does a Store with
//     ResetOnLoadError: both report the same sessions found;
//   - no panic under concurrent load;
//   - once the server is back (empty, as a restarted memcached is), new
//     sessions land on it again, where Django finds them.
//
// The pymemcache and python-memcached timers are shortened through OPTIONS
// (retry_timeout 0.2 s, dead_timeout 1 s; dead_retry 1 s), the same
// OPTIONS Django gets; TestPyMemcacheFailure and TestMemcachedCacheFailure
// follow the default timers on a fake clock.
func TestNodeFailure(t *testing.T) {
	djs := testenv.Djangos(t)
	c := testenv.StartMemcachedCluster(t, 3)
	latest := djs[len(djs)-1]
	cases := []djangoCache{
		{peer: "pymemcache", backend: mcpool.PyMemcacheCache, options: map[string]any{"retry_timeout": 0.2, "dead_timeout": 1}},
		{peer: "pylibmc", backend: mcpool.PyLibMCCache},
		{peer: "memcached", backend: mcpool.MemcachedCache, options: map[string]any{"dead_retry": 1}},
	}
	const down = 1
	for _, dc := range cases {
		t.Run(dc.peer, func(t *testing.T) {
			d := latest
			if dc.backend == mcpool.MemcachedCache {
				d = testenv.Django32(t)
			}
			prefix := uniquePrefix(t)
			peer := newSessionPeer(t, d, dc, c.Addrs, prefix, 1)
			pool, err := gomemcache.NewPool(c.Addrs, &mcpool.Options{Backend: dc.backend, CacheOptions: dc.options},
				func(mc *memcache.Client) { mc.Timeout = 300 * time.Millisecond })
			if err != nil {
				t.Fatal(err)
			}
			store, err := cachestore.New(pool, &cachestore.Options{KeyPrefix: prefix})
			if err != nil {
				t.Fatal(err)
			}
			reset, err := cachestore.New(pool, &cachestore.Options{KeyPrefix: prefix, ResetOnLoadError: true})
			if err != nil {
				t.Fatal(err)
			}
			engine := mustEngine(t, store, &djangosession.Options{Settings: django.Settings{Release: django.Release(d.Version)}})
			create := func(n int) []string {
				var keys []string
				for range n {
					s := engine.New()
					s.Set("_auth_user_id", "3")
					if err := s.Save(ctx); err != nil {
						t.Fatalf("create: %v", err)
					}
					keys = append(keys, s.Key())
				}
				return keys
			}
			keys := create(30)
			onDown := map[string]bool{}
			for _, k := range keys {
				onDown[k] = pool.Server(store.CacheKey(k)) == down
			}

			c.Stop(down)

			// Concurrent load while the server is down: no panic, live
			// servers unaffected, the down server's sessions as the
			// backend has them.
			var wg sync.WaitGroup
			var mu sync.Mutex
			outcomes := map[string]int{}
			for g := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for round := range 3 {
						for i, k := range keys {
							if (i+g+round)%2 == 0 {
								continue
							}
							_, err := store.Load(ctx, k)
							var o string
							switch {
							case err == nil:
								o = "found"
							case errors.Is(err, djangosession.ErrNotFound):
								o = "not found"
							default:
								o = "error"
							}
							mu.Lock()
							if !onDown[k] && o != "found" {
								t.Errorf("session on a live server: %s (%v)", o, err)
							}
							if onDown[k] {
								outcomes[o]++
								if o == "found" {
									t.Errorf("session on the stopped server found")
								}
							}
							mu.Unlock()
						}
					}
				}()
			}
			wg.Wait()
			t.Logf("loads of sessions on the stopped server: %v", outcomes)
			switch dc.backend {
			case mcpool.PyMemcacheCache:
				if outcomes["error"] == 0 {
					t.Errorf("pymemcache raises on the first failure: no error seen")
				}
			case mcpool.PyLibMCCache:
				if outcomes["not found"] != 0 {
					t.Errorf("libmemcached fails every call: %d misses", outcomes["not found"])
				}
			case mcpool.MemcachedCache:
				if outcomes["error"] != 0 {
					t.Errorf("python-memcached never raises: %d errors", outcomes["error"])
				}
			}
			// Django and a resetting Store agree on what is found.
			for i, ps := range peer.do(t, "read", keys...) {
				_, err := reset.Load(ctx, keys[i])
				if err != nil && !errors.Is(err, djangosession.ErrNotFound) {
					t.Fatalf("ResetOnLoadError store: %v", err)
				}
				if goFound := err == nil; goFound != ps.Found || ps.Found == onDown[keys[i]] {
					t.Errorf("session %d (on the stopped server: %v): Django found %v, Go %v", i, onDown[keys[i]], ps.Found, goFound)
				}
			}

			c.Restart(down)

			// Recovery: sessions created now land on the server the
			// layout names, the restarted one included, and Django
			// reads every one. (Until then pymemcache answers "not
			// stored" for the add of a key of the failed server, and
			// the session takes another key, on a live server.)
			deadline := time.Now().Add(15 * time.Second)
			var fresh []string
			for {
				fresh = fresh[:0]
				ok, onIt := true, 0
				for _, k := range create(30) {
					ck := store.CacheKey(k)
					held := c.Holders([]string{ck})[ck]
					if len(held) != 1 || held[0] != pool.Server(ck) {
						ok = false
					}
					if len(held) == 1 && held[0] == down {
						onIt++
					}
					fresh = append(fresh, k)
				}
				if ok && onIt > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the pool does not use the restarted server again")
				}
				time.Sleep(300 * time.Millisecond)
			}
			onRestarted := 0
			for i, ps := range peer.do(t, "read", fresh...) {
				if !ps.Found {
					t.Errorf("Django does not find session %d written after recovery", i)
				}
				if pool.Server(store.CacheKey(fresh[i])) == down {
					onRestarted++
				}
			}
			if onRestarted == 0 {
				t.Errorf("no session on the restarted server")
			}
		})
	}
}
