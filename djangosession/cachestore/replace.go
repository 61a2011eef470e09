package cachestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/djsession/djsession/djangosession"
)

// Swapper is implemented by clients that can write a value only while the
// stored one is still the one read, in one step on the server: goredis
// with a script (GET, compare, SET), gomemcache with gets and cas.
// Store.CompareAndSwap needs it for its guarantee.
type Swapper interface {
	// CompareAndSwap writes it if the value stored under it.Key is old,
	// byte for byte, and reports whether it wrote (false: the value
	// differs or the key is gone). With keepTTL the entry keeps the time
	// to live it has and it.TTL and it.Exptime are not used; a client
	// that cannot do that returns an error matching ErrKeepTTL and
	// writes nothing.
	CompareAndSwap(ctx context.Context, it *Item, old []byte, keepTTL bool) (bool, error)
}

// ErrKeepTTL is returned by a swap that is asked to keep an entry's time
// to live when the client cannot read it: memcached's gets does not
// report it.
var ErrKeepTTL = errors.New("cachestore: the client cannot keep a time to live across a swap")

var _ djangosession.RecordWriter = (*Store)(nil)

// CompareAndSwap writes r.Data and r.Flags under the session key if the
// cache value there is still old: in one step on the server when the
// client is a Swapper. With another client (mcpool's Pool, a test double)
// it gets the value, compares it and replaces it (SetIfPresent), so that
// a write landing between the get and the replace is lost, as Django's
// cache engine loses one of two concurrent saves; a deletion meanwhile
// is still seen.
//
// The entry's time to live becomes the seconds left until r.Expire (none
// for djangosession.NoExpiry), or stays as it is when r.Expire is zero,
// which needs a Swapper that can keep it (Redis; not memcached:
// ErrKeepTTL). A record whose Expire has passed is refused.
func (s *Store) CompareAndSwap(ctx context.Context, old []byte, r djangosession.Record) error {
	ck, err := s.cacheKey(r.Key)
	if err != nil {
		return err
	}
	it := &Item{Key: ck, Value: r.Data, Flags: r.Flags}
	keep := r.Expire.IsZero()
	if !keep {
		if !s.setTimeout(it, r.Expire) {
			return errors.New("cachestore: swap: the record has expired")
		}
	}
	var ok bool
	if sw, isSwapper := s.c.(Swapper); isSwapper {
		ok, err = sw.CompareAndSwap(ctx, it, old, keep)
	} else {
		ok, err = s.getAndReplace(ctx, it, old, keep)
	}
	if err != nil {
		return fmt.Errorf("cachestore: swap: %w", err)
	}
	if !ok {
		return fmt.Errorf("cachestore: %w", djangosession.ErrChanged)
	}
	return nil
}

// getAndReplace is CompareAndSwap for a client that is no Swapper.
func (s *Store) getAndReplace(ctx context.Context, it *Item, old []byte, keep bool) (bool, error) {
	if keep {
		return false, ErrKeepTTL
	}
	cur, _, found, err := s.c.Get(ctx, it.Key)
	if err != nil || !found || !bytes.Equal(cur, old) {
		return false, err
	}
	return s.c.Set(ctx, it, SetIfPresent)
}

// PutRecord writes r.Data and r.Flags under the session key with the time
// to live left until r.Expire (none for djangosession.NoExpiry), by
// Django's timeout rules (a record already expired is written and
// dropped, or not written, as the backend's set does): an add without
// overwrite (djangosession.ErrExists when the key is taken), a set with
// it.
func (s *Store) PutRecord(ctx context.Context, r djangosession.Record, overwrite bool) error {
	ck, err := s.cacheKey(r.Key)
	if err != nil {
		return err
	}
	if r.Expire.IsZero() {
		return errors.New("cachestore: put: record without an expiry")
	}
	mode := SetIfAbsent
	if overwrite {
		mode = SetAlways
	}
	var ok bool
	if !r.Expire.Before(djangosession.NoExpiry) {
		ok, err = s.c.Set(ctx, &Item{Key: ck, Value: r.Data, Flags: r.Flags}, mode)
		err = wrap("set", err)
	} else {
		ok, err = s.write(ctx, ck, r.Data, r.Flags, s.ageUntil(r.Expire), mode)
	}
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("cachestore: %w", djangosession.ErrExists)
	}
	return nil
}

// ageUntil is the timeout, in whole seconds, of an entry expiring at exp.
func (s *Store) ageUntil(exp time.Time) int64 {
	return int64(exp.Sub(s.now()) / time.Second)
}

// setTimeout sets it's time to live to end at exp, as write does for a
// positive timeout; none for djangosession.NoExpiry. It reports false
// when exp is less than a second ahead.
func (s *Store) setTimeout(it *Item, exp time.Time) bool {
	if !exp.Before(djangosession.NoExpiry) {
		return true
	}
	age := s.ageUntil(exp)
	switch {
	case age <= 0:
		return false
	case s.backend.Memcached():
		it.Exptime = s.memcachedExptime(age)
	default:
		it.TTL = time.Duration(min(age, math.MaxInt64/int64(time.Second))) * time.Second
	}
	return true
}
