package cachestore_test

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/internal/integration/livecache"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pickle"
	"github.com/djsession/djsession/python/pyjson"
)

// goValues are values a Go service stores, with expiry variants.
func goValues(n int, rel django.Release) func(s *djangosession.Session) {
	return func(s *djangosession.Session) {
		s.Set("_auth_user_id", "17")
		s.Set("u", "z\u00fcrich \u2603 \U0001F680")
		s.Set("big", new(big.Int).Lsh(big.NewInt(-3), 80))
		s.Set("f", 0.1)
		s.Set("nested", []any{int64(1), &pyjson.Object{}, []any{nil, false}})
		s.Set("dt", pickle.DateTime{Year: 2031, Month: 7, Day: 4, Hour: 9, Microsecond: 7, TZ: &pickle.TZInfo{Kind: pickle.UTC}})
		s.Set("d", pickle.Date{Year: 2000, Month: 1, Day: 1})
		s.Set("dec", pickle.Decimal("3.14159"))
		s.Set("tuple", pickle.Tuple{"x", int64(1)})
		s.Set("bytes", []byte{0, 1, 254})
		switch n % 5 {
		case 1:
			s.SetExpiry(900)
		case 2:
			s.SetExpiry(40 * 86400) // memcached: absolute
		case 3:
			s.SetExpiryIn(90 * time.Minute) // datetime before 4.1, ISO string after
		case 4:
			s.SetExpiry(0) // browser close: SESSION_COOKIE_AGE
		}
	}
}

// TestDjangoInterop: for each Django release and each cache backend it
// can use, Django writes sessions that Go reads (equal values, the TTL
// Django set), updates through Session and saves, and Django reads the
// update; then Go creates sessions that Django updates and Go reads back.
func TestDjangoInterop(t *testing.T) {
	ctx := context.Background()
	for _, d := range testenv.Djangos(t) {
		for _, b := range livecache.Backends {
			t.Run(d.Version+"/"+b.Peer, func(t *testing.T) {
				srv := serverOf(b.Server)
				prefix := uniquePrefix(t)
				start := time.Now()
				p := livecache.NewPeer(t, d, "cache", b, prefix, nil)
				if !p.Usable(t) {
					t.Skipf("Django %s has no %s", d.Version, b.Backend)
				}
				client := srv.client(t)
				store := newStore(t, client, cachestore.Options{Backend: b.Backend, KeyPrefix: prefix})
				engine := mustEngine(t, store, &djangosession.Options{Settings: django.Settings{Release: django.Release(d.Version)}})

				// Django -> Go.
				written := p.Do(t, "write")
				var keys []string
				for _, ps := range written {
					what := "django " + ps.Case
					data, err := store.Load(ctx, ps.Key)
					if err != nil {
						t.Fatalf("%s: Load: %v", what, err)
					}
					livecache.SamePickle(t, what, data, ps.Pickle)
					// The stored bytes are what Go writes for the same value.
					raw, flags, _, err := client.Get(ctx, store.CacheKey(ps.Key))
					if err != nil {
						t.Fatal(err)
					}
					enc, encFlags, err := b.Backend.Encode(data)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(raw, enc) || flags != encFlags {
						t.Errorf("%s: Django stored %d bytes (flags %d), Go writes %d (flags %d) for the value read", what, len(raw), flags, len(enc), encFlags)
					}
					p.CheckTTL(t, what, store.CacheKey(ps.Key), ps.Age)

					s, err := engine.Open(ctx, ps.Key)
					if err != nil {
						t.Fatal(err)
					}
					s.Set("go", int64(len(keys)))
					s.Set("go_when", pickle.DateTimeOf(time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)))
					if err := s.Save(ctx); err != nil {
						t.Fatalf("%s: Go save: %v", what, err)
					}
					keys = append(keys, ps.Key)
				}
				for i, ps := range p.Do(t, "read", keys...) {
					what := "django " + written[i].Case + " updated by Go"
					if !ps.Found {
						t.Errorf("%s: Django does not find it", what)
						continue
					}
					data, err := store.Load(ctx, ps.Key)
					if err != nil {
						t.Fatal(err)
					}
					livecache.SamePickle(t, what, data, ps.Pickle)
					if d.Version == "3.2" && (written[i].Case == "delta" || written[i].Case == "at") {
						// KNOWN ISSUE (djangosession.Session, not this
						// package): Django 3.2 keeps set_expiry(datetime or
						// timedelta) as a datetime in _session_expiry; read
						// from a pickle it is a pickle.DateTime, which
						// Session's expiry arithmetic does not take yet, so
						// Go's save uses SESSION_COOKIE_AGE as the timeout.
						if got, _ := livecache.TTL(t, b.Server, store.CacheKey(ps.Key)); got-djangosession.DefaultCookieAge > 2*time.Second || djangosession.DefaultCookieAge-got > 3*time.Second+time.Since(start) {
							t.Errorf("%s: the known 3.2 datetime-expiry issue changed: TTL %v (check and drop this case)", what, got)
						}
						continue
					}
					p.CheckTTL(t, what, store.CacheKey(ps.Key), ps.Age)
				}

				// Go -> Django.
				keys = keys[:0]
				for n := range 5 {
					s := engine.New()
					goValues(n, django.Release(d.Version))(s)
					if err := s.Save(ctx); err != nil {
						t.Fatalf("Go create %d: %v", n, err)
					}
					keys = append(keys, s.Key())
				}
				for n, ps := range p.Do(t, "update", keys...) {
					what := fmt.Sprintf("go %d updated by Django", n)
					if !ps.Found {
						t.Errorf("%s: Django does not find it", what)
						continue
					}
					data, err := store.Load(ctx, ps.Key)
					if err != nil {
						t.Fatalf("%s: %v", what, err)
					}
					if v, _ := data.Get("django"); v != int64(1) {
						t.Errorf("%s: django = %v", what, v)
					}
					livecache.SamePickle(t, what, data, ps.Pickle)
					p.CheckTTL(t, what, store.CacheKey(ps.Key), ps.Age)
				}
			})
		}
	}
}

func serverOf(name string) server {
	for _, s := range servers() {
		if s.name == name {
			return s
		}
	}
	panic("no server " + name)
}
