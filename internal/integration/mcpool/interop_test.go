package mcpool_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/gomemcache"
	"github.com/djsession/djsession/djangosession/cachestore/mcpool"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pickle"
)

// interopScript is the cache engine peer the cachestore tests use.
const interopScript = "../../../testdata/cache_interop.py"

// djangoCache is Django's cache configuration for the peer.
type djangoCache struct {
	peer    string // cache_interop.py's backend name
	backend mcpool.Backend
	options map[string]any
	minimum string // the first Django release with the backend
	last    string // the last one ("" for all)
}

var djangoCaches = []djangoCache{
	{peer: "pymemcache", backend: mcpool.PyMemcacheCache},
	{peer: "pylibmc", backend: mcpool.PyLibMCCache},
	{peer: "pylibmc", backend: mcpool.PyLibMCCache, options: behaviors(map[string]any{"ketama": true})},
	{peer: "memcached", backend: mcpool.MemcachedCache, last: "3.2"},
}

func (c djangoCache) name() string {
	if c.options == nil {
		return c.peer
	}
	b, _ := json.Marshal(c.options)
	return c.peer + string(b)
}

// sessionPeer runs testdata/cache_interop.py under one Django with
// LOCATION = the cluster's servers.
type sessionPeer struct {
	d   testenv.Django
	cfg string
}

func newSessionPeer(t *testing.T, d testenv.Django, c djangoCache, servers []string, prefix string, repeat int) *sessionPeer {
	t.Helper()
	cfg, _ := json.Marshal(map[string]any{"engine": "cache", "backend": c.peer, "location": servers,
		"prefix": prefix, "options": c.options, "repeat": repeat})
	return &sessionPeer{d: d, cfg: string(cfg)}
}

type peerSession struct {
	Key    string `json:"key"`
	Case   string `json:"case"`
	Found  bool   `json:"found"`
	Pickle string `json:"pickle"`
}

func (p *sessionPeer) do(t *testing.T, mode string, keys ...string) []peerSession {
	t.Helper()
	out := p.d.Run(t, interopScript, []byte(strings.Join(keys, "\n")+"\n"), p.cfg, mode)
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

func uniquePrefix(t testing.TB) string {
	b := make([]byte, 6)
	rand.Read(b)
	return "mcpool" + hex.EncodeToString(b)
}

func poolStore(t testing.TB, servers []string, b mcpool.Backend, opts map[string]any, so cachestore.Options) (*mcpool.Pool, *cachestore.Store) {
	t.Helper()
	p, err := gomemcache.NewPool(servers, &mcpool.Options{Backend: b, CacheOptions: opts}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cachestore.New(p, &so)
	if err != nil {
		t.Fatal(err)
	}
	return p, s
}

// TestDjangoInterop: Django, with LOCATION = three memcached servers,
// writes sessions through its cache engine and Go reads every one through
// a Store over the pool, from the server Django put it on; Go writes
// sessions and Django loads every one. Django 3.2 with MemcachedCache,
// PyMemcacheCache and PyLibMCCache (modula and ketama); 4.2+ with
// PyMemcacheCache and PyLibMCCache.
func TestDjangoInterop(t *testing.T) {
	djs := testenv.Djangos(t)
	c := testenv.StartMemcachedCluster(t, 3)
	for _, d := range djs {
		for _, dc := range djangoCaches {
			if dc.last != "" && d.Version != dc.last {
				continue
			}
			t.Run(d.Version+"/"+dc.name(), func(t *testing.T) {
				prefix := uniquePrefix(t)
				peer := newSessionPeer(t, d, dc, c.Addrs, prefix, 7)
				pool, store := poolStore(t, c.Addrs, dc.backend, dc.options, cachestore.Options{KeyPrefix: prefix})
				engine := mustEngine(t, store, &djangosession.Options{Settings: django.Settings{Release: django.Release(d.Version)}})

				// Django -> Go.
				written := peer.do(t, "write")
				if len(written) < 40 {
					t.Fatalf("Django wrote %d sessions", len(written))
				}
				var keys []string
				perNode := make([]int, pool.Len())
				for _, ps := range written {
					ck := store.CacheKey(ps.Key)
					held := c.Holders([]string{ck})[ck]
					if len(held) != 1 || held[0] != pool.Server(ck) {
						t.Errorf("%s: Django put it on servers %v, Go looks on %d", ps.Case, held, pool.Server(ck))
						continue
					}
					perNode[held[0]]++
					data, err := store.Load(ctx, ps.Key)
					if err != nil {
						t.Fatalf("%s: Load: %v", ps.Case, err)
					}
					samePickle(t, "django "+ps.Case, data, ps.Pickle)
					keys = append(keys, ps.Key)
				}
				t.Logf("Django's %d sessions per server: %v", len(written), perNode)
				// The issue: one memcache.Client given the three servers
				// picks them by gomemcache's own hash.
				naive, err := cachestore.New(gomemcache.New(memcache.New(c.Addrs...)), &cachestore.Options{KeyPrefix: prefix, Backend: pool.DefaultBackend()})
				if err != nil {
					t.Fatal(err)
				}
				found := 0
				for _, k := range keys {
					if _, err := naive.Load(ctx, k); err == nil {
						found++
					}
				}
				t.Logf("memcache.New(servers...) finds %d of Django's %d sessions, the pool all", found, len(keys))
				if found == len(keys) {
					t.Errorf("gomemcache's own selection found every session: the layout test proves nothing")
				}
				for i, n := range perNode {
					if n == 0 {
						t.Errorf("server %d holds none of Django's sessions", i)
					}
				}
				for i, ps := range peer.do(t, "read", keys...) {
					if !ps.Found {
						t.Errorf("Django lost its own session %d", i)
					}
				}

				// Go -> Django.
				keys = keys[:0]
				for n := range 45 {
					s := engine.New()
					s.Set("_auth_user_id", "17")
					s.Set("n", int64(n))
					s.Set("u", "z\u00fcrich \u2603")
					if err := s.Save(ctx); err != nil {
						t.Fatalf("Go create %d: %v", n, err)
					}
					keys = append(keys, s.Key())
				}
				for n, ps := range peer.do(t, "update", keys...) {
					if !ps.Found {
						t.Errorf("go session %d: Django does not find it", n)
						continue
					}
					data, err := store.Load(ctx, ps.Key)
					if err != nil {
						t.Fatalf("go session %d updated by Django: %v", n, err)
					}
					if v, _ := data.Get("django"); v != int64(1) {
						t.Errorf("go session %d: django = %v", n, v)
					}
					if v, _ := data.Get("n"); v != int64(n) {
						t.Errorf("go session %d: n = %v", n, v)
					}
					samePickle(t, "go session updated by Django", data, ps.Pickle)
				}
			})
		}
	}
}

// samePickle checks that data pickles (protocol 5) to the bytes Python's
// pickle.dumps gave for its own copy.
func samePickle(t *testing.T, what string, data any, pyHex string) {
	t.Helper()
	p, err := pickle.Marshal(data)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got := hex.EncodeToString(p); got != pyHex {
		t.Errorf("%s: Go's value pickles differently from Django's\n go %s\npy  %s", what, got, pyHex)
	}
}
