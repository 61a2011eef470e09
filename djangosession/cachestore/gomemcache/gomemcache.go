// Package gomemcache adapts github.com/bradfitz/gomemcache/memcache to
// cachestore.Client, so a cachestore.Store gets its connection pool and
// reconnects.
//
// For one server: cachestore.New(gomemcache.New(memcache.New(addr)),
// &cachestore.Options{Backend: cachestore.PyMemcache}).
//
// For several servers use NewPool: it puts every key on the server
// Django's backend puts it on (package mcpool). A memcache.Client given
// several servers picks them by its own hash, not Django's, and misses
// most sessions Django wrote.
//
// gomemcache takes no context: each call checks the context first and is
// then bounded by the memcache.Client's Timeout (500 ms by default).
package gomemcache

import (
	"context"
	"errors"
	"net"
	"os"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/mcpool"
)

// Client is a cachestore.Client over a gomemcache client.
type Client struct {
	c *memcache.Client
}

var _ cachestore.Client = (*Client)(nil)

// New returns a Client over c.
func New(c *memcache.Client) *Client { return &Client{c: c} }

// NewPool returns an mcpool.Pool over servers, the entries of Django's
// LOCATION in order (cachestore.SplitLocation splits a LOCATION string), with
// one memcache.Client per server; setup, when not nil, configures each
// (Timeout, MaxIdleConns) before use. o is as for mcpool.New: nil means
// PyMemcacheCache with Django's defaults.
func NewPool(servers []string, o *mcpool.Options, setup func(*memcache.Client)) (*mcpool.Pool, error) {
	return mcpool.New(servers, func(addr string) (cachestore.Client, error) {
		mc := memcache.New(addr)
		if setup != nil {
			setup(mc)
		}
		return New(mc), nil
	}, o)
}

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
		return nil, 0, false, netError(err)
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
	return err == nil, netError(err)
}

// Delete runs delete.
func (c *Client) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.c.Delete(key); err != nil && !errors.Is(err, memcache.ErrCacheMiss) {
		return netError(err)
	}
	return nil
}

// Exists runs get: memcached has no other way to ask, and Django's
// has_key does the same.
func (c *Client) Exists(ctx context.Context, key string) (bool, error) {
	_, _, ok, err := c.Get(ctx, key)
	return ok, err
}

// netError reports gomemcache's connect timeout as the *net.OpError (Op
// "dial") that net.Dial returns for other failures to connect, so callers
// such as mcpool tell a server that cannot be reached by errors.As.
func netError(err error) error {
	var cte *memcache.ConnectTimeoutError
	if errors.As(err, &cte) {
		return &net.OpError{Op: "dial", Net: cte.Addr.Network(), Addr: cte.Addr, Err: os.ErrDeadlineExceeded}
	}
	return err
}
