package gomemcache

import (
	"context"
	"errors"
	"sync"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/mcpool"
)

// PoolLister is an mcpool.Pool that can also list keys: every call for a
// key goes to the server Django's backend picks for it, and ListKeys asks
// every server's LRU crawler, as Lister does.
type PoolLister struct {
	*mcpool.Pool
	lister *Lister

	mu      sync.Mutex
	clients []*memcache.Client
}

var _ cachestore.KeyLister = (*PoolLister)(nil)

// NewPoolLister is NewPool with listing: servers, o and setup are as for
// NewPool. Close closes every server's connections.
func NewPoolLister(servers []string, o *mcpool.Options, setup func(*memcache.Client)) (*PoolLister, error) {
	pl := &PoolLister{}
	var addrs []string
	pool, err := mcpool.New(servers, func(addr string) (cachestore.Client, error) {
		mc := memcache.New(addr)
		if setup != nil {
			setup(mc)
		}
		addrs = append(addrs, addr)
		pl.clients = append(pl.clients, mc)
		return New(mc), nil
	}, o)
	if err != nil {
		pl.Close()
		return nil, err
	}
	pl.Pool = pool
	lc := memcache.New(addrs...)
	if setup != nil {
		setup(lc)
	}
	pl.clients = append(pl.clients, lc)
	pl.lister = NewLister(lc, addrs...)
	return pl, nil
}

// ListKeys lists the keys starting with prefix on every server, with
// their expiry.
func (p *PoolLister) ListKeys(ctx context.Context, prefix string, fn func([]cachestore.KeyInfo) error) error {
	return p.lister.ListKeys(ctx, prefix, fn)
}

// Close closes the idle connections of every server's client.
func (p *PoolLister) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, c := range p.clients {
		errs = append(errs, c.Close())
	}
	p.clients = nil
	return errors.Join(errs...)
}
