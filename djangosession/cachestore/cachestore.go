// Package cachestore is Django's cache session engine
// (django.contrib.sessions.backends.cache): sessions kept only in a cache,
// Redis or memcached, under the keys and in the value format Django's cache
// backends use, so Django and Go read and write the same sessions.
//
// The store talks to the server through Client, a four-method interface;
// the subpackages goredis (github.com/redis/go-redis/v9) and gomemcache
// (github.com/bradfitz/gomemcache) adapt the usual Go clients, and the core
// imports no driver.
//
// Start with New(client, &Options{Backend: RedisCache, KeyPrefix: "shop"}),
// the project's CACHES entry in Go, and give the Store to
// djangosession.NewEngine (see the examples).
//
// # Keys
//
// A session key k is kept under KEY_FUNCTION(EnginePrefix+k, KEY_PREFIX,
// VERSION), by default "KEY_PREFIX:VERSION:django.contrib.sessions.cache" +
// k (no separator before k), as Django's make_key does.
//
// # Values
//
// The value is the session dict pickled, unsigned (the cache engines do not
// use SECRET_KEY). Backend names the Django cache backend whose format to
// write and read:
//
//   - RedisCache: django.core.cache.backends.redis.RedisCache (Django 4.0+).
//     Values of type int are stored as decimal digits, everything else as
//     pickle.dumps(v, HIGHEST_PROTOCOL) (protocol 5); reading tries int()
//     first. Timeouts go out as SET ... EX seconds.
//   - DjangoRedis: django_redis.cache.RedisCache (django-redis 5.x) with its
//     default PickleSerializer and no compressor: the same int rule,
//     pickle.DEFAULT_PROTOCOL (4) and SET ... PX milliseconds.
//   - PyMemcache: django.core.cache.backends.memcached.PyMemcacheCache
//     (Django 3.2+) with pymemcache's pickle_serde: flags 0 bytes, 1 pickle
//     (protocol 5), 2 int, 16 str.
//   - PyLibMC: PyLibMCCache with pylibmc 1.6: flags 0 bytes, 1 pickle
//     (protocol 5), 2 bool (read back as an int), 4 int, 16 str, 8 added
//     when zlib-compressed.
//
// A session is always a dict, so Save always writes a pickle (flags 1 on
// memcached); Encode and Decode cover the other rules for callers that read
// or write other cache entries.
//
// # Timeouts
//
// The timeout is Expiry.Age, the session's get_expiry_age(), turned into
// what the backend sends, exactly as Django's backends do: on RedisCache a
// timeout of 0 or less deletes the key (set) or writes and deletes it (add);
// on django-redis it deletes the key (set) or writes nothing and reports
// whether the key was absent (add); on memcached 0 becomes -1 (expired at
// once), a negative timeout is sent as it is, and one over 30 days becomes
// an absolute Unix time (capped at 2038-01-19, the largest memcached
// reads).
//
// # Differences from Django
//
// Django's cache engine resets the session when the cache raises on load
// (a server error, an undecodable value). Load returns the server error
// instead (Options.ResetOnLoadError restores Django's behaviour) and
// ErrCorrupt for an undecodable value, which Session treats as an empty
// session. Saving without mustCreate checks that the key exists and then
// sets it, in two calls, as Django does (a delete between the two is
// undone, as in Django; Django's check is a get that also decodes the
// value, Store's an EXISTS or a get that does not); Options.AtomicUpdate does it in one conditional
// write instead (SET XX, memcached replace).
package cachestore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
)

// Engine prefixes, the cache_key_prefix of Django's session engines.
const (
	// CachePrefix is the key prefix of the cache engine.
	CachePrefix = "django.contrib.sessions.cache"
	// CachedDBPrefix is the key prefix of the cached_db engine.
	CachedDBPrefix = "django.contrib.sessions.cached_db"
)

// Backend names the Django cache backend whose value format and timeout
// rules a Store follows.
type Backend int

// Supported backends.
const (
	// RedisCache is django.core.cache.backends.redis.RedisCache
	// (Django 4.0+).
	RedisCache Backend = iota + 1
	// DjangoRedis is django_redis.cache.RedisCache with its default
	// serializer and compressor.
	DjangoRedis
	// PyMemcache is django.core.cache.backends.memcached.PyMemcacheCache.
	PyMemcache
	// PyLibMC is django.core.cache.backends.memcached.PyLibMCCache.
	PyLibMC
)

func (b Backend) String() string {
	switch b {
	case RedisCache:
		return "RedisCache"
	case DjangoRedis:
		return "django-redis"
	case PyMemcache:
		return "PyMemcacheCache"
	case PyLibMC:
		return "PyLibMCCache"
	}
	return "Backend(" + strconv.Itoa(int(b)) + ")"
}

// Memcached reports whether b is a memcached backend.
func (b Backend) Memcached() bool { return b == PyMemcache || b == PyLibMC }

func (b Backend) valid() bool { return b >= RedisCache && b <= PyLibMC }

// SetMode says when Client.Set writes.
type SetMode int

// Set modes.
const (
	// SetAlways writes unconditionally (SET, memcached set).
	SetAlways SetMode = iota
	// SetIfAbsent writes only when the key is absent (SET NX, memcached
	// add): Django's cache.add.
	SetIfAbsent
	// SetIfPresent writes only when the key is present (SET XX, memcached
	// replace).
	SetIfPresent
)

// Item is one cache entry to write.
type Item struct {
	Key   string
	Value []byte
	// Flags are memcached's client flags; Redis has none.
	Flags uint32
	// TTL is the Redis expiry, always positive.
	TTL time.Duration
	// Exptime is memcached's exptime field as Django computes it: seconds
	// up to 30 days, an absolute Unix time beyond, negative when already
	// expired. Never 0 (no expiry) for a session.
	Exptime int32
}

// Client is the cache server, Redis or memcached. Implementations must be
// safe for concurrent use. The goredis and gomemcache subpackages adapt the
// usual Go clients.
type Client interface {
	// Get returns the value and flags stored under key; found is false
	// when there is none.
	Get(ctx context.Context, key string) (value []byte, flags uint32, found bool, err error)
	// Set writes it under mode and reports whether it was written
	// (false: SetIfAbsent found the key, SetIfPresent did not).
	Set(ctx context.Context, it *Item, mode SetMode) (stored bool, err error)
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Exists reports whether key is stored.
	Exists(ctx context.Context, key string) (bool, error)
}

// BackendHinter is implemented by clients that know which backend they
// usually serve; New uses it when Options.Backend is zero.
type BackendHinter interface {
	DefaultBackend() Backend
}

// KeyFunc is Django's KEY_FUNCTION: it makes the cache key from the key,
// the cache's KEY_PREFIX and VERSION.
type KeyFunc func(key, prefix string, version int) string

// DefaultKeyFunc is Django's default_key_func: "prefix:version:key".
func DefaultKeyFunc(key, prefix string, version int) string {
	return prefix + ":" + strconv.Itoa(version) + ":" + key
}

// Options configure a Store. The zero value of each field is Django's
// default.
type Options struct {
	// Backend is the cache backend Django uses (CACHES[alias]["BACKEND"]).
	// When zero: the client's DefaultBackend if it has one (RedisCache
	// for goredis, PyMemcache for gomemcache), else RedisCache.
	Backend Backend
	// KeyPrefix is the cache's KEY_PREFIX ("" by default).
	KeyPrefix string
	// Version is the cache's VERSION; 1 when zero. (A VERSION of 0 needs
	// a KeyFunc.)
	Version int
	// KeyFunc is the cache's KEY_FUNCTION; DefaultKeyFunc when nil.
	KeyFunc KeyFunc
	// EnginePrefix is the session engine's cache_key_prefix: CachePrefix
	// when empty (package cacheddb sets CachedDBPrefix).
	EnginePrefix string
	// PickleProtocol is the protocol values are pickled with: the
	// backend's default (5; 4 for DjangoRedis) when zero. It is the
	// serializer's protocol option (django-redis PICKLE_VERSION).
	PickleProtocol int
	// MaxValueSize bounds the size of a value read and of a decompressed
	// value; DefaultMaxValueSize when zero.
	MaxValueSize int
	// AtomicUpdate makes Save without mustCreate a single conditional
	// write (SET XX, memcached replace) instead of Django's exists check
	// followed by a set: one round trip, and a session deleted meanwhile
	// stays deleted.
	AtomicUpdate bool
	// ResetOnLoadError makes Load report any error from the server as
	// ErrNotFound, as Django's cache engine resets the session when the
	// cache raises.
	ResetOnLoadError bool
	// Now is the clock for memcached's absolute expiry times; time.Now
	// when nil.
	Now func() time.Time
}

// DefaultMaxValueSize bounds the values a Store reads.
const DefaultMaxValueSize = 32 << 20

// memcachedMaxKey is Django's MEMCACHE_MAX_KEY_LENGTH.
const memcachedMaxKey = 250

// maxRelative is the longest timeout memcached takes as relative seconds
// (30 days); longer ones are Unix times.
const maxRelative = 30 * 86400

// Errors.
var (
	// ErrBackend is returned by New for an unknown Backend.
	ErrBackend = errors.New("cachestore: unknown backend")
	// ErrNoClient is returned by New without a client.
	ErrNoClient = errors.New("cachestore: no client")
	// ErrProtocol is returned by New for a pickle protocol outside 2-5.
	ErrProtocol = errors.New("cachestore: pickle protocol must be 2 to 5")
)

// Store is a djangosession.Store over a cache. It is safe for concurrent
// use.
type Store struct {
	c        Client
	backend  Backend
	prefix   string
	version  int
	keyFunc  KeyFunc
	engine   string
	proto    int
	maxValue int
	atomic   bool
	reset    bool
	now      func() time.Time
}

var _ djangosession.Store = (*Store)(nil)

// New returns a Store over c. It does not contact the server.
func New(c Client, o *Options) (*Store, error) {
	if c == nil {
		return nil, ErrNoClient
	}
	if o == nil {
		o = &Options{}
	}
	s := &Store{c: c, backend: o.Backend, prefix: o.KeyPrefix, version: o.Version,
		keyFunc: o.KeyFunc, engine: o.EnginePrefix, proto: o.PickleProtocol,
		maxValue: o.MaxValueSize, atomic: o.AtomicUpdate, reset: o.ResetOnLoadError, now: o.Now}
	if s.backend == 0 {
		s.backend = RedisCache
		if h, ok := c.(BackendHinter); ok {
			s.backend = h.DefaultBackend()
		}
	}
	if !s.backend.valid() {
		return nil, ErrBackend
	}
	if s.version == 0 {
		s.version = 1
	}
	if s.keyFunc == nil {
		s.keyFunc = DefaultKeyFunc
	}
	if s.engine == "" {
		s.engine = CachePrefix
	}
	if s.proto == 0 {
		s.proto = s.backend.defaultProtocol()
	}
	if s.proto < 2 || s.proto > 5 {
		return nil, ErrProtocol
	}
	if s.maxValue <= 0 {
		s.maxValue = DefaultMaxValueSize
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Client returns the client the store talks to.
func (s *Store) Client() Client { return s.c }

// Backend returns the backend the store follows.
func (s *Store) Backend() Backend { return s.backend }

// CacheKey returns the cache key a session key is stored under.
func (s *Store) CacheKey(key string) string {
	return s.keyFunc(s.engine+key, s.prefix, s.version)
}

// cacheKey returns the cache key of a session key, or an error matching
// djangosession.ErrInvalidKey when the key names no session this store
// can hold: one Django would not accept (djangosession.ValidKey), or, on
// memcached, one whose cache key memcached refuses (over 250 bytes, or a
// control or space byte). Django's memcached backends raise
// InvalidCacheKey for the characters and for more than 250 characters,
// and pymemcache and pylibmc for more than 250 bytes once encoded; Django's
// load catches either and starts a new session.
func (s *Store) cacheKey(key string) (string, error) {
	if !djangosession.ValidKey(key) {
		return "", errInvalidKey
	}
	ck := s.CacheKey(key)
	if s.backend.Memcached() && !memcachedKey(ck) {
		return "", errInvalidKey
	}
	return ck, nil
}

var errInvalidKey = fmt.Errorf("cachestore: %w", djangosession.ErrInvalidKey)

// HoldsKey reports whether key names a session this store can hold; for
// any other key Load gives ErrNotFound, Exists false, Delete nil and Save
// an error matching djangosession.ErrInvalidKey.
func (s *Store) HoldsKey(key string) bool {
	_, err := s.cacheKey(key)
	return err == nil
}

// memcachedKey reports whether memcached's text protocol can carry k: at
// most 250 bytes, none of them a control character, space or DEL.
func memcachedKey(k string) bool {
	if len(k) > memcachedMaxKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 33 || k[i] == 127 {
			return false
		}
	}
	return true
}

// Load returns the session stored under key: ErrNotFound when there is
// none (or the value is None, which Django reads as a miss), ErrCorrupt
// when the value does not decode to a dict.
//
// A key no session can have (see cacheKey: shorter than eight bytes, or
// one memcached cannot carry) is no session: Load gives ErrNotFound,
// Exists false, Delete nil, and Save an error matching
// djangosession.ErrInvalidKey.
func (s *Store) Load(ctx context.Context, key string) (*pyjson.Object, error) {
	ck, err := s.cacheKey(key)
	if err != nil {
		return nil, djangosession.ErrNotFound
	}
	val, flags, found, err := s.c.Get(ctx, ck)
	if err != nil {
		if s.reset {
			return nil, djangosession.ErrNotFound
		}
		return nil, fmt.Errorf("cachestore: get: %w", err)
	}
	if !found {
		return nil, djangosession.ErrNotFound
	}
	return s.decodeSession(val, flags)
}

// decodeSession decodes a stored value as a session dict: ErrCorrupt for a
// value over the size limit, undecodable, or not a dict; ErrNotFound for a
// stored None.
func (s *Store) decodeSession(val []byte, flags uint32) (*pyjson.Object, error) {
	if len(val) > s.maxValue {
		return nil, fmt.Errorf("cachestore: value of %d bytes over the %d limit: %w", len(val), s.maxValue, djangosession.ErrCorrupt)
	}
	v, err := s.backend.decode(val, flags, s.maxValue)
	if err != nil {
		return nil, fmt.Errorf("cachestore: %w: %w", djangosession.ErrCorrupt, err)
	}
	switch v := v.(type) {
	case nil:
		return nil, djangosession.ErrNotFound
	case *pyjson.Object:
		return v, nil
	}
	return nil, fmt.Errorf("cachestore: %w: %w", djangosession.ErrCorrupt, djangosession.ErrNotDict)
}

// Save stores data under key with the timeout exp.Age. With mustCreate it
// is Django's cache.add: ErrExists when the key is taken. Without, it is
// Django's update: ErrVanished when the key is not stored, else cache.set.
func (s *Store) Save(ctx context.Context, key string, data *pyjson.Object, exp djangosession.Expiry, mustCreate bool) error {
	ck, err := s.cacheKey(key)
	if err != nil {
		return err
	}
	val, flags, err := s.encode(data)
	if err != nil {
		return err
	}
	// A conditional write, when the client has one: add for a new key
	// (ErrExists when taken), replace for an existing one (ErrVanished when
	// gone).
	mode, miss := SetIfAbsent, djangosession.ErrExists
	if !mustCreate {
		mode, miss = SetIfPresent, djangosession.ErrVanished
	}
	if mustCreate || s.atomic {
		ok, err := s.write(ctx, ck, val, flags, exp.Age, mode)
		if err != nil {
			return err
		}
		if !ok {
			return miss
		}
		return nil
	}
	ok, err := s.c.Exists(ctx, ck)
	if err != nil {
		return fmt.Errorf("cachestore: exists: %w", err)
	}
	if !ok {
		return djangosession.ErrVanished
	}
	_, err = s.write(ctx, ck, val, flags, exp.Age, SetAlways)
	return err
}

// Set writes data under key with the timeout age (seconds), whether or not
// the key is stored: Django's cache.set, which the cached_db engine uses.
func (s *Store) Set(ctx context.Context, key string, data *pyjson.Object, age int64) error {
	ck, err := s.cacheKey(key)
	if err != nil {
		return err
	}
	val, flags, err := s.encode(data)
	if err != nil {
		return err
	}
	_, err = s.write(ctx, ck, val, flags, age, SetAlways)
	return err
}

func (s *Store) encode(data *pyjson.Object) ([]byte, uint32, error) {
	if data == nil {
		data = &pyjson.Object{}
	}
	// Values put in through Session.Data rather than Set (a Go map, an
	// int) are converted as Set converts them, so the cache accepts what
	// the other stores accept; what only a pickle holds is kept.
	v, err := djangosession.PickleValue(data)
	if err != nil {
		return nil, 0, fmt.Errorf("cachestore: %w", err)
	}
	val, flags, err := s.backend.encode(v, s.proto)
	if err != nil {
		return nil, 0, fmt.Errorf("cachestore: %w", err)
	}
	return val, flags, nil
}

// write is the backend's set or add with Django's timeout rules.
func (s *Store) write(ctx context.Context, ck string, val []byte, flags uint32, age int64, mode SetMode) (bool, error) {
	it := &Item{Key: ck, Value: val, Flags: flags}
	switch s.backend {
	case RedisCache:
		// get_backend_timeout: max(0, timeout); the client deletes on 0.
		if age <= 0 {
			switch mode {
			case SetIfAbsent:
				// Written without expiry, then deleted.
				ok, err := s.c.Set(ctx, it, mode)
				if err != nil {
					return false, fmt.Errorf("cachestore: set: %w", err)
				}
				if ok {
					if err := s.c.Delete(ctx, ck); err != nil {
						return false, fmt.Errorf("cachestore: delete: %w", err)
					}
				}
				return ok, nil
			case SetIfPresent:
				ok, err := s.c.Exists(ctx, ck)
				if err != nil || !ok {
					return false, wrap("exists", err)
				}
			}
			return true, wrap("delete", s.c.Delete(ctx, ck))
		}
		it.TTL = time.Duration(min(age, math.MaxInt64/int64(time.Second))) * time.Second
	case DjangoRedis:
		// Milliseconds; zero or less: add reports absence, set deletes.
		if age <= 0 {
			ok, err := s.c.Exists(ctx, ck)
			if err != nil {
				return false, wrap("exists", err)
			}
			switch mode {
			case SetIfAbsent:
				return !ok, nil
			case SetIfPresent:
				if !ok {
					return false, nil
				}
			}
			return true, wrap("delete", s.c.Delete(ctx, ck))
		}
		it.TTL = time.Duration(min(age, math.MaxInt64/int64(time.Second))) * time.Second
	default:
		it.Exptime = s.memcachedExptime(age)
	}
	ok, err := s.c.Set(ctx, it, mode)
	if err != nil {
		if s.backend.Memcached() && mode == SetAlways {
			// Django's memcached set deletes the key when the set fails
			// (a value over the item size limit), so no old value stays.
			_ = s.c.Delete(ctx, ck)
		}
		return false, fmt.Errorf("cachestore: set: %w", err)
	}
	return ok, nil
}

// memcachedExptime is get_backend_timeout of Django's memcached backends.
func (s *Store) memcachedExptime(age int64) int32 {
	if age == 0 {
		return -1
	}
	if age > maxRelative {
		age = min(age, math.MaxInt32) + s.now().Unix()
	}
	return int32(max(min(age, math.MaxInt32), math.MinInt32))
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("cachestore: %s: %w", op, err)
}

// Exists reports whether a session is stored under key, as Django's
// exists (the cache's has_key).
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	ck, err := s.cacheKey(key)
	if err != nil {
		return false, nil // no session can have that key
	}
	ok, err := s.c.Exists(ctx, ck)
	if err != nil {
		return false, fmt.Errorf("cachestore: exists: %w", err)
	}
	return ok, nil
}

// Delete removes the session stored under key.
func (s *Store) Delete(ctx context.Context, key string) error {
	ck, err := s.cacheKey(key)
	if err != nil {
		return nil // no session can have that key
	}
	return wrap("delete", s.c.Delete(ctx, ck))
}
