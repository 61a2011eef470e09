package cacheddb_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cacheddb"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/internal/integration/livecache"
	"github.com/djsession/djsession/internal/testenv"
)

// TestLiveNoStaleCopy is the live half of issue 13 item 11: a real Django
// (cached_db over Redis and a SQLite file) and Go share sessions; Go saves
// while its cache write fails (tolerated, as Django 5.1+ does). Before the
// fix Django kept reading the previous copy from Redis; now it must read
// the new data.
func TestLiveNoStaleCopy(t *testing.T) {
	ctx := context.Background()
	for _, d := range testenv.Djangos(t) {
		t.Run(d.Version, func(t *testing.T) {
			lb := livecache.Backends[0] // RedisCache
			if d.Version == "3.2" {     // RedisCache arrived in Django 4.0
				lb = livecache.Backends[1] // django-redis
			}
			backend := lb.Backend
			var client cachestore.Client
			for _, c := range caches() {
				if c.name == "redis" {
					client = c.client(t)
				}
			}
			prefix := "djtest-" + randHex(6)
			file := filepath.Join(t.TempDir(), "db.sqlite3")
			p := livecache.NewPeer(t, d, "cached_db", lb, prefix, map[string]string{"db": file, "secret": secret})
			p.Do(t, "write") // creates django_session

			sdb, err := sql.Open("sqlite", file+"?_pragma=busy_timeout(10000)")
			if err != nil {
				t.Fatal(err)
			}
			defer sdb.Close()
			codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: secret}})
			if err != nil {
				t.Fatal(err)
			}
			db, err := dbstore.New(sdb, &dbstore.Options{Dialect: django.SQLite, Codec: codec})
			if err != nil {
				t.Fatal(err)
			}
			flaky := &flakyCache{Client: client}
			s, err := cacheddb.New(db, flaky, &cacheddb.Options{
				Cache: cachestore.Options{Backend: backend, KeyPrefix: prefix}, TolerateCacheWriteErrors: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			engine := mustEngine(t, s, &djangosession.Options{Settings: django.Settings{Release: django.Release(d.Version)}})

			sess := engine.New()
			if err := sess.Set("cart", map[string]int{"sku-1": 1}); err != nil {
				t.Fatal(err)
			}
			if err := sess.Save(ctx); err != nil {
				t.Fatal(err)
			}
			key := sess.Key()
			defer s.Delete(ctx, key)
			got := p.Do(t, "read", key)[0]
			if !got.Found {
				t.Fatal("Django does not see Go's session")
			}
			livecache.SamePickle(t, "first save", sess.Data(), got.Pickle)

			// Django reads it through the cache; now Go's cache write fails.
			flaky.failSet.Store(true)
			if err := sess.Set("cart", map[string]int{"sku-1": 2}); err != nil {
				t.Fatal(err)
			}
			if err := sess.Save(ctx); err != nil {
				t.Fatalf("tolerated save: %v", err)
			}
			flaky.failSet.Store(false)
			got = p.Do(t, "read", key)[0]
			if !got.Found {
				t.Fatal("Django lost the session")
			}
			livecache.SamePickle(t, "Django after Go's save with a failed cache write (a stale copy?)", sess.Data(), got.Pickle)
		})
	}
}
