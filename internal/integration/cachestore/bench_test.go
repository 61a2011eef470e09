package cachestore_test

import (
	"context"
	"testing"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/python/pyjson"
)

var sink *pyjson.Object

// BenchmarkLoad loads a logged-in session (storetest.Sample) per backend.
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	for _, srv := range servers() {
		for _, be := range srv.backends {
			b.Run(srv.name+"/"+be.String(), func(b *testing.B) {
				s := newStore(b, srv.client(b), cachestore.Options{Backend: be})
				k := newKey(b)
				if err := s.Save(ctx, k, storetest.Sample(), djangosession.Expiry{Age: 600}, true); err != nil {
					b.Fatal(err)
				}
				defer s.Delete(ctx, k)
				b.ReportAllocs()
				for b.Loop() {
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

// BenchmarkSave updates a session per backend: Django's exists check and
// set (two round trips), and AtomicUpdate's single conditional write.
func BenchmarkSave(b *testing.B) {
	ctx := context.Background()
	for _, srv := range servers() {
		for _, be := range srv.backends {
			for _, atomic := range []bool{false, true} {
				name := srv.name + "/" + be.String() + "/django"
				if atomic {
					name = srv.name + "/" + be.String() + "/atomic"
				}
				b.Run(name, func(b *testing.B) {
					s := newStore(b, srv.client(b), cachestore.Options{Backend: be, AtomicUpdate: atomic})
					k := newKey(b)
					data := storetest.Sample()
					if err := s.Save(ctx, k, data, djangosession.Expiry{Age: 600}, true); err != nil {
						b.Fatal(err)
					}
					defer s.Delete(ctx, k)
					b.ReportAllocs()
					for b.Loop() {
						if err := s.Save(ctx, k, data, djangosession.Expiry{Age: 600}, false); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
