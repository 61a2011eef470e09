package cachestore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/gomemcache"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/internal/integration/livecache"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
)

// server is one cache server the tests run against, with raw access to
// what the store wrote.
type server struct {
	name     string
	backends []cachestore.Backend
	client   func(t testing.TB) cachestore.Client
	// ttl returns the remaining lifetime of key and whether it exists.
	ttl func(t testing.TB, key string) (time.Duration, bool)
}

var (
	redisOnce sync.Once
	redisCl   *redis.Client
	mcOnce    sync.Once
	mcCl      *memcache.Client
)

func redisClient(t testing.TB) *redis.Client {
	addr := testenv.RedisAddr(t)
	redisOnce.Do(func() { redisCl = redis.NewClient(&redis.Options{Addr: addr, PoolSize: 64}) })
	return redisCl
}

func memcacheClient(t testing.TB) *memcache.Client {
	addr := testenv.MemcachedAddr(t)
	mcOnce.Do(func() {
		mcCl = memcache.New(addr)
		mcCl.MaxIdleConns = 64
		mcCl.Timeout = 5 * time.Second
	})
	return mcCl
}

func servers() []server {
	return []server{
		{
			name:     "redis",
			backends: []cachestore.Backend{cachestore.RedisCache, cachestore.DjangoRedis},
			client:   func(t testing.TB) cachestore.Client { return goredis.New(redisClient(t)) },
			ttl: func(t testing.TB, key string) (time.Duration, bool) {
				return livecache.TTL(t, "redis", key)
			},
		},
		{
			name:     "memcached",
			backends: []cachestore.Backend{cachestore.PyMemcache, cachestore.PyLibMC},
			client:   func(t testing.TB) cachestore.Client { return gomemcache.New(memcacheClient(t)) },
			ttl: func(t testing.TB, key string) (time.Duration, bool) {
				return livecache.TTL(t, "memcached", key)
			},
		},
	}
}

// uniquePrefix returns a KEY_PREFIX no other test uses.
func uniquePrefix(t testing.TB) string {
	var b [6]byte
	rand.Read(b[:])
	return "djtest-" + hex.EncodeToString(b[:])
}

func newStore(t testing.TB, c cachestore.Client, o cachestore.Options) *cachestore.Store {
	t.Helper()
	if o.KeyPrefix == "" {
		o.KeyPrefix = uniquePrefix(t)
	}
	s, err := cachestore.New(c, &o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	for _, srv := range servers() {
		for _, b := range srv.backends {
			for _, atomicUpdate := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/atomic=%v", srv.name, b, atomicUpdate), func(t *testing.T) {
					c := srv.client(t)
					storetest.Run(t, storetest.Options{
						New: func(t *testing.T) djangosession.Store {
							return newStore(t, c, cachestore.Options{Backend: b, AtomicUpdate: atomicUpdate})
						},
						ExpiresByDate: true,
						Concurrency:   16,
						Plant:         plantCache,
					})
				})
			}
		}
	}
}

func newKey(t testing.TB) string {
	k, err := djangosession.NewKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sample() *pyjson.Object { return storetest.Sample() }

// TestTTL saves with various ages and reads the expiry back from the
// server.
func TestTTL(t *testing.T) {
	ctx := context.Background()
	for _, srv := range servers() {
		for _, b := range srv.backends {
			t.Run(srv.name+"/"+b.String(), func(t *testing.T) {
				s := newStore(t, srv.client(t), cachestore.Options{Backend: b})
				for _, age := range []int64{1209600, 3600, 60, 30 * 86400, 30*86400 + 1, 400 * 86400} {
					k := newKey(t)
					if err := s.Save(ctx, k, sample(), djangosession.Expiry{Age: age}, true); err != nil {
						t.Fatal(err)
					}
					got, ok := srv.ttl(t, s.CacheKey(k))
					if !ok {
						t.Fatalf("age %d: key not stored", age)
					}
					want := time.Duration(age) * time.Second
					if d := want - got; d < -2*time.Second || d > 3*time.Second {
						t.Errorf("age %d: server TTL %v, want %v", age, got, want)
					}
					// An update sets the new timeout.
					if err := s.Save(ctx, k, sample(), djangosession.Expiry{Age: 120}, false); err != nil {
						t.Fatal(err)
					}
					if got, _ := srv.ttl(t, s.CacheKey(k)); got > 120*time.Second || got < 117*time.Second {
						t.Errorf("age %d then 120: server TTL %v", age, got)
					}
				}
				// Timeout 0 and negative: nothing stays.
				for _, age := range []int64{0, -1, -3600} {
					k := newKey(t)
					if err := s.Save(ctx, k, sample(), djangosession.Expiry{Age: age}, true); err != nil {
						t.Fatalf("age %d: create: %v", age, err)
					}
					if _, ok := srv.ttl(t, s.CacheKey(k)); ok {
						t.Errorf("age %d: key stored after create", age)
					}
					if ok, err := s.Exists(ctx, k); err != nil || ok {
						t.Errorf("age %d: Exists = %v, %v", age, ok, err)
					}
					// An update to a 0 timeout removes a live session.
					if err := s.Save(ctx, k, sample(), djangosession.Expiry{Age: 60}, true); err != nil {
						t.Fatal(err)
					}
					if err := s.Save(ctx, k, sample(), djangosession.Expiry{Age: age}, false); err != nil {
						t.Fatalf("age %d: update: %v", age, err)
					}
					if _, err := s.Load(ctx, k); !errors.Is(err, djangosession.ErrNotFound) {
						t.Errorf("age %d: Load after update = %v, want ErrNotFound", age, err)
					}
				}
			})
		}
	}
}

// TestMemcachedLongTimeout checks the 30-day rule: longer timeouts are
// sent as absolute Unix times, which memcached reports back as the item's
// expiry; a fixed clock shows the store computed them, not the server.
func TestMemcachedLongTimeout(t *testing.T) {
	ctx := context.Background()
	c := gomemcache.New(memcacheClient(t))
	addr := testenv.MemcachedAddr(t)
	now := time.Now().Add(24 * time.Hour) // a clock a day ahead of the server
	s := newStore(t, c, cachestore.Options{Now: func() time.Time { return now }})
	for _, tc := range []struct {
		age     int64
		wantExp int64 // 0: relative, compared with the server's clock
	}{
		{30 * 86400, 0},
		{30*86400 + 1, now.Unix() + 30*86400 + 1},
		{365 * 86400, now.Unix() + 365*86400},
		{200 * 365 * 86400, math.MaxInt32},
	} {
		k := newKey(t)
		if err := s.Save(ctx, k, sample(), djangosession.Expiry{Age: tc.age}, true); err != nil {
			t.Fatal(err)
		}
		ttl, ok := livecache.MemcachedTTL(t, addr, s.CacheKey(k))
		if !ok {
			t.Fatalf("age %d: not stored", tc.age)
		}
		exp := time.Now().Unix() + int64(ttl/time.Second)
		if tc.wantExp == 0 {
			want := time.Now().Unix() + tc.age
			if exp < want-3 || exp > want+1 {
				t.Errorf("age %d: exp %d, want about %d", tc.age, exp, want)
			}
			continue
		}
		if exp < tc.wantExp-2 || exp > tc.wantExp+2 {
			t.Errorf("age %d: exp %d, want %d (absolute from the store's clock)", tc.age, exp, tc.wantExp)
		}
	}
}

// TestMustCreateRace: many goroutines create the same key; exactly one
// wins and its data is what is stored.
func TestMustCreateRace(t *testing.T) {
	ctx := context.Background()
	for _, srv := range servers() {
		for _, b := range srv.backends {
			t.Run(srv.name+"/"+b.String(), func(t *testing.T) {
				s := newStore(t, srv.client(t), cachestore.Options{Backend: b})
				for range 20 {
					k := newKey(t)
					const n = 32
					var wins atomic.Int64
					var winner atomic.Int64
					var wg sync.WaitGroup
					start := make(chan struct{})
					for g := range n {
						wg.Add(1)
						go func() {
							defer wg.Done()
							d := &pyjson.Object{}
							d.Set("g", int64(g))
							<-start
							err := s.Save(ctx, k, d, djangosession.Expiry{Age: 60}, true)
							switch {
							case err == nil:
								wins.Add(1)
								winner.Store(int64(g))
							case !errors.Is(err, djangosession.ErrExists):
								t.Error(err)
							}
						}()
					}
					close(start)
					wg.Wait()
					if wins.Load() != 1 {
						t.Fatalf("%d creates won, want 1", wins.Load())
					}
					got, err := s.Load(ctx, k)
					if err != nil {
						t.Fatal(err)
					}
					if g, _ := got.Get("g"); g != winner.Load() {
						t.Fatalf("stored g = %v, winner %d", g, winner.Load())
					}
				}
			})
		}
	}
}

// TestRawValues checks what lands on the server: the key format, the
// pickle protocol, memcached flags, and Redis's int rule read back.
func TestRawValues(t *testing.T) {
	ctx := context.Background()
	for _, srv := range servers() {
		for _, b := range srv.backends {
			t.Run(srv.name+"/"+b.String(), func(t *testing.T) {
				c := srv.client(t)
				prefix := uniquePrefix(t)
				s := newStore(t, c, cachestore.Options{Backend: b, KeyPrefix: prefix, Version: 3})
				k := newKey(t)
				if err := s.Save(ctx, k, sample(), djangosession.Expiry{Age: 60}, true); err != nil {
					t.Fatal(err)
				}
				ck := prefix + ":3:django.contrib.sessions.cache" + k
				if s.CacheKey(k) != ck {
					t.Fatalf("CacheKey = %q, want %q", s.CacheKey(k), ck)
				}
				val, flags, ok, err := c.Get(ctx, ck)
				if err != nil || !ok {
					t.Fatalf("raw get: %v %v", ok, err)
				}
				wantProto := byte(5)
				if b == cachestore.DjangoRedis {
					wantProto = 4
				}
				if len(val) < 2 || val[0] != 0x80 || val[1] != wantProto {
					t.Errorf("value starts % x, want pickle protocol %d", val[:min(len(val), 2)], wantProto)
				}
				wantFlags := uint32(0)
				if b.Memcached() {
					wantFlags = 1
				}
				if flags != wantFlags {
					t.Errorf("flags %d, want %d", flags, wantFlags)
				}
				// Values other than dicts.
				big70 := new(big.Int).Lsh(big.NewInt(1), 70)
				for _, v := range []any{int64(42), int64(-7), big70, true, "héllo", []byte("raw"), 1.5} {
					enc, fl, err := b.Encode(v)
					if err != nil {
						t.Fatal(err)
					}
					key := ck + ":v"
					if _, err := c.Set(ctx, &cachestore.Item{Key: key, Value: enc, Flags: fl, TTL: time.Minute, Exptime: 60}, cachestore.SetAlways); err != nil {
						t.Fatal(err)
					}
					raw, rfl, _, err := c.Get(ctx, key)
					if err != nil {
						t.Fatal(err)
					}
					got, err := b.Decode(raw, rfl)
					if err != nil {
						t.Fatalf("%v: %v", v, err)
					}
					want := v
					if b == cachestore.PyLibMC && v == true {
						want = int64(1) // pylibmc reads a bool back as an int
					}
					if !b.Memcached() {
						switch v.(type) {
						case string:
							want = "héllo"
						}
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("%T %v: read back %T %v", v, v, got, got)
					}
					if _, isInt := v.(int64); isInt && !b.Memcached() && string(raw) != strconv.FormatInt(v.(int64), 10) {
						t.Errorf("int %v stored as %q, want plain digits", v, raw)
					}
				}
				// A plain-digits value under a session key is not a session.
				if _, err := c.Set(ctx, &cachestore.Item{Key: ck, Value: []byte("12"), TTL: time.Minute, Exptime: 60}, cachestore.SetAlways); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Load(ctx, k); !errors.Is(err, djangosession.ErrCorrupt) || !errors.Is(err, djangosession.ErrNotDict) {
					t.Errorf("Load of an int value: %v, want ErrCorrupt and ErrNotDict", err)
				}
				// Garbage is ErrCorrupt.
				if _, err := c.Set(ctx, &cachestore.Item{Key: ck, Value: []byte("\x80\x05garbage"), Flags: wantFlags, TTL: time.Minute, Exptime: 60}, cachestore.SetAlways); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Load(ctx, k); !errors.Is(err, djangosession.ErrCorrupt) {
					t.Errorf("Load of garbage: %v, want ErrCorrupt", err)
				}
			})
		}
	}
}

// TestMemcachedInvalidKey: keys memcached cannot hold read as missing, as
// Django's load resets the session, and other calls report ErrInvalidKey.
func TestMemcachedInvalidKey(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, gomemcache.New(memcacheClient(t)), cachestore.Options{})
	for _, k := range []string{"has space in it", "tab\there00", string(make([]byte, 240)) + "abcdefgh"} {
		if _, err := s.Load(ctx, k); !errors.Is(err, djangosession.ErrNotFound) {
			t.Errorf("Load(%.20q) = %v, want ErrNotFound", k, err)
		}
		if err := s.Save(ctx, k, sample(), djangosession.Expiry{Age: 60}, true); !errors.Is(err, djangosession.ErrInvalidKey) {
			t.Errorf("Save(%.20q) = %v, want ErrInvalidKey", k, err)
		}
	}
}

// TestResetOnLoadError: with the option a dead server reads as a missing
// session, as in Django; without it the error is returned.
func TestResetOnLoadError(t *testing.T) {
	ctx := context.Background()
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	defer dead.Close()
	s := newStore(t, goredis.New(dead), cachestore.Options{})
	if _, err := s.Load(ctx, newKey(t)); err == nil || errors.Is(err, djangosession.ErrNotFound) {
		t.Fatalf("Load on a dead server = %v, want an I/O error", err)
	}
	s = newStore(t, goredis.New(dead), cachestore.Options{ResetOnLoadError: true})
	if _, err := s.Load(ctx, newKey(t)); !errors.Is(err, djangosession.ErrNotFound) {
		t.Fatalf("Load on a dead server with ResetOnLoadError = %v, want ErrNotFound", err)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := cachestore.New(nil, nil); !errors.Is(err, cachestore.ErrNoClient) {
		t.Errorf("nil client: %v", err)
	}
	c := goredis.New(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}))
	if _, err := cachestore.New(c, &cachestore.Options{Backend: 99}); !errors.Is(err, cachestore.ErrBackend) {
		t.Errorf("bad backend: %v", err)
	}
	if _, err := cachestore.New(c, &cachestore.Options{PickleProtocol: 1}); !errors.Is(err, cachestore.ErrProtocol) {
		t.Errorf("protocol 1: %v", err)
	}
	s, err := cachestore.New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Backend() != cachestore.RedisCache || s.CacheKey("abc") != ":1:django.contrib.sessions.cacheabc" {
		t.Errorf("defaults: %v %q", s.Backend(), s.CacheKey("abc"))
	}
	s, _ = cachestore.New(gomemcache.New(memcache.New("127.0.0.1:1")), &cachestore.Options{
		KeyFunc:      func(key, prefix string, version int) string { return prefix + "/" + key },
		KeyPrefix:    "p",
		EnginePrefix: cachestore.CachedDBPrefix,
	})
	if s.Backend() != cachestore.PyMemcache || s.CacheKey("abc") != "p/django.contrib.sessions.cached_dbabc" {
		t.Errorf("custom: %v %q", s.Backend(), s.CacheKey("abc"))
	}
}

func TestPyInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "" when int() raises
	}{
		{"42", "42"}, {" -7\n", "-7"}, {"+0", "0"}, {"007", "7"}, {"1_000", "1000"},
		{"1__0", ""}, {"_1", ""}, {"1_", ""}, {"", ""}, {"-", ""}, {"1.5", ""},
		{"18446744073709551616", "18446744073709551616"}, {"\x80\x05K\x01.", ""},
	} {
		got, err := cachestore.RedisCache.Decode([]byte(tc.in), 0)
		switch {
		case tc.want == "" && err == nil && fmt.Sprint(got) != "1":
			t.Errorf("Decode(%q) = %v, want an error", tc.in, got)
		case tc.want != "" && (err != nil || fmt.Sprint(got) != tc.want):
			t.Errorf("Decode(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

// plantCache writes raw under the session key's cache key as a pickle
// (flags 1 on memcached), bypassing the store's encoder.
func plantCache(t *testing.T, s djangosession.Store, key string, raw []byte) {
	t.Helper()
	cs := s.(*cachestore.Store)
	if _, err := cs.Client().Set(context.Background(), &cachestore.Item{
		Key: cs.CacheKey(key), Value: raw, Flags: 1, TTL: time.Minute, Exptime: 60,
	}, cachestore.SetAlways); err != nil {
		t.Fatal(err)
	}
}
