package cacheddb_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cacheddb"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/python/pyjson"
)

var errInjected = errors.New("injected cache failure")

// flakyCache is a cachestore.Client (in memory, or over a real one) whose
// writes, or deletes, fail on demand: a write refused by the server (a
// value over memcached's item size, Redis out of memory) while reads work.
type flakyCache struct {
	cachestore.Client
	failSet, failDelete atomic.Bool
}

func (c *flakyCache) Set(ctx context.Context, it *cachestore.Item, mode cachestore.SetMode) (bool, error) {
	if c.failSet.Load() {
		return false, errInjected
	}
	return c.Client.Set(ctx, it, mode)
}

func (c *flakyCache) Delete(ctx context.Context, key string) error {
	if c.failDelete.Load() {
		return errInjected
	}
	return c.Client.Delete(ctx, key)
}

// TestNoStaleCopyAfterCacheWriteFailure is the regression test for issue
// 13 item 11: with TolerateCacheWriteErrors (Django 5.1+), a save whose
// cache write failed returned nil, the database had the new data and the
// cache kept the old copy, which Load then served. Now Save removes the
// cached copy, so Load reads the database; when that removal fails too,
// Save returns an error in both modes.
func TestNoStaleCopyAfterCacheWriteFailure(t *testing.T) {
	ctx := context.Background()
	for _, tolerate := range []bool{true, false} {
		t.Run(map[bool]string{true: "tolerate", false: "raise"}[tolerate], func(t *testing.T) {
			cl := &flakyCache{Client: storetest.NewMemCache()}
			db := databases()[0].open(t)
			var reported int
			s := newStore(t, db, cl, cacheddb.Options{TolerateCacheWriteErrors: tolerate,
				OnCacheError: func(context.Context, string, error) { reported++ }})
			k := newKey(t)
			v1 := &pyjson.Object{}
			v1.Set("v", int64(1))
			if err := s.Save(ctx, k, v1, expiry(time.Hour), true); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Cache().Load(ctx, k); err != nil {
				t.Fatalf("first save not cached: %v", err)
			}

			cl.failSet.Store(true)
			v2 := &pyjson.Object{}
			v2.Set("v", int64(2))
			err := s.Save(ctx, k, v2, expiry(time.Hour), false)
			if tolerate && (err != nil || reported != 1) {
				t.Fatalf("tolerated Save = %v, %d reported", err, reported)
			}
			if !tolerate && !errors.Is(err, errInjected) {
				t.Fatalf("Save = %v, want the cache error", err)
			}
			cl.failSet.Store(false)
			if _, err := s.Cache().Load(ctx, k); !errors.Is(err, djangosession.ErrNotFound) {
				t.Fatalf("the cache still holds a copy after a failed write: %v", err)
			}
			got, err := s.Load(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := got.Get("v"); v != int64(2) {
				t.Fatalf("Load after the failed cache write served v=%v, want the saved 2", v)
			}

			// The cache refuses both the write and the delete: the old copy
			// may stay, so Save fails whatever the mode.
			cl.failSet.Store(true)
			cl.failDelete.Store(true)
			v3 := &pyjson.Object{}
			v3.Set("v", int64(3))
			if err := s.Save(ctx, k, v3, expiry(time.Hour), false); !errors.Is(err, errInjected) {
				t.Fatalf("Save with the stale copy left = %v, want an error", err)
			}
		})
	}
}
