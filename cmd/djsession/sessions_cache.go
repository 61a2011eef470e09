package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/gomemcache"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/djangosession/cachestore/mcpool"
	"github.com/djsession/djsession/python/pickle"
	"github.com/djsession/djsession/python/pyjson"
)

// Sessions of Django's cache engine, on Redis (RedisCache, django-redis)
// or memcached (PyMemcacheCache, PyLibMCCache), read and written through
// the library's cachestore: keys KEY_PREFIX:VERSION:
// django.contrib.sessions.cache<key>, values the session dict pickled
// (unsigned), the expiry the entry's time to live. Listing uses the
// store's Lister (SCAN on Redis, lru_crawler metadump on every memcached
// server).

// errCacheReadOnly is returned by the commands that would rewrite sessions
// in a cache.
var errCacheReadOnly = errors.New("the cache engines are read-only here: a cache expires its sessions itself (Django's clear_expired does nothing for them), and their values are unsigned pickles")

// cacheSessions is a cache engine's sessions as the sessions commands see
// them.
type cacheSessions struct {
	store *cachestore.Store
	close func() error
	now   func() time.Time
}

func (c *cacheSessions) Close() error { return c.close() }

// openStore builds the library store a cache URL names: the one place a
// URL becomes a client. The servers are in LOCATION order; a pool of
// several is listed on every node.
func (e *sessionsEnv) openCache(ctx context.Context, t *dbTarget) (*cacheSessions, error) {
	client, backend, closeFn, err := t.cacheClient(ctx, time.Minute)
	if err != nil {
		return nil, err
	}
	o := &cachestore.Options{Backend: backend, KeyPrefix: e.cacheKeyPrefix, Version: e.cacheVersion, Now: e.now}
	if e.cachedDB {
		o.EnginePrefix = cachestore.CachedDBPrefix
	}
	s, err := cachestore.New(client, o)
	if err != nil {
		closeFn()
		return nil, usagef("%v", err)
	}
	return &cacheSessions{store: s, close: closeFn, now: e.now}, nil
}

// cacheClient connects to the servers of a cache URL (redis:// or
// memcached://, every topology they name) and returns the client, the
// cache backend whose format it speaks, and its Close. mcTimeout is each
// memcached call's timeout.
func (t *dbTarget) cacheClient(ctx context.Context, mcTimeout time.Duration) (cachestore.Client, cachestore.Backend, func() error, error) {
	var client cachestore.Client
	var backend cachestore.Backend
	var closeFn func() error
	switch t.kind {
	case kindRedis:
		quietRedis.Do(func() { redis.SetLogger(discardLogger{}) })
		backend = map[string]cachestore.Backend{"redis": cachestore.RedisCache, "django-redis": cachestore.DjangoRedis}[t.backend]
		rc, err := t.redisClient(ctx)
		if err != nil {
			return nil, 0, nil, err
		}
		client, closeFn = rc, rc.(io.Closer).Close
	case kindMemcached:
		mo := &mcpool.Options{CacheOptions: t.mcOptions}
		mo.Backend, backend = mcpool.PyMemcacheCache, cachestore.PyMemcache
		switch t.backend {
		case "pylibmc":
			mo.Backend, backend = mcpool.PyLibMCCache, cachestore.PyLibMC
		case "memcached":
			mo.Backend = mcpool.MemcachedCache
		}
		pool, err := gomemcache.NewPoolLister(t.addrs, mo, func(mc *memcache.Client) { mc.Timeout = mcTimeout })
		if err != nil {
			return nil, 0, nil, usagef("%v: %v", errDBURL, err)
		}
		for _, addr := range t.addrs {
			mc := memcache.New(addr)
			err := mc.Ping()
			mc.Close()
			if err != nil {
				pool.Close()
				return nil, 0, nil, fmt.Errorf("connecting to %s: %w", t.display, err)
			}
		}
		client, closeFn = pool, pool.Close
	default:
		return nil, 0, nil, usagef("%v: %s is not a cache", errDBURL, t.kind)
	}
	return client, backend, closeFn, nil
}

// redisClient connects to the servers of a redis:// URL as the URL's
// client_class lays them out (goredis's package doc): one server;
// several, the first the primary (Django's RedisCache, django-redis's
// DefaultClient); shards (ShardClient); a sentinel-managed master
// (SentinelClient). Every server is pinged first.
func (t *dbTarget) redisClient(ctx context.Context) (cachestore.Client, error) {
	node := func(addr string) *redis.Options {
		o := &redis.Options{
			Addr: addr, Username: t.user, Password: t.password, DB: t.db,
			TLSConfig: t.tlsConfig, ReadTimeout: t.timeout, WriteTimeout: t.timeout,
			DialTimeout: t.dialTimeout, PoolSize: t.poolSize,
			MaxRetries: -1, // a refused connection is an answer, not a reason to wait
		}
		if o.TLSConfig != nil {
			o.TLSConfig = o.TLSConfig.Clone()
			o.TLSConfig.ServerName, _, _ = net.SplitHostPort(addr)
		}
		return o
	}
	if t.topology == topoSentinel {
		return goredis.NewSentinel(&redis.FailoverOptions{
			MasterName: t.masterName, SentinelAddrs: t.sentinels,
			Username: t.user, Password: t.password, DB: t.db,
			TLSConfig: t.tlsConfig, ReadTimeout: t.timeout, WriteTimeout: t.timeout,
			DialTimeout: t.dialTimeout, PoolSize: t.poolSize, MaxRetries: -1,
		}, nil)
	}
	var clients []redis.Cmdable
	closeAll := func() {
		for _, c := range clients {
			c.(io.Closer).Close()
		}
	}
	for _, addr := range t.addrs {
		rc := redis.NewClient(node(addr))
		clients = append(clients, rc)
		if err := rc.Ping(ctx).Err(); err != nil {
			closeAll()
			return nil, fmt.Errorf("connecting to %s: %w", t.display, redisError(err))
		}
	}
	var c cachestore.Client
	var err error
	switch {
	case t.topology == topoShard:
		shards := make([]goredis.Shard, len(clients))
		for i, rc := range clients {
			shards[i] = goredis.Shard{Name: t.shardNames[i], Client: rc}
		}
		c, err = goredis.NewSharded(shards)
	case len(clients) == 1:
		c = closingClient{goredis.New(clients[0]), clients[0].(io.Closer)}
	default:
		c, err = goredis.NewReplicated(clients[0], clients[1:], nil)
	}
	if err != nil {
		closeAll()
		return nil, usagef("%v: %v", errDBURL, err)
	}
	return c, nil
}

// closingClient is one server's client with its connection's Close.
type closingClient struct {
	*goredis.Client
	io.Closer
}

// quietRedis silences go-redis's own logging (its process-wide logger
// writes dial failures to stderr): the command reports errors itself, on
// one line.
var quietRedis sync.Once

type discardLogger struct{}

func (discardLogger) Printf(context.Context, string, ...any) {}

// redisError keeps go-redis's error but says plainly when the password
// was refused (its text never holds the password).
func redisError(err error) error {
	var re redis.Error
	if errors.As(err, &re) && (re.Error() == "WRONGPASS invalid username-password pair or user is disabled." || re.Error() == "NOAUTH Authentication required.") {
		return errors.New("redis AUTH failed")
	}
	return err
}

func (c *cacheSessions) each(ctx context.Context, f rowFilter, fn func(sessionRow) error) error {
	return listEach(ctx, c.store, f, func(r djangosession.Record) sessionRow {
		return sessionRow{key: r.Key, raw: r.Data, expire: r.Expire, cache: c.store, rec: r}
	}, fn)
}

func (c *cacheSessions) count(ctx context.Context, f rowFilter) (int64, error) {
	return countEach(ctx, c, f)
}

// clearExpired does nothing: a cache expires its entries itself, as
// Django's clear_expired for the cache engine assumes.
func (c *cacheSessions) clearExpired(context.Context) (int64, error) { return 0, nil }

// records is nil: rekey and convert do not rewrite a cache engine's
// unsigned pickles, and copy writes a cache through cacheWriter.
func (c *cacheSessions) records() djangosession.RecordWriter { return nil }

// decodeCacheRow reads a listed cache value as the store's Load does; a
// pickled value JSON has no form for (datetime, bytes ...) is undecoded.
func decodeCacheRow(r sessionRow) (*pyjson.Object, error) {
	obj, err := r.cache.DecodeRecord(r.rec)
	if err != nil {
		return nil, err
	}
	j, err := pickle.JSONCompatible(obj)
	if err != nil {
		return nil, err
	}
	return j.(*pyjson.Object), nil
}

// cacheWriter writes sessions into a cache as Django's cache session engine
// does (copy --to): the dict pickled under the engine's key, the timeout
// the seconds left until the row's expiry.
type cacheWriter struct {
	*cacheSessions
	cl *classifier
	// skipped lists the rows that could not be written, with the reason
	skipped []string
}

func (w *cacheWriter) notCopied() []string { return w.skipped }

func (w *cacheWriter) put(ctx context.Context, rows []sessionRow, replace bool) (int64, error) {
	var n int64
	now := w.now()
	for _, r := range rows {
		v := w.cl.classifyRow(r)
		if v.status != statusOK {
			w.skipped = append(w.skipped, r.key+" "+v.status)
			continue
		}
		age := int64(r.expire.Sub(now) / time.Second)
		if age <= 0 {
			continue // Django's cache timeout 0 deletes
		}
		var err error
		if replace {
			err = w.store.Set(ctx, r.key, v.data, age)
		} else {
			err = w.store.Save(ctx, r.key, v.data, djangosession.Expiry{Date: r.expire, Age: age}, true)
		}
		switch {
		case errors.Is(err, djangosession.ErrExists):
			continue
		case errors.Is(err, pickle.ErrUnsupported), errors.Is(err, djangosession.ErrInvalidKey):
			w.skipped = append(w.skipped, r.key+" "+err.Error())
			continue
		case err != nil:
			return n, err
		}
		n++
	}
	return n, nil
}
