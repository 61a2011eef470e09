package djangosession_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // America/Chicago on any machine

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/filestore"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
)

func chicago(t testing.TB, v *sessionVectors) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(v.TimeZone)
	if err != nil {
		t.Fatalf("time zone %s: %v", v.TimeZone, err)
	}
	return loc
}

// pyValue decodes a JSON value as pyjson does (int64, float64, ...).
func pyValue(t testing.TB, raw json.RawMessage) any {
	t.Helper()
	v, err := pyjson.Unmarshal(raw)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return v
}

// pySeconds turns Python's float seconds into a timedelta's Duration
// (microsecond resolution).
func pySeconds(f float64) time.Duration {
	return time.Duration(math.RoundToEven(f*1e6)) * time.Microsecond
}

// TestExpiryLikeDjango: for each release, USE_TZ on and off with TIME_ZONE
// America/Chicago, four frozen clocks (two next to DST changes) and a
// series of set_expiry values, Go stores the same _session_expiry and
// computes the same get_expiry_age, get_expiry_date and
// get_expire_at_browser_close as Django.
func TestExpiryLikeDjango(t *testing.T) {
	v := loadVectors(t)
	loc := chicago(t, v)
	skipped := 0
	for rel, r := range v.Releases {
		for i, c := range r.Expiry {
			name := fmt.Sprintf("%s/%d/tz=%v/%s/%s=%s", rel, i, c.UseTZ, c.Clock, c.Kind, c.Value)
			t.Run(name, func(t *testing.T) {
				if c.Raises != "" {
					skipped++
					t.Skipf("Django %s raises %s on set_expiry", r.Django, c.Raises)
				}
				now := mustTime(t, c.Now)
				session := func(browserClose bool) *djangosession.Session {
					e := mustEngine(t, newMemStore(), &djangosession.Options{
						Settings:             django.Settings{Release: django.Release(rel)},
						NaiveTime:            !c.UseTZ,
						Location:             loc,
						Now:                  fixed(now),
						ExpireAtBrowserClose: browserClose})
					s := e.New()
					switch c.Kind {
					case "none":
						s.ClearExpiry()
					case "int":
						s.SetExpiry(pyValue(t, c.Value).(int64))
					case "raw":
						s.Set(djangosession.ExpiryKey, pyValue(t, c.Value))
					case "timedelta":
						s.SetExpiryIn(pySeconds(pyValue(t, c.Value).(float64)))
					case "datetime":
						at, err := djangosession.ParseISOTime(pyValue(t, c.Value).(string), loc)
						if err != nil {
							t.Fatal(err)
						}
						s.SetExpiryAt(at)
					default:
						t.Fatalf("unknown kind %q", c.Kind)
					}
					return s
				}
				s := session(false)
				format := func(tm time.Time) string {
					if c.UseTZ {
						return djangosession.FormatISOTime(tm, true)
					}
					return djangosession.FormatISOTime(tm.In(loc), false)
				}

				stored, _ := s.Get(djangosession.ExpiryKey)
				var wantDT struct {
					Datetime string `json:"datetime"`
				}
				if json.Unmarshal(c.Stored, &wantDT) == nil && wantDT.Datetime != "" {
					tm, ok := stored.(time.Time)
					if !ok || format(tm) != wantDT.Datetime {
						t.Errorf("stored %#v, Django a datetime %s", stored, wantDT.Datetime)
					}
				} else if got := dump(t, stored); got != string(c.Stored) {
					t.Errorf("stored %s, Django %s", got, c.Stored)
				}

				if got := s.ExpireAtBrowserClose(); got != c.BrowserOff {
					t.Errorf("ExpireAtBrowserClose (setting off) = %v, Django %v", got, c.BrowserOff)
				}
				if got := session(true).ExpireAtBrowserClose(); got != c.BrowserOn {
					t.Errorf("ExpireAtBrowserClose (setting on) = %v, Django %v", got, c.BrowserOn)
				}
				if c.AgeRaises == "" {
					f, err := strconv.ParseFloat(string(c.Age), 64)
					if err != nil {
						t.Fatal(err)
					}
					// Django returns a float expiry unchanged; ExpiryAge is
					// whole seconds, truncated as Django truncates it for the
					// cookie's max-age and the cache timeout.
					if got, want := s.ExpiryAge(), int64(f); got != want {
						t.Errorf("ExpiryAge = %d, Django %s", got, c.Age)
					}
				}
				if c.DateRaises == "" {
					got := format(s.ExpiryDate())
					if got != c.Date && !c.UseTZ && inDSTGap(t, c.Date, loc) {
						// A naive datetime in the spring-forward gap names no
						// instant: time.Date shifts it by the gap. Its age,
						// computed on the wall clock, still matches.
						t.Logf("in the DST gap: Go %s, Django %s", got, c.Date)
					} else if got != c.Date {
						t.Errorf("ExpiryDate = %s, Django %s", got, c.Date)
					}
				}
			})
		}
	}
	t.Logf("%d cases skipped where Django raises", skipped)
}

// inDSTGap reports whether the naive ISO time s names a wall-clock reading
// that does not exist in loc.
func inDSTGap(t testing.TB, s string, loc *time.Location) bool {
	tm, err := djangosession.ParseISOTime(s, loc)
	if err != nil {
		return false
	}
	return djangosession.FormatISOTime(tm, false) != s
}

// --- flags after each operation, against the file and signed_cookies engines ---

// TestFlagsLikeDjango replays sequences of session operations and checks,
// after each one, the accessed and modified flags, the key (none, the
// starting one, or a new one), the data and the value returned, against
// what each Django release did. Django loads lazily and Go on Open, so the
// data Django had not loaded yet is not compared.
func TestFlagsLikeDjango(t *testing.T) {
	v := loadVectors(t)
	signedAt := mustTime(t, v.SignedAt)
	for rel, r := range v.Releases {
		for i, seq := range r.Flags.File {
			t.Run(fmt.Sprintf("%s/file/%d-%s", rel, i, seq.Start), func(t *testing.T) {
				dir := t.TempDir()
				clock := fixed(signedAt)
				codec := releaseCodec(t, v, rel, "")
				store, err := filestore.New(&filestore.Options{Dir: dir, Codec: codec, Now: clock})
				if err != nil {
					t.Fatal(err)
				}
				e := mustEngine(t, store, &djangosession.Options{Settings: django.Settings{Release: django.Release(rel)}, Now: clock})
				ctx := context.Background()
				startKey := ""
				switch seq.Start {
				case "new":
				case "existing":
					s := e.New()
					s.Update(obj(t, `{"a":1,"b":2}`))
					if err := s.Save(ctx); err != nil {
						t.Fatal(err)
					}
					startKey = s.Key()
				case "missing":
					startKey = "k0dj4nq2o9zq3hmk1x6y5c8w7v2b4n1a"
				case "corrupt":
					startKey = "k0dj4nq2o9zq3hmk1x6y5c8w7v2b4n1a"
					if err := os.WriteFile(filepath.Join(dir, "sessionid"+startKey), []byte("garbage"), 0o600); err != nil {
						t.Fatal(err)
					}
				case "invalid":
					startKey = "ABCDEFGH12"
				case "short":
					startKey = "abc1"
				default:
					t.Fatalf("start %q", seq.Start)
				}
				s, err := e.Open(ctx, startKey)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				labels := map[string]string{}
				label := func(k string) string {
					switch k {
					case "":
						return "none"
					case startKey:
						return "start"
					}
					if l, ok := labels[k]; ok {
						return l
					}
					labels[k] = fmt.Sprintf("k%d", len(labels)+1)
					return labels[k]
				}
				replay(t, s, seq.Steps, func() string { return label(s.Key()) })
				if seq.FilesAfter != nil {
					n := 0
					for _, name := range testenv.DirNames(t, dir) {
						if !strings.Contains(name, "_out_") {
							n++
						}
					}
					if n != *seq.FilesAfter {
						t.Errorf("%d session files at the end, Django %d", n, *seq.FilesAfter)
					}
				}
			})
		}
		for i, seq := range r.Flags.SignedCookies {
			t.Run(fmt.Sprintf("%s/signed_cookies/%d-%s", rel, i, seq.Start), func(t *testing.T) {
				clock := fixed(mustTime(t, seq.Now))
				o := &cookiestore.Options{Settings: django.Settings{SecretKey: v.SecretKey}, Now: clock, CookieAge: time.Duration(v.CookieAge) * time.Second}
				if rel != "3.2" {
					o.Settings.SecretKeyFallbacks = []string{v.FallbackKey}
				}
				store, err := cookiestore.New(o)
				if err != nil {
					t.Fatal(err)
				}
				e := mustEngine(t, store, &djangosession.Options{Settings: django.Settings{Release: django.Release(rel)}, Now: clock})
				startKey := ""
				if seq.StartKey != nil {
					startKey = *seq.StartKey
				}
				s, err := e.Open(context.Background(), startKey)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				replay(t, s, seq.Steps, func() string {
					if s.Key() == "" {
						return "none"
					}
					return s.Key() // the cookie value: Go must sign the same bytes
				})
			})
		}
	}
}

func replay(t *testing.T, s *djangosession.Session, steps []flagStep, key func() string) {
	t.Helper()
	ctx := context.Background()
	for i, st := range steps {
		var op string
		if err := json.Unmarshal(st.Op[0], &op); err != nil {
			t.Fatal(err)
		}
		arg := func(j int) any { return pyValue(t, st.Op[j]) }
		str := func(j int) string { return arg(j).(string) }
		var got any
		var err error
		switch op {
		case "get":
			got, _ = s.Get(str(1))
		case "contains":
			got = s.Has(str(1))
		case "keys":
			got = s.Keys()
		case "set":
			err = s.Set(str(1), arg(2))
		case "del":
			if !s.Delete(str(1)) {
				got = "KeyError"
			}
		case "pop":
			got, _ = s.Pop(str(1))
		case "setdefault":
			got, err = s.SetDefault(str(1), arg(2))
		case "update":
			err = s.Update(arg(1).(*pyjson.Object))
		case "clear":
			s.Clear()
		case "flush":
			err = s.Flush(ctx)
		case "cycle_key":
			err = s.CycleKey(ctx)
		case "save":
			err = s.Save(ctx)
		case "is_empty":
			got = s.IsEmpty()
		case "set_expiry":
			if n, ok := arg(1).(int64); ok {
				s.SetExpiry(n)
			} else {
				s.ClearExpiry()
			}
		case "expiry_age":
			got = s.ExpiryAge()
		case "expiry_date":
			got = djangosession.FormatISOTime(s.ExpiryDate(), true)
		case "browser_close":
			got = s.ExpireAtBrowserClose()
		case "set_test_cookie":
			s.SetTestCookie()
		case "test_cookie_worked":
			got = s.TestCookieWorked()
		case "delete_test_cookie":
			s.DeleteTestCookie()
		default:
			t.Fatalf("unknown op %q", op)
		}
		where := fmt.Sprintf("step %d %s", i, op)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		if st.Raises != "" {
			t.Fatalf("%s: Django raised %s", where, st.Raises)
		}
		want := "null"
		if len(st.Value) > 0 {
			var b bytes.Buffer
			if err := json.Compact(&b, st.Value); err != nil {
				t.Fatal(err)
			}
			want = b.String()
		}
		if g := dump(t, got); g != want {
			t.Errorf("%s returned %s, Django %s", where, g, want)
		}
		if s.Accessed() != st.Accessed || s.Modified() != st.Modified {
			t.Errorf("%s: accessed=%v modified=%v, Django accessed=%v modified=%v",
				where, s.Accessed(), s.Modified(), st.Accessed, st.Modified)
		}
		if k := key(); k != st.Key {
			t.Errorf("%s: key %s, Django %s", where, k, st.Key)
		}
		if st.Data != nil {
			// Data() would mark the session accessed: read a copy of the
			// flags around it.
			acc := s.Accessed()
			d := dump(t, s.Data())
			if !acc && s.Accessed() {
				t.Fatalf("%s: cannot compare data without accessing it", where)
			}
			if d != *st.Data {
				t.Errorf("%s: data %s, Django %s", where, d, *st.Data)
			}
		}
	}
}

// --- Open, Create, Flush and CycleKey against a recording store ---

// memStore is a Store in memory that records calls and can be told to
// answer ErrExists to the next creates.
type memStore struct {
	mu        sync.Mutex
	data      map[string]string
	collide   int // answer ErrExists to this many more creates
	creates   []string
	deletes   []string
	updates   []string
	loadError error
}

func newMemStore() *memStore { return &memStore{data: map[string]string{}} }

func (m *memStore) Load(ctx context.Context, key string) (*pyjson.Object, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.loadError != nil {
		return nil, m.loadError
	}
	d, ok := m.data[key]
	if !ok {
		return nil, djangosession.ErrNotFound
	}
	v, err := pyjson.Unmarshal([]byte(d))
	if err != nil {
		return nil, err
	}
	return v.(*pyjson.Object), nil
}

func (m *memStore) Save(ctx context.Context, key string, data *pyjson.Object, exp djangosession.Expiry, mustCreate bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := pyjson.Marshal(data)
	if err != nil {
		return err
	}
	_, ok := m.data[key]
	switch {
	case mustCreate:
		m.creates = append(m.creates, key)
		if m.collide > 0 {
			m.collide--
			return djangosession.ErrExists
		}
		if ok {
			return djangosession.ErrExists
		}
	case !ok:
		return djangosession.ErrVanished
	default:
		m.updates = append(m.updates, key)
	}
	m.data[key] = string(b)
	return nil
}

func (m *memStore) Exists(ctx context.Context, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.data[key]
	return ok, nil
}

func (m *memStore) Delete(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deletes = append(m.deletes, key)
	delete(m.data, key)
	return nil
}

// TestCreateRetriesOnCollision: Django's create draws new keys until
// save(must_create=True) succeeds; Go does the same, up to
// MaxCreateAttempts (Django's db and file engines never give up).
func TestNewEngine(t *testing.T) {
	for _, c := range []struct {
		name    string
		store   djangosession.Store
		o       *djangosession.Options
		release bool // also matches django.ErrUnknownRelease
	}{
		{"nil store", nil, nil, false},
		{"unknown release", newMemStore(), &djangosession.Options{Settings: django.Settings{Release: "2.2"}}, true},
		{"malformed release", newMemStore(), &djangosession.Options{Settings: django.Settings{Release: "four"}}, true},
		{"negative CookieAge", newMemStore(), &djangosession.Options{CookieAge: -time.Second}, false},
	} {
		e, err := djangosession.NewEngine(c.store, c.o)
		if e != nil || !errors.Is(err, djangosession.ErrInvalidConfig) || errors.Is(err, django.ErrUnknownRelease) != c.release {
			t.Errorf("%s: NewEngine = %v, %v", c.name, e, err)
		}
	}
	store := newMemStore()
	e, err := djangosession.NewEngine(store, nil)
	if err != nil || e.Store() != store || !reflect.DeepEqual(e.Options(), djangosession.Options{}) {
		t.Fatalf("NewEngine(store, nil) = %+v, %v", e, err)
	}
	o := djangosession.Options{CookieAge: time.Hour, ExpireAtBrowserClose: true, Settings: django.Settings{Release: django.Django32}}
	e, err = djangosession.NewEngine(store, &o)
	if err != nil {
		t.Fatal(err)
	}
	o.CookieAge = 0 // the engine keeps its own copy
	if got := e.Options(); got.CookieAge != time.Hour || !got.ExpireAtBrowserClose || got.Settings.Release != django.Django32 {
		t.Errorf("Options() = %+v", got)
	}
}

func TestCreateRetriesOnCollision(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{0, 1, 5, djangosession.MaxCreateAttempts - 1} {
		t.Run(fmt.Sprint("collisions=", n), func(t *testing.T) {
			m := newMemStore()
			m.collide = n
			s := mustEngine(t, m, nil).New()
			s.Set("a", int64(1))
			if err := s.Save(ctx); err != nil {
				t.Fatal(err)
			}
			if len(m.creates) != n+1 {
				t.Fatalf("%d create attempts, want %d", len(m.creates), n+1)
			}
			seen := map[string]bool{}
			for _, k := range m.creates {
				if seen[k] || len(k) != djangosession.KeyLength {
					t.Fatalf("attempted keys %v: each must be new and %d long", m.creates, djangosession.KeyLength)
				}
				seen[k] = true
			}
			if s.Key() != m.creates[n] || !s.Modified() {
				t.Fatalf("key %q modified %v, want the last attempt and modified", s.Key(), s.Modified())
			}
		})
	}
	m := newMemStore()
	m.collide = djangosession.MaxCreateAttempts
	s := mustEngine(t, m, nil).New()
	if err := s.Save(ctx); !errors.Is(err, djangosession.ErrCreateFailed) {
		t.Fatalf("after %d collisions: %v, want ErrCreateFailed", djangosession.MaxCreateAttempts, err)
	}
	if s.Key() != "" {
		t.Fatalf("failed create left key %q", s.Key())
	}
}

// TestFlushAndCycleKeyStoreEffects: flush deletes the stored session and
// drops the key; cycle_key stores the data under a new key, then deletes
// the old one; both with a store's view of the calls.
func TestFlushAndCycleKeyStoreEffects(t *testing.T) {
	ctx := context.Background()
	m := newMemStore()
	e := mustEngine(t, m, nil)
	s := e.New()
	s.Set("user", "42")
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	old := s.Key()
	if err := s.CycleKey(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Key() == old || s.Key() == "" {
		t.Fatalf("CycleKey kept key %q", s.Key())
	}
	if !slices.Equal(m.deletes, []string{old}) {
		t.Fatalf("deletes %v, want the old key", m.deletes)
	}
	if got, err := m.Load(ctx, s.Key()); err != nil || dump(t, got) != `{"user":"42"}` {
		t.Fatalf("new key holds %s, %v", dump(t, got), err)
	}
	cur := s.Key()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Key() != "" || s.Len() != 0 || !s.Modified() || !s.IsEmpty() {
		t.Fatalf("after Flush: key %q, %d items, modified %v", s.Key(), s.Len(), s.Modified())
	}
	if ok, _ := m.Exists(ctx, cur); ok {
		t.Fatal("Flush left the stored session")
	}
	// A flushed session saved again gets a fresh key.
	s.Set("x", int64(1))
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Key() == "" || s.Key() == cur || s.Key() == old {
		t.Fatalf("saved after flush under %q", s.Key())
	}
}

// TestOpen: a missing session gives an empty session without key; corrupt
// data an empty one that keeps its key; storage errors are returned.
func TestOpen(t *testing.T) {
	ctx := context.Background()
	m := newMemStore()
	e := mustEngine(t, m, nil)
	for _, k := range []string{"", "short", "1234567"} {
		s := mustOpen(t, e, k)
		if s.Key() != "" || !s.IsEmpty() || s.Accessed() || s.Modified() {
			t.Fatalf("Open(%q): key %q, empty %v, accessed %v, modified %v", k, s.Key(), s.IsEmpty(), s.Accessed(), s.Modified())
		}
	}
	s := mustOpen(t, e, "validbutmissing1")
	if s.Key() != "" || s.LoadError() != nil {
		t.Fatalf("Open(missing) = key %q, %v", s.Key(), s.LoadError())
	}
	m.loadError = fmt.Errorf("wrapped: %w", djangosession.ErrCorrupt)
	s = mustOpen(t, e, "corruptsession01")
	if s.Key() != "corruptsession01" || !errors.Is(s.LoadError(), djangosession.ErrCorrupt) || s.Modified() {
		t.Fatalf("Open(corrupt) = key %q, %v", s.Key(), s.LoadError())
	}
	m.loadError = fmt.Errorf("wrapped: %w", djangosession.ErrInvalidKey)
	s = mustOpen(t, e, "INVALIDKEY")
	if s.Key() != "" {
		t.Fatalf("Open(invalid key) kept %q; Django resets the key", s.Key())
	}
	boom := errors.New("disk on fire")
	m.loadError = boom
	if _, err := e.Open(ctx, "iofailure0000001"); !errors.Is(err, boom) {
		t.Fatalf("Open with a failing store = %v", err)
	}
}

// TestSaveVanished: a session deleted meanwhile (a logout in another
// request) is not recreated by an update: ErrVanished, as Django's
// UpdateError.
func TestSaveVanished(t *testing.T) {
	ctx := context.Background()
	m := newMemStore()
	e := mustEngine(t, m, nil)
	s := e.New()
	s.Set("a", int64(1))
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	other, err := e.Open(ctx, s.Key())
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	s.Set("b", int64(2))
	if err := s.Save(ctx); !errors.Is(err, djangosession.ErrVanished) {
		t.Fatalf("Save after a concurrent flush: %v", err)
	}
}

// TestSignedCookiesSpecialCases: the cookie is the session; cycle_key just
// re-signs; a short cookie is no cookie; a bad or expired one is replaced.
func TestSignedCookiesSpecialCases(t *testing.T) {
	v := loadVectors(t)
	at := mustTime(t, v.SignedAt)
	clock := &stepClock{t: at}
	store, err := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: v.SecretKey}, Now: clock.now, CookieAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e := mustEngine(t, store, &djangosession.Options{Now: clock.now})
	s := e.New()
	s.Set("a", int64(1))
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	cookie := s.Key()
	// {"a":1} at the vectors' time is django-formats.md §5's vector.
	if cookie != "eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk" {
		t.Fatalf("cookie %s", cookie)
	}
	clock.t = at.Add(time.Second)
	if err := s.CycleKey(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Key() == cookie || !s.Modified() {
		t.Fatalf("CycleKey: key %q modified %v", s.Key(), s.Modified())
	}
	// set_expiry does not change how long the cookie itself is accepted.
	s.SetExpiry(10)
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	clock.t = at.Add(time.Hour)
	got := mustOpen(t, e, s.Key())
	if got.Len() != 2 || got.Modified() {
		t.Fatalf("an hour later (set_expiry(10)): %d items, modified %v", got.Len(), got.Modified())
	}
	clock.t = at.Add(time.Hour + 2*time.Second)
	got = mustOpen(t, e, s.Key())
	if got.Len() != 0 || !got.Modified() || !errors.Is(got.LoadError(), djangosession.ErrNotFound) {
		t.Fatalf("past SESSION_COOKIE_AGE: %d items, modified %v, %v", got.Len(), got.Modified(), got.LoadError())
	}
	short := mustOpen(t, e, "abc")
	if short.Key() != "" || short.Modified() {
		t.Fatalf("short cookie: key %q modified %v; Django ignores it", short.Key(), short.Modified())
	}
}

func mustOpen(t testing.TB, e *djangosession.Engine, key string) *djangosession.Session {
	t.Helper()
	s, err := e.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	return s
}

type stepClock struct{ t time.Time }

func (c *stepClock) now() time.Time { return c.t }

// TestSessionMapOps covers what the vectors do not: values of each shape
// survive a save and load through a real store, byte for byte.
func TestSessionMapOps(t *testing.T) {
	dir := t.TempDir()
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: "k"}})
	if err != nil {
		t.Fatal(err)
	}
	store, err := filestore.New(&filestore.Options{Dir: dir, Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e := mustEngine(t, store, nil)
	s := e.New()
	want := `{"u":"\u00e9\ud83d\ude00","n":null,"l":[1,2.5,"x",true],"b":1267650600228229401496703205376,"o":{"k":{}}}`
	s.Update(obj(t, want))
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := e.Open(ctx, s.Key())
	if err != nil {
		t.Fatal(err)
	}
	if d := dump(t, got.Data()); d != want {
		t.Fatalf("got %s\nwant %s", d, want)
	}
	if !bytes.Equal([]byte(dump(t, got.Data())), []byte(want)) {
		t.Fatal("not byte for byte")
	}
}
