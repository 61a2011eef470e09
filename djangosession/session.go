package djangosession

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/djsession/djsession/signing/pyjson"
)

// Well-known session keys Django itself writes.
const (
	ExpiryKey      = "_session_expiry"
	TestCookieKey  = "testcookie"
	TestCookieWord = "worked"
)

// Engine opens sessions on a Store with the settings in a Config. An Engine
// is safe for concurrent use; the Sessions it returns are not.
type Engine struct {
	store Store
	cfg   Config
}

// NewEngine returns an Engine. A nil cfg means Django's defaults.
func NewEngine(store Store, cfg *Config) *Engine {
	e := &Engine{store: store}
	if cfg != nil {
		e.cfg = *cfg
	}
	return e
}

// Store returns the engine's store.
func (e *Engine) Store() Store { return e.store }

// Config returns a copy of the engine's settings.
func (e *Engine) Config() Config { return e.cfg }

// New returns an empty session with no key, as a request without a session
// cookie gets.
func (e *Engine) New() *Session {
	return &Session{engine: e, data: &pyjson.Object{}}
}

// Open loads the session stored under key, as request.session does on
// first access. A key Django would not accept, or one with no live session,
// gives an empty session with no key (a new key is made on save, which
// prevents session fixation). Data that cannot be decoded gives an empty
// session that keeps its key, as Django does; the decoding error is
// available from LoadError. Only storage failures are returned as errors.
func (e *Engine) Open(ctx context.Context, key string) (*Session, error) {
	s := e.New()
	_, keyless := e.store.(KeylessStore)
	if keyless {
		if key == "" {
			return s, nil
		}
		data, err := e.store.Load(ctx, key)
		switch {
		case err == nil:
			s.key, s.data = key, data
		case errors.Is(err, ErrNotFound) || errors.Is(err, ErrCorrupt):
			// signed_cookies calls create() on any failure: modified, so
			// the response replaces the bad cookie.
			s.key, s.loadErr, s.modified = key, err, true
		default:
			return nil, err
		}
		return s, nil
	}
	if !ValidKey(key) {
		return s, nil
	}
	data, err := e.store.Load(ctx, key)
	switch {
	case err == nil:
		s.key, s.data = key, data
	case errors.Is(err, ErrNotFound):
	case errors.Is(err, ErrCorrupt):
		s.key, s.loadErr = key, err
	default:
		return nil, err
	}
	return s, nil
}

// Session is a Django session, as request.session: a dict that records
// whether it was accessed and modified, with Django's expiry rules. It is
// not safe for concurrent use.
type Session struct {
	engine   *Engine
	key      string
	data     *pyjson.Object
	accessed bool
	modified bool
	loadErr  error
}

// Key returns the session key ("" when the session has none yet). For the
// signed_cookies engine it is the cookie value.
func (s *Session) Key() string { return s.key }

// LoadError returns why the stored data could not be decoded when the
// session was opened (an error matching ErrCorrupt or ErrNotFound), or nil.
func (s *Session) LoadError() error { return s.loadErr }

// Accessed reports whether the session's data was read or written.
func (s *Session) Accessed() bool { return s.accessed }

// Modified reports whether the session's data was changed and needs saving.
func (s *Session) Modified() bool { return s.modified }

// SetModified marks the session as changed, as assigning
// request.session.modified = True does after mutating a nested value.
func (s *Session) SetModified() { s.modified = true }

// IsEmpty reports whether the session has no key and no data, as Django's
// is_empty: such a session is never saved.
func (s *Session) IsEmpty() bool { return s.key == "" && s.data.Len() == 0 }

// Get returns the value stored under key.
func (s *Session) Get(key string) (any, bool) {
	s.accessed = true
	return s.data.Get(key)
}

// Has reports whether key is in the session.
func (s *Session) Has(key string) bool {
	s.accessed = true
	return s.data.Has(key)
}

// Keys returns the keys in insertion order.
func (s *Session) Keys() []string {
	s.accessed = true
	return s.data.Keys()
}

// Len returns the number of keys.
func (s *Session) Len() int {
	s.accessed = true
	return s.data.Len()
}

// Set stores value under key. See package pyjson for the values the JSON
// serializer can write.
func (s *Session) Set(key string, value any) {
	s.accessed, s.modified = true, true
	s.data.Set(key, value)
}

// Delete removes key and reports whether it was there; the session is
// modified only if it was.
func (s *Session) Delete(key string) bool {
	s.accessed = true
	if s.data.Delete(key) {
		s.modified = true
		return true
	}
	return false
}

// Pop removes key and returns its value, as dict.pop.
func (s *Session) Pop(key string) (any, bool) {
	s.accessed = true
	v, ok := s.data.Get(key)
	if ok {
		s.data.Delete(key)
		s.modified = true
	}
	return v, ok
}

// SetDefault returns the value under key, storing value there first if
// the key is absent.
func (s *Session) SetDefault(key string, value any) any {
	s.accessed = true
	if v, ok := s.data.Get(key); ok {
		return v
	}
	s.Set(key, value)
	return value
}

// Update stores every pair of o, in order.
func (s *Session) Update(o *pyjson.Object) {
	s.accessed, s.modified = true, true
	for k, v := range o.All() {
		s.data.Set(k, v)
	}
}

// Data returns the session dict itself. Changing it does not mark the
// session modified: call SetModified.
func (s *Session) Data() *pyjson.Object {
	s.accessed = true
	return s.data
}

// Clear empties the session without touching storage.
func (s *Session) Clear() {
	s.data = &pyjson.Object{}
	s.accessed, s.modified = true, true
}

// SetTestCookie, TestCookieWorked and DeleteTestCookie are Django's
// cookie-support probe.
func (s *Session) SetTestCookie() { s.Set(TestCookieKey, TestCookieWord) }

// TestCookieWorked reports whether the test cookie came back.
func (s *Session) TestCookieWorked() bool {
	v, _ := s.Get(TestCookieKey)
	return v == TestCookieWord
}

// DeleteTestCookie removes the test cookie value.
func (s *Session) DeleteTestCookie() { s.Delete(TestCookieKey) }

// --- expiry ---

// SetExpiry sets the session to expire after seconds of inactivity; 0 means
// at browser close. It is stored as an integer, as set_expiry(int).
func (s *Session) SetExpiry(seconds int64) { s.Set(ExpiryKey, seconds) }

// SetExpiryAt sets an absolute expiry, as set_expiry(datetime): Django 4.1
// and later store it as an ISO 8601 string; older releases stored the
// datetime object itself, which only a pickle serializer can write, so for
// those releases the time.Time is stored and the JSON serializer rejects
// it, as Django's does.
func (s *Session) SetExpiryAt(t time.Time) {
	if s.engine.cfg.Release.before(Django41) {
		s.Set(ExpiryKey, t)
		return
	}
	s.Set(ExpiryKey, s.isoformat(t))
}

// SetExpiryIn sets the expiry to now plus d, as set_expiry(timedelta).
func (s *Session) SetExpiryIn(d time.Duration) { s.SetExpiryAt(s.now().Add(d)) }

// ClearExpiry returns to the global policy, as set_expiry(None).
func (s *Session) ClearExpiry() { s.Delete(ExpiryKey) }

func (s *Session) now() time.Time {
	t := s.engine.cfg.now()
	if s.engine.cfg.NaiveTime {
		return t.In(s.engine.cfg.location())
	}
	return t.UTC()
}

// ExpiryAge returns the number of seconds until the session expires, as
// get_expiry_age(): SESSION_COOKIE_AGE when no expiry is set (or 0), the
// stored number of seconds unchanged, or the whole seconds from now to an
// absolute expiry (negative once past).
func (s *Session) ExpiryAge() int64 {
	return s.expiryAgeAt(s.now(), s.rawExpiry())
}

// ExpiryDate returns when the session expires, as get_expiry_date().
func (s *Session) ExpiryDate() time.Time {
	return s.expiryDateAt(s.now(), s.rawExpiry())
}

// ExpireAtBrowserClose reports whether the cookie should be a browser
// session cookie: SESSION_EXPIRE_AT_BROWSER_CLOSE when no expiry is set,
// otherwise whether the expiry is 0.
func (s *Session) ExpireAtBrowserClose() bool {
	v, ok := s.Get(ExpiryKey)
	if !ok || v == nil {
		return s.engine.cfg.ExpireAtBrowserClose
	}
	return isZeroNumber(v)
}

func (s *Session) rawExpiry() any {
	v, _ := s.data.Get(ExpiryKey)
	return v
}

// expiry returns the Expiry a store needs for a save at now.
func (s *Session) expiry(now time.Time) Expiry {
	raw := s.rawExpiry()
	return Expiry{Date: s.expiryDateAt(now, raw), Age: s.expiryAgeAt(now, raw)}
}

func (s *Session) expiryAgeAt(now time.Time, v any) int64 {
	if t, ok := s.absolute(v); ok {
		return floorSeconds(t.Sub(now))
	}
	if n, ok := number(v); ok && n != 0 {
		return n
	}
	return s.engine.cfg.cookieAge()
}

func (s *Session) expiryDateAt(now time.Time, v any) time.Time {
	if t, ok := s.absolute(v); ok {
		return t
	}
	if n, ok := number(v); ok && n != 0 {
		return now.Add(time.Duration(n) * time.Second)
	}
	return now.Add(time.Duration(s.engine.cfg.cookieAge()) * time.Second)
}

// absolute returns the instant of an absolute expiry (ISO string or time).
func (s *Session) absolute(v any) (time.Time, bool) {
	switch v := v.(type) {
	case time.Time:
		return v, true
	case string:
		t, err := ParseISOTime(v, s.engine.cfg.location())
		return t, err == nil
	}
	return time.Time{}, false
}

// floorSeconds is timedelta's days*86400 + seconds: whole seconds, floored.
func floorSeconds(d time.Duration) int64 {
	sec := int64(d / time.Second)
	if d%time.Second < 0 {
		sec--
	}
	return sec
}

// number returns an integer expiry in seconds (floats are truncated, as
// the cache timeout Django passes on is).
func number(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, false
		}
		return int64(v), true
	case *big.Int:
		if v.IsInt64() {
			return v.Int64(), true
		}
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func isZeroNumber(v any) bool {
	n, ok := number(v)
	if f, isF := v.(float64); isF {
		return f == 0
	}
	return ok && n == 0
}

// --- persistence ---

// Save writes the session, creating it with a new key when it has none,
// as SessionStore.save(). A session deleted meanwhile gives ErrVanished.
func (s *Session) Save(ctx context.Context) error {
	if ks, ok := s.engine.store.(KeylessStore); ok {
		key, err := ks.Sign(s.data)
		if err != nil {
			return err
		}
		s.key, s.modified = key, true
		return nil
	}
	if s.key == "" {
		return s.Create(ctx)
	}
	return s.engine.store.Save(ctx, s.key, s.data, s.expiry(s.now()), false)
}

// Create saves the session's data under a fresh key, retrying on
// collision, as SessionStore.create().
func (s *Session) Create(ctx context.Context) error {
	if _, ok := s.engine.store.(KeylessStore); ok {
		s.modified = true
		return nil
	}
	for range MaxCreateAttempts {
		key, err := NewKey(s.engine.cfg.rand())
		if err != nil {
			return err
		}
		err = s.engine.store.Save(ctx, key, s.data, s.expiry(s.now()), true)
		if errors.Is(err, ErrExists) {
			continue
		}
		if err != nil {
			return err
		}
		s.key, s.modified = key, true
		return nil
	}
	return ErrCreateFailed
}

// Flush empties the session, deletes it from storage and drops its key, as
// flush() (what logout does).
func (s *Session) Flush(ctx context.Context) error {
	s.Clear()
	if err := s.deleteStored(ctx); err != nil {
		return err
	}
	s.key = ""
	return nil
}

func (s *Session) deleteStored(ctx context.Context) error {
	if _, ok := s.engine.store.(KeylessStore); ok {
		s.key, s.data, s.modified = "", &pyjson.Object{}, true
		return nil
	}
	if s.key == "" {
		return nil
	}
	return s.engine.store.Delete(ctx, s.key)
}

// CycleKey moves the data to a new key and deletes the old one, as
// cycle_key() (what login does to prevent session fixation).
func (s *Session) CycleKey(ctx context.Context) error {
	if _, ok := s.engine.store.(KeylessStore); ok {
		return s.Save(ctx)
	}
	s.accessed = true
	old := s.key
	if err := s.Create(ctx); err != nil {
		return err
	}
	if old != "" {
		if err := s.engine.store.Delete(ctx, old); err != nil {
			return fmt.Errorf("djangosession: deleting the old session: %w", err)
		}
	}
	return nil
}
