package gomemcache

import (
	"bytes"
	"context"
	"errors"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/djangosession/cachestore"
)

var _ cachestore.Swapper = (*Client)(nil)

// CompareAndSwap runs gets and, when the value is old, cas with the token
// gets returned: memcached stores the new value only if nobody wrote the
// key in between. memcached's gets does not report the time to live, so
// keepTTL gives an error matching cachestore.ErrKeepTTL.
func (c *Client) CompareAndSwap(ctx context.Context, it *cachestore.Item, old []byte, keepTTL bool) (bool, error) {
	if keepTTL {
		return false, cachestore.ErrKeepTTL
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	cur, err := c.c.Get(it.Key) // gets: the item carries its cas token
	if errors.Is(err, memcache.ErrCacheMiss) {
		return false, nil
	}
	if err != nil {
		return false, netError(err)
	}
	if !bytes.Equal(cur.Value, old) {
		return false, nil
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	cur.Value, cur.Flags, cur.Expiration = it.Value, it.Flags, it.Exptime
	err = c.c.CompareAndSwap(cur)
	if errors.Is(err, memcache.ErrCASConflict) || errors.Is(err, memcache.ErrNotStored) || errors.Is(err, memcache.ErrCacheMiss) {
		return false, nil
	}
	return err == nil, netError(err)
}
