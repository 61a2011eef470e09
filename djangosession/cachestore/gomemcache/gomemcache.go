// Package gomemcache adapts github.com/bradfitz/gomemcache/memcache to
// cachestore.Client, so a cachestore.Store gets its connection pool,
// server selection over several servers and reconnects.
//
// gomemcache takes no context: each call checks the context first and is
// then bounded by the memcache.Client's Timeout (500 ms by default).
package gomemcache

import (
	"context"
	"errors"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/djangosession/cachestore"
)

// Client is a cachestore.Client over a gomemcache client.
type Client struct {
	c *memcache.Client
}

var _ cachestore.Client = (*Client)(nil)

// New returns a Client over c.
func New(c *memcache.Client) *Client { return &Client{c: c} }

// DefaultBackend is cachestore.PyMemcache, Django's recommended memcached
// backend.
func (*Client) DefaultBackend() cachestore.Backend { return cachestore.PyMemcache }

// Get runs get.
func (c *Client) Get(ctx context.Context, key string) ([]byte, uint32, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, false, err
	}
	it, err := c.c.Get(key)
	if errors.Is(err, memcache.ErrCacheMiss) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, err
	}
	return it.Value, it.Flags, true, nil
}

// Set runs set, add or replace by mode.
func (c *Client) Set(ctx context.Context, it *cachestore.Item, mode cachestore.SetMode) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	mi := &memcache.Item{Key: it.Key, Value: it.Value, Flags: it.Flags, Expiration: it.Exptime}
	var err error
	switch mode {
	case cachestore.SetIfAbsent:
		err = c.c.Add(mi)
	case cachestore.SetIfPresent:
		err = c.c.Replace(mi)
	default:
		err = c.c.Set(mi)
	}
	if errors.Is(err, memcache.ErrNotStored) {
		return false, nil
	}
	return err == nil, err
}

// Delete runs delete.
func (c *Client) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.c.Delete(key); err != nil && !errors.Is(err, memcache.ErrCacheMiss) {
		return err
	}
	return nil
}

// Exists runs get: memcached has no other way to ask, and Django's
// has_key does the same.
func (c *Client) Exists(ctx context.Context, key string) (bool, error) {
	_, _, ok, err := c.Get(ctx, key)
	return ok, err
}
