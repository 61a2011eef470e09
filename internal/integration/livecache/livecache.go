// Package livecache is what the cache and cached_db stores' live tests
// share: the Django peer testdata/cache_interop.py (one Django release,
// one cache backend), the Django cache backends it drives, and the probes
// that read a key's remaining lifetime from Redis or memcached.
package livecache

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pickle"
	"github.com/djsession/djsession/python/pyjson"
)

// Backend is a Django cache backend as the peer names it.
type Backend struct {
	Peer    string // the peer's backend name
	Backend cachestore.Backend
	Server  string // "redis" or "memcached"
}

// Backends are the four cache backends Django's session engines use.
var Backends = []Backend{
	{"redis", cachestore.RedisCache, "redis"},
	{"django-redis", cachestore.DjangoRedis, "redis"},
	{"pymemcache", cachestore.PyMemcache, "memcached"},
	{"pylibmc", cachestore.PyLibMC, "memcached"},
}

// Session is one line of the peer's output.
type Session struct {
	Key    string `json:"key"`
	Case   string `json:"case"`
	Found  bool   `json:"found"`
	Pickle string `json:"pickle"` // hex of pickle.dumps(session dict, 5)
	Age    int64  `json:"age"`    // get_expiry_age()
}

// Peer runs testdata/cache_interop.py under one Django for one cache.
type Peer struct {
	d     testenv.Django
	cfg   string
	b     Backend
	start time.Time // before any key of this peer's test was written
}

// script is testdata/cache_interop.py, found from this file.
func script() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "cache_interop.py")
}

// NewPeer returns the peer for engine ("cache" or "cached_db") over b's
// server with KEY_PREFIX prefix; extra adds settings ("db", "secret" for
// cached_db).
func NewPeer(t testing.TB, d testenv.Django, engine string, b Backend, prefix string, extra map[string]string) *Peer {
	t.Helper()
	cfg := map[string]string{"engine": engine, "backend": b.Peer, "prefix": prefix}
	if b.Server == "redis" {
		cfg["location"] = "redis://" + testenv.RedisAddr(t) + "/0"
	} else {
		cfg["location"] = testenv.MemcachedAddr(t)
	}
	for k, v := range extra {
		cfg[k] = v
	}
	js, _ := json.Marshal(cfg)
	return &Peer{d: d, cfg: string(js), b: b, start: time.Now()}
}

// Usable reports whether this Django can use the backend: RedisCache
// arrived in Django 4.0; any other pairing that does not work fails t.
func (p *Peer) Usable(t testing.TB) bool {
	t.Helper()
	var r struct {
		OK  bool   `json:"ok"`
		Why string `json:"why"`
	}
	if err := json.Unmarshal(p.d.Run(t, script(), nil, p.cfg, "probe"), &r); err != nil {
		t.Fatal(err)
	}
	if !r.OK && !(p.b.Backend == cachestore.RedisCache && p.d.Version == "3.2") {
		t.Fatalf("Django %s cannot use %s: %s", p.d.Version, p.b.Peer, r.Why)
	}
	return r.OK
}

// Do runs mode ("write", "read", "update") with keys on stdin and returns
// the sessions the peer printed.
func (p *Peer) Do(t testing.TB, mode string, keys ...string) []Session {
	t.Helper()
	out := p.d.Run(t, script(), []byte(strings.Join(keys, "\n")+"\n"), p.cfg, mode)
	var ss []Session
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var s Session
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

// SamePickle checks that data pickles (protocol 5) to the bytes Python's
// pickle.dumps gave for its own copy.
func SamePickle(t testing.TB, what string, data *pyjson.Object, pyHex string) {
	t.Helper()
	p, err := pickle.Marshal(data)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got := hex.EncodeToString(p); got != pyHex {
		v, _ := pickle.JSONCompatible(data)
		t.Errorf("%s: Go's value pickles differently from Django's\n go %s\npy  %s\n(%v)", what, got, pyHex, v)
	}
}

// CheckTTL checks that key's lifetime on the peer's server is Django's
// get_expiry_age. A server's TTL counts down from the write that set it,
// while Django reports the age when it reads, maybe seconds later on a
// loaded machine: the TTL may fall short of the age by the time since the
// peer was made (plus 3 s for whole-second clocks), never exceed it by
// more than 2 s.
func (p *Peer) CheckTTL(t testing.TB, what, key string, age int64) {
	t.Helper()
	got, ok := TTL(t, p.b.Server, key)
	if !ok {
		t.Errorf("%s: key not on the server", what)
		return
	}
	slack := time.Since(p.start) + 3*time.Second
	if d := got - time.Duration(age)*time.Second; d < -slack || d > 2*time.Second {
		t.Errorf("%s: server TTL %v, Django's get_expiry_age %ds", what, got.Round(time.Second), age)
	}
}

var (
	redisOnce sync.Once
	redisCl   *redis.Client
)

// TTL returns the remaining lifetime of key on server ("redis" or
// "memcached") and whether the key is stored; a key stored without
// expiry has a negative lifetime.
func TTL(t testing.TB, server, key string) (time.Duration, bool) {
	t.Helper()
	switch server {
	case "redis":
		addr := testenv.RedisAddr(t)
		redisOnce.Do(func() { redisCl = redis.NewClient(&redis.Options{Addr: addr}) })
		d, err := redisCl.PTTL(context.Background(), key).Result()
		if err != nil {
			t.Fatal(err)
		}
		switch d {
		case -2 * time.Nanosecond: // go-redis's "no such key"
			return 0, false
		case -1 * time.Nanosecond: // no expiry
			return -time.Second, true
		}
		return d, true
	case "memcached":
		return MemcachedTTL(t, testenv.MemcachedAddr(t), key)
	}
	t.Fatalf("no server %q", server)
	return 0, false
}

// MemcachedTTL asks memcached at addr (1.6+ meta get) how long key has
// left, in whole seconds as memcached counts them; ok is false when the
// key is not stored, and the lifetime is negative when it never expires.
func MemcachedTTL(t testing.TB, addr, key string) (ttl time.Duration, ok bool) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(c, "mg %s t\r\n", key); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(line)
	if len(f) == 0 || f[0] == "EN" {
		return 0, false
	}
	for _, x := range f[1:] {
		if v, found := strings.CutPrefix(x, "t"); found {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("mg reply %q", line)
			}
			if n < 0 {
				return -time.Second, true
			}
			return time.Duration(n) * time.Second, true
		}
	}
	t.Fatalf("mg reply %q", line)
	return 0, false
}
