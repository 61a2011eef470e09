package mcpool_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/mcpool"
)

// fakeServer is an in-memory memcached server that can be taken down: a
// down server answers as a refused connection does.
type fakeServer struct {
	mu    sync.Mutex
	down  bool
	err   error // returned instead of the refusal when set
	data  map[string][]byte
	calls int
}

func (f *fakeServer) fail() error {
	f.calls++
	if f.err != nil {
		return f.err
	}
	if f.down {
		return &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	return nil
}

func (f *fakeServer) Get(_ context.Context, key string) ([]byte, uint32, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail(); err != nil {
		return nil, 0, false, err
	}
	v, ok := f.data[key]
	return v, 1, ok, nil
}

func (f *fakeServer) Set(_ context.Context, it *cachestore.Item, mode cachestore.SetMode) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail(); err != nil {
		return false, err
	}
	_, ok := f.data[it.Key]
	if mode == cachestore.SetIfAbsent && ok || mode == cachestore.SetIfPresent && !ok {
		return false, nil
	}
	f.data[it.Key] = it.Value
	return true, nil
}

func (f *fakeServer) Delete(_ context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail(); err != nil {
		return err
	}
	delete(f.data, key)
	return nil
}

func (f *fakeServer) Exists(ctx context.Context, key string) (bool, error) {
	_, _, ok, err := f.Get(ctx, key)
	return ok, err
}

// fakeCluster is three fake servers behind a pool with a settable clock.
type fakeCluster struct {
	servers []*fakeServer
	pool    *mcpool.Pool
	now     time.Time
}

func newFakeCluster(t *testing.T, b mcpool.Backend, opts map[string]any) *fakeCluster {
	t.Helper()
	fc := &fakeCluster{now: time.Unix(1_700_000_000, 0)}
	addrs := []string{"10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211"}
	byAddr := map[string]*fakeServer{}
	for _, a := range addrs {
		s := &fakeServer{data: map[string][]byte{}}
		fc.servers = append(fc.servers, s)
		byAddr[a] = s
	}
	p, err := mcpool.New(addrs, func(addr string) (cachestore.Client, error) { return byAddr[addr], nil },
		&mcpool.Options{Backend: b, CacheOptions: opts, Now: func() time.Time { return fc.now }})
	if err != nil {
		t.Fatal(err)
	}
	fc.pool = p
	return fc
}

func (fc *fakeCluster) advance(d time.Duration) { fc.now = fc.now.Add(d) }

// keyOn returns a key the pool sends to server i.
func keyOn(p *mcpool.Pool, i int) string {
	for n := 0; ; n++ {
		k := fmt.Sprintf(":1:django.contrib.sessions.cache%032d", n)
		if p.Server(k) == i {
			return k
		}
	}
}

type outcome int

const (
	hit outcome = iota
	miss
	failed
)

func (o outcome) String() string { return [...]string{"hit", "miss", "error"}[o] }

func get(t *testing.T, p *mcpool.Pool, key string) outcome {
	t.Helper()
	_, _, found, err := p.Get(ctx, key)
	switch {
	case err != nil:
		return failed
	case found:
		return hit
	}
	return miss
}

// TestPyMemcacheFailure follows pymemcache's HashClient (3.5, Django's
// options: ignore_exc False, retry_attempts 2, retry_timeout 1 s,
// dead_timeout 60 s) through a server that goes down and comes back.
func TestPyMemcacheFailure(t *testing.T) {
	fc := newFakeCluster(t, mcpool.PyMemcacheCache, nil)
	p := fc.pool
	k := keyOn(p, 1)
	if ok, err := p.Set(ctx, &cachestore.Item{Key: k, Value: []byte("v")}, cachestore.SetAlways); !ok || err != nil {
		t.Fatal(ok, err)
	}
	down := fc.servers[1]
	down.down, down.calls = true, 0
	other := -1
	steps := []struct {
		after time.Duration
		want  outcome
		calls int // calls reaching the down server so far
		what  string
	}{
		{0, failed, 1, "first failure raises and marks the server failed"},
		{500 * time.Millisecond, miss, 1, "within retry_timeout: the default value, server not asked"},
		{600 * time.Millisecond, failed, 2, "after retry_timeout: retried, raises (attempt 1)"},
		{1100 * time.Millisecond, failed, 3, "retried again, raises (attempt 2)"},
		{1100 * time.Millisecond, failed, 4, "out of retries: marked dead, yet asked once more, raises"},
		{10 * time.Millisecond, miss, 4, "dead: the key moves to another server, which misses"},
	}
	for _, s := range steps {
		fc.advance(s.after)
		if got := get(t, p, k); got != s.want || down.calls != s.calls {
			t.Fatalf("%s: got %v with %d calls to the down server, want %v with %d", s.what, got, down.calls, s.want, s.calls)
		}
	}
	// While dead, writes land on the other server, and Go finds them.
	if ok, err := p.Set(ctx, &cachestore.Item{Key: k, Value: []byte("moved")}, cachestore.SetAlways); !ok || err != nil {
		t.Fatalf("set while dead: %v %v", ok, err)
	}
	for i, s := range fc.servers {
		if _, ok := s.data[k]; ok {
			other = i
		}
	}
	if other == 1 || other < 0 {
		t.Fatalf("write while dead went to server %d", other)
	}
	if got := get(t, p, k); got != hit {
		t.Fatalf("read while dead: %v", got)
	}
	// Back after dead_timeout: the server is in the hasher again, its
	// stale failure record is retried once and cleared.
	down.down = false
	fc.advance(30 * time.Second)
	if got := get(t, p, k); got != hit {
		t.Fatalf("before dead_timeout: %v, want the moved value", got)
	}
	fc.advance(31 * time.Second)
	if got := get(t, p, k); got != hit || down.calls != 5 {
		t.Fatalf("after dead_timeout: %v, %d calls; want the old value from server 1 again", got, down.calls)
	}
	fc.advance(10 * time.Millisecond)
	if got := get(t, p, k); got != hit || down.calls != 6 {
		t.Fatalf("recovered: %v, %d calls", got, down.calls)
	}
}

// TestPyMemcacheFailureOptions: ignore_exc turns every failure into the
// default value; retry_attempts 0 marks the server dead at once; with
// every server dead the pool says so.
func TestPyMemcacheFailureOptions(t *testing.T) {
	fc := newFakeCluster(t, mcpool.PyMemcacheCache, map[string]any{"ignore_exc": true})
	k := keyOn(fc.pool, 0)
	fc.servers[0].down = true
	for range 5 {
		if got := get(t, fc.pool, k); got != miss {
			t.Fatalf("ignore_exc: %v", got)
		}
		fc.advance(2 * time.Second)
	}

	fc = newFakeCluster(t, mcpool.PyMemcacheCache, map[string]any{"retry_attempts": 0})
	for _, s := range fc.servers {
		s.down = true
	}
	for i := range 3 {
		if got := get(t, fc.pool, keyOn(fc.pool, i)); got != failed {
			t.Fatalf("server %d: %v", i, got)
		}
	}
	if _, _, _, err := fc.pool.Get(ctx, "k"); !errors.Is(err, mcpool.ErrAllDown) {
		t.Fatalf("all dead: %v", err)
	}

	// An error that is not a connection failure is raised and does not
	// count against the server.
	fc = newFakeCluster(t, mcpool.PyMemcacheCache, nil)
	k = keyOn(fc.pool, 2)
	fc.servers[2].err = io.ErrUnexpectedEOF
	for range 4 {
		if got := get(t, fc.pool, k); got != failed {
			t.Fatalf("unexpected EOF: %v", got)
		}
	}
	if fc.servers[2].calls != 4 {
		t.Fatalf("server asked %d times", fc.servers[2].calls)
	}
}

// TestPyLibMCFailure: libmemcached without auto-ejection keeps the key on
// its server and fails every call while the server is down.
func TestPyLibMCFailure(t *testing.T) {
	fc := newFakeCluster(t, mcpool.PyLibMCCache, nil)
	k := keyOn(fc.pool, 2)
	fc.servers[2].down = true
	for range 3 {
		if got := get(t, fc.pool, k); got != failed {
			t.Fatalf("down: %v", got)
		}
		if _, err := fc.pool.Set(ctx, &cachestore.Item{Key: k}, cachestore.SetAlways); err == nil {
			t.Fatal("set on a down server succeeded")
		}
		fc.advance(time.Minute)
	}
	fc.servers[2].down = false
	if got := get(t, fc.pool, k); got != miss {
		t.Fatalf("back: %v", got)
	}
	if _, err := mcpool.New([]string{"a:1", "b:1"}, nil, &mcpool.Options{Backend: mcpool.PyLibMCCache,
		CacheOptions: behaviors(map[string]any{"remove_failed": 1})}); !errors.Is(err, mcpool.ErrOption) {
		t.Fatalf("remove_failed: %v", err)
	}
}

// TestMemcachedCacheFailure: python-memcached marks a server it cannot
// connect to dead for dead_retry (30 s) and rehashes the key to another
// server meanwhile; nothing raises.
func TestMemcachedCacheFailure(t *testing.T) {
	fc := newFakeCluster(t, mcpool.MemcachedCache, nil)
	p := fc.pool
	k := keyOn(p, 0)
	if _, err := p.Set(ctx, &cachestore.Item{Key: k, Value: []byte("v")}, cachestore.SetAlways); err != nil {
		t.Fatal(err)
	}
	fc.servers[0].down, fc.servers[0].calls = true, 0
	if got := get(t, p, k); got != miss {
		t.Fatalf("down: %v, want a miss from the rehashed server", got)
	}
	if ok, err := p.Set(ctx, &cachestore.Item{Key: k, Value: []byte("moved")}, cachestore.SetAlways); !ok || err != nil {
		t.Fatalf("set while dead: %v %v", ok, err)
	}
	if fc.servers[0].calls != 1 {
		t.Fatalf("a dead server was asked %d times", fc.servers[0].calls)
	}
	if got := get(t, p, k); got != hit {
		t.Fatalf("read while dead: %v", got)
	}
	fc.servers[0].down = false
	fc.advance(31 * time.Second)
	if got := get(t, p, k); got != hit {
		t.Fatalf("after dead_retry: %v", got)
	}
	if v := fc.servers[0].data[k]; string(v) != "v" {
		t.Fatalf("after dead_retry the key is read from server 0 again: %q", v)
	}
	// A failure after connecting: marked dead, the call misses, no rehash.
	fc.servers[0].err = &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	if got := get(t, p, k); got != miss {
		t.Fatalf("reset: %v", got)
	}
	// Every server dead: a miss, never an error.
	for _, s := range fc.servers {
		s.err, s.down = nil, true
	}
	fc.advance(time.Minute)
	if got := get(t, p, "anything"); got != miss {
		t.Fatalf("all down: %v", got)
	}
}
