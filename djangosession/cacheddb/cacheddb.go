// Package cacheddb is Django's cached_db session engine
// (django.contrib.sessions.backends.cached_db): sessions in the database,
// with a write-through copy in a cache that serves reads.
//
// A Store combines a database store (a *dbstore.Store, or any
// djangosession.Store that is also a djangosession.ExpiryLoader) with a
// cache reached through a cachestore.Client, and behaves as Django's
// engine does:
//
//   - Load reads the cache under "KEY_PREFIX:VERSION:" +
//     "django.contrib.sessions.cached_db" + key. When the cache has no
//     usable value (missing, undecodable, or the cache raised) it loads the
//     row from the database and writes it to the cache with the timeout
//     left until the row's expire_date (get_expiry_age(expiry=expire_date):
//     whole seconds, rounded down).
//   - Save writes the database first (its mustCreate and vanished rules
//     are the database's), then sets the cache with the session's timeout.
//   - Delete removes the row, then the cache entry.
//   - Exists asks the cache, then the database.
//   - ClearExpired is the database's.
//
// Django before 5.1 lets a failed cache write in Save raise after the
// database was written; Django 5.1 and later (ticket #34806) log it and
// go on. Options.TolerateCacheWriteErrors chooses the newer behaviour. In
// every release the cache write that fills the cache during Load still
// raises, and so does Load here.
//
// Unlike Django, Save never leaves a stale copy readable: when the cache
// write fails it deletes the cache entry, so the next read (Django's or
// Go's) falls back to the database and gets the new data. Django 5.1+
// logs the failure and keeps serving the previous copy from the cache
// until it expires; before 5.1 it raises, with the same stale copy left.
// If the delete fails too, Save returns an error whatever
// TolerateCacheWriteErrors says.
//
// A key that the cache cannot hold (see cachestore.Store.HoldsKey: one
// Django would not accept, or one memcached refuses) or the database
// cannot (longer than 40 characters) is no session: Load gives
// ErrNotFound, Exists false, Delete nil and Save an error matching
// djangosession.ErrInvalidKey, with nothing written. Django looks such a
// key up in the database and, were a row there, would raise on filling
// memcached.
//
// Where Django reads a row whose session_data does not decode, it caches
// and returns an empty session; Load returns the database store's
// ErrCorrupt without caching anything, which Session also reads as an
// empty session.
package cacheddb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/python/pyjson"
)

// DB is the database half: a *dbstore.Store satisfies it.
type DB interface {
	djangosession.Store
	djangosession.ExpiryLoader
}

// Options configure a Store. The zero value is Django's default.
type Options struct {
	// Cache configures the cache half as SESSION_CACHE_ALIAS's settings
	// (backend, KEY_PREFIX, VERSION, KEY_FUNCTION). Its EnginePrefix is
	// cachestore.CachedDBPrefix when empty.
	Cache cachestore.Options
	// TolerateCacheWriteErrors is Django 5.1+: when Save has written the
	// database but not the cache (and removed the cache's previous copy),
	// Save reports the cache error to OnCacheError and succeeds. When
	// false (Django 3.2 to 5.0) Save returns the error; the database holds
	// the new data either way. If the previous copy could not be removed,
	// Save returns an error in both modes.
	TolerateCacheWriteErrors bool
	// OnCacheError receives the cache errors Save tolerates (Django logs
	// them on the "django.contrib.sessions" logger). May be nil.
	OnCacheError func(ctx context.Context, key string, err error)
	// Now is the clock for the timeout of a copy filled from the
	// database; time.Now when nil.
	Now func() time.Time
}

// Errors.
var (
	// ErrNoDB is returned by New without a database store.
	ErrNoDB = errors.New("cacheddb: no database store")
	// ErrNoClearer is returned by ClearExpired when the database store
	// cannot clear expired sessions.
	ErrNoClearer = errors.New("cacheddb: database store has no ClearExpired")
)

// Store is a djangosession.Store over a database and a cache. It is safe
// for concurrent use when both halves are.
type Store struct {
	db       DB
	cache    *cachestore.Store
	tolerate bool
	onErr    func(context.Context, string, error)
	now      func() time.Time
}

var (
	_ djangosession.Store          = (*Store)(nil)
	_ djangosession.ExpiredClearer = (*Store)(nil)
)

// New returns a Store over db and the cache client c. It touches neither.
func New(db DB, c cachestore.Client, o *Options) (*Store, error) {
	if db == nil {
		return nil, ErrNoDB
	}
	if o == nil {
		o = &Options{}
	}
	co := o.Cache
	if co.EnginePrefix == "" {
		co.EnginePrefix = cachestore.CachedDBPrefix
	}
	cache, err := cachestore.New(c, &co)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, cache: cache, tolerate: o.TolerateCacheWriteErrors, onErr: o.OnCacheError, now: o.Now}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Cache returns the cache half, for reading what is cached.
func (s *Store) Cache() *cachestore.Store { return s.cache }

// Load returns the session from the cache, or from the database (then
// caching it). ErrNotFound when neither has a live session.
func (s *Store) Load(ctx context.Context, key string) (*pyjson.Object, error) {
	if !s.cache.HoldsKey(key) {
		return nil, fmt.Errorf("cacheddb: %w", djangosession.ErrNotFound)
	}
	if data, err := s.cache.Load(ctx, key); err == nil {
		return data, nil
	}
	// Any failure of the cache read (miss, bad value, server error) falls
	// back to the database, as Django does.
	data, exp, err := s.db.LoadExpiry(ctx, key)
	if err != nil {
		return nil, err
	}
	if err := s.cache.Set(ctx, key, data, ExpiryAge(exp, s.now())); err != nil {
		return nil, fmt.Errorf("cacheddb: filling the cache: %w", err)
	}
	return data, nil
}

// ExpiryAge is Django's get_expiry_age(expiry=exp) at now: the whole
// seconds from now to exp, rounded down (negative once exp is past), at
// the microsecond precision of Python's datetime.
func ExpiryAge(exp, now time.Time) int64 {
	d := exp.Truncate(time.Microsecond).Sub(now.Truncate(time.Microsecond))
	secs := int64(d / time.Second)
	if d < 0 && d%time.Second != 0 {
		secs--
	}
	return secs
}

// Save writes the database, then the cache.
func (s *Store) Save(ctx context.Context, key string, data *pyjson.Object, exp djangosession.Expiry, mustCreate bool) error {
	if !s.cache.HoldsKey(key) {
		return fmt.Errorf("cacheddb: %w", djangosession.ErrInvalidKey)
	}
	if err := s.db.Save(ctx, key, data, exp, mustCreate); err != nil {
		return err
	}
	if err := s.cache.Set(ctx, key, data, exp.Age); err != nil {
		// The cache may still hold the previous copy, which Django and Go
		// would both serve until it expires: remove it, so the next read
		// comes from the database.
		if derr := s.cache.Delete(ctx, key); derr != nil {
			return fmt.Errorf("cacheddb: saved to the database; the cache may keep the previous copy: %w", errors.Join(err, derr))
		}
		if s.tolerate {
			if s.onErr != nil {
				s.onErr(ctx, key, err)
			}
			return nil
		}
		return fmt.Errorf("cacheddb: saved to the database but not the cache: %w", err)
	}
	return nil
}

// Exists reports whether the cache or the database holds the key.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if !s.cache.HoldsKey(key) {
		return false, nil
	}
	ok, err := s.cache.Exists(ctx, key)
	if err != nil || ok {
		return ok, err
	}
	return s.db.Exists(ctx, key)
}

// Delete removes the row, then the cached copy.
func (s *Store) Delete(ctx context.Context, key string) error {
	if !s.cache.HoldsKey(key) {
		return nil
	}
	if err := s.db.Delete(ctx, key); err != nil {
		return err
	}
	return s.cache.Delete(ctx, key)
}

// ClearExpired removes expired rows from the database (the cache expires
// its copies itself).
func (s *Store) ClearExpired(ctx context.Context) (int64, error) {
	c, ok := s.db.(djangosession.ExpiredClearer)
	if !ok {
		return 0, ErrNoClearer
	}
	return c.ClearExpired(ctx)
}
