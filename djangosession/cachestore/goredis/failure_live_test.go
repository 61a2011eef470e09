package goredis_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/djangosession/storetest"
)

// outcomes counts what Loads of sessions that exist returned.
type outcomes struct{ found, missing, failed int }

func loadAll(ctx context.Context, s *cachestore.Store, keys []string) outcomes {
	var o outcomes
	for _, k := range keys {
		_, err := s.Load(ctx, k)
		switch {
		case err == nil:
			o.found++
		case errors.Is(err, djangosession.ErrNotFound):
			o.missing++
		default:
			o.failed++
		}
	}
	return o
}

// TestReplicaDown stops one of two replicas mid-run, then starts it again.
// While it is down the reads that pick it fail as Django's do (an error;
// a miss with ResetOnLoadError, as Django's session engine resets),
// writes go on, ReadPrimaryOnError serves every read; once it is back and
// in sync every read is served again.
func TestReplicaDown(t *testing.T) {
	ctx := context.Background()
	r := startReplicated(t, 2)
	prefix := uniquePrefix()
	mk := func(o goredis.ReplicaOptions, reset bool) *cachestore.Store {
		return newStore(t, newReplicatedClient(t, r, &o), cachestore.Options{KeyPrefix: prefix, ResetOnLoadError: reset})
	}
	// Reads away from the primary for every key: no window.
	plain := mk(goredis.ReplicaOptions{ReadYourWrites: -1}, false)
	reset := mk(goredis.ReplicaOptions{ReadYourWrites: -1}, true)
	fallback := mk(goredis.ReplicaOptions{ReadYourWrites: -1, ReadPrimaryOnError: true}, false)

	var keys []string
	for range 40 {
		k := newKey(t)
		if err := plain.Save(ctx, k, storetest.Sample(), djangosession.Expiry{Age: 600}, true); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	r.synced(t)
	if o := loadAll(ctx, plain, keys); o.found != len(keys) {
		t.Fatalf("all up: %+v", o)
	}

	r.replicas[0].proc.Stop()
	o := loadAll(ctx, plain, keys)
	t.Logf("replica1 down, Django's rule: %+v", o)
	if o.failed == 0 || o.found == 0 || o.missing != 0 {
		t.Errorf("replica1 down: %+v, want errors for the reads sent to it and the rest found", o)
	}
	if o := loadAll(ctx, reset, keys); o.missing == 0 || o.failed != 0 {
		t.Errorf("replica1 down, ResetOnLoadError: %+v, want misses instead of errors", o)
	}
	if o := loadAll(ctx, fallback, keys); o.found != len(keys) {
		t.Errorf("replica1 down, ReadPrimaryOnError: %+v, want every session", o)
	}
	// Writes go to the primary and are unaffected.
	k := newKey(t)
	if err := plain.Save(ctx, k, storetest.Sample(), djangosession.Expiry{Age: 600}, true); err != nil {
		t.Errorf("save with a replica down: %v", err)
	}
	keys = append(keys, k)

	r.replicas[0].Restart(t)
	waitFor(t, "replica1 in sync again", func() bool { return replicaUp(r.replicas[0]) })
	r.synced(t)
	if o := loadAll(ctx, plain, keys); o.found != len(keys) {
		t.Errorf("replica1 back: %+v, want every session", o)
	}
}

// TestShardDown stops one of three shards: only the sessions on it fail,
// and they are served again once it is back (empty: a shard that lost its
// data loses those sessions, for Django too).
func TestShardDown(t *testing.T) {
	ctx := context.Background()
	ns := startShards(t, 3)
	c := newShardedClient(t, ns)
	s := newStore(t, c, cachestore.Options{})
	var keys []string
	onDown := 0
	for range 60 {
		k := newKey(t)
		if err := s.Save(ctx, k, storetest.Sample(), djangosession.Expiry{Age: 600}, true); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
		if c.Shard(s.CacheKey(k)) == 1 {
			onDown++
		}
	}
	ns[1].proc.Stop()
	o := loadAll(ctx, s, keys)
	if o.failed != onDown || o.found != len(keys)-onDown {
		t.Errorf("shard 2 down: %+v, want %d failed (the keys it holds) and the rest found", o, onDown)
	}
	ns[1].Restart(t)
	o = loadAll(ctx, s, keys)
	if o.failed != 0 || o.missing != onDown {
		t.Errorf("shard 2 back empty: %+v, want its %d sessions missing and no errors", o, onDown)
	}
}

// TestSentinelFailover has the sentinel promote a replica (SENTINEL
// FAILOVER) and checks that the sessions saved before are still read and
// that saves go to the new primary, as django-redis's SentinelClient
// follows the sentinels.
func TestSentinelFailover(t *testing.T) {
	ctx := context.Background()
	r := startReplicated(t, 2)
	sentinel := startSentinel(t, r)
	c := newSentinelClient(t, sentinel, nil)
	s := newStore(t, c, cachestore.Options{})
	var keys []string
	save := func() error {
		k := newKey(t)
		err := s.Save(ctx, k, storetest.Sample(), djangosession.Expiry{Age: 600}, true)
		if err == nil {
			keys = append(keys, k)
		}
		return err
	}
	for range 20 {
		if err := save(); err != nil {
			t.Fatal(err)
		}
	}
	r.synced(t)
	sc := redis.NewSentinelClient(&redis.Options{Addr: sentinel})
	defer sc.Close()
	old := r.primary.addr
	if err := sc.Failover(ctx, "mymaster").Err(); err != nil {
		t.Fatal(err)
	}
	var now string
	waitFor(t, "a new primary", func() bool {
		a, err := sc.GetMasterAddrByName(ctx, "mymaster").Result()
		if err != nil || len(a) != 2 {
			return false
		}
		now = net.JoinHostPort(a[0], a[1])
		return now != old
	})
	var promoted *node
	for _, n := range r.replicas {
		if n.addr == now {
			promoted = n
		}
	}
	if promoted == nil {
		t.Fatalf("new primary %s is not one of the replicas", now)
	}
	// While the roles change a save can fail, or land on the old primary
	// and be lost when it turns replica (Redis's failover, for Django's
	// redis-py clients too): those keys are not counted. Then every save
	// lands on the new primary.
	waitFor(t, "a save on the new primary", func() bool {
		k := newKey(t)
		if s.Save(ctx, k, storetest.Sample(), djangosession.Expiry{Age: 600}, true) != nil {
			return false
		}
		return promoted.rdb.Exists(ctx, s.CacheKey(k)).Val() == 1
	})
	for range 20 {
		if err := save(); err != nil {
			t.Fatalf("save after failover: %v", err)
		}
		if promoted.rdb.Exists(ctx, s.CacheKey(keys[len(keys)-1])).Val() != 1 {
			t.Fatal("a save after the switch is not on the new primary")
		}
	}
	if o := loadAll(ctx, s, keys); o.found != len(keys) {
		t.Errorf("after failover: %+v of %d", o, len(keys))
	}
}
