package goredis

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession/cachestore"
)

// Client is a cachestore.Client over one go-redis client: one server, or
// whatever routing the go-redis client does itself (a Cluster).
type Client struct {
	c redis.Cmdable
}

var _ cachestore.Client = (*Client)(nil)

// New returns a Client over c: a *redis.Client, *redis.ClusterClient,
// *redis.Ring, a failover client or any redis.UniversalClient.
func New(c redis.Cmdable) *Client { return &Client{c: c} }

// DefaultBackend is cachestore.RedisCache, Django's own Redis backend.
func (*Client) DefaultBackend() cachestore.Backend { return cachestore.RedisCache }

// Get runs GET.
func (c *Client) Get(ctx context.Context, key string) ([]byte, uint32, bool, error) {
	b, err := c.c.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, err
	}
	return b, 0, true, nil
}

// Set runs SET with EX (PX when it.TTL is not whole seconds) and NX or XX
// by mode.
func (c *Client) Set(ctx context.Context, it *cachestore.Item, mode cachestore.SetMode) (bool, error) {
	args := redis.SetArgs{TTL: it.TTL}
	switch mode {
	case cachestore.SetIfAbsent:
		args.Mode = "NX"
	case cachestore.SetIfPresent:
		args.Mode = "XX"
	}
	err := c.c.SetArgs(ctx, it.Key, it.Value, args).Err()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	return err == nil, err
}

// Delete runs DEL.
func (c *Client) Delete(ctx context.Context, key string) error {
	return c.c.Del(ctx, key).Err()
}

// Exists runs EXISTS.
func (c *Client) Exists(ctx context.Context, key string) (bool, error) {
	n, err := c.c.Exists(ctx, key).Result()
	return n > 0, err
}
