package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cacheddb"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/gomemcache"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/djangosession/cachestore/mcpool"
	"github.com/djsession/djsession/djangosession/dbstore"
)

// cacheClient builds the client of SESSION_CACHE_ALIAS's cache from the
// same BACKEND, LOCATION and OPTIONS as Django's CACHES setting:
//
//   - backend "pymemcache" (PyMemcacheCache): one memcached server per
//     LOCATION entry, keys spread over them as pymemcache's HashClient
//     spreads them (mcpool), OPTIONS (dead_timeout, retry_attempts, ...)
//     followed;
//   - backend "redis" (RedisCache): one server, or several with the first
//     the primary that takes the writes and the others replicas that serve
//     the reads (goredis.NewReplicated), as Django lays out LOCATION.
func cacheClient(cfg config) (cachestore.Client, cachestore.Backend, error) {
	var opts map[string]any
	if cfg.CacheOptions != "" {
		if err := json.Unmarshal([]byte(cfg.CacheOptions), &opts); err != nil {
			return nil, 0, fmt.Errorf("strangler: -cache-options: %w", err)
		}
	}
	switch cfg.CacheBackend {
	case "pymemcache":
		servers := cachestore.SplitLocation(cachestore.PyMemcache, cfg.CacheLocation)
		pool, err := gomemcache.NewPool(servers, &mcpool.Options{CacheOptions: opts}, func(c *memcache.Client) {
			// pymemcache waits forever by default; a stopped server
			// refuses connections at once, a hung one is bounded here.
			c.Timeout = 2 * time.Second
			c.MaxIdleConns = 32
		})
		return pool, cachestore.PyMemcache, err
	case "redis":
		if len(opts) > 0 {
			return nil, 0, fmt.Errorf("strangler: -cache-options are not read for the redis backend")
		}
		var clients []redis.Cmdable
		for _, u := range cachestore.SplitLocation(cachestore.RedisCache, cfg.CacheLocation) {
			o, err := redis.ParseURL(u)
			if err != nil {
				return nil, 0, fmt.Errorf("strangler: -cache-location: %w", err)
			}
			o.ReadTimeout, o.WriteTimeout, o.DialTimeout = 2*time.Second, 2*time.Second, 2*time.Second
			clients = append(clients, redis.NewClient(o))
		}
		if len(clients) == 0 {
			return nil, 0, fmt.Errorf("strangler: -cache-location is empty")
		}
		if len(clients) == 1 {
			return goredis.New(clients[0]), cachestore.RedisCache, nil
		}
		r, err := goredis.NewReplicated(clients[0], clients[1:], nil)
		return r, cachestore.RedisCache, err
	}
	return nil, 0, fmt.Errorf("strangler: unknown -cache-backend %q (pymemcache or redis)", cfg.CacheBackend)
}

// cacheStore returns the store of the cache and cached_db engines.
func cacheStore(cfg config, db *sql.DB, dialect django.Dialect, rel django.Release, codec *djangosession.Codec) (djangosession.Store, error) {
	c, backend, err := cacheClient(cfg)
	if err != nil {
		return nil, err
	}
	co := cachestore.Options{Backend: backend, KeyPrefix: cfg.CachePrefix,
		// Django's cache engine starts an empty session when the cache
		// raises on load (a server down): so does the Go side.
		ResetOnLoadError: true}
	if cfg.Engine == "cache" {
		return cachestore.New(c, &co)
	}
	dbs, err := sessionDB(cfg, db, dialect, codec)
	if err != nil {
		return nil, err
	}
	return cacheddb.New(dbs, c, &cacheddb.Options{Cache: co,
		TolerateCacheWriteErrors: !rel.Before(django.Django51)})
}

// sessionDB is django_session in Django's database, beside auth_user.
func sessionDB(cfg config, db *sql.DB, dialect django.Dialect, codec *djangosession.Codec) (*dbstore.Store, error) {
	return dbstore.New(db, &dbstore.Options{Dialect: dialect, Codec: codec, TransactionPooler: cfg.Pooler})
}
