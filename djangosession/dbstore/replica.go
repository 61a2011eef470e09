package dbstore

import (
	"context"
	"errors"
	"sync"
	"time"
)

// primaryKey marks a context whose reads go to the primary.
type primaryKey struct{}

// ReadPrimary returns a context under which a Store's reads go to its
// primary handle even when it has Options.ReadDB: for a request that knows
// the session changed elsewhere a moment ago (a login another process
// served, say a cookie or header of the application's own says so).
func ReadPrimary(ctx context.Context) context.Context {
	return context.WithValue(ctx, primaryKey{}, true)
}

// fromReplica reports whether a read of key may go to the read handle.
func (s *Store) fromReplica(ctx context.Context, key string) bool {
	if s.readDB == nil {
		return false
	}
	if v, _ := ctx.Value(primaryKey{}).(bool); v {
		return false
	}
	return !s.recent.has(key, s.now())
}

// wrote records that key was just written (or a write was tried: one whose
// reply was lost may still have been applied).
func (s *Store) wrote(key string) {
	if s.readDB != nil {
		s.recent.add(key, s.now())
	}
}

// recentWrites remembers the keys written in the last window, in two
// generations of at most one window each, so that memory stays bounded by
// the writes of two windows without a sweeping goroutine.
type recentWrites struct {
	window time.Duration // < 0: remember nothing

	mu        sync.Mutex
	cur, prev map[string]time.Time
	since     time.Time // when cur began
}

func (r *recentWrites) rotate(now time.Time) {
	switch d := now.Sub(r.since); {
	case r.cur == nil || d >= 2*r.window || d < 0:
		r.cur, r.prev, r.since = map[string]time.Time{}, nil, now
	case d >= r.window:
		r.cur, r.prev, r.since = map[string]time.Time{}, r.cur, now
	}
}

func (r *recentWrites) add(key string, now time.Time) {
	if r.window < 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rotate(now)
	r.cur[key] = now
}

func (r *recentWrites) has(key string, now time.Time) bool {
	if r.window < 0 {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rotate(now)
	t, ok := r.cur[key]
	if !ok {
		t, ok = r.prev[key]
	}
	return ok && now.Sub(t) < r.window
}

// poolerErr makes err match ErrPooler when its SQLSTATE says a statement
// went to a server connection that does not hold it: 26000 (prepared
// statement does not exist), 42P05 (already exists), 08P01 (a bind whose
// parameters do not fit the statement). Both lib/pq's and pgx's errors
// have SQLState.
func poolerErr(err error) error {
	var st interface{ SQLState() string }
	if !errors.As(err, &st) {
		return err
	}
	switch st.SQLState() {
	case "26000", "42P05", "08P01":
		return &poolerError{err}
	}
	return err
}

type poolerError struct{ err error }

func (e *poolerError) Error() string   { return e.err.Error() + " (" + ErrPooler.Error() + ")" }
func (e *poolerError) Unwrap() []error { return []error{e.err, ErrPooler} }
