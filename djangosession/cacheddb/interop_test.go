package cacheddb_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cacheddb"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/internal/livecache"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
)

<<<<<<< HEAD
const peerScript = "../../testdata/cache_interop.py"

type peerSession struct {
	Key    string `json:"key"`
	Case   string `json:"case"`
	Found  bool   `json:"found"`
	Pickle string `json:"pickle"`
	Age    int64  `json:"age"`
}

type peer struct {
	d   testenv.Django
	cfg string
}

func (p *peer) do(t *testing.T, mode string, keys ...string) []peerSession {
	t.Helper()
	out := p.d.Run(t, peerScript, []byte(strings.Join(keys, "\n")+"\n"), p.cfg, mode)
	var ss []peerSession
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var s peerSession
		if err := json.Unmarshal(line, &s); err != nil {
			t.Fatalf("peer line %q: %v", line, err)
		}
		ss = append(ss, s)
	}
	if mode != "write" && len(ss) != len(keys) {
		t.Fatalf("peer %s: %d lines for %d keys", mode, len(ss), len(keys))
	}
	return ss
}

func samePickle(t *testing.T, what string, data *pyjson.Object, pyHex string) {
	t.Helper()
	p, err := pickle.Marshal(data)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got := hex.EncodeToString(p); got != pyHex {
		t.Errorf("%s: Go's value pickles differently from Django's\n go %s\npy  %s", what, got, pyHex)
	}
}

// cacheTTL reads the remaining lifetime of a cache key from the server.
func cacheTTL(t *testing.T, server, key string) (time.Duration, bool) {
	t.Helper()
	if server == "redis" {
		d := redisCl.PTTL(context.Background(), key).Val() // redisCl: made by caches()
		return d, d >= 0
	}
	return memcachedTTL(t, testenv.MemcachedAddr(t), key)
}

// checkTTL compares the TTL the server holds with Django's age for it.
// The server's TTL has run down since the write that set it, which came
// after start: the bound below is the time since start (the machine may be
// loaded, so that time is measured, not assumed).
func checkTTL(t *testing.T, start time.Time, what, server, key string, age int64) {
	t.Helper()
	got, ok := cacheTTL(t, server, key)
	if !ok {
		t.Errorf("%s: key not in the cache", what)
		return
	}
	if d := got - time.Duration(age)*time.Second; d < -(3*time.Second+time.Since(start)) || d > 2*time.Second {
		t.Errorf("%s: cache TTL %v, Django's get_expiry_age %ds", what, got.Round(time.Second), age)
	}
}

=======
>>>>>>> libdedupe
// TestDjangoInterop: Django's cached_db engine over a SQLite file and each
// cache backend it can use, against Store over the same file and cache.
func TestDjangoInterop(t *testing.T) {
	ctx := context.Background()
	for _, d := range testenv.Djangos(t) {
<<<<<<< HEAD
		for _, b := range []backend{
			{"redis", cachestore.RedisCache, "redis"},
			{"django-redis", cachestore.DjangoRedis, "redis"},
			{"pymemcache", cachestore.PyMemcache, "memcached"},
			{"pylibmc", cachestore.PyLibMC, "memcached"},
		} {
			t.Run(d.Version+"/"+b.peer, func(t *testing.T) {
				start := time.Now()
				if b.backend == cachestore.RedisCache && d.Version == "3.2" {
					t.Skip("RedisCache arrived in Django 4.0")
=======
		for _, b := range livecache.Backends {
			t.Run(d.Version+"/"+b.Peer, func(t *testing.T) {
				prefix := "djtest-" + randHex(6)
				file := filepath.Join(t.TempDir(), "db.sqlite3")
				p := livecache.NewPeer(t, d, "cached_db", b, prefix, map[string]string{"db": file, "secret": secret})
				if !p.Usable(t) {
					t.Skipf("Django %s has no %s", d.Version, b.Backend)
>>>>>>> libdedupe
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
				codec, err := djangosession.NewCodec(&djangosession.CodecOptions{SecretKey: secret})
				if err != nil {
					t.Fatal(err)
				}
				db, err := dbstore.New(sdb, &dbstore.Options{Dialect: dbstore.SQLite, Codec: codec})
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				s, err := cacheddb.New(db, client, &cacheddb.Options{Cache: cachestore.Options{Backend: b.Backend, KeyPrefix: prefix}})
				if err != nil {
					t.Fatal(err)
				}
				engine := djangosession.NewEngine(s, &djangosession.Config{Release: djangosession.Release(d.Version)})
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
<<<<<<< HEAD
					samePickle(t, what+" (database)", fromDB, ps.Pickle)
					checkTTL(t, start, what, b.server, ck(ps.Key), ps.Age)
=======
					livecache.SamePickle(t, what+" (database)", fromDB, ps.Pickle)
					livecache.CheckTTL(t, what, b.Server, ck(ps.Key), ps.Age)
>>>>>>> libdedupe
					// A fill from the database takes the time left on
					// expire_date, which is Django's age too.
					if err := s.Cache().Delete(ctx, ps.Key); err != nil {
						t.Fatal(err)
					}
					if _, err := s.Load(ctx, ps.Key); err != nil {
						t.Fatal(err)
					}
<<<<<<< HEAD
					checkTTL(t, start, what+" refilled", b.server, ck(ps.Key), ps.Age)
=======
					livecache.CheckTTL(t, what+" refilled", b.Server, ck(ps.Key), ps.Age)
>>>>>>> libdedupe

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
<<<<<<< HEAD
						samePickle(t, what, data, ps.Pickle)
						checkTTL(t, start, what, b.server, ck(ps.Key), ps.Age)
=======
						livecache.SamePickle(t, what, data, ps.Pickle)
						livecache.CheckTTL(t, what, b.Server, ck(ps.Key), ps.Age)
>>>>>>> libdedupe
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
						if !djangosession.Release(d.Version).Before(djangosession.Django41) {
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
<<<<<<< HEAD
					checkTTL(t, start, what, b.server, ck(ps.Key), ps.Age)
=======
					livecache.CheckTTL(t, what, b.Server, ck(ps.Key), ps.Age)
>>>>>>> libdedupe
				}
			})
		}
	}
}
