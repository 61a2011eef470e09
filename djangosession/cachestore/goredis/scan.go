package goredis

import (
	"context"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
)

var _ cachestore.KeyLister = (*Client)(nil)

// scanCount is the COUNT hint of each SCAN call.
const scanCount = 1000

// ListKeys lists the keys starting with prefix with SCAN MATCH (on every
// master of a Cluster, every shard of a Ring) and reads their time to
// live with PTTL, pipelined per batch.
func (c *Client) ListKeys(ctx context.Context, prefix string, fn func([]cachestore.KeyInfo) error) error {
	seen := map[string]bool{} // SCAN may return a key twice
	scan := func(ctx context.Context, node redis.Cmdable) error {
		pattern := globEscape(prefix) + "*"
		var cursor uint64
		for {
			keys, next, err := node.Scan(ctx, cursor, pattern, scanCount).Result()
			if err != nil {
				return err
			}
			var fresh []string
			for _, k := range keys {
				if !seen[k] && strings.HasPrefix(k, prefix) {
					seen[k] = true
					fresh = append(fresh, k)
				}
			}
			if len(fresh) > 0 {
				if err := batchTTL(ctx, node, fresh, fn); err != nil {
					return err
				}
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	}
	switch cc := c.c.(type) {
	case *redis.ClusterClient:
		var errs = make(chan error, 1)
		err := cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			return serial(errs, func() error { return scan(ctx, m) })
		})
		return err
	case *redis.Ring:
		errs := make(chan error, 1)
		return cc.ForEachShard(ctx, func(ctx context.Context, sh *redis.Client) error {
			return serial(errs, func() error { return scan(ctx, sh) })
		})
	}
	return scan(ctx, c.c)
}

// serial runs f with the one-slot channel as a lock: ForEachMaster calls
// its function concurrently, and seen and fn are not safe for that.
func serial(lock chan error, f func() error) error {
	lock <- nil
	defer func() { <-lock }()
	return f()
}

// batchTTL reads the PTTL of keys in one pipeline and passes the live
// ones to fn.
func batchTTL(ctx context.Context, node redis.Cmdable, keys []string, fn func([]cachestore.KeyInfo) error) error {
	now := time.Now()
	cmds := make([]*redis.DurationCmd, len(keys))
	_, err := node.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.PTTL(ctx, k)
		}
		return nil
	})
	if err != nil {
		return err
	}
	out := make([]cachestore.KeyInfo, 0, len(keys))
	for i, k := range keys {
		ttl := cmds[i].Val()
		switch {
		case ttl == -1: // no expiry (go-redis keeps -1 and -2 as they are)
			out = append(out, cachestore.KeyInfo{Key: k, Expire: djangosession.NoExpiry})
		case ttl < 0: // gone meanwhile
		default:
			out = append(out, cachestore.KeyInfo{Key: k, Expire: now.Add(ttl).UTC()})
		}
	}
	return fn(out)
}

// globEscape escapes the characters SCAN MATCH patterns treat specially.
func globEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`, "]", `\]`).Replace(s)
}
