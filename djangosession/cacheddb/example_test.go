package cacheddb_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cacheddb"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/memstore"
	"github.com/djsession/djsession/djangosession/storetest"
)

// The cached_db engine writes the database and the cache, reads the cache
// first and falls back to the database. A real service passes a
// dbstore.Store and a cache client (cachestore/gomemcache or
// cachestore/goredis) where this example uses in-memory stand-ins.
func Example() {
	ctx := context.Background()
	settings := django.Settings{SecretKey: "django-insecure-example-key"}
	db := memstore.New(nil) // a *dbstore.Store in production
	cache := storetest.NewMemCache()
	store, err := cacheddb.New(db, cache, &cacheddb.Options{
		Cache: cachestore.Options{Backend: cachestore.PyMemcache},
	})
	if err != nil {
		log.Fatal(err)
	}
	engine, err := djangosession.NewEngine(store, &djangosession.Options{Settings: settings})
	if err != nil {
		log.Fatal(err)
	}

	s := engine.New()
	if err := s.Set("_auth_user_id", "42"); err != nil {
		log.Fatal(err)
	}
	if err := s.Save(ctx); err != nil { // the row, then the cache
		log.Fatal(err)
	}
	fmt.Println("cache key:", strings.TrimSuffix(store.Cache().CacheKey(s.Key()), s.Key())+"<key>")

	store.Cache().Delete(ctx, s.Key()) // evicted: the next load reads the row
	s, err = engine.Open(ctx, s.Key())
	if err != nil {
		log.Fatal(err)
	}
	uid, _ := s.Get("_auth_user_id")
	fmt.Println("user", uid, "from the database")
	// Output:
	// cache key: :1:django.contrib.sessions.cached_db<key>
	// user 42 from the database
}
