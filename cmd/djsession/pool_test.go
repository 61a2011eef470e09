package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/gomemcache"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
)

// Issue 10: a memcached pool named as Django's LOCATION
// (memcached://h1,h2,h3) is read whole: ls and stats visit every node,
// show finds a key on any node. Sessions are placed on nodes chosen here,
// as another client's hashing would place them.
func TestSessionsMemcachedPool(t *testing.T) {
	testenv.Topologies(t)
	bin := testenv.Binary(t, "memcached")
	var addrs []string
	for i := 0; i < 3; i++ {
		port := testenv.FreePort(t)
		addr := "127.0.0.1:" + strconv.Itoa(port)
		testenv.Start(t, "memcached-"+strconv.Itoa(i), addr, bin, "-l", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "0", "-m", "16", "-u", "nobody")
		addrs = append(addrs, addr)
	}
	ctx := context.Background()
	var keys []string
	for i, addr := range addrs {
		node, err := cachestore.New(gomemcache.New(memcache.New(addr)), nil)
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 4; j++ {
			k, _ := djangosession.NewKey(rand.Reader)
			d := &pyjson.Object{}
			d.Set("_auth_user_id", strconv.Itoa(i))
			if err := node.Save(ctx, k, d, djangosession.Expiry{Age: 3600}, true); err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k)
		}
	}
	url := "memcached://" + strings.Join(addrs, ",") + "?backend=pymemcache"
	res := runCLI(t, nil, nil, "", "sessions", "ls", "--database-url", url, "--format", "jsonl", "--columns", "key,status,user")
	rows := lsJSONL(t, res.out)
	if res.code != 0 || len(rows) != len(keys) {
		t.Fatalf("ls on a pool of 3: exit %d, %d of %d sessions %s", res.code, len(rows), len(keys), res.err)
	}
	for _, r := range rows {
		if str(t, r["status"]) != statusOK {
			t.Errorf("%v", r)
		}
	}
	last := keys[len(keys)-1] // on the third node
	if res := runCLI(t, nil, nil, "", "sessions", "show", last, "--database-url", url); res.code != 0 || !strings.Contains(res.out, `"_auth_user_id": "2"`) {
		t.Errorf("show on the third node: exit %d %s %s", res.code, res.out, res.err)
	}
	if res := runCLI(t, nil, nil, "", "sessions", "stats", "--database-url", url); res.code != 0 || !strings.Contains(res.out, "sessions     12 ") {
		t.Errorf("stats: exit %d %s", res.code, res.out)
	}
	src, _ := copyFixtureDB(t)
	if res := runCLI(t, nil, nil, "", "sessions", "copy", "--database-url", src, "--secret-key-file", fixtureKeyFile, "--to", url); res.code != exitError || !strings.Contains(res.err, "pool") {
		t.Errorf("copy to a pool: exit %d %q", res.code, res.err)
	}
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
