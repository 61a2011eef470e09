package goredis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/python/pyjson"
)

// goClient is the client a Go service would make for one server: no
// retries, so a node that is down fails the call at once.
func goClient(t testing.TB, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1, DialTimeout: time.Second,
		ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second, PoolSize: 32})
	t.Cleanup(func() { c.Close() })
	return c
}

func newReplicatedClient(t testing.TB, r *replicated, o *goredis.ReplicaOptions) *goredis.Replicated {
	t.Helper()
	var reps []redis.Cmdable
	for _, n := range r.replicas {
		reps = append(reps, goClient(t, n.addr))
	}
	c, err := goredis.NewReplicated(goClient(t, r.primary.addr), reps, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newShardedClient(t testing.TB, ns []*node) *goredis.Sharded {
	t.Helper()
	var shards []goredis.Shard
	for _, n := range ns {
		shards = append(shards, goredis.Shard{Name: n.URL(), Client: goClient(t, n.addr)})
	}
	c, err := goredis.NewSharded(shards)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newSentinelClient(t testing.TB, sentinel string, o *goredis.ReplicaOptions) *goredis.Replicated {
	t.Helper()
	c, err := goredis.NewSentinel(&redis.FailoverOptions{MasterName: "mymaster", SentinelAddrs: []string{sentinel},
		MaxRetries: -1, DialerRetries: 1, DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second}, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func newClusterClient(t testing.TB, ns []*node) *redis.ClusterClient {
	var addrs []string
	for _, n := range ns {
		addrs = append(addrs, n.addr)
	}
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, DialTimeout: time.Second,
		ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

func uniquePrefix() string {
	var b [6]byte
	rand.Read(b[:])
	return "djtopo-" + hex.EncodeToString(b[:])
}

func newStore(t testing.TB, c cachestore.Client, o cachestore.Options) *cachestore.Store {
	t.Helper()
	if o.KeyPrefix == "" {
		o.KeyPrefix = uniquePrefix()
	}
	s, err := cachestore.New(c, &o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newKey(t testing.TB) string {
	k, err := djangosession.NewKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestTopologyConformance runs the store conformance suite over every
// topology: primary + 2 replicas (Go's default lag guards), 3 shards,
// Sentinel, and a 3-master Cluster.
func TestTopologyConformance(t *testing.T) {
	r := startReplicated(t, 2)
	shards := startShards(t, 3)
	sentinel := startSentinel(t, r)
	cluster := startCluster(t, 3)
	clients := []struct {
		name    string
		c       cachestore.Client
		backend cachestore.Backend
	}{
		{"replicated", newReplicatedClient(t, r, nil), cachestore.RedisCache},
		{"sharded", newShardedClient(t, shards), cachestore.DjangoRedis},
		{"sentinel", newSentinelClient(t, sentinel, nil), cachestore.DjangoRedis},
		{"cluster", goredis.New(newClusterClient(t, cluster)), cachestore.RedisCache},
	}
	for _, tc := range clients {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Run(t, storetest.Options{
				New: func(t *testing.T) djangosession.Store {
					return newStore(t, tc.c, cachestore.Options{Backend: tc.backend})
				},
				ExpiresByDate: true,
				Concurrency:   16,
			})
		})
	}
}

// TestReplicatedRouting checks the server choice on three independent
// servers (no replication between them), so where a call went shows in
// what it reads.
func TestReplicatedRouting(t *testing.T) {
	ctx := context.Background()
	ns := startShards(t, 3) // not replicating: A, B, C
	a, b, c := ns[0], ns[1], ns[2]
	var clock atomic.Int64
	clock.Store(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	mk := func(o goredis.ReplicaOptions) *goredis.Replicated {
		o.Now = now
		rc, err := goredis.NewReplicated(goClient(t, a.addr), []redis.Cmdable{goClient(t, b.addr), goClient(t, c.addr)}, &o)
		if err != nil {
			t.Fatal(err)
		}
		return rc
	}
	get := func(rc *goredis.Replicated, key string) string {
		t.Helper()
		v, _, found, err := rc.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			return "<miss>"
		}
		return string(v)
	}
	key := uniquePrefix()
	django := mk(goredis.ReplicaOptions{ReadYourWrites: -1, TrustReplicaMisses: true})
	if _, err := django.Set(ctx, &cachestore.Item{Key: key, Value: []byte("a"), TTL: time.Minute}, cachestore.SetAlways); err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		v, _ := n.rdb.Get(ctx, key).Result()
		if want := map[*node]string{a: "a"}[n]; v != want {
			t.Errorf("after Set, %s holds %q, want %q", n.proc.Name, v, want)
		}
	}
	// Django's rule: reads never go to the first server.
	if got := get(django, key); got != "<miss>" {
		t.Errorf("Django-style read of a key only the primary holds: %s", got)
	}
	b.rdb.Set(ctx, key, "b", time.Minute)
	c.rdb.Set(ctx, key, "c", time.Minute)
	seen := map[string]int{}
	for range 200 {
		seen[get(django, key)]++
	}
	if seen["b"] < 50 || seen["c"] < 50 || len(seen) != 2 {
		t.Errorf("200 reads went %v, want about half to each replica and none to the primary", seen)
	}
	if ok, _ := django.Exists(ctx, key); !ok {
		t.Error("Exists on a replica holding the key: false")
	}

	// Read-your-writes: a key this client wrote is read from the primary
	// for the window, then from the replicas again.
	ryw := mk(goredis.ReplicaOptions{ReadYourWrites: 2 * time.Second, TrustReplicaMisses: true})
	ryw.Set(ctx, &cachestore.Item{Key: key, Value: []byte("a2"), TTL: time.Minute}, cachestore.SetAlways)
	for range 20 {
		if got := get(ryw, key); got != "a2" {
			t.Fatalf("read inside the window: %s, want the primary's a2", got)
		}
	}
	clock.Add(int64(2 * time.Second))
	if got := get(ryw, key); got != "b" && got != "c" {
		t.Errorf("read after the window: %s, want a replica's", got)
	}
	// A delete opens the window too: the replicas' copies are not read.
	if err := ryw.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if got := get(ryw, key); got != "<miss>" {
		t.Errorf("read after Delete: %s, want a miss from the primary", got)
	}
	if ok, _ := ryw.Exists(ctx, key); ok {
		t.Error("Exists after Delete: true")
	}

	// Miss confirmation: a key only the primary holds is found.
	key2 := uniquePrefix()
	a.rdb.Set(ctx, key2, "a", time.Minute)
	confirm := mk(goredis.ReplicaOptions{ReadYourWrites: -1})
	for range 10 {
		if got := get(confirm, key2); got != "a" {
			t.Fatalf("confirmed miss: %s, want the primary's a", got)
		}
		if ok, _ := confirm.Exists(ctx, key2); !ok {
			t.Fatal("confirmed Exists: false")
		}
	}

	// One server: everything goes to it.
	solo, err := goredis.NewReplicated(goClient(t, c.addr), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := get(solo, key2); got != "<miss>" {
		t.Errorf("single server read %s", got)
	}

	// The window table stays bounded: entries past their window go.
	many := mk(goredis.ReplicaOptions{ReadYourWrites: time.Second})
	for i := range 5000 {
		many.Delete(ctx, fmt.Sprintf("%s:%d", key, i))
		if i%1000 == 999 {
			clock.Add(int64(time.Second))
		}
	}
	if n := many.Tracked(); n > 2048 {
		t.Errorf("%d keys tracked after 5 windows of 1000 writes, want at most 2048", n)
	}
}

// TestReplicaLag holds back the replication stream of both replicas (the
// replicas stay up and answer reads from old data), and checks what Go
// reads under each rule, against what Django's rule reads.
func TestReplicaLag(t *testing.T) {
	ctx := context.Background()
	r := startReplicated(t, 2)
	prefix := uniquePrefix()
	store := func(o goredis.ReplicaOptions) *cachestore.Store {
		return newStore(t, newReplicatedClient(t, r, &o), cachestore.Options{KeyPrefix: prefix})
	}
	goDefault := store(goredis.ReplicaOptions{})
	confirmOnly := store(goredis.ReplicaOptions{ReadYourWrites: -1})
	django := store(goredis.ReplicaOptions{ReadYourWrites: -1, TrustReplicaMisses: true})
	hold := func() {
		for _, p := range r.proxies {
			p.Hold()
		}
	}
	release := func() {
		for _, p := range r.proxies {
			p.Release()
		}
		r.synced(t)
	}
	value := func(s *cachestore.Store, key string) string {
		t.Helper()
		data, err := s.Load(ctx, key)
		if errors.Is(err, djangosession.ErrNotFound) {
			return "<none>"
		}
		if err != nil {
			t.Fatal(err)
		}
		v, _ := data.Get("v")
		return fmt.Sprint(v)
	}
	data := func(v string) *pyjson.Object {
		o := &pyjson.Object{}
		o.Set("v", v)
		return o
	}
	exp := djangosession.Expiry{Age: 600}

	// A session created while replication lags.
	hold()
	key := newKey(t)
	if err := goDefault.Save(ctx, key, data("v1"), exp, true); err != nil {
		t.Fatal(err)
	}
	if got := value(django, key); got != "<none>" {
		t.Fatalf("the replicas are not lagging (Django's rule read %s): the test proves nothing", got)
	}
	if got := value(goDefault, key); got != "v1" {
		t.Errorf("read-your-writes: %s, want v1", got)
	}
	if got := value(confirmOnly, key); got != "v1" {
		t.Errorf("miss confirmed on the primary: %s, want v1", got)
	}
	// Go's update of it passes the existence check (Django's would fail
	// on the replica: UpdateError).
	if err := confirmOnly.Save(ctx, key, data("v2"), exp, false); err != nil {
		t.Errorf("update during lag: %v", err)
	}
	release()

	// A session updated while replication lags: the replicas hold v2.
	hold()
	if err := goDefault.Save(ctx, key, data("v3"), exp, false); err != nil {
		t.Fatal(err)
	}
	if got := value(goDefault, key); got != "v3" {
		t.Errorf("read-your-writes after update: %s, want v3", got)
	}
	// Without the window a replica's stale copy is read, as Django reads it.
	if got := value(confirmOnly, key); got != "v2" {
		t.Errorf("confirm-only after another process's update: %s, want the replica's stale v2", got)
	}
	if got := value(django, key); got != "v2" {
		t.Errorf("Django's rule: %s, want the stale v2", got)
	}
	// Logout while lagging: the replicas still hold the session.
	if err := goDefault.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if got := value(goDefault, key); got != "<none>" {
		t.Errorf("read-your-writes after delete: %s, want no session", got)
	}
	if got := value(django, key); got != "v2" {
		t.Errorf("Django's rule after delete: %s, want the stale v2", got)
	}
	release()
	for _, s := range []*cachestore.Store{goDefault, confirmOnly, django} {
		if got := value(s, key); got != "<none>" {
			t.Errorf("after replication caught up: %s, want no session", got)
		}
	}
}
