package goredis_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
)

// TestSplitLocation: re.split("[;,]", s) (Django's RedisCache) and
// s.split(",") (django-redis), as Python gives them.
func TestSplitLocation(t *testing.T) {
	for _, c := range []struct {
		loc                 string
		redisCache, djRedis []string
	}{
		{"redis://a:1/0", []string{"redis://a:1/0"}, []string{"redis://a:1/0"}},
		{"redis://a:1/0,redis://b:1/0;redis://c:1/0", []string{"redis://a:1/0", "redis://b:1/0", "redis://c:1/0"},
			[]string{"redis://a:1/0", "redis://b:1/0;redis://c:1/0"}},
		{"a, b", []string{"a", " b"}, []string{"a", " b"}},
		{"a,,b;", []string{"a", "", "b", ""}, []string{"a", "", "b;"}},
		{"", []string{""}, []string{""}},
	} {
		if got := goredis.SplitLocation(cachestore.RedisCache, c.loc); !slices.Equal(got, c.redisCache) {
			t.Errorf("RedisCache %q: %q, want %q", c.loc, got, c.redisCache)
		}
		if got := goredis.SplitLocation(cachestore.DjangoRedis, c.loc); !slices.Equal(got, c.djRedis) {
			t.Errorf("django-redis %q: %q, want %q", c.loc, got, c.djRedis)
		}
	}
}

func TestConstructorErrors(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	d := redis.NewClient(&redis.Options{Addr: "127.0.0.1:2"})
	defer d.Close()
	if _, err := goredis.NewReplicated(nil, nil, nil); !errors.Is(err, goredis.ErrNoServers) {
		t.Errorf("NewReplicated(nil): %v", err)
	}
	if _, err := goredis.NewReplicated(c, []redis.Cmdable{nil}, nil); !errors.Is(err, goredis.ErrNoServers) {
		t.Errorf("NewReplicated with a nil replica: %v", err)
	}
	if _, err := goredis.NewSharded(nil); !errors.Is(err, goredis.ErrNoServers) {
		t.Errorf("NewSharded(nil): %v", err)
	}
	for _, shards := range [][]goredis.Shard{
		{{Name: "", Client: c}},
		{{Name: "a", Client: nil}},
		{{Name: "a", Client: c}, {Name: "a", Client: d}},
	} {
		if _, err := goredis.NewSharded(shards); !errors.Is(err, goredis.ErrShardName) {
			t.Errorf("NewSharded(%v): %v", shards, err)
		}
	}
	s, err := goredis.NewSharded([]goredis.Shard{{Name: "a", Client: c}, {Name: "b", Client: d}, {Name: "a", Client: c}})
	if err != nil || len(s.Ring().Names()) != 2 {
		t.Errorf("a repeated shard: %v, %v", err, s.Ring().Names())
	}
	if _, err := goredis.NewSentinel(&redis.FailoverOptions{MasterName: "m"}, nil); !errors.Is(err, goredis.ErrSentinel) {
		t.Errorf("NewSentinel without sentinels: %v", err)
	}
	if n := goredis.NewRing(nil).Node("k"); n != -1 {
		t.Errorf("empty ring: %d", n)
	}
}
