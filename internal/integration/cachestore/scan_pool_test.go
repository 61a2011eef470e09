package cachestore_test

import (
	"context"
	"crypto/rand"
	"strconv"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/gomemcache"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/internal/testenv"
)

// TestListerPool lists a pool of three memcached nodes whose sessions
// were placed by another client's hashing (as Django's pymemcache or
// libmemcached place them): every session is listed, from its node.
func TestListerPool(t *testing.T) {
	testenv.Topologies(t)
	bin := testenv.Binary(t, "memcached")
	var addrs []string
	for i := 0; i < 3; i++ {
		port := testenv.FreePort(t)
		addr := "127.0.0.1:" + strconv.Itoa(port)
		testenv.Start(t, "memcached-"+strconv.Itoa(i), addr, bin, "-l", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "0", "-m", "16", "-u", "nobody")
		addrs = append(addrs, addr)
	}
	ctx := context.Background()
	want := map[string]bool{}
	for i, addr := range addrs {
		// one store per node: the session lands on the node this test
		// picks, not where gomemcache's pool would put it
		node, err := cachestore.New(gomemcache.New(memcache.New(addr)), &cachestore.Options{KeyPrefix: "pool"})
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 5; j++ {
			k, _ := djangosession.NewKey(rand.Reader)
			d := storetest.Sample()
			d.Set("node", int64(i))
			if err := node.Save(ctx, k, d, djangosession.Expiry{Date: time.Now().Add(time.Hour), Age: 3600}, true); err != nil {
				t.Fatal(err)
			}
			want[k] = true
		}
	}
	pool := memcache.New(addrs...)
	s, err := cachestore.New(gomemcache.NewLister(pool, addrs...), &cachestore.Options{KeyPrefix: "pool"})
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for r, err := range s.List(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DecodeRecord(r); err != nil || !want[r.Key] {
			t.Errorf("%s: listed %v (expected: %v)", r.Key, err, want[r.Key])
		}
		got++
	}
	if got != len(want) {
		t.Errorf("listed %d of the %d sessions on 3 nodes", got, len(want))
	}
}
