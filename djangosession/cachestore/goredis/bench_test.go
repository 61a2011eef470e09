package goredis_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/djangosession/storetest"
)

// BenchmarkTopology measures Load and Save (Django's update: EXISTS then
// SET) of one session over 1,000 keys on each topology, in one run:
// one server, a primary with two replicas (reads on the replicas), three
// django-redis shards, and a 3-master Cluster.
//
// Every server runs on this machine, so a topology's extra processes take
// CPU from the others: Save with two replicas attached costs the same
// whether Go writes through Replicated or a plain client on the primary
// (the primary feeds two replication streams; each replica applies the
// write).
//
//	DJ_TEST_TOPOLOGY=1 go test -run '^$' -bench Topology ./djangosession/cachestore/goredis
func BenchmarkTopology(b *testing.B) {
	single := startShards(b, 1)
	r := startReplicatedDirect(b, 2)
	shards := startShards(b, 3)
	cluster := startCluster(b, 3)
	topologies := []struct {
		name string
		// client returns a new client, so Load runs without Save's
		// read-your-writes window.
		client func() cachestore.Client
	}{
		{"single", func() cachestore.Client { return goredis.New(goClient(b, single[0].addr)) }},
		{"primary+2replicas", func() cachestore.Client { return newReplicatedClient(b, r, nil) }},
		{"3shards", func() cachestore.Client { return newShardedClient(b, shards) }},
		{"cluster3", func() cachestore.Client { return goredis.New(newClusterClient(b, cluster)) }},
	}
	ctx := context.Background()
	const nkeys = 1000
	data := storetest.Sample()
	exp := djangosession.Expiry{Age: 3600}
	for _, tp := range topologies {
		prefix := uniquePrefix()
		o := cachestore.Options{Backend: cachestore.DjangoRedis, KeyPrefix: prefix}
		w := newStore(b, tp.client(), o)
		keys := make([]string, nkeys)
		for i := range keys {
			keys[i] = newKey(b)
			if err := w.Save(ctx, keys[i], data, exp, true); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("topology=%s/op=Load", tp.name), func(b *testing.B) {
			s := newStore(b, tp.client(), o)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.Load(ctx, keys[i%nkeys]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(fmt.Sprintf("topology=%s/op=Save", tp.name), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := w.Save(ctx, keys[i%nkeys], data, exp, false); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
