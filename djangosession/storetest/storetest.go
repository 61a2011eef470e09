// Package storetest is the conformance suite every djangosession.Store
// must pass: the contract of Load, Save, Exists and Delete that Session
// relies on, the expiry rules, and safety under concurrent use. Store
// packages call Run from their tests, once per backing server:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Options{
//			New: func(t *testing.T) djangosession.Store { return newStore(t) },
//		})
//	}
//
// RunKeyless is the suite for a store whose key is the data (signed
// cookies), RunHostile feeds a store the hostile corpus of
// testdata/hostile/stores, and MemCache is an in-memory cachestore.Client
// for tests of code built on package cachestore.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
)

// Options describe what a store under test can do.
type Options struct {
	// New returns an empty store (a fresh table, key space or directory).
	New func(t *testing.T) djangosession.Store
	// ExpiresByDate is true for stores that honour Expiry.Date (db) or
	// Expiry.Age (cache) on Load; false for those that ignore both (file
	// uses mtime; signed_cookies its own max age).
	ExpiresByDate bool
	// Concurrency is the number of goroutines in the concurrency test; 8
	// when zero. Keys are always made with djangosession.NewKey.
	Concurrency int
	// Plant and Secrets are passed to RunHostile, which Run runs as its
	// "Hostile" subtest.
	Plant       func(t *testing.T, s djangosession.Store, key string, raw []byte)
	PlantedMiss bool
	Secrets     []string
	// HostileValues are passed to RunHostile as HostileOptions.Values.
	HostileValues map[string][]byte
	// NoKeepExpiry says the store's RecordWriter.CompareAndSwap cannot
	// keep a session's expiry (memcached, whose gets does not report it):
	// RunReplace then checks that a zero Expire is refused, and swaps
	// with the record's own expiry instead.
	NoKeepExpiry bool
}

// Sample returns a session dict with the value shapes a session holds.
func Sample() *pyjson.Object {
	o := &pyjson.Object{}
	o.Set("_auth_user_id", "42")
	o.Set("_auth_user_backend", "django.contrib.auth.backends.ModelBackend")
	o.Set("_auth_user_hash", "0f4b1d0c3a5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a")
	o.Set("unicode", "héllo wörld ✓ 😀")
	o.Set("big", new(big.Int).Lsh(big.NewInt(1), 100))
	o.Set("float", 1.0)
	o.Set("list", []any{int64(1), "two", nil, true, 2.5})
	cart := &pyjson.Object{}
	cart.Set("sku-1", int64(2))
	cart.Set("sku-2", int64(-7))
	o.Set("cart", cart)
	return o
}

// Run runs the conformance suite against a store.
//
// A djangosession.KeylessStore (signed_cookies) has no key space: the
// "key" is the signed data. For such a store Run checks the keyless
// contract instead (RunKeyless); the key-based cases cannot apply.
func Run(t *testing.T, o Options) {
	t.Helper()
	t.Run("Hostile", func(t *testing.T) {
		RunHostile(t, HostileOptions{New: o.New, Plant: o.Plant, PlantedMiss: o.PlantedMiss, Secrets: o.Secrets, Values: o.HostileValues})
	})
	if _, ok := o.New(t).(djangosession.KeylessStore); ok {
		RunKeyless(t, o)
		return
	}
	ctx := context.Background()
	newKey := func(t *testing.T) string {
		k, err := djangosession.NewKey(randReader{})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	future := func() djangosession.Expiry {
		return djangosession.Expiry{Date: time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond), Age: 3600}
	}

	t.Run("LoadMissing", func(t *testing.T) {
		s := o.New(t)
		_, err := s.Load(ctx, newKey(t))
		if !errors.Is(err, djangosession.ErrNotFound) {
			t.Fatalf("Load of a missing key: got %v, want ErrNotFound", err)
		}
		ok, err := s.Exists(ctx, newKey(t))
		if err != nil || ok {
			t.Fatalf("Exists of a missing key = %v, %v", ok, err)
		}
	})

	t.Run("CreateLoadRoundTrip", func(t *testing.T) {
		s := o.New(t)
		k := newKey(t)
		want := Sample()
		if err := s.Save(ctx, k, want, future(), true); err != nil {
			t.Fatalf("Save(mustCreate): %v", err)
		}
		got, err := s.Load(ctx, k)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		assertSame(t, got, want)
		ok, err := s.Exists(ctx, k)
		if err != nil || !ok {
			t.Fatalf("Exists after save = %v, %v", ok, err)
		}
	})

	t.Run("MustCreateOnExisting", func(t *testing.T) {
		s := o.New(t)
		k := newKey(t)
		first := Sample()
		if err := s.Save(ctx, k, first, future(), true); err != nil {
			t.Fatal(err)
		}
		other := &pyjson.Object{}
		other.Set("x", int64(1))
		if err := s.Save(ctx, k, other, future(), true); !errors.Is(err, djangosession.ErrExists) {
			t.Fatalf("second create: got %v, want ErrExists", err)
		}
		got, err := s.Load(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		assertSame(t, got, first) // nothing was overwritten
	})

	t.Run("UpdateVanished", func(t *testing.T) {
		s := o.New(t)
		k := newKey(t)
		if err := s.Save(ctx, k, Sample(), future(), false); !errors.Is(err, djangosession.ErrVanished) {
			t.Fatalf("update of a missing key: got %v, want ErrVanished", err)
		}
		if ok, _ := s.Exists(ctx, k); ok {
			t.Fatal("update of a missing key created it")
		}
	})

	t.Run("UpdateReplaces", func(t *testing.T) {
		s := o.New(t)
		k := newKey(t)
		if err := s.Save(ctx, k, Sample(), future(), true); err != nil {
			t.Fatal(err)
		}
		next := &pyjson.Object{}
		next.Set("only", "this")
		if err := s.Save(ctx, k, next, future(), false); err != nil {
			t.Fatalf("update: %v", err)
		}
		got, err := s.Load(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		assertSame(t, got, next)
	})

	t.Run("Delete", func(t *testing.T) {
		s := o.New(t)
		k := newKey(t)
		if err := s.Save(ctx, k, Sample(), future(), true); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, k); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := s.Load(ctx, k); !errors.Is(err, djangosession.ErrNotFound) {
			t.Fatalf("Load after Delete: %v", err)
		}
		if err := s.Delete(ctx, k); err != nil {
			t.Fatalf("Delete of a missing key: %v", err)
		}
	})

	if o.ExpiresByDate {
		t.Run("Expired", func(t *testing.T) {
			s := o.New(t)
			k := newKey(t)
			past := djangosession.Expiry{Date: time.Now().Add(-time.Hour).UTC(), Age: -3600}
			err := s.Save(ctx, k, Sample(), past, true)
			if err != nil {
				t.Fatalf("Save of an expired session: %v", err)
			}
			if _, err := s.Load(ctx, k); !errors.Is(err, djangosession.ErrNotFound) {
				t.Fatalf("Load of an expired session: got %v, want ErrNotFound", err)
			}
		})
	}

	t.Run("CanceledContext", func(t *testing.T) {
		s := o.New(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Load(cctx, newKey(t)); err == nil || errors.Is(err, djangosession.ErrNotFound) {
			// Stores without I/O may legitimately not look at ctx; those
			// return ErrNotFound, which is accepted only for them.
			if err == nil {
				t.Fatal("Load with a canceled context returned no error")
			}
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := o.New(t)
		concurrently(t, o.Concurrency, func(g, i int) error {
			k, _ := djangosession.NewKey(randReader{})
			d := &pyjson.Object{}
			d.Set("g", int64(g))
			d.Set("i", int64(i))
			if err := s.Save(ctx, k, d, future(), true); err != nil {
				return fmt.Errorf("create: %w", err)
			}
			d.Set("i", int64(i+1000))
			if err := s.Save(ctx, k, d, future(), false); err != nil {
				return fmt.Errorf("update: %w", err)
			}
			got, err := s.Load(ctx, k)
			if err != nil {
				return fmt.Errorf("load: %w", err)
			}
			if v, _ := got.Get("i"); v != int64(i+1000) {
				return fmt.Errorf("load %s: i = %v, want %d", k, v, i+1000)
			}
			if i%3 == 0 {
				if err := s.Delete(ctx, k); err != nil {
					return fmt.Errorf("delete: %w", err)
				}
			}
			return nil
		})
	})
}

// concurrently runs work(g, i) for i from 0 to 19 in each of n goroutines
// g (8 when n is 0), a goroutine stopping at its first error, and reports
// the errors.
func concurrently(t *testing.T, n int, work func(g, i int) error) {
	t.Helper()
	if n == 0 {
		n = 8
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for g := range n {
		wg.Go(func() {
			for i := range 20 {
				if err := work(g, i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func assertSame(t *testing.T, got, want *pyjson.Object) {
	t.Helper()
	g, err := pyjson.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pyjson.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if string(g) != string(w) {
		t.Fatalf("stored data changed:\n got %s\nwant %s", g, w)
	}
}

// RunKeyless runs the part of the suite that applies to a
// djangosession.KeylessStore: what Sign makes, Load returns unchanged; a
// value that is not a good signature is ErrCorrupt; nothing is stored
// (Exists is false, Save and Delete succeed and change nothing); a canceled
// context is an error; and Sign and Load are safe for concurrent use.
// Expiry depends on the store's clock and is left to the store's own tests.
func RunKeyless(t *testing.T, o Options) {
	t.Helper()
	ctx := context.Background()
	keyless := func(t *testing.T) djangosession.KeylessStore {
		s, ok := o.New(t).(djangosession.KeylessStore)
		if !ok {
			t.Fatal("the store is not a djangosession.KeylessStore")
		}
		return s
	}

	t.Run("SignLoadRoundTrip", func(t *testing.T) {
		s := keyless(t)
		for _, want := range []*pyjson.Object{Sample(), {}} {
			v, err := s.Sign(want)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if !djangosession.ValidKey(v) {
				t.Fatalf("Sign returned %q, which Django would not take as a session key", v)
			}
			got, err := s.Load(ctx, v)
			if err != nil {
				t.Fatalf("Load(Sign(data)): %v", err)
			}
			assertSame(t, got, want)
		}
	})

	t.Run("LoadGarbage", func(t *testing.T) {
		s := keyless(t)
		v, err := s.Sign(Sample())
		if err != nil {
			t.Fatal(err)
		}
		flipped := []byte(v)
		flipped[len(flipped)/2] ^= 0x01
		for _, bad := range []string{"", "abcdefgh", "e30:1r31eq:AAAA", string(flipped), v + "x"} {
			if _, err := s.Load(ctx, bad); !errors.Is(err, djangosession.ErrCorrupt) {
				t.Errorf("Load(%.40q): got %v, want ErrCorrupt", bad, err)
			}
		}
	})

	t.Run("NothingStored", func(t *testing.T) {
		s := keyless(t)
		v, err := s.Sign(Sample())
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := s.Exists(ctx, v); err != nil || ok {
			t.Fatalf("Exists = %v, %v; want false, nil", ok, err)
		}
		other := &pyjson.Object{}
		other.Set("x", int64(1))
		if err := s.Save(ctx, v, other, djangosession.Expiry{}, true); err != nil {
			t.Fatalf("Save: %v", err)
		}
		if err := s.Delete(ctx, v); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		got, err := s.Load(ctx, v)
		if err != nil {
			t.Fatalf("Load after Save and Delete: %v", err)
		}
		assertSame(t, got, Sample()) // the value still carries its own data
	})

	t.Run("CanceledContext", func(t *testing.T) {
		s := keyless(t)
		v, err := s.Sign(Sample())
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Load(cctx, v); err == nil {
			t.Fatal("Load with a canceled context returned no error")
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := keyless(t)
		concurrently(t, o.Concurrency, func(g, i int) error {
			d := Sample()
			d.Set("g", int64(g))
			d.Set("i", int64(i))
			v, err := s.Sign(d)
			if err != nil {
				return fmt.Errorf("sign: %w", err)
			}
			got, err := s.Load(ctx, v)
			if err != nil {
				return fmt.Errorf("load: %w", err)
			}
			if x, _ := got.Get("i"); x != int64(i) {
				return fmt.Errorf("load: i = %v, want %d", x, i)
			}
			return nil
		})
	})
}
