package goredis_test

import (
	"errors"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession/cachestore/goredis"
)

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
