package auth_test

import (
	"context"
	"database/sql"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/cacheddb"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/internal/testenv"
)

// TestLiveCacheEngines tells the shared-login story with Django's cache
// engine and its cached_db engine on Redis (auth_user, and django_session
// for cached_db, in SQLite). Django 3.2 has no Redis cache backend of its
// own, so it runs with django-redis (Debian's python3-django-redis);
// 4.2 and later with Django's RedisCache. The Go side is cachestore (and
// cacheddb over dbstore) on go-redis, with the same KEY_PREFIX.
func TestLiveCacheEngines(t *testing.T) {
	addr := testenv.RedisAddr(t)
	djangos := testenv.Djangos(t)
	rc := redis.NewClient(&redis.Options{Addr: addr})
	defer rc.Close()
	if err := rc.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("redis at %s: %v", addr, err)
	}
	for _, engine := range []string{"cache", "cached_db"} {
		for _, d := range djangos {
			backend, name := cachestore.RedisCache, "redis"
			if d.Version == "3.2" {
				backend, name = cachestore.DjangoRedis, "django-redis"
			}
			t.Run(engine+"/"+d.Version+"/"+name, func(t *testing.T) {
				prefix := randomName()
				t.Cleanup(func() { deleteKeys(rc, prefix+":*") })
				dir := t.TempDir()
				dbPath := filepath.Join(dir, "db.sqlite3")
				dj := startDjango(t, d, "DJ_DB="+dbPath, "DJ_ENGINE="+engine,
					"DJ_CACHE_LOCATION=redis://"+addr+"/0", "DJ_CACHE_PREFIX="+prefix, "DJ_CACHE_BACKEND="+name)
				db, err := sql.Open("sqlite", dbPath+"?_pragma=busy_timeout(5000)")
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				co := cachestore.Options{Backend: backend, KeyPrefix: prefix}
				var store djangosession.Store
				if engine == "cache" {
					store, err = cachestore.New(goredis.New(rc), &co)
				} else {
					codec, cerr := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: liveSecret}, RejectLegacy: d.Version != "3.2"})
					if cerr != nil {
						t.Fatal(cerr)
					}
					store, err = cacheddb.New(dbStore(t, db, codec, django.SQLite), goredis.New(rc), &cacheddb.Options{
						Cache:                    co,
						TolerateCacheWriteErrors: !django.Release(d.Version).Before("5.1"),
					})
				}
				if err != nil {
					t.Fatal(err)
				}
				gs := httptest.NewServer(goService(t, d, store, &auth.SQLUsers{DB: db, Dialect: django.SQLite}, false))
				defer gs.Close()
				scenario(t, d, dj, gs.URL, db, "SELECT CAST(last_login AS TEXT) FROM auth_user WHERE id = 1")
				n, err := rc.Keys(t.Context(), prefix+":*").Result()
				if err != nil || len(n) == 0 {
					t.Fatalf("no sessions under the prefix in Redis: %v %v", n, err)
				}
			})
		}
	}
}

// deleteKeys removes the test's keys from Redis.
func deleteKeys(rc *redis.Client, pattern string) {
	ctx := context.Background()
	keys, err := rc.Keys(ctx, pattern).Result()
	if err == nil && len(keys) > 0 {
		_ = rc.Del(ctx, keys...).Err()
	}
}
