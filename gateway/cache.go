package gateway

import (
	"sync"
	"time"

	"github.com/djsession/djsession/djangosession/auth"
)

// maxCacheEntries bounds the identity cache; when full it is emptied.
const maxCacheEntries = 100000

type entry struct {
	ident     auth.Identity
	perms     auth.Permissions
	havePerms bool
	expires   time.Time
}

// cache keeps identities and permissions for a TTL.
type cache struct {
	mu  sync.Mutex
	ttl time.Duration
	now func() time.Time
	m   map[string]entry
}

func newCache(ttl time.Duration, now func() time.Time) *cache {
	return &cache{ttl: ttl, now: now, m: map[string]entry{}}
}

func (c *cache) get(id string) (entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || !c.now().Before(e.expires) {
		delete(c.m, id)
		return entry{}, false
	}
	return e, true
}

func (c *cache) put(id string, e entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCacheEntries {
		clear(c.m)
	}
	e.expires = c.now().Add(c.ttl)
	c.m[id] = e
}
