package cacheddb_test

import (
	"context"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession/cacheddb"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/python/pyjson"
)

var sink *pyjson.Object

// BenchmarkLoad loads a session from the cache (hit) and, with the cache
// entry removed before each load, from SQLite plus the refill (miss).
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	for _, c := range caches() {
		for _, miss := range []bool{false, true} {
			name := c.name + "/hit"
			if miss {
				name = c.name + "/miss"
			}
			b.Run(name, func(b *testing.B) {
				s := newStore(b, databases()[0].open(b), c.client(b), cacheddb.Options{})
				k := newKey(b)
				if err := s.Save(ctx, k, storetest.Sample(), expiry(time.Hour), true); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if miss {
						s.Cache().Delete(ctx, k)
					}
					d, err := s.Load(ctx, k)
					if err != nil {
						b.Fatal(err)
					}
					sink = d
				}
			})
		}
	}
}

// BenchmarkSave updates a session: the SQLite row, then the cache.
func BenchmarkSave(b *testing.B) {
	ctx := context.Background()
	for _, c := range caches() {
		b.Run(c.name, func(b *testing.B) {
			s := newStore(b, databases()[0].open(b), c.client(b), cacheddb.Options{})
			k := newKey(b)
			data := storetest.Sample()
			if err := s.Save(ctx, k, data, expiry(time.Hour), true); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Save(ctx, k, data, expiry(time.Hour), false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
