package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
)

// Issue 10: a memcached pool named as Django's LOCATION
// (memcached://h1,h2,h3) is one store: Django, with LOCATION the three
// servers, writes sessions; ls, stats and show over the pool URL see every
// one (listing visits every node, show reads from the node Django's
// backend picks); copy from SQLite into the pool puts each session where
// Django then loads it. PyMemcacheCache (rendezvous) and PyLibMCCache with
// consistent ketama hashing by MD5, on every Django.
func TestSessionsMemcachedPool(t *testing.T) {
	djs := testenv.Djangos(t)
	addrs := startMemcachedPool(t, 3)
	for _, d := range djs {
		for _, c := range []struct {
			peer    string // cache_interop.py's backend
			query   string // the URL's
			options map[string]any
		}{
			{"pymemcache", "backend=pymemcache", nil},
			{"pylibmc", "backend=pylibmc&ketama=1&hash=md5", map[string]any{"behaviors": map[string]any{"ketama": true, "hash": "md5"}}},
		} {
			t.Run(d.Version+"/"+c.peer, func(t *testing.T) {
				var b [6]byte
				rand.Read(b[:])
				prefix := "clipool" + hex.EncodeToString(b[:])
				cfg, _ := json.Marshal(map[string]any{"engine": "cache", "backend": c.peer, "location": addrs,
					"prefix": prefix, "options": c.options, "count": 12})
				var written []string
				for _, line := range strings.Split(strings.TrimSpace(string(d.Run(t, cacheInteropScript, nil, string(cfg), "write"))), "\n") {
					var s struct{ Key, Case string }
					if err := json.Unmarshal([]byte(line), &s); err != nil {
						t.Fatalf("peer line %q: %v", line, err)
					}
					written = append(written, s.Key)
				}
				url := "memcached://" + strings.Join(addrs, ",") + "?" + c.query
				flags := []string{"--database-url", url, "--cache-key-prefix", prefix}
				res := runCLI(t, nil, nil, "", append([]string{"sessions", "ls", "--format", "jsonl", "--columns", "key,status"}, flags...)...)
				listed := map[string]bool{}
				for _, r := range lsJSONL(t, res.out) {
					listed[str(t, r["key"])] = true
				}
				for _, k := range written {
					if !listed[k] {
						t.Errorf("ls on the pool misses Django's session %s (exit %d %s)", k, res.code, res.err)
					}
					// show exits 2 for a pickle JSON cannot show (Django's
					// datetimes): found, not missing
					if res := runCLI(t, nil, nil, "", append([]string{"sessions", "show", k}, flags...)...); res.code != 0 && !strings.Contains(res.err, "unsupported value") {
						t.Errorf("show %s: exit %d %s", k, res.code, res.err)
					}
				}
				if res := runCLI(t, nil, nil, "", append([]string{"sessions", "stats"}, flags...)...); res.code != 0 || !strings.Contains(res.out, fmt.Sprintf("sessions %6d ", len(written))) {
					t.Errorf("stats: exit %d %s", res.code, res.out)
				}

				src, want := copySource(t)
				if res = runCLI(t, nil, nil, "", "sessions", "copy", "--database-url", src, "--secret-key-file", fixtureKeyFile, "--to", url, "--cache-key-prefix", prefix); res.code != 0 {
					t.Fatalf("copy to the pool: exit %d %s %s", res.code, res.out, res.err)
				}
				djangoLoadsAll(t, d, string(cfg), want)
			})
		}
	}
}

// cacheInteropScript is real Django's cache session engine.
const cacheInteropScript = "../../testdata/cache_interop.py"

// startMemcachedPool starts n memcached servers for the test and returns
// their addresses.
func startMemcachedPool(t *testing.T, n int) []string {
	testenv.Topologies(t)
	bin := testenv.Binary(t, "memcached")
	var addrs []string
	for i := 0; i < n; i++ {
		port := testenv.FreePort(t)
		addr := "127.0.0.1:" + strconv.Itoa(port)
		testenv.Start(t, "memcached-"+strconv.Itoa(i), addr, bin, "-l", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "0", "-m", "16", "-u", "nobody")
		addrs = append(addrs, addr)
	}
	return addrs
}

// --cached-db lists the cached_db engine's cache entries, which the cache
// engine's listing leaves out.
func TestSessionsCachedDBEntries(t *testing.T) {
	addr := testenv.RedisAddr(t)
	var b [6]byte
	rand.Read(b[:])
	prefix := "djstest" + hex.EncodeToString(b[:])
	ctx := context.Background()
	s, err := cachestore.New(goredis.New(redis.NewClient(&redis.Options{Addr: addr})), &cachestore.Options{KeyPrefix: prefix, EnginePrefix: cachestore.CachedDBPrefix})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := djangosession.NewKey(rand.Reader)
	if err := s.Set(ctx, k, &pyjson.Object{}, 60); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Delete(context.Background(), k) })
	url := "redis://" + addr + "/0"
	args := []string{"sessions", "ls", "--database-url", url, "--cache-key-prefix", prefix, "--columns", "key"}
	if res := runCLI(t, nil, nil, "", args...); res.code != exitNoMatch {
		t.Errorf("cache engine listing shows the cached_db entry: exit %d %s", res.code, res.out)
	}
	if res := runCLI(t, nil, nil, "", append(args, "--cached-db")...); res.code != 0 || !strings.Contains(res.out, k) {
		t.Errorf("--cached-db: exit %d %q %q", res.code, res.out, res.err)
	}
}

// Issue 10: several Redis servers, laid out as django-redis lays them out:
// a ShardClient's shards (redis://a,b/0?client_class=ShardClient) and a
// DefaultClient's primary and replica (redis://p,r/0?backend=django-redis).
// Django writes sessions; ls and show over the URL see every one; copy
// from SQLite writes where Django then loads every session.
func TestSessionsRedisTopologies(t *testing.T) {
	djs := testenv.Djangos(t)
	testenv.Topologies(t)
	a, b := startRedis(t, "shard-a"), startRedis(t, "shard-b")
	p := startRedis(t, "primary")
	r := startRedis(t, "replica", "--replicaof", "127.0.0.1", strconv.Itoa(testenv.Port(p)))
	sentinel := startSentinel(t, p)
	for _, d := range djs {
		for _, c := range []struct {
			name     string
			location []string
			options  map[string]any
			url      string
			settings map[string]any
		}{
			{"ShardClient", []string{"redis://" + a + "/0", "redis://" + b + "/0"}, map[string]any{"CLIENT_CLASS": "django_redis.client.ShardClient"},
				"redis://" + a + "," + b + "/0?client_class=ShardClient", nil},
			{"DefaultClient", []string{"redis://" + p + "/0", "redis://" + r + "/0"}, nil,
				"redis://" + p + "," + r + "/0?backend=django-redis", nil},
			{"SentinelClient", []string{"redis://mymaster/0"},
				map[string]any{"CLIENT_CLASS": "django_redis.client.SentinelClient", "SENTINELS": [][]any{{"127.0.0.1", testenv.Port(sentinel)}}},
				"redis://mymaster/0?client_class=SentinelClient&sentinels=" + sentinel,
				map[string]any{"DJANGO_REDIS_CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory"}},
		} {
			t.Run(d.Version+"/"+c.name, func(t *testing.T) {
				var rb [6]byte
				rand.Read(rb[:])
				prefix := "clipool" + hex.EncodeToString(rb[:])
				m := map[string]any{"engine": "cache", "backend": "django-redis", "location": c.location,
					"prefix": prefix, "options": c.options, "count": 8}
				if c.settings != nil {
					m["settings"] = c.settings
				}
				cfg, _ := json.Marshal(m)
				var probe struct {
					OK  bool
					Why string
				}
				if err := json.Unmarshal(d.Run(t, cacheInteropScript, nil, string(cfg), "probe"), &probe); err != nil || !probe.OK {
					t.Skipf("django-redis under Django %s: %v %s", d.Version, err, probe.Why)
				}
				var written []string
				for _, line := range strings.Split(strings.TrimSpace(string(d.Run(t, cacheInteropScript, nil, string(cfg), "write"))), "\n") {
					var s struct{ Key string }
					if err := json.Unmarshal([]byte(line), &s); err != nil {
						t.Fatalf("peer line %q: %v", line, err)
					}
					written = append(written, s.Key)
				}
				flags := []string{"--database-url", c.url, "--cache-key-prefix", prefix}
				res := runCLI(t, nil, nil, "", append([]string{"sessions", "ls", "--format", "jsonl", "--columns", "key"}, flags...)...)
				listed := map[string]bool{}
				for _, row := range lsJSONL(t, res.out) {
					listed[str(t, row["key"])] = true
				}
				for _, k := range written {
					if !listed[k] {
						t.Errorf("ls misses Django's session %s (exit %d %s)", k, res.code, res.err)
					}
					if res := runCLI(t, nil, nil, "", append([]string{"sessions", "show", k}, flags...)...); res.code != 0 && !strings.Contains(res.err, "unsupported value") {
						t.Errorf("show %s: exit %d %s", k, res.code, res.err)
					}
				}
				if len(listed) != len(written) {
					t.Errorf("ls lists %d sessions, Django wrote %d", len(listed), len(written))
				}

				src, want := copySource(t)
				if res = runCLI(t, nil, nil, "", "sessions", "copy", "--database-url", src, "--secret-key-file", fixtureKeyFile, "--to", c.url, "--cache-key-prefix", prefix); res.code != 0 {
					t.Fatalf("copy: exit %d %s %s", res.code, res.out, res.err)
				}
				waitReplica(t, p, r)
				djangoLoadsAll(t, d, string(cfg), want)
			})
		}
	}
}

// startRedis starts a redis-server for the test and returns its address.
func startRedis(t *testing.T, name string, extra ...string) string {
	t.Helper()
	bin := testenv.Binary(t, "redis-server")
	port := testenv.FreePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	testenv.Start(t, name, addr, append([]string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir(), "--protected-mode", "no", "--repl-diskless-sync-delay", "0"}, extra...)...)
	return addr
}

// waitReplica waits until the replica holds as many keys as its primary.
func waitReplica(t *testing.T, primary, replica string) {
	t.Helper()
	pc, rc := redis.NewClient(&redis.Options{Addr: primary}), redis.NewClient(&redis.Options{Addr: replica})
	defer pc.Close()
	defer rc.Close()
	ctx := context.Background()
	for i := 0; i < 500; i++ {
		pn, err1 := pc.DBSize(ctx).Result()
		rn, err2 := rc.DBSize(ctx).Result()
		if err1 == nil && err2 == nil && pn == rn {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the replica does not catch up")
}

// copySource is a copy of the SQLite fixture and the keys of its live,
// valid, non-empty sessions (Django's load of an empty session is not
// "found").
func copySource(t *testing.T) (url string, want []string) {
	t.Helper()
	url, _ = copyFixtureDB(t)
	res := runCLI(t, nil, nil, "", "sessions", "ls", "--active", "--database-url", url, "--secret-key-file", fixtureKeyFile, "--format", "jsonl", "--columns", "key,status,keys")
	for _, r := range lsJSONL(t, res.out) {
		if str(t, r["status"]) == statusOK && string(r["keys"]) != "null" {
			want = append(want, str(t, r["key"]))
		}
	}
	if len(want) == 0 {
		t.Fatalf("no valid session in the fixture: %s", res.err)
	}
	return url, want
}

// djangoLoadsAll has Django's cache engine (cache_interop.py with cfg)
// load every one of keys.
func djangoLoadsAll(t *testing.T, d testenv.Django, cfg string, keys []string) {
	t.Helper()
	out := d.Run(t, cacheInteropScript, []byte(strings.Join(keys, "\n")+"\n"), cfg, "read")
	found := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var s struct {
			Key   string
			Found bool
		}
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("peer line %q: %v", line, err)
		}
		if !s.Found {
			t.Errorf("Django does not find the copied session %s", s.Key)
		}
		found++
	}
	if found != len(keys) {
		t.Errorf("Django answered %d of %d keys", found, len(keys))
	}
}

// startSentinel starts a redis-sentinel watching primary as "mymaster" and
// waits until it lists a replica that is up.
func startSentinel(t *testing.T, primary string) string {
	t.Helper()
	bin := testenv.Binary(t, "redis-sentinel")
	port := testenv.FreePort(t)
	dir := t.TempDir()
	host, pport, _ := net.SplitHostPort(primary)
	conf := filepath.Join(dir, "sentinel.conf")
	cfg := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor mymaster %s %s 1\n"+
		"sentinel down-after-milliseconds mymaster 5000\nsentinel failover-timeout mymaster 60000\n", port, dir, host, pport)
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	testenv.Start(t, "redis-sentinel", addr, bin, conf)
	sc := redis.NewSentinelClient(&redis.Options{Addr: addr})
	defer sc.Close()
	for i := 0; ; i++ {
		reps, err := sc.Replicas(context.Background(), "mymaster").Result()
		if err == nil && len(reps) > 0 && !strings.Contains(reps[0]["flags"], "down") && !strings.Contains(reps[0]["flags"], "disconnected") {
			return addr
		}
		if i > 750 {
			t.Fatal("the sentinel lists no replica")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
