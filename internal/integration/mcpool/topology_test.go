package mcpool_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/internal/testenv"
)

// cluster is n memcached processes on free loopback ports, started for
// one test with internal/testenv and stopped at its end.
type cluster struct {
	t     testing.TB
	bin   string
	addrs []string
	procs []*testenv.Proc
}

func startCluster(t testing.TB, n int) *cluster {
	t.Helper()
	testenv.Topologies(t)
	c := &cluster{t: t, bin: testenv.Binary(t, "memcached")}
	for i := range n {
		addr := "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
		c.addrs = append(c.addrs, addr)
		c.procs = append(c.procs, c.start(i, addr))
	}
	return c
}

// startClusterOn starts servers on the given loopback addresses.
func startClusterOn(t testing.TB, addrs []string) *cluster {
	t.Helper()
	testenv.Topologies(t)
	c := &cluster{t: t, bin: testenv.Binary(t, "memcached"), addrs: addrs}
	for i, addr := range addrs {
		c.procs = append(c.procs, c.start(i, addr))
	}
	return c
}

func (c *cluster) start(i int, addr string) *testenv.Proc {
	c.t.Helper()
	return testenv.StartMemcached(c.t, fmt.Sprintf("memcached-%d", i), addr)
}

// stop stops node i.
func (c *cluster) stop(i int) { c.procs[i].Stop() }

// restart starts node i again on its address, empty (stopping it first
// if it runs).
func (c *cluster) restart(i int) {
	c.procs[i].Stop()
	c.procs[i] = c.start(i, c.addrs[i])
}

// direct returns a gomemcache client of node i alone.
func (c *cluster) direct(i int) *memcache.Client { return memcache.New(c.addrs[i]) }

// flush empties every node (these are the test's own servers).
func (c *cluster) flush() {
	c.t.Helper()
	for i := range c.addrs {
		if err := c.direct(i).FlushAll(); err != nil {
			c.t.Fatalf("flush node %d: %v", i, err)
		}
	}
}

// holders asks every node directly which of keys it holds; the answer
// maps each key to the node indexes that have it.
func (c *cluster) holders(keys []string) map[string][]int {
	c.t.Helper()
	got := map[string][]int{}
	for i := range c.addrs {
		mc := c.direct(i)
		for start := 0; start < len(keys); start += 100 {
			items, err := mc.GetMulti(keys[start:min(start+100, len(keys))])
			if err != nil {
				c.t.Fatalf("node %d: get: %v", i, err)
			}
			for k := range items {
				got[k] = append(got[k], i)
			}
		}
	}
	return got
}
