package mcpool_test

import (
	"strings"
	"testing"

	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/mcpool"
)

// FuzzNew reads LOCATION strings and keys: New never panics, and a pool
// it builds sends every key to one of its servers.
func FuzzNew(f *testing.F) {
	for _, s := range []string{"127.0.0.1:11211;127.0.0.1:11212", "[::1]:11211,[::1]", "unix:/tmp/m.sock;h:1:3",
		"inet6:[::1]:5;inet:h:7", "h: 1 ;h:1_1", "[::1", "h:99999999999999999999", "udp:h:1"} {
		for b := range 3 {
			f.Add(s, ":1:django.contrib.sessions.cache\u2603", uint8(b))
		}
	}
	f.Fuzz(func(t *testing.T, location, key string, b uint8) {
		be := mcpool.Backend(1 + int(b)%3)
		opts := map[string]any{"behaviors": map[string]any{"ketama_weighted": b&4 != 0, "_sort_hosts": b&8 != 0}}
		servers := cachestore.SplitLocation(cachestore.PyMemcache, location)
		if len(servers) > 64 || strings.Contains(location, "\x00") {
			return
		}
		p, err := mcpool.New(servers, dialNothing, &mcpool.Options{Backend: be, CacheOptions: opts})
		if err != nil {
			return
		}
		if i := p.Server(key); i < 0 || i >= p.Len() {
			t.Fatalf("%s over %q: server %d of %d", be, servers, i, p.Len())
		}
	})
}
