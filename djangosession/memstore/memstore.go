// Package memstore is a djangosession.Store that keeps sessions in the
// process's memory: for tests, and for a single-process service that does
// not share its sessions with Django or with other processes (sessions are
// lost when the process exits).
//
// It keeps its own copy of what it is given and hands out copies, so a
// caller that changes a loaded session changes nothing stored until it
// saves. Sessions expire as the cache engines' do: Expiry.Date when set,
// else Expiry.Age seconds after the save; a zero Expiry never expires.
// Expired sessions are not found by Load or Exists and take memory until
// ClearExpired removes them.
//
//	store := memstore.New(nil)
//	engine, err := djangosession.NewEngine(store, nil)
package memstore

import (
	"context"
	"sync"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
)

// Options configure a Store. The zero value (or nil) is the wall clock.
type Options struct {
	// Now returns the current time; time.Now when nil. Tests step a fake
	// clock here instead of sleeping.
	Now func() time.Time
	// Codec, when set, makes the store keep each session encoded as well,
	// as the db engine stores it, so that it can list and write records
	// (djangosession.Lister, djangosession.RecordWriter): a stand-in for a
	// database in a tool's tests. Save then also encodes.
	Codec *djangosession.Codec
}

// Store is an in-memory djangosession.Store and
// djangosession.ExpiredClearer. It is safe for concurrent use.
type Store struct {
	now   func() time.Time
	codec *djangosession.Codec // nil: no records

	mu    sync.Mutex
	data  map[string]entry
	saves int
}

type entry struct {
	data    *pyjson.Object
	raw     []byte    // data encoded, with Options.Codec
	expires time.Time // zero: never
}

func (e entry) expired(now time.Time) bool {
	return !e.expires.IsZero() && !now.Before(e.expires)
}

var (
	_ djangosession.Store          = (*Store)(nil)
	_ djangosession.ExpiredClearer = (*Store)(nil)
	_ djangosession.ExpiryLoader   = (*Store)(nil)
)

// New returns an empty Store. A nil o means the wall clock.
func New(o *Options) *Store {
	s := &Store{now: time.Now, data: map[string]entry{}}
	if o != nil && o.Now != nil {
		s.now = o.Now
	}
	if o != nil {
		s.codec = o.Codec
	}
	return s
}

// Load returns a copy of the session stored under key, or
// djangosession.ErrNotFound when there is none or it has expired.
func (s *Store) Load(ctx context.Context, key string) (*pyjson.Object, error) {
	data, ok, err := s.live(ctx, key)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, djangosession.ErrNotFound
	}
	return data.Clone(), nil
}

// LoadExpiry is Load that also returns when the session expires (the zero
// time for one saved without an expiry date), as the db engine's
// expire_date: it makes a Store the database half of package cacheddb.
func (s *Store) LoadExpiry(ctx context.Context, key string) (*pyjson.Object, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[key]
	if !ok || e.expired(now) {
		return nil, time.Time{}, djangosession.ErrNotFound
	}
	return e.data.Clone(), e.expires, nil
}

// live returns the live session stored under key.
func (s *Store) live(ctx context.Context, key string) (*pyjson.Object, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[key]
	if !ok || e.expired(now) {
		return nil, false, nil
	}
	return e.data, true, nil
}

// Save stores a copy of data under key until exp. With mustCreate, a live
// session under key gives djangosession.ErrExists; without it, a key with
// no live session gives djangosession.ErrVanished. An expired session
// counts as none.
func (s *Store) Save(ctx context.Context, key string, data *pyjson.Object, exp djangosession.Expiry, mustCreate bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.now()
	e := entry{data: data.Clone(), expires: exp.Date}
	if e.expires.IsZero() && exp.Age != 0 {
		e.expires = now.Add(time.Duration(exp.Age) * time.Second)
	}
	if s.codec != nil {
		enc, err := s.codec.Encode(data)
		if err != nil {
			return err
		}
		e.raw = []byte(enc)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.data[key]
	ok = ok && !old.expired(now)
	if mustCreate && ok {
		return djangosession.ErrExists
	}
	if !mustCreate && !ok {
		return djangosession.ErrVanished
	}
	s.data[key] = e
	s.saves++
	return nil
}

// Exists reports whether a live session is stored under key.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	_, ok, err := s.live(ctx, key)
	return ok, err
}

// Delete removes the session stored under key; a missing key is not an
// error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.data, key)
	return nil
}

// ClearExpired removes the expired sessions and returns how many it
// removed.
func (s *Store) ClearExpired(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for k, e := range s.data {
		if e.expired(now) {
			delete(s.data, k)
			n++
		}
	}
	return n, nil
}

// Len returns the number of sessions held, expired ones included until
// ClearExpired removes them.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.data)
}

// Saves returns the number of successful Saves so far: tests use it to
// check when a session is written.
func (s *Store) Saves() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saves
}
