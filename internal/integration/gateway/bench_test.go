package gateway_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/gateway"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// BenchmarkForwardAuth is one authorised forward-auth check, the user
// read from SQLite, the session from the db store (SQLite) or, with
// DJ_TEST_REDIS_ADDR set, the cache store on Redis (as Django's RedisCache
// writes it); without caches, with the identity cache, and with the
// session cache too.
func BenchmarkForwardAuth(b *testing.B) {
	for _, store := range []string{"db", "redis"} {
		for _, ttl := range []string{"ttl=0", "ttl=2s", "ttl=2s+sessions=2s"} {
			b.Run("store="+store+"/"+ttl, func(b *testing.B) {
				e := newEnv(b)
				if store == "redis" {
					e.useRedis(b)
				}
				o := gateway.Options{Rules: testRules, AssertionKey: "assertion-key-0123456789"}
				if ttl != "ttl=0" {
					o.CacheTTL = 2 * time.Second
				}
				if ttl == "ttl=2s+sessions=2s" {
					e.useSessionCache(b, 2*time.Second, &clock{t: time.Now()})
				}
				g := e.gateway(b, o)
				c := e.login(b, "2")
				h := g.ForwardAuth()
				r := httptest.NewRequest("GET", "/auth", nil)
				r.Header.Set("X-Original-URI", "/app/x")
				r.AddCookie(c)
				b.ReportAllocs()
				for b.Loop() {
					w := httptest.NewRecorder()
					h.ServeHTTP(w, r)
					if w.Code != http.StatusOK {
						b.Fatal(w.Code)
					}
				}
			})
		}
	}
}

// useRedis moves e's sessions to the cache store on Redis, under a key
// prefix of the benchmark's own; it skips without DJ_TEST_REDIS_ADDR.
func (e *env) useRedis(b *testing.B) {
	rc := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(b)})
	var p [6]byte
	_, _ = rand.Read(p[:])
	prefix := "gwbench" + hex.EncodeToString(p[:])
	b.Cleanup(func() {
		ctx := context.Background()
		if keys, err := rc.Keys(ctx, prefix+":*").Result(); err == nil && len(keys) > 0 {
			rc.Del(ctx, keys...)
		}
		rc.Close()
	})
	store, err := cachestore.New(goredis.New(rc), &cachestore.Options{KeyPrefix: prefix, AtomicUpdate: true})
	if err != nil {
		b.Fatal(err)
	}
	e.engine = mustEngine(b, store, &djangosession.Options{})
	if e.sessions, err = middleware.New(e.engine, nil); err != nil {
		b.Fatal(err)
	}
}
