package gateway

import (
	"context"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
)

// SessionCache is a djangosession.Store that keeps the sessions it loads
// from another store for a TTL, so that a gateway answering many requests
// of the same session reads it once per TTL instead of on every request.
// It is opt-in (GATEWAY_SESSION_CACHE_TTL) because it delays what Django
// does to a session elsewhere: a session Django deletes (a logout) or
// changes is still seen as it was, by this process, for at most TTL after
// this process last read it from the store. Never longer than the
// session's own expiry when the store reports it (the db store does; for
// the cache stores the TTL bounds that too). The password check is not
// cached: a password change still logs the user out on the next request.
//
// Saves and deletes made through it go to the store and drop the cached
// copy; a missing session is never cached, so a new login is seen at
// once. It is safe for concurrent use.
type SessionCache struct {
	store djangosession.Store
	exp   djangosession.ExpiryLoader // store's, or nil
	c     *ttlCache[*pyjson.Object]
}

// NewSessionCache returns store with its loads kept for ttl; now is the
// clock (time.Now when nil).
func NewSessionCache(store djangosession.Store, ttl time.Duration, now func() time.Time) *SessionCache {
	if now == nil {
		now = time.Now
	}
	s := &SessionCache{store: store, c: newTTLCache[*pyjson.Object](ttl, now)}
	s.exp, _ = store.(djangosession.ExpiryLoader)
	return s
}

// Load returns a copy of the cached session when it is fresh, else loads
// it from the store.
func (s *SessionCache) Load(ctx context.Context, key string) (*pyjson.Object, error) {
	if d, ok := s.c.get(key); ok {
		return d.Clone(), nil
	}
	var d *pyjson.Object
	var until time.Time
	var err error
	if s.exp != nil {
		d, until, err = s.exp.LoadExpiry(ctx, key)
	} else {
		d, err = s.store.Load(ctx, key)
	}
	if err != nil {
		return nil, err
	}
	s.c.put(key, d.Clone(), until)
	return d, nil
}

// Save saves to the store and drops the cached copy.
func (s *SessionCache) Save(ctx context.Context, key string, data *pyjson.Object, exp djangosession.Expiry, mustCreate bool) error {
	s.c.delete(key)
	return s.store.Save(ctx, key, data, exp, mustCreate)
}

// Exists asks the store.
func (s *SessionCache) Exists(ctx context.Context, key string) (bool, error) {
	return s.store.Exists(ctx, key)
}

// Delete deletes from the store and drops the cached copy.
func (s *SessionCache) Delete(ctx context.Context, key string) error {
	s.c.delete(key)
	return s.store.Delete(ctx, key)
}
