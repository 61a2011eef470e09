package goredis

import (
	"context"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession/cachestore"
)

var (
	_ cachestore.Swapper = (*Client)(nil)
	_ cachestore.Swapper = (*Replicated)(nil)
	_ cachestore.Swapper = (*Sharded)(nil)
)

// swapScript compares and sets in one step on the server. KEYS[1] is the
// key; ARGV: the value read, the new value, "1" to keep the time to live,
// the new time to live in milliseconds (0: none). A missing key reads as
// false, which equals no string. It returns 1 when it wrote.
var swapScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
	return 0
end
local px = tonumber(ARGV[4])
if ARGV[3] == '1' then
	px = redis.call('PTTL', KEYS[1])
end
if px > 0 then
	redis.call('SET', KEYS[1], ARGV[2], 'PX', px)
else
	redis.call('SET', KEYS[1], ARGV[2])
end
return 1
`)

// CompareAndSwap runs a script that GETs the key, compares the value and
// SETs the new one (with PX, or the PTTL the key had when keepTTL), all
// in one step on the server (EVALSHA, EVAL the first time).
func (c *Client) CompareAndSwap(ctx context.Context, it *cachestore.Item, old []byte, keepTTL bool) (bool, error) {
	keep := "0"
	if keepTTL {
		keep = "1"
	}
	n, err := swapScript.Run(ctx, c.c, []string{it.Key}, old, it.Value, keep, strconv.FormatInt(it.TTL.Milliseconds(), 10)).Int()
	return n == 1, err
}

// CompareAndSwap runs the swap on the primary.
func (r *Replicated) CompareAndSwap(ctx context.Context, it *cachestore.Item, old []byte, keepTTL bool) (bool, error) {
	ok, err := r.primary.CompareAndSwap(ctx, it, old, keepTTL)
	r.wrote(it.Key)
	return ok, err
}

// CompareAndSwap runs the swap on the key's server.
func (s *Sharded) CompareAndSwap(ctx context.Context, it *cachestore.Item, old []byte, keepTTL bool) (bool, error) {
	return s.client(it.Key).CompareAndSwap(ctx, it, old, keepTTL)
}
