// Command hostilesrv is the server of the memory-capped hostile run (issue
// 13): package middleware in front of a handler shaped like one behind
// auth.RequireLogin, which reads the session, sets a value on it (so that
// the middleware saves it) and answers 302 to the login page when no user
// is logged in, 200 when one is. That is the shape that died with "fatal
// error: out of memory" on a planted pickle before the decoders were
// bounded.
//
// Its test (hostilesrv_test.go) builds it, runs it under GOMEMLIMIT and a
// hard address-space cap, plants the hostile corpus in its store and sends
// every request. It is not meant for anything else.
//
// Usage:
//
//	HOSTILESRV_SECRET_KEY=... hostilesrv -store db -sqlite /tmp/s.db -addr 127.0.0.1:8000
//
// -store is one of db (SQLite), file, signed_cookies, redis, memcached and
// cached_db (SQLite and Redis). SECRET_KEY is read from the environment,
// never from the command line.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/redis/go-redis/v9"
	_ "modernc.org/sqlite"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cacheddb"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/gomemcache"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/filestore"
	"github.com/djsession/djsession/djangosession/middleware"
)

// SecretKeyEnv names the environment variable holding SECRET_KEY.
const SecretKeyEnv = "HOSTILESRV_SECRET_KEY"

// config is what the flags say.
type config struct {
	store, addr, sqlite, dir, redis, memcached, prefix string
}

func main() {
	var c config
	flag.StringVar(&c.store, "store", "", "db, file, signed_cookies, redis, memcached or cached_db")
	flag.StringVar(&c.addr, "addr", "127.0.0.1:8000", "listen address")
	flag.StringVar(&c.sqlite, "sqlite", "", "SQLite file holding django_session (db, cached_db)")
	flag.StringVar(&c.dir, "dir", "", "SESSION_FILE_PATH (file)")
	flag.StringVar(&c.redis, "redis", "", "Redis address (redis, cached_db)")
	flag.StringVar(&c.memcached, "memcached", "", "memcached address (memcached)")
	flag.StringVar(&c.prefix, "prefix", "", "the cache's KEY_PREFIX")
	flag.Parse()
	log.SetFlags(0)
	store, err := newStore(c, os.Getenv(SecretKeyEnv))
	if err != nil {
		log.Fatalf("hostilesrv: %v", err)
	}
	engine, err := djangosession.NewEngine(store, nil)
	if err != nil {
		log.Fatalf("hostilesrv: %v", err)
	}
	mw, err := middleware.New(engine, nil)
	if err != nil {
		log.Fatalf("hostilesrv: %v", err)
	}
	srv := &http.Server{Addr: c.addr, Handler: mw.Handler(http.HandlerFunc(serve)),
		ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// serve is the handler: read the session, set a value, answer 302 to the
// login page without a logged-in user (as auth.RequireLogin does), 200
// with one. The middleware saves the session after it.
func serve(w http.ResponseWriter, r *http.Request) {
	s, err := middleware.Session(r)
	if err != nil {
		http.Error(w, "no session middleware", http.StatusInternalServerError)
		return
	}
	user, _ := s.Get("_auth_user_id")
	hits, _ := s.Get("hits")
	n, _ := hits.(int64)
	if err := s.Set("hits", n+1); err != nil {
		http.Error(w, "session value", http.StatusInternalServerError)
		return
	}
	if user == nil {
		http.Redirect(w, r, "/accounts/login/?next=/", http.StatusFound)
		return
	}
	fmt.Fprintln(w, "ok")
}

// newStore opens the store c names.
func newStore(c config, secret string) (djangosession.Store, error) {
	if secret == "" {
		return nil, errors.New(SecretKeyEnv + " is not set")
	}
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: secret}})
	if err != nil {
		return nil, err
	}
	openDB := func() (*dbstore.Store, error) {
		db, err := sql.Open("sqlite", c.sqlite+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			return nil, err
		}
		return dbstore.New(db, &dbstore.Options{Dialect: django.SQLite, Codec: codec})
	}
	redisClient := func() cachestore.Client {
		return goredis.New(redis.NewClient(&redis.Options{Addr: c.redis}))
	}
	switch c.store {
	case "db":
		return openDB()
	case "file":
		return filestore.New(&filestore.Options{Dir: c.dir, Codec: codec})
	case "signed_cookies":
		return cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: secret}})
	case "redis":
		return cachestore.New(redisClient(), &cachestore.Options{KeyPrefix: c.prefix})
	case "memcached":
		return cachestore.New(gomemcache.New(memcache.New(c.memcached)), &cachestore.Options{KeyPrefix: c.prefix})
	case "cached_db":
		db, err := openDB()
		if err != nil {
			return nil, err
		}
		return cacheddb.New(db, redisClient(), &cacheddb.Options{Cache: cachestore.Options{KeyPrefix: c.prefix}})
	}
	return nil, fmt.Errorf("unknown -store %q", c.store)
}
