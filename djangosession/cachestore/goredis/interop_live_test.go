package goredis_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cacheddb"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pickle"
	"github.com/djsession/djsession/python/pyjson"

	_ "modernc.org/sqlite"
)

const peerScript = "../../../testdata/cache_interop.py"

// secret is the cached_db runs' SECRET_KEY (the database half signs).
const secret = "goredis-topology-test-secret-not-a-real-one"

// interopN is how many sessions each side writes.
const interopN = 42

// peer runs testdata/cache_interop.py under one Django for one cache
// configuration.
type peer struct {
	d   testenv.Django
	cfg string
}

type peerSession struct {
	Key    string `json:"key"`
	Case   string `json:"case"`
	Found  bool   `json:"found"`
	Pickle string `json:"pickle"`
	Age    int64  `json:"age"`
}

func newPeer(d testenv.Django, cfg map[string]any) *peer {
	if cfg["engine"] == nil {
		cfg["engine"] = "cache"
	}
	cfg["count"] = interopN
	js, _ := json.Marshal(cfg)
	return &peer{d: d, cfg: string(js)}
}

func (p *peer) do(t *testing.T, mode string, keys ...string) []peerSession {
	t.Helper()
	out := p.d.Run(t, peerScript, []byte(strings.Join(keys, "\n")+"\n"), p.cfg, mode)
	var ss []peerSession
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var s peerSession
		if err := json.Unmarshal(line, &s); err != nil {
			t.Fatalf("peer line %q: %v", line, err)
		}
		ss = append(ss, s)
	}
	if mode != "write" && len(ss) != len(keys) {
		t.Fatalf("peer %s answered %d lines for %d keys", mode, len(ss), len(keys))
	}
	return ss
}

// samePickle checks that Go's copy of a session pickles to the bytes
// Python's pickle.dumps(dict, 5) gave for Django's.
func samePickle(t *testing.T, what string, data *pyjson.Object, pyHex string) {
	t.Helper()
	p, err := pickle.Marshal(data)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got := hex.EncodeToString(p); got != pyHex {
		t.Errorf("%s: Go's value pickles differently from Django's\n go %s\npy  %s", what, got, pyHex)
	}
}

// topoCase is one Django cache configuration over a topology, with the
// Go client for it and where each key must be stored.
type topoCase struct {
	name     string
	backend  cachestore.Backend
	versions []string // Django releases that must be able to use it
	cfg      map[string]any
	client   cachestore.Client
	// holders returns the nodes holding the cache key as Django places
	// it: the primary for replicated set-ups, one shard for ShardClient.
	holders func(ck string) []*node
	all     []*node
	// settle waits until replicas hold what the primary has, before
	// Django reads from them: Django's backends read a random replica
	// and do not wait for it (TestDjangoUnderLag covers the lag itself).
	settle func(t testing.TB)
}

// TestDjangoTopologies: Django writes interopN sessions through its
// cache session engine into each topology and Go reads every one (same
// value, stored on the node Django's backend chose); Go writes interopN
// and Django loads every one, updates it, and Go reads the update.
func TestDjangoTopologies(t *testing.T) {
	djs := testenv.Djangos(t)
	r := startReplicated(t, 2)
	shards := startShards(t, 3)
	sentinel := startSentinel(t, r)
	shardClient := newShardedClient(t, shards)
	replicaNodes := append([]*node{r.primary}, r.replicas...)
	onPrimary := func(string) []*node { return []*node{r.primary} }
	// Replication copies every key to every replica: where a key was
	// written shows on the primary only while the replicas lag, so
	// holders is checked on the primary and the shards.
	cases := []topoCase{
		{
			name: "RedisCache/primary+2replicas", backend: cachestore.RedisCache, versions: []string{"4.2", "5.2", "6.1"},
			cfg:    map[string]any{"backend": "redis", "location": r.URLs()},
			client: newReplicatedClient(t, r, nil), holders: onPrimary, all: replicaNodes, settle: r.synced,
		},
		{
			name: "django-redis/primary+2replicas", backend: cachestore.DjangoRedis, versions: []string{"3.2", "4.2"},
			cfg:    map[string]any{"backend": "django-redis", "location": r.URLs()},
			client: newReplicatedClient(t, r, nil), holders: onPrimary, all: replicaNodes, settle: r.synced,
		},
		{
			name: "django-redis/ShardClient3", backend: cachestore.DjangoRedis, versions: []string{"3.2", "4.2"},
			cfg: map[string]any{"backend": "django-redis", "location": []string{shards[0].URL(), shards[1].URL(), shards[2].URL()},
				"options": map[string]any{"CLIENT_CLASS": "django_redis.client.ShardClient"}},
			client: shardClient,
			holders: func(ck string) []*node {
				return []*node{shards[shardClient.Shard(ck)]}
			},
			all: shards,
		},
		{
			name: "django-redis/Sentinel", backend: cachestore.DjangoRedis, versions: []string{"3.2", "4.2"},
			cfg: map[string]any{"backend": "django-redis", "location": "redis://mymaster/0",
				"options":  map[string]any{"CLIENT_CLASS": "django_redis.client.SentinelClient", "SENTINELS": [][]any{{"127.0.0.1", testenv.Port(sentinel)}}},
				"settings": map[string]any{"DJANGO_REDIS_CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory"}},
			client: newSentinelClient(t, sentinel, nil), holders: onPrimary, all: replicaNodes, settle: r.synced,
		},
	}
	for _, d := range djs {
		for _, tc := range cases {
			if !slices.Contains(tc.versions, d.Version) {
				continue
			}
			t.Run(d.Version+"/cache/"+tc.name, func(t *testing.T) {
				testTopology(t, d, tc, false)
			})
			if d.Version == tc.versions[0] {
				// cached_db once per topology: its cache half is the
				// same code path.
				t.Run(d.Version+"/cached_db/"+tc.name, func(t *testing.T) {
					testTopology(t, d, tc, true)
				})
			}
		}
	}
}

func testTopology(t *testing.T, d testenv.Django, tc topoCase, cachedDB bool) {
	ctx := context.Background()
	prefix := uniquePrefix()
	cfg := map[string]any{"prefix": prefix}
	for k, v := range tc.cfg {
		cfg[k] = v
	}
	copts := cachestore.Options{Backend: tc.backend, KeyPrefix: prefix}
	keys := newStore(t, tc.client, copts) // the cache half: where keys go
	var store djangosession.Store = keys
	if cachedDB {
		file := filepath.Join(t.TempDir(), "db.sqlite3")
		cfg["engine"], cfg["db"], cfg["secret"] = "cached_db", file, secret
		sdb, err := sql.Open("sqlite", file+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sdb.Close() })
		codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: secret}})
		if err != nil {
			t.Fatal(err)
		}
		db, err := dbstore.New(sdb, &dbstore.Options{Dialect: django.SQLite, Codec: codec})
		if err != nil {
			t.Fatal(err)
		}
		copts.EnginePrefix = cachestore.CachedDBPrefix
		keys = newStore(t, tc.client, copts)
		cs, err := cacheddb.New(db, tc.client, &cacheddb.Options{Cache: copts})
		if err != nil {
			t.Fatal(err)
		}
		store = cs
	}
	p := newPeer(d, cfg)

	// where checks that the cache key is stored on exactly the nodes
	// Django's backend chose among those that are not replicas.
	where := func(what, ck string) {
		t.Helper()
		want := tc.holders(ck)
		for _, n := range tc.all {
			if slices.Contains(replicaOnly(tc), n) {
				continue
			}
			has := n.rdb.Exists(ctx, ck).Val() == 1
			if has != slices.Contains(want, n) {
				t.Errorf("%s: %s holds it: %v, want %v", what, n.proc.Name, has, !has)
			}
		}
	}

	// Django -> Go.
	written := p.do(t, "write")
	if len(written) != interopN {
		t.Fatalf("Django wrote %d sessions, want %d", len(written), interopN)
	}
	perNode := map[string]int{}
	for _, ps := range written {
		what := "django " + ps.Case + " " + ps.Key
		ck := keys.CacheKey(ps.Key)
		where(what, ck)
		for _, n := range tc.holders(ck) {
			perNode[n.proc.Name]++
		}
		data, err := store.Load(ctx, ps.Key)
		if err != nil {
			t.Fatalf("%s: Go Load: %v", what, err)
		}
		samePickle(t, what, data, ps.Pickle)
	}
	t.Logf("Django's %d sessions by node: %v", len(written), perNode)

	// Go -> Django.
	engine := mustEngine(t, store, &djangosession.Options{Settings: django.Settings{Release: django.Release(d.Version)}})
	var goKeys []string
	goData := map[string]*pyjson.Object{}
	for i := range interopN {
		s := engine.New()
		for k, v := range storetest.Sample().All() {
			s.Set(k, v)
		}
		s.Set("n", int64(i))
		if err := s.Save(ctx); err != nil {
			t.Fatalf("Go save %d: %v", i, err)
		}
		where("go "+s.Key(), keys.CacheKey(s.Key()))
		goKeys = append(goKeys, s.Key())
		goData[s.Key()] = s.Data()
	}
	if tc.settle != nil {
		tc.settle(t)
	}
	for _, ps := range p.do(t, "read", goKeys...) {
		if !ps.Found {
			t.Errorf("go %s: Django does not find it", ps.Key)
			continue
		}
		samePickle(t, "go "+ps.Key+" read by Django", goData[ps.Key], ps.Pickle)
	}
	for _, ps := range p.do(t, "update", goKeys...) {
		if !ps.Found {
			t.Errorf("go %s: Django's update does not find it", ps.Key)
			continue
		}
		data, err := store.Load(ctx, ps.Key)
		if err != nil {
			t.Fatalf("go %s updated by Django: %v", ps.Key, err)
		}
		if v, _ := data.Get("django"); v != int64(1) {
			t.Errorf("go %s updated by Django: django = %v", ps.Key, v)
		}
		samePickle(t, "go "+ps.Key+" updated by Django", data, ps.Pickle)
	}
}

// replicaOnly returns the nodes of tc that are replicas (every node but
// the first of a replicated set-up).
func replicaOnly(tc topoCase) []*node {
	if strings.Contains(tc.name, "Shard") {
		return nil
	}
	return tc.all[1:]
}

// TestDjangoCannotUseCluster records that no Django cache backend on this
// machine talks to a Redis Cluster: Django's RedisCache and django-redis
// 5.2 send every key to LOCATION's node and fail with MOVED for the keys
// of the others' slots (django-redis's REDIS_CLIENT_CLASS cannot be
// redis-py's RedisCluster either: it passes a single-node connection
// pool). A Cluster is a Go-only topology; if this test fails, a backend
// has learnt Cluster and the package doc must change.
func TestDjangoCannotUseCluster(t *testing.T) {
	djs := testenv.Djangos(t)
	cluster := startCluster(t, 3)
	for _, d := range djs {
		backends := []string{"django-redis"}
		if d.Version != "3.2" {
			backends = []string{"redis"}
		}
		if d.Version == "4.2" {
			backends = append(backends, "django-redis")
		}
		for _, b := range backends {
			p := newPeer(d, map[string]any{"backend": b, "location": cluster[0].URL(), "prefix": uniquePrefix()})
			out, err := d.Output(peerScript, nil, p.cfg, "write")
			if err == nil {
				t.Errorf("Django %s %s wrote %d bytes of sessions into a Cluster through one node: has it learnt Cluster?", d.Version, b, len(out))
				continue
			}
			if !strings.Contains(err.Error(), "MOVED") && !strings.Contains(err.Error(), "MovedError") {
				t.Errorf("Django %s %s on a Cluster: %v, want a MOVED error", d.Version, b, err)
			}
		}
	}
}

// TestDjangoUnderLag holds the replicas' replication back and compares
// what real Django and Go read: sessions Go just saved are missing for
// Django (it reads a lagging replica) and found by Go; sessions Django
// just saved are found by Go (a replica's miss is confirmed on the
// primary). Once replication catches up Django finds them all.
func TestDjangoUnderLag(t *testing.T) {
	djs := testenv.Djangos(t)
	var d testenv.Django
	var cfg map[string]any
	backend := cachestore.RedisCache
	for _, dj := range djs {
		if dj.Version != "3.2" {
			d, cfg = dj, map[string]any{"backend": "redis"}
			break
		}
		d, cfg, backend = dj, map[string]any{"backend": "django-redis"}, cachestore.DjangoRedis
	}
	ctx := context.Background()
	r := startReplicated(t, 2)
	prefix := uniquePrefix()
	cfg["location"], cfg["prefix"] = r.URLs(), prefix
	p := newPeer(d, cfg)
	goStore := newStore(t, newReplicatedClient(t, r, nil), cachestore.Options{Backend: backend, KeyPrefix: prefix})
	// Another Go process: no read-your-writes window for these keys.
	otherGo := newStore(t, newReplicatedClient(t, r, nil), cachestore.Options{Backend: backend, KeyPrefix: prefix})

	for _, px := range r.proxies {
		px.Hold()
	}
	var goKeys []string
	for range 10 {
		k := newKey(t)
		if err := goStore.Save(ctx, k, storetest.Sample(), djangosession.Expiry{Age: 600}, true); err != nil {
			t.Fatal(err)
		}
		goKeys = append(goKeys, k)
	}
	djangoFound := 0
	for _, ps := range p.do(t, "read", goKeys...) {
		if ps.Found {
			djangoFound++
		}
	}
	if djangoFound != 0 {
		t.Errorf("Django %s found %d of 10 sessions on lagging replicas: the replicas are not lagging", d.Version, djangoFound)
	}
	for _, k := range goKeys {
		for _, s := range []*cachestore.Store{goStore, otherGo} {
			if _, err := s.Load(ctx, k); err != nil {
				t.Errorf("Go during lag, session Go saved: %v", err)
			}
		}
	}
	written := p.do(t, "write")
	for _, ps := range written {
		if _, err := otherGo.Load(ctx, ps.Key); err != nil {
			t.Errorf("Go during lag, session Django saved: %v", err)
		}
	}
	for _, px := range r.proxies {
		px.Release()
	}
	r.synced(t)
	for _, ps := range p.do(t, "read", goKeys...) {
		if !ps.Found {
			t.Errorf("Django %s after the lag: %s not found", d.Version, ps.Key)
		}
	}
	t.Logf("Django %s under lag: found %d of %d Go sessions; Go found all %d Go and %d Django sessions",
		d.Version, djangoFound, len(goKeys), len(goKeys), len(written))
}

// TestDjangoReplicaDown stops one of two replicas and has Django and Go
// read the same sessions: Django's session engine turns the failed reads
// into "no session" (it resets the session when the cache raises), and
// so does Go with ResetOnLoadError; with the replica back, both find all.
func TestDjangoReplicaDown(t *testing.T) {
	djs := testenv.Djangos(t)
	ctx := context.Background()
	for _, d := range djs {
		if d.Version != "3.2" && d.Version != "4.2" {
			continue
		}
		b, backend := "django-redis", cachestore.DjangoRedis
		if d.Version != "3.2" {
			b, backend = "redis", cachestore.RedisCache
		}
		t.Run(d.Version+"/"+b, func(t *testing.T) {
			// Its own topology: Restart ties the process to this subtest.
			r := startReplicated(t, 2)
			prefix := uniquePrefix()
			p := newPeer(d, map[string]any{"backend": b, "location": r.URLs(), "prefix": prefix})
			o := cachestore.Options{Backend: backend, KeyPrefix: prefix, ResetOnLoadError: true}
			store := newStore(t, newReplicatedClient(t, r, &goredis.ReplicaOptions{ReadYourWrites: -1}), o)
			var keys []string
			for range interopN {
				k := newKey(t)
				if err := store.Save(ctx, k, storetest.Sample(), djangosession.Expiry{Age: 600}, true); err != nil {
					t.Fatal(err)
				}
				keys = append(keys, k)
			}
			r.synced(t)
			count := func() (django, goFound int) {
				for _, ps := range p.do(t, "read", keys...) {
					if ps.Found {
						django++
					}
				}
				return django, interopN - loadAll(ctx, store, keys).missing
			}
			r.replicas[1].proc.Stop()
			dj, g := count()
			t.Logf("replica2 down: Django found %d of %d, Go (ResetOnLoadError) %d", dj, interopN, g)
			if dj == 0 || dj == interopN || g == 0 || g == interopN {
				t.Errorf("replica2 down: Django found %d, Go %d of %d; want both to miss the sessions read from it and find the rest", dj, g, interopN)
			}
			r.replicas[1].Restart(t)
			waitFor(t, "replica2 in sync", func() bool { return replicaUp(r.replicas[1]) })
			r.synced(t)
			if dj, g := count(); dj != interopN || g != interopN {
				t.Errorf("replica2 back: Django found %d, Go %d of %d", dj, g, interopN)
			}
		})
	}
}
