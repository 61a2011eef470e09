package storetest

import (
	"context"
	"sync"

	"github.com/djsession/djsession/djangosession/cachestore"
)

// MemCache is an in-memory cachestore.Client for tests that need a cache
// without a server: values never expire, and every value reads back with
// flags 1 (a pickle). It is safe for concurrent use.
type MemCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

// NewMemCache returns an empty MemCache.
func NewMemCache() *MemCache { return &MemCache{m: map[string][]byte{}} }

// Get implements cachestore.Client.
func (c *MemCache) Get(_ context.Context, key string) ([]byte, uint32, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, 1, ok, nil
}

// Set implements cachestore.Client.
func (c *MemCache) Set(_ context.Context, it *cachestore.Item, mode cachestore.SetMode) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[it.Key]
	if (mode == cachestore.SetIfAbsent && ok) || (mode == cachestore.SetIfPresent && !ok) {
		return false, nil
	}
	c.m[it.Key] = it.Value
	return true, nil
}

// Delete implements cachestore.Client.
func (c *MemCache) Delete(_ context.Context, key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
	return nil
}

// Exists implements cachestore.Client.
func (c *MemCache) Exists(_ context.Context, key string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[key]
	return ok, nil
}
