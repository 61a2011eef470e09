package gateway

import (
	"sync"
	"time"

	"github.com/djsession/djsession/djangosession/auth"
)

// maxCacheEntries bounds each cache; when full it is emptied.
const maxCacheEntries = 100000

// entry is a cached identity.
type entry struct {
	ident     auth.Identity
	perms     auth.Permissions
	havePerms bool
}

// ttlCache keeps values for a TTL, or until an earlier time given with
// the value.
type ttlCache[V any] struct {
	mu  sync.Mutex
	ttl time.Duration
	now func() time.Time
	m   map[string]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

// cache is the identity cache.
type cache = ttlCache[entry]

func newCache(ttl time.Duration, now func() time.Time) *cache {
	return newTTLCache[entry](ttl, now)
}

func newTTLCache[V any](ttl time.Duration, now func() time.Time) *ttlCache[V] {
	return &ttlCache[V]{ttl: ttl, now: now, m: map[string]ttlEntry[V]{}}
}

func (c *ttlCache[V]) get(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || !c.now().Before(e.expires) {
		delete(c.m, k)
		var zero V
		return zero, false
	}
	return e.v, true
}

// put keeps v under k for the TTL, or until until when that is earlier
// and not zero.
func (c *ttlCache[V]) put(k string, v V, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCacheEntries {
		clear(c.m)
	}
	exp := c.now().Add(c.ttl)
	if !until.IsZero() && until.Before(exp) {
		exp = until
	}
	c.m[k] = ttlEntry[V]{v: v, expires: exp}
}

func (c *ttlCache[V]) delete(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
}
