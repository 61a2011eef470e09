package goredis

import (
	"context"
	"errors"
	"io"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession/cachestore"
)

// Shard is one server of a django-redis ShardClient.
type Shard struct {
	// Name is the server's entry in LOCATION exactly as written there
	// ("redis://127.0.0.1:6379/1"): django-redis places keys by hashing
	// the names, so "redis://h:6379/1" and "redis://h:6379/1/" are
	// different rings.
	Name string
	// Client talks to the server.
	Client redis.Cmdable
}

// Sharded is a cachestore.Client over the servers of a django-redis
// ShardClient (OPTIONS CLIENT_CLASS "django_redis.client.ShardClient"):
// each key lives on the one server the ring puts it on, so Go reads and
// writes each session on the node where Django does. A server that is
// down fails the calls for the keys it holds and no others, as in
// django-redis. It is safe for concurrent use.
type Sharded struct {
	ring   *Ring
	shards []*Client // by ring node index
	closer []redis.Cmdable
}

var _ cachestore.Client = (*Sharded)(nil)

// Errors of the topology constructors.
var (
	// ErrNoServers is returned for a topology without servers.
	ErrNoServers = errors.New("goredis: no servers")
	// ErrShardName is returned for a shard whose name is empty or that
	// repeats a name with a different client.
	ErrShardName = errors.New("goredis: shard name empty or repeated")
)

// NewSharded returns a Sharded over shards, in LOCATION order.
func NewSharded(shards []Shard) (*Sharded, error) {
	if len(shards) == 0 {
		return nil, ErrNoServers
	}
	names := make([]string, 0, len(shards))
	seen := map[string]redis.Cmdable{}
	s := &Sharded{}
	for _, sh := range shards {
		if sh.Name == "" || sh.Client == nil {
			return nil, ErrShardName
		}
		if c, ok := seen[sh.Name]; ok {
			if c != sh.Client {
				return nil, ErrShardName
			}
			continue
		}
		seen[sh.Name] = sh.Client
		names = append(names, sh.Name)
		s.shards = append(s.shards, New(sh.Client))
		s.closer = append(s.closer, sh.Client)
	}
	s.ring = NewRing(names)
	return s, nil
}

// Ring returns the ring that places keys.
func (s *Sharded) Ring() *Ring { return s.ring }

// Shard returns the index, in the order of the shards given to
// NewSharded (repeats dropped), of the server holding the cache key.
func (s *Sharded) Shard(key string) int { return s.ring.Node(key) }

func (s *Sharded) client(key string) *Client { return s.shards[s.ring.Node(key)] }

// DefaultBackend is cachestore.DjangoRedis: only django-redis shards.
func (*Sharded) DefaultBackend() cachestore.Backend { return cachestore.DjangoRedis }

// Get runs GET on the key's server.
func (s *Sharded) Get(ctx context.Context, key string) ([]byte, uint32, bool, error) {
	return s.client(key).Get(ctx, key)
}

// Set runs SET on the key's server.
func (s *Sharded) Set(ctx context.Context, it *cachestore.Item, mode cachestore.SetMode) (bool, error) {
	return s.client(it.Key).Set(ctx, it, mode)
}

// Delete runs DEL on the key's server.
func (s *Sharded) Delete(ctx context.Context, key string) error {
	return s.client(key).Delete(ctx, key)
}

// Exists runs EXISTS on the key's server.
func (s *Sharded) Exists(ctx context.Context, key string) (bool, error) {
	return s.client(key).Exists(ctx, key)
}

// Close closes the clients given to NewSharded that have a Close method.
func (s *Sharded) Close() error { return closeAll(s.closer) }

func closeAll(cs []redis.Cmdable) error {
	var errs []error
	for _, c := range cs {
		if cl, ok := c.(io.Closer); ok {
			errs = append(errs, cl.Close())
		}
	}
	return errors.Join(errs...)
}
