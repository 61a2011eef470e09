package filestore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // America/Chicago on any machine

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/filestore"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
	"github.com/djsession/djsession/signing"
)

// vectors is the part of ../../testdata/session.json (made by
// testdata/session_gen.py running real Django) these tests use.
type vectors struct {
	SecretKey string             `json:"secret_key"`
	TimeZone  string             `json:"time_zone"`
	CookieAge int64              `json:"cookie_age"`
	SignedAt  string             `json:"signed_at"`
	Releases  map[string]release `json:"releases"`
}

type release struct {
	Django   string     `json:"django"`
	FileLoad []fileCase `json:"file_load"`
	Clear    []clearSet `json:"clear_expired"`
}

type fileCase struct {
	Name     string  `json:"name"`
	Kind     string  `json:"content_kind"` // encode (by Django), raw (garbage or empty), none
	Content  *string `json:"content"`
	Key      string  `json:"key"`
	MtimeAge float64 `json:"mtime_age"`
	UseTZ    bool    `json:"use_tz"`
	Now      string  `json:"now"`
	Result   *string `json:"result"`
	Raises   string  `json:"raises"`
	KeyAfter string  `json:"key_after"`
	FileKept bool    `json:"file_kept"`
}

type clearSet struct {
	Set     string `json:"set"`
	Now     string `json:"now"`
	Entries []struct {
		Name     string  `json:"name"`
		Content  string  `json:"content"`
		MtimeAge float64 `json:"mtime_age"`
	} `json:"entries"`
	Remaining []string `json:"remaining"`
	Raises    string   `json:"raises"`
}

func loadVectors(t testing.TB) *vectors {
	t.Helper()
	var v vectors
	testenv.ReadJSON(t, "../../testdata/session.json", &v)
	if len(v.Releases) == 0 {
		t.Fatal("no releases in session.json")
	}
	return &v
}

func parseTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := djangosession.ParseISOTime(s, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// secs turns float seconds into a Duration at microsecond precision, as the
// generator set mtimes.
func secs(f float64) time.Duration { return time.Duration(f*1e6) * time.Microsecond }

func newCodec(t testing.TB, key string, now func() time.Time) *djangosession.Codec {
	t.Helper()
	c, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: key}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newStore(t testing.TB, o *filestore.Options) *filestore.Store {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.Codec == nil {
		o.Codec = newCodec(t, "test-secret-key", o.Now)
	}
	s, err := filestore.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Options{
		New: func(t *testing.T) djangosession.Store { return newStore(t, &filestore.Options{}) },
		Plant: func(t *testing.T, s djangosession.Store, key string, raw []byte) {
			path, err := s.(*filestore.Store).Path(key)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
		},
		Secrets: []string{"test-secret-key"},
	})
}

func chicago(t testing.TB, v *vectors) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(v.TimeZone)
	if err != nil {
		t.Fatalf("time zone %s: %v", v.TimeZone, err)
	}
	return loc
}

// TestLoadLikeDjango replays what each Django release's file engine did
// with a file of given content and age: the data it loaded, whether it kept
// the key, and whether it removed the file.
func TestLoadLikeDjango(t *testing.T) {
	v := loadVectors(t)
	loc := chicago(t, v)
	ctx := context.Background()
	for rel, r := range v.Releases {
		for _, c := range r.FileLoad {
			t.Run(rel+"/"+c.Name, func(t *testing.T) {
				if c.Raises != "" {
					// Django 3.2 raises TypeError on an ISO _session_expiry
					// (it never writes one); Go reads it as 4.1+ does.
					c = sameCase(t, v.Releases["4.2"].FileLoad, c.Name, func(x fileCase) string { return x.Name })
				}
				now := parseTime(t, c.Now)
				clock := func() time.Time { return now }
				dir := t.TempDir()
				s := newStore(t, &filestore.Options{
					Dir: dir, Codec: newCodec(t, v.SecretKey, clock),
					CookieAge: time.Duration(v.CookieAge) * time.Second,
					NaiveTime: !c.UseTZ, Location: loc, Now: clock,
				})
				path := filepath.Join(dir, "sessionid"+c.Key)
				if c.Content != nil {
					if err := os.WriteFile(path, []byte(*c.Content), 0o600); err != nil {
						t.Fatal(err)
					}
					mtime := now.Add(-secs(c.MtimeAge))
					if err := os.Chtimes(path, mtime, mtime); err != nil {
						t.Fatal(err)
					}
				}
				data, err := s.Load(ctx, c.Key)
				switch {
				case c.KeyAfter == "none" && c.Name == "short_key":
					// Django drops keys < 8 chars before loading; the
					// store says no session, and so does a Session.
					if !errors.Is(err, djangosession.ErrNotFound) {
						t.Fatalf("Load = %v, want ErrNotFound", err)
					}
					e := mustEngine(t, s, nil)
					sess, err := e.Open(ctx, c.Key)
					if err != nil {
						t.Fatal(err)
					}
					if sess.Key() != "" {
						t.Fatalf("Open(short key) kept key %q", sess.Key())
					}
				case c.KeyAfter == "none":
					if !errors.Is(err, djangosession.ErrNotFound) {
						t.Fatalf("Load = %v, want ErrNotFound", err)
					}
				case c.KeyAfter == "new":
					// Django found the session expired, removed the file and
					// minted a new key; the Store reports ErrNotFound and a
					// Session gets a new key when it is next saved.
					if !errors.Is(err, djangosession.ErrNotFound) {
						t.Fatalf("Load = %v, %v; want ErrNotFound (Django: expired)", dump(t, data), err)
					}
				case c.KeyAfter == "same" && c.Kind == "raw" && *c.Content != "":
					if !errors.Is(err, djangosession.ErrCorrupt) {
						t.Fatalf("Load = %v, want ErrCorrupt (Django: empty session, key kept)", err)
					}
				case c.KeyAfter == "same":
					if err != nil {
						t.Fatalf("Load: %v (Django loaded %s)", err, *c.Result)
					}
					if got := dump(t, data); got != *c.Result {
						t.Fatalf("Load = %s, Django %s", got, *c.Result)
					}
				default:
					t.Fatalf("unknown outcome %q", c.KeyAfter)
				}
				_, statErr := os.Stat(path)
				if kept := statErr == nil; kept != c.FileKept {
					t.Errorf("file kept = %v, Django %v", kept, c.FileKept)
				}
			})
		}
	}
}

// TestClearExpiredLikeDjango runs ClearExpired on the directory each
// release's clear_expired ran on and compares what is left.
func TestClearExpiredLikeDjango(t *testing.T) {
	v := loadVectors(t)
	ctx := context.Background()
	for rel, r := range v.Releases {
		for _, set := range r.Clear {
			t.Run(rel+"/"+set.Set, func(t *testing.T) {
				if set.Raises != "" {
					// 3.2's clear_expired raises on an ISO _session_expiry;
					// Go clears as 4.1+ does.
					set = sameCase(t, v.Releases["4.2"].Clear, set.Set, func(x clearSet) string { return x.Set })
				}
				now := parseTime(t, set.Now)
				clock := func() time.Time { return now }
				dir := t.TempDir()
				s := newStore(t, &filestore.Options{
					Dir: dir, Codec: newCodec(t, v.SecretKey, clock),
					CookieAge: time.Duration(v.CookieAge) * time.Second, Now: clock,
				})
				for _, e := range set.Entries {
					p := filepath.Join(dir, e.Name)
					if err := os.WriteFile(p, []byte(e.Content), 0o600); err != nil {
						t.Fatal(err)
					}
					mt := now.Add(-secs(e.MtimeAge))
					if err := os.Chtimes(p, mt, mt); err != nil {
						t.Fatal(err)
					}
				}
				n, err := s.ClearExpired(ctx)
				if err != nil {
					t.Fatal(err)
				}
				left := testenv.DirNames(t, dir)
				if !slices.Equal(left, set.Remaining) {
					t.Fatalf("left %v\nDjango %s left %v", left, r.Django, set.Remaining)
				}
				if want := int64(len(set.Entries) - len(set.Remaining)); n != want {
					t.Errorf("ClearExpired = %d, removed %d", n, want)
				}
			})
		}
	}
}

// sameCase returns the case named name from another release's results.
func sameCase[T any](t testing.TB, cases []T, name string, nameOf func(T) string) T {
	t.Helper()
	for _, c := range cases {
		if nameOf(c) == name {
			return c
		}
	}
	t.Fatalf("no case %q", name)
	var zero T
	return zero
}

func dump(t testing.TB, o *pyjson.Object) string {
	t.Helper()
	if o == nil {
		return "<nil>"
	}
	b, err := pyjson.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFileFormat checks the file name and that the content is exactly the
// codec's session_data, with no newline, in a 0600 file, and that no
// temporary file is left behind.
func TestFileFormat(t *testing.T) {
	v := loadVectors(t)
	at := parseTime(t, v.SignedAt)
	clock := func() time.Time { return at }
	dir := t.TempDir()
	codec := newCodec(t, v.SecretKey, clock)
	s := newStore(t, &filestore.Options{Dir: dir, CookieName: "mysess", Codec: codec, Now: clock})
	key := "n5eep83hnmjyrfd01kps8z2rvqf0wrq8"
	d := &pyjson.Object{}
	d.Set("k", "v")
	ctx := context.Background()
	if err := s.Save(ctx, key, d, djangosession.Expiry{}, true); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "mysess"+key))
	if err != nil {
		t.Fatal(err)
	}
	// django-formats.md §4: the file Django 3.2, 4.2 and 6.0 wrote for {"k":"v"}.
	const want = "eyJrIjoidiJ9:1r31eq:_kIgCC1A8-OkMzQEkjdVHv_20cQ6aamI2dZm9-bZaEE"
	if string(b) != want {
		t.Fatalf("file content %q, want %q", b, want)
	}
	fi, err := os.Stat(filepath.Join(dir, "mysess"+key))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 (mkstemp's)", fi.Mode().Perm())
	}
	d.Set("k2", "v2")
	if err := s.Save(ctx, key, d, djangosession.Expiry{}, false); err != nil {
		t.Fatal(err)
	}
	if got := testenv.DirNames(t, dir); !slices.Equal(got, []string{"mysess" + key}) {
		t.Fatalf("directory holds %v", got)
	}
}

func TestInvalidKeys(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, &filestore.Options{Dir: dir})
	ctx := context.Background()
	for _, k := range []string{"", "ABCDEFGH12", "../../etc/passwd", "abc/defgh", "abcdefgh\x00", "abcdéfgh", "abcd efgh", "abcdefgh_out_x"} {
		// No session: Django's load catches the InvalidSessionKey.
		if _, err := s.Load(ctx, k); !errors.Is(err, djangosession.ErrNotFound) {
			t.Errorf("Load(%q) = %v", k, err)
		}
		if err := s.Save(ctx, k, &pyjson.Object{}, djangosession.Expiry{}, true); !errors.Is(err, djangosession.ErrInvalidKey) {
			t.Errorf("Save(%q) = %v", k, err)
		}
		if ok, err := s.Exists(ctx, k); ok || err != nil {
			t.Errorf("Exists(%q) = %v, %v", k, ok, err)
		}
		if err := s.Delete(ctx, k); err != nil {
			t.Errorf("Delete(%q) = %v", k, err)
		}
	}
	if got := testenv.DirNames(t, dir); len(got) != 0 {
		t.Fatalf("invalid keys wrote %v", got)
	}
	// A Session treats such a key as no key, as Django's file engine does.
	e := mustEngine(t, s, nil)
	sess, err := e.Open(ctx, "ABCDEFGH12")
	if err != nil {
		t.Fatalf("Open(invalid key): %v; Django resets the key", err)
	}
	if sess.Key() != "" {
		t.Fatalf("Open(invalid key) kept key %q", sess.Key())
	}
}

func TestNew(t *testing.T) {
	codec := newCodec(t, "k", nil)
	if _, err := filestore.New(nil); !errors.Is(err, filestore.ErrNoCodec) {
		t.Errorf("New(nil) = %v", err)
	}
	if _, err := filestore.New(&filestore.Options{Dir: filepath.Join(t.TempDir(), "nope"), Codec: codec}); !errors.Is(err, filestore.ErrNotDir) {
		t.Errorf("missing dir: %v", err)
	}
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := filestore.New(&filestore.Options{Dir: f, Codec: codec}); !errors.Is(err, filestore.ErrNotDir) {
		t.Errorf("dir is a file: %v", err)
	}
	s, err := filestore.New(&filestore.Options{Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	if s.Dir() != os.TempDir() {
		t.Errorf("default Dir %q, want %q", s.Dir(), os.TempDir())
	}
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// TestExpiryByMtime steps a fake clock past SESSION_COOKIE_AGE after the
// last write.
func TestExpiryByMtime(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	dir := t.TempDir()
	s := newStore(t, &filestore.Options{Dir: dir, CookieAge: time.Hour, Now: clock.now})
	ctx := context.Background()
	key := "abcdefgh12345678"
	if err := s.Save(ctx, key, storetest.Sample(), djangosession.Expiry{}, true); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "sessionid"+key))
	if err != nil {
		t.Fatal(err)
	}
	mtime := fi.ModTime()
	clock.t = mtime.Add(time.Hour - time.Second)
	if _, err := s.Load(ctx, key); err != nil {
		t.Fatalf("one second before expiry: %v", err)
	}
	clock.t = mtime.Add(time.Hour - time.Second/2)
	if _, err := s.Load(ctx, key); !errors.Is(err, djangosession.ErrNotFound) {
		t.Fatalf("half a second before expiry (Django floors the age to 0): %v", err)
	}
	if ok, _ := s.Exists(ctx, key); ok {
		t.Fatal("expired file not removed")
	}
}

// TestIntExpiryNeverExpires pins the file engine's quirk: an integer
// _session_expiry is taken as the remaining age, so the session outlives
// any mtime, and ClearExpired keeps it.
func TestIntExpiryNeverExpires(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	dir := t.TempDir()
	s := newStore(t, &filestore.Options{Dir: dir, CookieAge: time.Hour, Now: clock.now})
	ctx := context.Background()
	d := &pyjson.Object{}
	d.Set(djangosession.ExpiryKey, int64(60))
	if err := s.Save(ctx, "intexpiry0000000", d, djangosession.Expiry{}, true); err != nil {
		t.Fatal(err)
	}
	clock.t = clock.t.Add(1000 * time.Hour)
	if _, err := s.Load(ctx, "intexpiry0000000"); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if n, err := s.ClearExpired(ctx); n != 0 || err != nil {
		t.Fatalf("ClearExpired = %d, %v", n, err)
	}
	// An absolute expiry (Django 4.1+) is honoured.
	d.Set(djangosession.ExpiryKey, djangosession.FormatISOTime(clock.t.Add(-time.Second).UTC(), true))
	if err := s.Save(ctx, "isoexpiry0000000", d, djangosession.Expiry{}, true); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ClearExpired(ctx); n != 1 || err != nil {
		t.Fatalf("ClearExpired = %d, %v; want 1", n, err)
	}
}

// TestEmptyPlaceholder: an empty file is the placeholder of a create in
// progress; Django loads it as {} and never expires it.
func TestEmptyPlaceholder(t *testing.T) {
	clock := &fakeClock{t: time.Now().Add(1000 * time.Hour)}
	dir := t.TempDir()
	s := newStore(t, &filestore.Options{Dir: dir, Now: clock.now})
	if err := os.WriteFile(filepath.Join(dir, "sessionidplaceholder1"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := s.Load(context.Background(), "placeholder1")
	if err != nil || d.Len() != 0 {
		t.Fatalf("Load = %v, %v", dump(t, d), err)
	}
}

// TestCorruptKeepsKey: data signed with another key is corrupt; a Session
// opened on it is empty and keeps its key, as in Django.
func TestCorruptKeepsKey(t *testing.T) {
	dir := t.TempDir()
	other := newStore(t, &filestore.Options{Dir: dir, Codec: newCodec(t, "another-key", nil)})
	s := newStore(t, &filestore.Options{Dir: dir})
	ctx := context.Background()
	key := "corrupt000000000"
	if err := other.Save(ctx, key, storetest.Sample(), djangosession.Expiry{}, true); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load(ctx, key)
	if !errors.Is(err, djangosession.ErrCorrupt) || !errors.Is(err, signing.ErrBadSignature) {
		t.Fatalf("Load = %v", err)
	}
	sess, err := mustEngine(t, s, nil).Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Key() != key || sess.Len() != 0 || !errors.Is(sess.LoadError(), djangosession.ErrCorrupt) {
		t.Fatalf("Open = key %q, %d items, %v", sess.Key(), sess.Len(), sess.LoadError())
	}
	sess.Set("fresh", true)
	if err := sess.Save(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, key)
	if err != nil || dump(t, got) != `{"fresh":true}` {
		t.Fatalf("after save: %s, %v", dump(t, got), err)
	}
}

func TestCanceledContext(t *testing.T) {
	s := newStore(t, &filestore.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Save(ctx, "abcdefgh", &pyjson.Object{}, djangosession.Expiry{}, true); !errors.Is(err, context.Canceled) {
		t.Errorf("Save: %v", err)
	}
	if _, err := s.Exists(ctx, "abcdefgh"); !errors.Is(err, context.Canceled) {
		t.Errorf("Exists: %v", err)
	}
	if err := s.Delete(ctx, "abcdefgh"); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete: %v", err)
	}
	if err := os.WriteFile(filepath.Join(s.Dir(), "sessionidabcdefgh"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClearExpired(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("ClearExpired: %v", err)
	}
}

var sinkObject *pyjson.Object

func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	s := newStore(b, &filestore.Options{Dir: b.TempDir()})
	for _, items := range []int{0, 10, 100} {
		d := storetest.Sample()
		cart := &pyjson.Object{}
		for i := range items {
			cart.Set(fmt.Sprintf("sku-%d", i), int64(i))
		}
		d.Set("cart", cart)
		key := fmt.Sprintf("bench%027d", items)
		if err := s.Save(ctx, key, d, djangosession.Expiry{}, true); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("Load/cart=%d", items), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkObject, _ = s.Load(ctx, key)
			}
		})
		b.Run(fmt.Sprintf("Save/cart=%d", items), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Save(ctx, key, d, djangosession.Expiry{}, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
