package storetest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
)

// HostileOptions configure RunHostile.
type HostileOptions struct {
	// New returns the store under test, as Options.New.
	New func(t *testing.T) djangosession.Store
	// Plant writes raw as the stored value under key, bypassing the
	// store's encoder (a session_data column, a file's content, a cache
	// value). Nil skips the stored-value cases.
	Plant func(t *testing.T, s djangosession.Store, key string, raw []byte)
	// PlantedMiss says a planted value is read as a miss, ErrNotFound, not
	// ErrCorrupt: cached_db, whose Plant writes the cache and whose Load
	// then falls back to the database, as Django's does.
	PlantedMiss bool
	// Secrets are strings no error may contain: SECRET_KEY, a DSN's
	// password, the session directory. os.TempDir() is always checked.
	Secrets []string
	// MaxBytes bounds the bytes allocated by one call on one input, plus
	// HostileBytesPerByte for each byte of the input;
	// DefaultHostileMaxBytes when zero.
	MaxBytes uint64
}

// DefaultHostileMaxBytes is RunHostile's default allocation bound per
// call, to which HostileBytesPerByte is added for each byte of the input:
// a hostile key or value must cost a store no more than this.
const DefaultHostileMaxBytes = 4 << 20

// HostileBytesPerByte is what RunHostile lets a store allocate per byte
// of a hostile input: a one-byte pickle opcode (EMPTY_LIST) may rightly
// become a value of some hundred bytes, but no input may cost more.
const HostileBytesPerByte = 128

// Corpus returns the files of testdata/hostile/stores/<dir> of the module
// this test runs in, by name. It fails the test when the corpus is absent.
func Corpus(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			t.Fatal("storetest: no go.mod above the test's directory")
		}
		root = parent
	}
	p := filepath.Join(root, "testdata", "hostile", "stores", dir)
	entries, err := os.ReadDir(p)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(p, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	if len(out) == 0 {
		t.Fatalf("storetest: empty corpus %s", dir)
	}
	return out
}

// allocated runs f and returns the bytes it allocated on the heap (all
// goroutines count: keep other work off the process while measuring).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// RunHostile runs the hostile corpus of testdata/hostile/stores against a
// store.
//
// Keys (keys/): every key either names no session or is one the store can
// hold. Load gives ErrNotFound (for a keyless store, whose key is the
// data, ErrCorrupt too), Exists false, Delete nil; Save either fails with
// an error matching djangosession.ErrInvalidKey or stores the session so
// that Load returns it, after which Delete removes it.
//
// Values (values/, with Plant): Load of a planted value gives an error
// matching ErrCorrupt, or an empty session (the file engine's empty
// placeholder).
//
// For every call: no panic, no error text carrying a secret, the key, or a
// path under os.TempDir(), and at most MaxBytes allocated.
func RunHostile(t *testing.T, o HostileOptions) {
	t.Helper()
	ctx := context.Background()
	maxBytes := o.MaxBytes
	if maxBytes == 0 {
		maxBytes = DefaultHostileMaxBytes
	}
	forbidden := slices.Clone(o.Secrets)
	forbidden = append(forbidden, os.TempDir())
	check := func(t *testing.T, what, key string, size int, n uint64, err error) {
		t.Helper()
		if bound := maxBytes + HostileBytesPerByte*uint64(size); n > bound {
			t.Errorf("%s allocated %d bytes, over the %d bound for %d bytes of input", what, n, bound, size)
		}
		if err == nil {
			return
		}
		msg := err.Error()
		for _, s := range forbidden {
			if s != "" && strings.Contains(msg, s) {
				t.Errorf("%s: error text carries %q: %q", what, s, msg)
			}
		}
		if len(key) >= 8 && strings.Contains(msg, key) {
			t.Errorf("%s: error text carries the key: %q", what, msg)
		}
	}
	_, keyless := o.New(t).(djangosession.KeylessStore)

	t.Run("Keys", func(t *testing.T) {
		s := o.New(t)
		for name, raw := range Corpus(t, "keys") {
			key := string(raw)
			t.Run(name, func(t *testing.T) {
				var err error
				n := allocated(func() { _, err = s.Load(ctx, key) })
				check(t, "Load", key, len(key), n, err)
				switch {
				case errors.Is(err, djangosession.ErrNotFound):
				case keyless && errors.Is(err, djangosession.ErrCorrupt):
				default:
					t.Errorf("Load: %v, want ErrNotFound", err)
				}
				var ok bool
				n = allocated(func() { ok, err = s.Exists(ctx, key) })
				check(t, "Exists", key, len(key), n, err)
				if ok || err != nil {
					t.Errorf("Exists = %v, %v; want false, nil", ok, err)
				}
				n = allocated(func() { err = s.Delete(ctx, key) })
				check(t, "Delete", key, len(key), n, err)
				if err != nil {
					t.Errorf("Delete: %v, want nil", err)
				}
				if keyless {
					return
				}
				data := &pyjson.Object{}
				data.Set("hostile", name)
				exp := djangosession.Expiry{Date: time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond), Age: 3600}
				n = allocated(func() { err = s.Save(ctx, key, data, exp, true) })
				check(t, "Save", key, len(key), n, err)
				if err != nil {
					if !errors.Is(err, djangosession.ErrInvalidKey) {
						t.Errorf("Save: %v, want nil or ErrInvalidKey", err)
					}
					if _, err := s.Load(ctx, key); !errors.Is(err, djangosession.ErrNotFound) {
						t.Errorf("Load after a refused Save: %v, want ErrNotFound", err)
					}
					return
				}
				// The store can hold this key (Django's engine could too).
				got, err := s.Load(ctx, key)
				if err != nil {
					t.Fatalf("Load after Save: %v", err)
				}
				if v, _ := got.Get("hostile"); v != name {
					t.Errorf("Load after Save: %v, want %q", v, name)
				}
				if err := s.Delete(ctx, key); err != nil {
					t.Errorf("Delete after Save: %v", err)
				}
				if _, err := s.Load(ctx, key); !errors.Is(err, djangosession.ErrNotFound) {
					t.Errorf("Load after Delete: %v, want ErrNotFound", err)
				}
			})
		}
	})

	if keyless {
		// The key is the stored value: run the values as cookies.
		t.Run("Values", func(t *testing.T) {
			s := o.New(t)
			for name, raw := range Corpus(t, "values") {
				t.Run(name, func(t *testing.T) {
					key := string(raw)
					var err error
					n := allocated(func() { _, err = s.Load(ctx, key) })
					check(t, "Load", key, len(raw), n, err)
					if !errors.Is(err, djangosession.ErrCorrupt) && !errors.Is(err, djangosession.ErrNotFound) {
						t.Errorf("Load: %v, want ErrCorrupt or ErrNotFound", err)
					}
				})
			}
		})
		return
	}
	if o.Plant == nil {
		return
	}
	t.Run("Values", func(t *testing.T) {
		s := o.New(t)
		for name, raw := range Corpus(t, "values") {
			t.Run(name, func(t *testing.T) {
				key, err := djangosession.NewKey(randReader{})
				if err != nil {
					t.Fatal(err)
				}
				o.Plant(t, s, key, raw)
				defer s.Delete(ctx, key)
				var data *pyjson.Object
				n := allocated(func() { data, err = s.Load(ctx, key) })
				check(t, "Load", key, len(raw), n, err)
				switch {
				case err == nil:
					if data.Len() != 0 {
						t.Errorf("Load of a hostile value gave a session: %v", data.Keys())
					}
				case errors.Is(err, djangosession.ErrCorrupt) && !o.PlantedMiss:
				case errors.Is(err, djangosession.ErrNotFound) && o.PlantedMiss:
				default:
					t.Errorf("Load: %v, want ErrCorrupt", err)
				}
			})
		}
	})
}
