package goredis

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession/cachestore"
)

// DefaultReadYourWrites is how long, by default, a Replicated client
// reads a key it has just written or deleted from the primary.
const DefaultReadYourWrites = 5 * time.Second

// ReplicaOptions configure a Replicated client. The zero value (and nil)
// chooses servers as Django does and adds both lag guards.
type ReplicaOptions struct {
	// ReadYourWrites is how long after this client wrote or deleted a
	// key its reads of that key go to the primary instead of a replica:
	// DefaultReadYourWrites when zero, off when negative.
	ReadYourWrites time.Duration
	// TrustReplicaMisses reports a replica's "no such key" as it is, as
	// Django does. By default a miss on a replica is confirmed on the
	// primary before it is reported.
	TrustReplicaMisses bool
	// ReadPrimaryOnError reads from the primary when the replica chosen
	// for a read fails (down, timed out). By default the replica's error
	// is returned, as Django's backends raise it (and Django's session
	// engine, like cachestore with ResetOnLoadError, then starts an empty
	// session).
	ReadPrimaryOnError bool
	// Now is the clock of the read-your-writes window; time.Now when nil.
	Now func() time.Time
	// Pick returns a number in [0, n): the replica a read goes to. A
	// uniformly random one (math/rand/v2) when nil, as Django's
	// random.randint.
	Pick func(n int) int
}

// Replicated is a cachestore.Client over a primary and its replicas laid
// out as Django's RedisCache and django-redis's DefaultClient lay out
// several LOCATIONs: the first server is the primary and takes every
// write (SET, DEL); a read (GET, EXISTS) goes to a random one of the
// others, or to the primary when there are none. On top of Django's rule
// it guards against replica lag (see ReplicaOptions and the package doc).
// It is safe for concurrent use.
type Replicated struct {
	primary  *Client
	replicas []*Client
	closer   []redis.Cmdable
	backend  cachestore.Backend

	ryw       time.Duration
	trustMiss bool
	onError   bool
	now       func() time.Time
	pick      func(n int) int

	mu        sync.Mutex
	recent    map[string]time.Time // key -> end of its read-from-primary window
	nextSweep int
}

var _ cachestore.Client = (*Replicated)(nil)

// NewReplicated returns a Replicated client: primary is LOCATION's first
// server, replicas the others in order.
func NewReplicated(primary redis.Cmdable, replicas []redis.Cmdable, o *ReplicaOptions) (*Replicated, error) {
	if primary == nil {
		return nil, ErrNoServers
	}
	if o == nil {
		o = &ReplicaOptions{}
	}
	r := &Replicated{primary: New(primary), closer: []redis.Cmdable{primary}, backend: cachestore.RedisCache,
		ryw: o.ReadYourWrites, trustMiss: o.TrustReplicaMisses, onError: o.ReadPrimaryOnError,
		now: o.Now, pick: o.Pick, recent: map[string]time.Time{}, nextSweep: minSweep}
	for _, c := range replicas {
		if c == nil {
			return nil, ErrNoServers
		}
		r.replicas = append(r.replicas, New(c))
		r.closer = append(r.closer, c)
	}
	if r.ryw == 0 {
		r.ryw = DefaultReadYourWrites
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.pick == nil {
		r.pick = rand.IntN
	}
	return r, nil
}

// minSweep is the size of the read-your-writes table below which expired
// entries are not swept.
const minSweep = 1024

// DefaultBackend is cachestore.RedisCache, Django's own Redis backend;
// cachestore.DjangoRedis for a client from NewSentinel.
func (r *Replicated) DefaultBackend() cachestore.Backend { return r.backend }

// wrote opens key's read-from-primary window.
func (r *Replicated) wrote(key string) {
	if r.ryw < 0 || len(r.replicas) == 0 {
		return
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recent[key] = now.Add(r.ryw)
	if len(r.recent) >= r.nextSweep {
		for k, end := range r.recent {
			if !now.Before(end) {
				delete(r.recent, k)
			}
		}
		r.nextSweep = max(minSweep, 2*len(r.recent))
	}
}

// readNode returns the client a read of key goes to and whether it is a
// replica.
func (r *Replicated) readNode(key string) (*Client, bool) {
	if len(r.replicas) == 0 {
		return r.primary, false
	}
	if r.ryw > 0 {
		r.mu.Lock()
		end, ok := r.recent[key]
		r.mu.Unlock()
		if ok && r.now().Before(end) {
			return r.primary, false
		}
	}
	return r.replicas[r.pick(len(r.replicas))], true
}

// Get runs GET on a replica (the primary for a key in its
// read-your-writes window), confirming a miss on the primary unless
// TrustReplicaMisses.
func (r *Replicated) Get(ctx context.Context, key string) ([]byte, uint32, bool, error) {
	c, replica := r.readNode(key)
	v, f, found, err := c.Get(ctx, key)
	if replica && (err != nil && r.onError || err == nil && !found && !r.trustMiss) {
		return r.primary.Get(ctx, key)
	}
	return v, f, found, err
}

// Exists runs EXISTS with Get's choice of server.
func (r *Replicated) Exists(ctx context.Context, key string) (bool, error) {
	c, replica := r.readNode(key)
	ok, err := c.Exists(ctx, key)
	if replica && (err != nil && r.onError || err == nil && !ok && !r.trustMiss) {
		return r.primary.Exists(ctx, key)
	}
	return ok, err
}

// Set runs SET on the primary.
func (r *Replicated) Set(ctx context.Context, it *cachestore.Item, mode cachestore.SetMode) (bool, error) {
	ok, err := r.primary.Set(ctx, it, mode)
	// A failed write may still have been applied: keep reading the
	// primary either way.
	r.wrote(it.Key)
	return ok, err
}

// Delete runs DEL on the primary.
func (r *Replicated) Delete(ctx context.Context, key string) error {
	err := r.primary.Delete(ctx, key)
	r.wrote(key)
	return err
}

// Close closes the clients given to NewReplicated that have a Close
// method.
func (r *Replicated) Close() error { return closeAll(r.closer) }

// Tracked returns the number of keys in the read-your-writes table,
// counting those whose window has ended but that are not yet swept.
func (r *Replicated) Tracked() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.recent)
}
