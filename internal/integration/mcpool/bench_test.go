package mcpool_test

import (
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/mcpool"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
)

var (
	sinkData   *pyjson.Object
	sinkServer int
)

var benchBackends = []mcpool.Backend{mcpool.PyMemcacheCache, mcpool.PyLibMCCache, mcpool.MemcachedCache}

// BenchmarkPool loads and saves a logged-in session through a Store over
// the pool, with N=1 and N=3 memcached servers in the same run (started
// by the benchmark, DJ_TEST_TOPOLOGY=1). The cost per call should not grow
// with N: one server is asked either way.
func BenchmarkPool(b *testing.B) {
	c := testenv.StartMemcachedCluster(b, 3)
	// one is three pylibmc entries for one server ("host:port",
	// "host:port:1", "host:port:1"... as pylibmc reads them): the pool's
	// own cost at N=3 without two more server processes to schedule.
	one := []string{c.Addrs[0], c.Addrs[0] + ":1", c.Addrs[0] + ":01"}
	for _, be := range benchBackends {
		for _, n := range []int{1, 3, -3} {
			if n < 0 && be != mcpool.PyLibMCCache {
				continue
			}
			servers := c.Addrs[:max(n, 1)]
			if n < 0 {
				servers = one
			}
			_, store := poolStore(b, servers, be, nil, cachestore.Options{KeyPrefix: uniquePrefix(b)})
			// Sessions spread over the servers.
			keys := make([]string, 64)
			for i := range keys {
				keys[i] = "bench" + strconv.Itoa(i) + "x0123456789abcdefghijklmnopqrs"
				if err := store.Save(ctx, keys[i], storetest.Sample(), djangosession.Expiry{Age: 600}, true); err != nil {
					b.Fatal(err)
				}
			}
			name := be.String() + "/N=" + strconv.Itoa(n)
			if n < 0 {
				name = be.String() + "/N=3,one-server"
			}
			b.Run("Load/"+name, func(b *testing.B) {
				i := 0
				measureCPU(b, func() {
					d, err := store.Load(ctx, keys[i%len(keys)])
					if err != nil {
						b.Fatal(err)
					}
					sinkData = d
					i++
				})
			})
			b.Run("Save/"+name, func(b *testing.B) {
				data := storetest.Sample()
				i := 0
				measureCPU(b, func() {
					if err := store.Save(ctx, keys[i%len(keys)], data, djangosession.Expiry{Age: 600}, false); err != nil {
						b.Fatal(err)
					}
					i++
				})
			})
		}
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureCPU runs the loop and reports the Go process's CPU time per op
// as cpu-ns/op (the memcached servers are other processes): on a shared
// machine it is steadier than wall time, which mostly waits on loopback.
func measureCPU(b *testing.B, op func()) {
	b.ReportAllocs()
	start := cpuTime(b)
	for b.Loop() {
		op()
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkServer is the server selection alone, for 1, 3 and 10 servers:
// pymemcache's rendezvous hashes the key once per server, libmemcached and
// python-memcached once.
func BenchmarkServer(b *testing.B) {
	key := ":1:django.contrib.sessions.cache" + "2b1p4yjv2w4r0oei9m4w8fl8p1h1c7q3"
	for _, be := range benchBackends {
		for _, n := range []int{1, 3, 10} {
			servers := make([]string, n)
			for i := range servers {
				servers[i] = "10.0.0." + strconv.Itoa(i+1) + ":11211"
			}
			for _, opts := range []map[string]any{nil, behaviors(map[string]any{"ketama": true})} {
				if opts != nil && be != mcpool.PyLibMCCache {
					continue
				}
				name := be.String()
				if opts != nil {
					name += "-ketama"
				}
				p := offlinePool(b, servers, be, opts)
				b.Run(name+"/N="+strconv.Itoa(n), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						sinkServer = p.Server(key)
					}
				})
			}
		}
	}
}
