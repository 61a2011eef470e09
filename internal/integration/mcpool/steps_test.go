package mcpool_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/gomemcache"
	"github.com/djsession/djsession/djangosession/cachestore/mcpool"
	"github.com/djsession/djsession/internal/testenv"
)

type step struct {
	DT  float64 `json:"dt"` // seconds on the fake clock before the step
	Op  string  `json:"op"` // get or set
	Key string  `json:"key"`
}

// TestFailureSteps runs one sequence of gets and sets, with one of three
// servers stopped, through the client Django builds (real pymemcache,
// pylibmc, python-memcached with their default timers, on a fake clock
// where Python reads one) and through the pool (Options.Now on the same
// fake clock), and compares the outcome of every step: error, miss, hit,
// stored, not stored. It covers pymemcache's retry window, its marking a
// server dead and moving its keys, and taking it back after dead_timeout
// while it is still down; python-memcached's dead_retry and rehash.
func TestFailureSteps(t *testing.T) {
	dj := testenv.Django32(t)
	c := testenv.StartMemcachedCluster(t, 3)
	for _, l := range []layout{
		{Name: "pymemcache", Backend: "pymemcache"},
		{Name: "pylibmc", Backend: "pylibmc"},
		{Name: "memcached", Backend: "memcached"},
	} {
		for _, requests := range []bool{false, true} {
			name := l.Name + "/long-lived"
			if requests {
				name = l.Name + "/requests"
			}
			t.Run(name, func(t *testing.T) { failureSteps(t, dj, c, l, requests) })
		}
	}
}

// failureSteps runs the sequence; with requests, Django's end-of-request
// cache close (Pool.EndRequest in Go) follows every other step.
func failureSteps(t *testing.T, dj testenv.Django, c *testenv.MemcachedCluster, l layout, requests bool) {
	const down = 1
	probe := offlinePool(t, c.Addrs, l.backend(), nil)
	kDown, kLive, kOther := keyOn(probe, down), keyOn(probe, 0), keyOn(probe, 2)
	var steps []step
	add := func(dt float64, op, key string) {
		steps = append(steps, step{dt, op, key})
		if requests && len(steps) > 2 && len(steps)%3 == 0 {
			steps = append(steps, step{0, "close", ""})
		}
	}
	add(0, "set", kLive)
	add(0, "set", kDown)
	add(0, "get", kLive)
	add(0, "get", kDown)
	add(0.5, "get", kDown)
	add(0.1, "set", kDown)
	add(0.6, "get", kDown)
	add(0, "get", kOther)
	add(1.1, "set", kDown)
	add(1.1, "get", kDown)
	add(0.01, "set", kDown)
	add(0.01, "get", kDown)
	add(0.01, "get", kLive)
	add(29, "get", kDown)
	add(2, "get", kDown)
	add(31, "get", kDown)
	add(0.5, "get", kDown)
	add(0.7, "get", kDown)
	add(1.1, "set", kDown)
	add(1.1, "get", kDown)
	add(1.1, "get", kDown)
	add(0.1, "get", kDown)
	add(0, "set", kOther)
	add(0, "get", kOther)
	add(61, "get", kDown)
	add(0, "get", kLive)

	// The first two sets run with every server up.
	c.Restart(down)
	c.Flush()
	cfg, _ := json.Marshal(map[string]any{"backend": l.Backend, "servers": c.Addrs})
	in, _ := json.Marshal(steps[:2])
	dj.Run(t, peerScript, in, string(cfg), "steps")
	c.Stop(down)
	in, _ = json.Marshal(steps[2:])
	var py []string
	for _, line := range bytes.Split(bytes.TrimSpace(dj.Run(t, peerScript, in, string(cfg), "steps")), []byte("\n")) {
		var s string
		if err := json.Unmarshal(line, &s); err != nil {
			t.Fatal(err)
		}
		py = append(py, s)
	}

	c.Restart(down)
	c.Flush()
	// As in Python, the first two steps run in a client of their
	// own: the pool that meets the stopped server has no
	// connection to it yet.
	now := time.Unix(1_700_000_000, 0)
	var pool *mcpool.Pool
	var goOut []string
	for i, s := range steps {
		if i == 0 || i == 2 {
			if i == 2 {
				c.Stop(down)
			}
			var err error
			pool, err = gomemcache.NewPool(c.Addrs, &mcpool.Options{Backend: l.backend(), Now: func() time.Time { return now }}, nil)
			if err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(time.Duration(s.DT * float64(time.Second)))
		var r string
		if s.Op == "close" {
			pool.EndRequest()
			r = "closed"
		} else if s.Op == "get" {
			_, _, found, err := pool.Get(ctx, s.Key)
			r = map[bool]string{true: "hit", false: "miss"}[found]
			if err != nil {
				r = "error"
			}
		} else {
			ok, err := pool.Set(ctx, &cachestore.Item{Key: s.Key, Value: []byte("v"), Exptime: 600}, cachestore.SetAlways)
			r = map[bool]string{true: "stored", false: "not stored"}[ok]
			if err != nil {
				r = "error"
			}
		}
		if i >= 2 {
			goOut = append(goOut, r)
		}
	}
	if len(py) != len(goOut) {
		t.Fatalf("python %d outcomes, go %d", len(py), len(goOut))
	}
	for i := range py {
		s := steps[i+2]
		where := map[string]string{kDown: "stopped server", kLive: "server 0", kOther: "server 2"}[s.Key]
		if py[i] != goOut[i] {
			t.Errorf("step %d (+%gs %s, key on %s): %s %s, Go %s", i+2, s.DT, s.Op, where, l.Backend, py[i], goOut[i])
		}
	}
	t.Logf("%s: %v", l.Backend, py)
}
