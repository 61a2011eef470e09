package cacheddb_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cacheddb"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/gomemcache"
	"github.com/djsession/djsession/djangosession/dbstore"
)

// A Go service sharing a Django project's cached_db sessions:
//
//	SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
//	CACHES = {"default": {
//	    "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
//	    "LOCATION": "127.0.0.1:11211",
//	}}
//
// (It needs a server, so go test compiles it without running it.)
func Example() {
	addr := "127.0.0.1:11211"
	dir, err := os.MkdirTemp("", "cacheddb")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sqldb, err := sql.Open("sqlite", filepath.Join(dir, "db.sqlite3"))
	if err != nil {
		log.Fatal(err)
	}
	defer sqldb.Close()
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: "django-insecure-example-key"}})
	if err != nil {
		log.Fatal(err)
	}
	db, err := dbstore.New(sqldb, &dbstore.Options{Dialect: django.SQLite, Codec: codec})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := db.CreateTable(ctx); err != nil { // Django's migrate does this
		log.Fatal(err)
	}

	store, err := cacheddb.New(db, gomemcache.New(memcache.New(addr)), &cacheddb.Options{
		Cache:                    cachestore.Options{Backend: cachestore.PyMemcache},
		TolerateCacheWriteErrors: true, // as Django 5.1+
		OnCacheError: func(ctx context.Context, key string, err error) {
			log.Printf("session cache: %v", err)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	engine, err := djangosession.NewEngine(store, nil)
	if err != nil {
		log.Fatal(err)
	}
	s := engine.New()
	if err := s.Set("_auth_user_id", "42"); err != nil {
		log.Fatal(err)
	}
	if err := s.Save(ctx); err != nil { // a new key: the row, then the cache
		log.Fatal(err)
	}
	defer store.Delete(ctx, s.Key())

	s, err = engine.Open(ctx, s.Key())
	if err != nil {
		log.Fatal(err)
	}
	uid, _ := s.Get("_auth_user_id")
	fmt.Println("user", uid, "from the cache")

	store.Cache().Delete(ctx, s.Key()) // evicted: the next load reads the row
	s, err = engine.Open(ctx, s.Key())
	if err != nil {
		log.Fatal(err)
	}
	uid, _ = s.Get("_auth_user_id")
	fmt.Println("user", uid, "from the database")
}
