package cachestore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
)

// KeyLister is implemented by clients that can enumerate the keys of every
// server they talk to: goredis with SCAN, gomemcache's Lister with
// memcached's "lru_crawler metadump". Store.List needs it.
type KeyLister interface {
	// ListKeys calls fn with batches of the keys that start with prefix,
	// each with its expiry (NoExpiry: none). A key appears once; the
	// order is unspecified. An error from fn stops the listing.
	ListKeys(ctx context.Context, prefix string, fn func([]KeyInfo) error) error
}

// KeyInfo is a key a KeyLister found and when it expires.
type KeyInfo struct {
	Key    string
	Expire time.Time
}

// ErrCannotList is returned by List when the client is not a KeyLister.
var ErrCannotList = errors.New("cachestore: the client cannot list keys")

// DefaultListBatch is how many values List fetches per batch.
const DefaultListBatch = 500

var _ djangosession.Lister = (*Store)(nil)

// List returns the sessions of the store's engine prefix in key order:
// every key under CacheKey("") followed by a session key of Django's
// characters ([a-z0-9]), found through the client's KeyLister on every
// server, then fetched in batches. Memory grows with the number of keys
// (their names), not with their values. It needs a KeyFunc that puts the
// session key last, as Django's default does.
func (s *Store) List(ctx context.Context, o *ListOptions) iter.Seq2[djangosession.Record, error] {
	return func(yield func(djangosession.Record, error) bool) {
		if o == nil {
			o = &ListOptions{}
		}
		kl, ok := s.c.(KeyLister)
		if !ok {
			yield(djangosession.Record{}, ErrCannotList)
			return
		}
		prefix := s.CacheKey("")
		type entry struct {
			key, cacheKey string
			exp           time.Time
		}
		var found []entry
		err := kl.ListKeys(ctx, prefix+o.Prefix, func(keys []KeyInfo) error {
			for _, k := range keys {
				sk, ok := strings.CutPrefix(k.Key, prefix)
				if ok && djangosession.ValidKeyChars(sk) && sk > o.After {
					found = append(found, entry{sk, k.Key, k.Expire})
				}
			}
			return ctx.Err()
		})
		if err != nil {
			yield(djangosession.Record{}, fmt.Errorf("cachestore: list: %w", err))
			return
		}
		slices.SortFunc(found, func(a, b entry) int { return cmp.Compare(a.key, b.key) })
		for _, e := range found {
			val, flags, ok, err := s.c.Get(ctx, e.cacheKey)
			if err != nil {
				yield(djangosession.Record{}, fmt.Errorf("cachestore: get: %w", err))
				return
			}
			if !ok {
				continue // expired or deleted meanwhile
			}
			if !yield(djangosession.Record{Key: e.key, Data: val, Flags: flags, Expire: e.exp}, nil) {
				return
			}
		}
	}
}

// ListOptions is djangosession.ListOptions.
type ListOptions = djangosession.ListOptions

// DecodeRecord decodes a listed value as Load does.
func (s *Store) DecodeRecord(r djangosession.Record) (*pyjson.Object, error) {
	return s.decodeSession(r.Data, r.Flags)
}
