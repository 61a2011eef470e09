package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pickle"
	"github.com/djsession/djsession/python/pyjson"
)

// TestSessionsRedisDjangoWrote has real Django (4.0+, which has RedisCache)
// write sessions with the cache engine, and reads them with ls, show and
// stats.
func TestSessionsRedisDjangoWrote(t *testing.T) {
	addr := testenv.RedisAddr(t)
	var djs []testenv.Django
	for _, dj := range testenv.Djangos(t) {
		if dj.Version != "3.2" {
			djs = append(djs, dj)
		}
	}
	redisURL := "redis://" + addr + "/0"
	cacheSessionsCheck(t, djs, "redis", redisURL, redisURL, func(prefix string, keys []string) {
		deleteCacheKeys(addr, "", prefix, keys)
	})
}

// TestSessionsMemcachedDjangoWrote is the same on memcached, with Django's
// PyMemcacheCache (3.2+).
func TestSessionsMemcachedDjangoWrote(t *testing.T) {
	addr := testenv.MemcachedAddr(t)
	cacheSessionsCheck(t, testenv.Djangos(t), "pymemcache", addr, "memcached://"+addr, func(prefix string, keys []string) {
		deleteCacheKeys("", addr, prefix, keys)
	})
}

// cacheSessionsCheck has each Django write sessions with the cache engine
// on backend at location, then reads them back with ls, show and stats.
func cacheSessionsCheck(t *testing.T, djs []testenv.Django, backend, location, cacheURL string, cleanup func(prefix string, keys []string)) {
	for _, dj := range djs {
		t.Run(dj.Version, func(t *testing.T) {
			var b [6]byte
			rand.Read(b[:])
			prefix := "djstest" + hex.EncodeToString(b[:])
			redisURL := cacheURL
			out := dj.Run(t, "../../testdata/sessions_db_cache.py", nil, backend, location, prefix)
			type made struct {
				Key  string
				Data json.RawMessage
				Age  int64
			}
			var sessions []made
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				var m made
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatal(err)
				}
				sessions = append(sessions, m)
			}
			t.Cleanup(func() {
				var keys []string
				for _, s := range sessions {
					keys = append(keys, s.Key)
				}
				cleanup(prefix, keys)
			})
			args := []string{"--database-url", redisURL, "--cache-key-prefix", prefix}
			res := runCLI(t, nil, nil, "", append([]string{"sessions", "ls", "--format", "jsonl", "--columns", "key,status,format,serializer,expires,user"}, args...)...)
			rows := lsJSONL(t, res.out)
			if res.code != 0 || len(rows) != len(sessions) {
				t.Fatalf("ls: exit %d, %d rows of %d: %s", res.code, len(rows), len(sessions), res.err)
			}
			byKey := map[string]map[string]json.RawMessage{}
			for _, r := range rows {
				byKey[str(t, r["key"])] = r
			}
			for _, s := range sessions {
				r := byKey[s.Key]
				if r == nil || str(t, r["status"]) != statusOK || str(t, r["format"]) != formatCache || str(t, r["serializer"]) != serPickle {
					t.Errorf("%s: %v", s.Key, r)
					continue
				}
				exp, _ := time.Parse(time.RFC3339Nano, str(t, r["expires"]))
				if d := time.Until(exp) - time.Duration(s.Age)*time.Second; d > 5*time.Second || d < -30*time.Second {
					t.Errorf("%s: expires %v, TTL set %ds", s.Key, exp, s.Age)
				}
				show := runCLI(t, nil, nil, "", append([]string{"sessions", "show", s.Key}, args...)...)
				var got struct{ Data json.RawMessage }
				if json.Unmarshal([]byte(show.out), &got); show.code != 0 || canon(t, got.Data) != canon(t, s.Data) {
					t.Errorf("%s: show exit %d %s, want %s", s.Key, show.code, show.out, s.Data)
				}
			}
			res = runCLI(t, nil, nil, "", append([]string{"sessions", "stats", "--format", "json"}, args...)...)
			var st sessionStats
			if json.Unmarshal([]byte(res.out), &st); res.code != 0 || st.Total != int64(len(sessions)) || st.Format[formatCache] != st.Total {
				t.Errorf("stats: exit %d %s", res.code, res.out)
			}
			for _, cmd := range [][]string{{"rekey"}, {"convert", "--serializer", "json"}, {"copy", "--to", "sqlite:///x"}} {
				res := runCLI(t, nil, map[string]string{envSecretKey: "k", envNewSecretKey: "n"}, "", append(append([]string{"sessions"}, cmd...), args...)...)
				if res.code != 2 || !strings.Contains(res.err, "read-only") {
					t.Errorf("%v on redis: exit %d %q", cmd, res.code, res.err)
				}
			}
		})
	}
}

func TestPickleWriterRoundTrip(t *testing.T) {
	f := loadFixture(t)
	for _, r := range f.Rows {
		if !r.decodes() {
			continue
		}
		v, err := pyjson.Unmarshal(r.Data)
		if err != nil {
			t.Fatal(err)
		}
		b, err := pickle.Marshal(v.(*pyjson.Object))
		if err != nil {
			t.Fatalf("%s: %v", r.Key, err)
		}
		back, err := pickle.UnmarshalDict(b)
		if err != nil {
			t.Fatalf("%s: %v", r.Key, err)
		}
		if got, _ := pyjson.Marshal(back); string(got) != canon(t, r.Data) {
			t.Errorf("%s: %s, want %s", r.Key, got, r.Data)
		}
	}
	for _, n := range []int64{0, 255, 256, 65535, 65536, -1, -129, math.MaxInt32, math.MinInt32, math.MaxInt32 + 1, math.MinInt64, math.MaxInt64} {
		d := &pyjson.Object{}
		d.Set("n", n)
		b, _ := pickle.Marshal(d)
		back, err := pickle.UnmarshalDict(b)
		if got, _ := back.Get("n"); err != nil || got != n {
			t.Errorf("%d: %v %v", n, got, err)
		}
	}
}

// TestSessionsCopyToCaches copies the Django-made fixture into Redis and
// memcached and has real Django's cache engine load every session.
func TestSessionsCopyToCaches(t *testing.T) {
	f := loadFixture(t)
	djs := testenv.Djangos(t)
	for _, tc := range []struct{ backend, env string }{{"redis", "DJ_TEST_REDIS_ADDR"}, {"pymemcache", "DJ_TEST_MEMCACHED_ADDR"}} {
		t.Run(tc.backend, func(t *testing.T) {
			addr := testenv.Need(t, tc.env, tc.backend)
			location, cacheURL := addr, "memcached://"+addr
			if tc.backend == "redis" {
				location = "redis://" + addr + "/0"
				cacheURL = location
			}
			var b [6]byte
			rand.Read(b[:])
			prefix := "djstest" + hex.EncodeToString(b[:])
			src, _ := copyFixtureDB(t)
			res := runCLI(t, nil, nil, "", "sessions", "copy", "--database-url", src, "--secret-key-file", fixtureKeyFile,
				"--to", cacheURL, "--cache-key-prefix", prefix, "--batch-size", "7")
			want := map[string]string{}
			for _, r := range f.Rows {
				if r.decodes() && !r.Expired {
					want[r.Key] = canon(t, r.Data)
				}
			}
			if res.code != 0 || !strings.Contains(res.out, "copied "+itoa(len(want))+" ") {
				t.Fatalf("copy: exit %d %q %q", res.code, res.out, res.err)
			}
			t.Cleanup(func() {
				var keys []string
				for k := range want {
					keys = append(keys, k)
				}
				if tc.backend == "redis" {
					deleteCacheKeys(addr, "", prefix, keys)
				} else {
					deleteCacheKeys("", addr, prefix, keys)
				}
			})
			// our own listing sees them
			got := lsAll(t, cacheURL, "--cache-key-prefix", prefix)
			if len(got) != len(want) {
				t.Fatalf("ls shows %d of %d", len(got), len(want))
			}
			var in strings.Builder
			for k := range want {
				in.WriteString(k + "\n")
			}
			for _, dj := range djs {
				if tc.backend == "redis" && dj.Version == "3.2" {
					continue // RedisCache is 4.0+
				}
				out := dj.Run(t, "../../testdata/sessions_db_cache.py", []byte(in.String()), tc.backend, location, prefix, "read")
				n := 0
				for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
					var m struct {
						Key  string
						Data json.RawMessage
					}
					json.Unmarshal([]byte(line), &m)
					if canon(t, m.Data) != want[m.Key] {
						t.Errorf("Django %s: %s loads %s, want %s", dj.Version, m.Key, m.Data, want[m.Key])
					}
					n++
				}
				if n != len(want) {
					t.Errorf("Django %s loaded %d of %d", dj.Version, n, len(want))
				}
			}
		})
	}
}

// deleteCacheKeys removes the cache engine's entries of keys under
// KEY_PREFIX prefix from Redis at redisAddr or memcached at mcAddr.
func deleteCacheKeys(redisAddr, mcAddr, prefix string, keys []string) {
	if redisAddr != "" {
		c := redis.NewClient(&redis.Options{Addr: redisAddr})
		defer c.Close()
		for _, k := range keys {
			c.Del(context.Background(), prefix+":1:"+cachestore.CachePrefix+k)
		}
		return
	}
	c := memcache.New(mcAddr)
	defer c.Close()
	for _, k := range keys {
		c.Delete(prefix + ":1:" + cachestore.CachePrefix + k)
	}
}
