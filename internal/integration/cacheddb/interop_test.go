package cacheddb_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cacheddb"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/internal/integration/livecache"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
)

// TestDjangoInterop: Django's cached_db engine over a SQLite file and each
// cache backend it can use, against Store over the same file and cache.
func TestDjangoInterop(t *testing.T) {
	ctx := context.Background()
	for _, d := range testenv.Djangos(t) {
		for _, b := range livecache.Backends {
			t.Run(d.Version+"/"+b.Peer, func(t *testing.T) {
				prefix := "djtest-" + randHex(6)
				file := filepath.Join(t.TempDir(), "db.sqlite3")
				p := livecache.NewPeer(t, d, "cached_db", b, prefix, map[string]string{"db": file, "secret": secret})
				if !p.Usable(t) {
					t.Skipf("Django %s has no %s", d.Version, b.Backend)
				}
				var client cachestore.Client
				for _, c := range caches() {
					if c.name == b.Server {
						client = c.client(t)
					}
				}
				written := p.Do(t, "write") // also creates django_session

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
				defer db.Close()
				s, err := cacheddb.New(db, client, &cacheddb.Options{Cache: cachestore.Options{Backend: b.Backend, KeyPrefix: prefix}})
				if err != nil {
					t.Fatal(err)
				}
				engine := mustEngine(t, s, &djangosession.Options{Settings: django.Settings{Release: django.Release(d.Version)}})
				ck := s.Cache().CacheKey

				var keys []string
				for _, ps := range written {
					what := "django " + ps.Case
					data, err := s.Load(ctx, ps.Key)
					if err != nil {
						t.Fatalf("%s: %v", what, err)
					}
					livecache.SamePickle(t, what+" (cache)", data, ps.Pickle)
					fromDB, err := db.Load(ctx, ps.Key)
					if err != nil {
						t.Fatalf("%s: database: %v", what, err)
					}
					livecache.SamePickle(t, what+" (database)", fromDB, ps.Pickle)
					p.CheckTTL(t, what, ck(ps.Key), ps.Age)
					// A fill from the database takes the time left on
					// expire_date, which is Django's age too.
					if err := s.Cache().Delete(ctx, ps.Key); err != nil {
						t.Fatal(err)
					}
					if _, err := s.Load(ctx, ps.Key); err != nil {
						t.Fatal(err)
					}
					p.CheckTTL(t, what+" refilled", ck(ps.Key), ps.Age)

					sess, err := engine.Open(ctx, ps.Key)
					if err != nil {
						t.Fatal(err)
					}
					sess.Set("go", int64(len(keys)))
					if err := sess.Save(ctx); err != nil {
						t.Fatalf("%s: Go save: %v", what, err)
					}
					keys = append(keys, ps.Key)
				}
				check := func(label string, got []livecache.Session) {
					t.Helper()
					for i, ps := range got {
						what := fmt.Sprintf("%s %d %s", label, i, written[min(i, len(written)-1)].Case)
						if !ps.Found {
							t.Errorf("%s: Django does not find it", what)
							continue
						}
						data, err := db.Load(ctx, ps.Key)
						if err != nil {
							t.Fatal(err)
						}
						livecache.SamePickle(t, what, data, ps.Pickle)
						p.CheckTTL(t, what, ck(ps.Key), ps.Age)
					}
				}
				check("updated by Go, Django reads the cache", p.Do(t, "read", keys...))
				for _, k := range keys {
					s.Cache().Delete(ctx, k)
				}
				check("updated by Go, Django reads the database", p.Do(t, "read", keys...))

				// Go -> Django.
				keys = keys[:0]
				for n := range 4 {
					sess := engine.New()
					sess.Set("_auth_user_id", "17")
					sess.Set("u", "z\u00fcrich \u2603 \U0001F680")
					sess.Set("big", new(big.Int).Lsh(big.NewInt(-3), 80))
					sess.Set("nested", []any{int64(1), &pyjson.Object{}, []any{nil, false, 2.5}})
					switch n {
					case 1:
						sess.SetExpiry(900)
					case 2:
						sess.SetExpiry(40 * 86400)
					case 3:
						if !django.Release(d.Version).Before(django.Django41) {
							sess.SetExpiryIn(90 * time.Minute)
						}
					}
					if err := sess.Save(ctx); err != nil {
						t.Fatalf("Go create %d: %v", n, err)
					}
					keys = append(keys, sess.Key())
				}
				for n, ps := range p.Do(t, "update", keys...) {
					what := fmt.Sprintf("go %d updated by Django", n)
					if !ps.Found {
						t.Errorf("%s: Django does not find it", what)
						continue
					}
					for _, src := range []djangosession.Store{s, db} {
						data, err := src.Load(ctx, ps.Key)
						if err != nil {
							t.Fatalf("%s: %v", what, err)
						}
						if v, _ := data.Get("django"); v != int64(1) {
							t.Errorf("%s: django = %v", what, v)
						}
						livecache.SamePickle(t, what, data, ps.Pickle)
					}
					p.CheckTTL(t, what, ck(ps.Key), ps.Age)
				}
			})
		}
	}
}
