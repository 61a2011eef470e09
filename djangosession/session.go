package djangosession

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/python/pyjson"
)

// Well-known session keys Django itself writes.
const (
	ExpiryKey      = "_session_expiry"
	TestCookieKey  = "testcookie"
	TestCookieWord = "worked"
)

// Engine opens sessions on a Store with the settings in an Options. An Engine
// is safe for concurrent use; the Sessions it returns are not.
type Engine struct {
	store Store
	cfg   Options
}

// NewEngine returns an Engine opening sessions on store. A nil Options means
// Django's defaults. It returns an error matching ErrInvalidConfig for a nil
// store or a negative CookieAge, and one matching both ErrInvalidConfig and
// django.ErrUnknownRelease for a Settings.Release this module does not know.
func NewEngine(store Store, o *Options) (*Engine, error) {
	if store == nil {
		return nil, fmt.Errorf("%w: nil store", ErrInvalidConfig)
	}
	e := &Engine{store: store}
	if o != nil {
		e.cfg = *o
	}
	if err := e.cfg.Settings.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if e.cfg.CookieAge < 0 {
		return nil, fmt.Errorf("%w: negative CookieAge %v", ErrInvalidConfig, e.cfg.CookieAge)
	}
	return e, nil
}

// Store returns the engine's store.
func (e *Engine) Store() Store { return e.store }

// Options returns a copy of the engine's settings.
func (e *Engine) Options() Options { return e.cfg }

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
	if !ValidKey(key) {
		// Django's key setter drops such a key before anything is loaded,
		// for every engine: signed_cookies too, so a short cookie is no
		// cookie (not a bad one to replace).
		return s, nil
	}
	if _, keyless := e.store.(KeylessStore); keyless {
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
	data, err := e.store.Load(ctx, key)
	switch {
	case err == nil:
		s.key, s.data = key, data
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrInvalidKey):
		// The file engine resets a key it cannot hold, as a missing one.
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

// Set stores value under key, converted by PyValue to the values every
// store can write (a Go map becomes a dict, a struct what encoding/json
// makes of it, an int an int64 ...). A value with no such form is refused
// with an *UnsupportedValueError matching ErrUnsupportedValue, and the
// session is left unchanged.
func (s *Session) Set(key string, value any) error {
	v, err := PyValue(value)
	if err != nil {
		return err
	}
	s.set(key, v)
	return nil
}

// set stores a value of the data model, or one the caller knows a
// serializer must judge (SetExpiryAt's time.Time before Django 4.1).
func (s *Session) set(key string, value any) {
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

// SetDefault returns the value under key, storing value there first (as
// Set does, converted) if the key is absent.
func (s *Session) SetDefault(key string, value any) (any, error) {
	s.accessed = true
	if v, ok := s.data.Get(key); ok {
		return v, nil
	}
	v, err := PyValue(value)
	if err != nil {
		return nil, err
	}
	s.set(key, v)
	return v, nil
}

// Update stores every pair of o, in order, converted as Set converts
// them. If a value is refused, nothing is stored.
func (s *Session) Update(o *pyjson.Object) error {
	v, err := PyValue(o)
	if err != nil {
		return err
	}
	s.accessed, s.modified = true, true
	if v == nil {
		return nil
	}
	for k, x := range v.(*pyjson.Object).All() {
		s.data.Set(k, x)
	}
	return nil
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
func (s *Session) SetTestCookie() { s.set(TestCookieKey, TestCookieWord) }

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
func (s *Session) SetExpiry(seconds int64) { s.set(ExpiryKey, seconds) }

// SetExpiryAt sets an absolute expiry, as set_expiry(datetime): Django 4.1
// and later store it as an ISO 8601 string; older releases stored the
// datetime object itself, which only a pickle serializer can write, so for
// those releases the time.Time is stored and the JSON serializer rejects
// it, as Django's does.
func (s *Session) SetExpiryAt(t time.Time) {
	if s.engine.cfg.Settings.Release.Before(django.Django41) {
		s.set(ExpiryKey, t)
		return
	}
	s.set(ExpiryKey, s.isoformat(t))
}

// SetExpiryIn sets the expiry to now plus d, as set_expiry(timedelta).
// With NaiveTime the sum is taken on the wall clock of Location, as Python
// adds a timedelta to a naive datetime: a day later is the same wall time
// the next day, even across a DST change.
func (s *Session) SetExpiryIn(d time.Duration) {
	t := s.now().Add(d)
	if s.engine.cfg.Settings.Release.Before(django.Django41) {
		s.set(ExpiryKey, s.instant(t))
		return
	}
	s.set(ExpiryKey, FormatISOTime(t, !s.engine.cfg.NaiveTime))
}

// ClearExpiry returns to the global policy, as set_expiry(None).
func (s *Session) ClearExpiry() { s.Delete(ExpiryKey) }

// now returns timezone.now() in the arithmetic Django does with it: the UTC
// instant with USE_TZ; without, the naive wall-clock reading in TIME_ZONE,
// carried as a UTC time (see wallClock).
func (s *Session) now() time.Time {
	t := s.engine.cfg.now()
	if s.engine.cfg.NaiveTime {
		return wallClock(t.In(s.engine.cfg.location()))
	}
	return t.UTC()
}

// wallClock returns t's wall-clock reading in its own location as a UTC
// time. Python adds and subtracts naive datetimes (USE_TZ = False) on the
// wall clock, blind to DST changes; Session computes naive expiry on such
// readings so that it agrees with Django to the second.
func wallClock(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// instant turns a time of now()'s arithmetic back into an instant: with
// NaiveTime, the wall-clock reading is placed in Location (a reading in a
// spring-forward gap names no instant; time.Date shifts it by the size of
// the gap).
func (s *Session) instant(t time.Time) time.Time {
	if !s.engine.cfg.NaiveTime {
		return t
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), s.engine.cfg.location())
}

// ExpiryAge returns the number of seconds until the session expires, as
// get_expiry_age(): SESSION_COOKIE_AGE when no expiry is set (or 0), the
// stored number of seconds unchanged (a float one truncated to whole
// seconds, as Django truncates it for the cookie's max-age), or the whole
// seconds from now to an absolute expiry (negative once past).
func (s *Session) ExpiryAge() int64 {
	s.accessed = true
	return s.expiryAgeAt(s.now(), s.rawExpiry())
}

// ExpiryDate returns when the session expires, as get_expiry_date().
func (s *Session) ExpiryDate() time.Time {
	s.accessed = true
	return s.instant(s.expiryDateAt(s.now(), s.rawExpiry()))
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

// expiry returns the Expiry a store needs for a save at now (a time of
// now()'s arithmetic).
func (s *Session) expiry(now time.Time) Expiry {
	raw := s.rawExpiry()
	return Expiry{Date: s.instant(s.expiryDateAt(now, raw)), Age: s.expiryAgeAt(now, raw)}
}

func (s *Session) expiryAgeAt(now time.Time, v any) int64 {
	if t, ok := s.absolute(v); ok {
		return floorSeconds(t.Sub(now))
	}
	if _, age, ok := relative(v); ok {
		return age
	}
	return s.engine.cfg.cookieAge()
}

func (s *Session) expiryDateAt(now time.Time, v any) time.Time {
	if t, ok := s.absolute(v); ok {
		return t
	}
	if d, _, ok := relative(v); ok {
		return now.Add(d)
	}
	return now.Add(time.Duration(s.engine.cfg.cookieAge()) * time.Second)
}

// absolute returns the instant of an absolute expiry (ISO string or time)
// in now()'s arithmetic: with NaiveTime, its wall-clock reading.
func (s *Session) absolute(v any) (time.Time, bool) {
	naive, loc := s.engine.cfg.NaiveTime, s.engine.cfg.location()
	switch v := v.(type) {
	case time.Time:
		if naive {
			return wallClock(v.In(loc)), true
		}
		return v, true
	case string:
		if naive {
			// Read the naive string as the wall-clock reading it is, even
			// one a DST change makes ambiguous or skips.
			t, err := ParseISOTime(v, time.UTC)
			return wallClock(t), err == nil
		}
		t, err := ParseISOTime(v, loc)
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

// relative returns a relative expiry, a number Python finds truthy (a
// non-zero int or float, or True): the timedelta(seconds=v) Django adds to
// now (microsecond resolution, rounded half to even as Python does) and the
// age get_expiry_age returns, in whole seconds truncated toward zero.
// NaN, the infinities and integers beyond int64, on which Django's
// arithmetic raises, are not relative expiries.
func relative(v any) (time.Duration, int64, bool) {
	switch v := v.(type) {
	case int64:
		if v != 0 {
			return time.Duration(v) * time.Second, v, true
		}
	case int:
		if v != 0 {
			return time.Duration(v) * time.Second, int64(v), true
		}
	case float64:
		if v != 0 && !math.IsNaN(v) && !math.IsInf(v, 0) {
			return time.Duration(math.RoundToEven(v*1e6)) * time.Microsecond, int64(v), true
		}
	case *big.Int:
		if v.IsInt64() && v.Sign() != 0 {
			return time.Duration(v.Int64()) * time.Second, v.Int64(), true
		}
	case bool:
		if v {
			return time.Second, 1, true
		}
	}
	return 0, 0, false
}

// number returns an integer expiry in seconds (floats are truncated).
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
	s.accessed = true // Django's save reads the data through _get_session
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
	s.accessed = true
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
