package goredis

import (
	"context"

	"github.com/djsession/djsession/djangosession/cachestore"
)

var (
	_ cachestore.KeyLister = (*Replicated)(nil)
	_ cachestore.KeyLister = (*Sharded)(nil)
)

// ListKeys lists the keys starting with prefix on the primary, which
// holds every key the replicas do (a replica may still lack the newest).
func (r *Replicated) ListKeys(ctx context.Context, prefix string, fn func([]cachestore.KeyInfo) error) error {
	return r.primary.ListKeys(ctx, prefix, fn)
}

// ListKeys lists the keys starting with prefix on every shard, one shard
// after the other in ring order; a key lives on one shard only.
func (s *Sharded) ListKeys(ctx context.Context, prefix string, fn func([]cachestore.KeyInfo) error) error {
	for _, c := range s.shards {
		if err := c.ListKeys(ctx, prefix, fn); err != nil {
			return err
		}
	}
	return nil
}
