package goredis_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/internal/testenv"
)

const ringScript = "testdata/django_redis_ring.py"

// TestRingGolden checks Ring against vectors that
// testdata/django_redis_ring.py wrote from django-redis 5.2.0's HashRing
// and ShardClient.
func TestRingGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/django_redis_ring.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		DjangoRedis string `json:"django_redis"`
		Vectors     []struct {
			Nodes []string `json:"nodes"`
			Keys  []string `json:"keys"`
			Want  []string `json:"want"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range g.Vectors {
		ring := goredis.NewRing(v.Nodes)
		names := ring.Names()
		used := map[string]bool{}
		for i, k := range v.Keys {
			got := names[ring.Node(k)]
			used[got] = true
			if got != v.Want[i] {
				t.Errorf("%d nodes: key %q: Ring chose %q, django-redis %s chose %q", len(v.Nodes), k, got, g.DjangoRedis, v.Want[i])
			}
		}
		if len(used) != len(v.Nodes) {
			t.Errorf("%d nodes: only %d used by %d keys", len(v.Nodes), len(used), len(v.Keys))
		}
	}
}

func TestShardHashKey(t *testing.T) {
	for _, c := range []struct{ key, want string }{
		{"plain", "plain"},
		{"a{b}c", "b"},
		{"{}", ""},
		{"{a}{b}", "b"},      // the last "{" wins
		{"x{a}y}z", "a}y"},   // to the last "}"
		{"{a\n}b", "{a\n}b"}, // "." stops at a newline
		{"a\n{b}", "a\n{b}"}, // re.match: the tag must be on the first line
		{"p:1:{user42}sess", "user42"},
	} {
		if got := goredis.ShardHashKey(c.key); got != c.want {
			t.Errorf("ShardHashKey(%q) = %q, want %q", c.key, got, c.want)
		}
	}
}

// TestRingLive asks django-redis itself where 2,000 random session keys
// (some hash-tagged) go on rings of 1 to 7 nodes.
func TestRingLive(t *testing.T) {
	dj := testenv.Django32(t)
	for n := 1; n <= 7; n += 2 {
		var nodes []string
		for i := range n {
			nodes = append(nodes, "redis://127.0.0.1:"+string(rune('0'+i))+"6379/0")
		}
		var keys []string
		for i := range 500 {
			var b [16]byte
			rand.Read(b[:])
			k := "live:1:django.contrib.sessions.cache" + hex.EncodeToString(b[:])
			if i%10 == 0 {
				k = "{" + hex.EncodeToString(b[:4]) + "}" + k
			}
			keys = append(keys, k)
		}
		req, _ := json.Marshal(map[string]any{"nodes": nodes, "keys": keys})
		var resp struct {
			Nodes []string `json:"nodes"`
		}
		if err := json.Unmarshal(dj.Run(t, ringScript, req, "place"), &resp); err != nil {
			t.Fatal(err)
		}
		ring := goredis.NewRing(nodes)
		for i, k := range keys {
			if got := ring.Names()[ring.Node(k)]; got != resp.Nodes[i] {
				t.Errorf("%d nodes: %q: Go %q, django-redis %q", n, k, got, resp.Nodes[i])
			}
		}
	}
}
