package mcpool_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/mcpool"
)

// The helpers below are those of djangosession/cachestore/mcpool's own
// tests (vectors_test.go, failure_test.go) that the tests here use: test
// files of another module cannot be imported, and these are too small to
// be worth a package of their own.

var ctx = context.Background()

const peerScript = "../../../testdata/mcpool_peer.py"

// layout is one Django cache configuration (the subset of the fields
// mcpool's vectors_test.go reads that these tests use).
type layout struct {
	Name    string
	Backend string // the peer's name
}

func (l layout) backend() mcpool.Backend {
	switch l.Backend {
	case "pylibmc":
		return mcpool.PyLibMCCache
	case "memcached":
		return mcpool.MemcachedCache
	}
	return mcpool.PyMemcacheCache
}

func behaviors(b map[string]any) map[string]any { return map[string]any{"behaviors": b} }

// offline is a per-server client for algorithm tests: it is never called.
type offline struct{ cachestore.Client }

func offlinePool(t testing.TB, servers []string, b mcpool.Backend, opts map[string]any) *mcpool.Pool {
	t.Helper()
	p, err := mcpool.New(servers, func(string) (cachestore.Client, error) { return offline{}, nil },
		&mcpool.Options{Backend: b, CacheOptions: opts})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// keyOn returns a key the pool sends to server i.
func keyOn(p *mcpool.Pool, i int) string {
	for n := 0; ; n++ {
		k := fmt.Sprintf(":1:django.contrib.sessions.cache%032d", n)
		if p.Server(k) == i {
			return k
		}
	}
}
