package cookiestore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
	"github.com/djsession/djsession/signing"
)

// vectors is the part of ../../testdata/session.json (made by
// testdata/session_gen.py running real Django) these tests use.
type vectors struct {
	SecretKey   string `json:"secret_key"`
	FallbackKey string `json:"fallback_key"`
	CookieAge   int64  `json:"cookie_age"`
	CookieSalt  string `json:"cookie_salt"`
	SignedAt    string `json:"signed_at"`
	Cookies     []struct {
		Name       string `json:"name"`
		Data       string `json:"data"`
		Cookie     string `json:"cookie"`
		Compressed bool   `json:"compressed"`
	} `json:"cookies"`
	CookieInputs []struct {
		Name    string  `json:"name"`
		Cookie  string  `json:"cookie"`
		Encodes *string `json:"encodes"`
	} `json:"cookie_inputs"`
	Releases map[string]struct {
		Django     string `json:"django"`
		CookieLoad []struct {
			Name     string  `json:"name"`
			When     string  `json:"when"`
			Now      string  `json:"now"`
			Result   *string `json:"result"`
			Raises   string  `json:"raises"`
			Modified bool    `json:"modified"`
			Key      string  `json:"key"`
		} `json:"cookie_load"`
	} `json:"releases"`
}

func loadVectors(t testing.TB) *vectors {
	t.Helper()
	var v vectors
	testenv.ReadJSON(t, "../../testdata/session.json", &v)
	if len(v.Cookies) == 0 || len(v.Releases) == 0 {
		t.Fatal("no cookie vectors")
	}
	return &v
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := djangosession.ParseISOTime(s, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

func obj(t testing.TB, s string) *pyjson.Object {
	t.Helper()
	v, err := pyjson.Unmarshal([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v.(*pyjson.Object)
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

func newStore(t testing.TB, o *cookiestore.Options) *cookiestore.Store {
	t.Helper()
	if o.Settings.SecretKey == "" {
		o.Settings.SecretKey = "test-secret-key"
	}
	s, err := cookiestore.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Options{
		New: func(t *testing.T) djangosession.Store { return newStore(t, &cookiestore.Options{}) },
	})
}

// TestSignLikeDjango: what Go signs at the vectors' time is Django 3.2's
// cookie byte for byte when uncompressed; compressed ones (Go's zlib is
// not CPython's) are compared by loading.
func TestSignLikeDjango(t *testing.T) {
	v := loadVectors(t)
	if v.CookieSalt != cookiestore.Salt {
		t.Fatalf("salt %q, Django %q", cookiestore.Salt, v.CookieSalt)
	}
	at := mustTime(t, v.SignedAt)
	s := newStore(t, &cookiestore.Options{Settings: django.Settings{SecretKey: v.SecretKey}, Now: fixed(at)})
	ctx := context.Background()
	for _, c := range v.Cookies {
		t.Run(c.Name, func(t *testing.T) {
			got, err := s.Load(ctx, c.Cookie)
			if err != nil || dump(t, got) != c.Data {
				t.Fatalf("Load(Django's) = %s, %v; want %s", dump(t, got), err, c.Data)
			}
			signed, err := s.Sign(obj(t, c.Data))
			if err != nil {
				t.Fatal(err)
			}
			if !c.Compressed && !strings.HasPrefix(signed, ".") && signed != c.Cookie {
				t.Fatalf("Sign:\n got %s\nwant %s", signed, c.Cookie)
			}
			back, err := s.Load(ctx, signed)
			if err != nil || dump(t, back) != c.Data {
				t.Fatalf("Load(Sign) = %s, %v", dump(t, back), err)
			}
		})
	}
	// django-formats.md §5's vector.
	signed, err := s.Sign(obj(t, `{"a":1}`))
	if err != nil || signed != "eyJhIjoxfQ:1r31eq:dB4ljXwPdEzcLMWDObC-LO-jwm5paHiPnfeDmdY26Uk" {
		t.Fatalf("Sign({a:1}) = %s, %v", signed, err)
	}
}

// TestSignSHA1: with Algorithm SHA1 the store signs as Django 3.2 with
// DEFAULT_HASHING_ALGORITHM = 'sha1'; LegacySHA1 reads such cookies, as
// 3.1-3.2 do, and without it they are bad, as in 4.0+.
func TestSignSHA1(t *testing.T) {
	v := loadVectors(t)
	var want string
	for _, c := range v.CookieInputs {
		if c.Name == "sha1" {
			want = c.Cookie
		}
	}
	at := mustTime(t, v.SignedAt)
	s := newStore(t, &cookiestore.Options{Settings: django.Settings{SecretKey: v.SecretKey}, Now: fixed(at), Algorithm: signing.SHA1})
	got, err := s.Sign(obj(t, `{"a":1}`))
	if err != nil || got != want {
		t.Fatalf("Sign = %s, %v; Django 3.2 (sha1) %s", got, err, want)
	}
	ctx := context.Background()
	legacy := newStore(t, &cookiestore.Options{Settings: django.Settings{SecretKey: v.SecretKey}, Now: fixed(at), LegacySHA1: true})
	if d, err := legacy.Load(ctx, want); err != nil || dump(t, d) != `{"a":1}` {
		t.Fatalf("LegacySHA1 Load = %s, %v", dump(t, d), err)
	}
	modern := newStore(t, &cookiestore.Options{Settings: django.Settings{SecretKey: v.SecretKey}, Now: fixed(at)})
	if _, err := modern.Load(ctx, want); !errors.Is(err, djangosession.ErrCorrupt) {
		t.Fatalf("Load without LegacySHA1 = %v", err)
	}
}

// TestLoadLikeDjango replays what each release's signed_cookies engine did
// with each cookie at six instants around SESSION_COOKIE_AGE: the data, the
// modified flag (set when Django replaces a bad cookie) and the key.
func TestLoadLikeDjango(t *testing.T) {
	v := loadVectors(t)
	cookies := map[string]string{}
	for _, c := range v.CookieInputs {
		cookies[c.Name] = c.Cookie
	}
	ctx := context.Background()
	for rel, r := range v.Releases {
		for _, c := range r.CookieLoad {
			t.Run(rel+"/"+c.When+"/"+c.Name, func(t *testing.T) {
				if c.Raises != "" {
					t.Fatalf("Django %s raised %s", r.Django, c.Raises)
				}
				o := &cookiestore.Options{
					Settings:  django.Settings{SecretKey: v.SecretKey},
					CookieAge: time.Duration(v.CookieAge) * time.Second,
					Now:       fixed(mustTime(t, c.Now))}
				if rel == "3.2" {
					o.LegacySHA1 = true
				} else {
					o.Settings.SecretKeyFallbacks = []string{v.FallbackKey}
				}
				store := newStore(t, o)
				cookie := cookies[c.Name]
				s, err := mustEngine(t, store, nil).Open(ctx, cookie)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case c.Key == "none":
					if s.Key() != "" || s.Modified() {
						t.Fatalf("key %q modified %v; Django dropped the cookie", s.Key(), s.Modified())
					}
				case strings.HasPrefix(*c.Result, "["):
					// Django keeps a signed non-dict as the session and
					// fails later; Go refuses it and replaces the cookie.
					if !errors.Is(s.LoadError(), djangosession.ErrNotDict) || !s.Modified() {
						t.Fatalf("a signed list: %v, modified %v", s.LoadError(), s.Modified())
					}
				default:
					if got := dump(t, s.Data()); got != *c.Result {
						t.Fatalf("data %s, Django %s", got, *c.Result)
					}
					if s.Modified() != c.Modified || s.Key() != cookie {
						t.Fatalf("modified %v key kept %v; Django modified %v", s.Modified(), s.Key() == cookie, c.Modified)
					}
					if c.Modified && s.LoadError() == nil {
						t.Fatal("Django replaced the cookie; Go has no LoadError")
					}
				}
			})
		}
	}
}

// TestMaxAge steps a clock across SESSION_COOKIE_AGE: Django compares the
// float age with max_age, from the whole second of the timestamp.
func TestMaxAge(t *testing.T) {
	signedAt := time.Unix(1700000000, 250_000_000)
	now := signedAt
	s := newStore(t, &cookiestore.Options{CookieAge: time.Hour, Now: func() time.Time { return now }})
	cookie, err := s.Sign(obj(t, `{"u":"42"}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	whole := time.Unix(1700000000, 0)
	for _, c := range []struct {
		at      time.Time
		expired bool
	}{
		{whole.Add(time.Hour), false},
		{whole.Add(time.Hour + time.Nanosecond), true},
		{whole.Add(time.Hour + time.Second/2), true},
		{whole.Add(-time.Minute), false}, // a clock behind the signer's
	} {
		now = c.at
		_, err := s.Load(ctx, cookie)
		if c.expired != (err != nil) {
			t.Fatalf("at %v: %v", c.at.Sub(whole), err)
		}
		if c.expired && (!errors.Is(err, djangosession.ErrNotFound) || !errors.Is(err, signing.ErrSignatureExpired)) {
			t.Fatalf("expired cookie: %v, want ErrNotFound and ErrSignatureExpired", err)
		}
	}
}

// TestFallbackKeys: a cookie signed with an old key is read (Django 4.1+);
// new cookies are signed with the current key only.
func TestFallbackKeys(t *testing.T) {
	ctx := context.Background()
	old := newStore(t, &cookiestore.Options{Settings: django.Settings{SecretKey: "old-key"}})
	cookie, err := old.Sign(obj(t, `{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	rotated := newStore(t, &cookiestore.Options{Settings: django.Settings{SecretKey: "new-key", SecretKeyFallbacks: []string{"older-key", "old-key"}}})
	if d, err := rotated.Load(ctx, cookie); err != nil || dump(t, d) != `{"a":1}` {
		t.Fatalf("Load with fallback = %s, %v", dump(t, d), err)
	}
	fresh, err := rotated.Sign(obj(t, `{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Load(ctx, fresh); !errors.Is(err, djangosession.ErrCorrupt) || !errors.Is(err, signing.ErrBadSignature) {
		t.Fatalf("new cookie signed with an old key? %v", err)
	}
}

func TestNew(t *testing.T) {
	if _, err := cookiestore.New(nil); !errors.Is(err, signing.ErrNoKey) {
		t.Errorf("New(nil) = %v", err)
	}
	if _, err := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: "k"}, Algorithm: "md4"}); !errors.Is(err, signing.ErrInvalidAlgorithm) {
		t.Errorf("bad algorithm: %v", err)
	}
}

// TestLoadErrorsDoNotLeakKey: no error text carries the secret.
func TestLoadErrorsDoNotLeakKey(t *testing.T) {
	const secret = "very-secret-key-value"
	s := newStore(t, &cookiestore.Options{Settings: django.Settings{SecretKey: secret}})
	for _, bad := range []string{"", "x", "abc:def:ghi", "e30:1r31eq:" + strings.Repeat("A", 43)} {
		_, err := s.Load(context.Background(), bad)
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Fatalf("Load(%q) = %v", bad, err)
		}
	}
}

var sinkString string
var sinkObject *pyjson.Object

func BenchmarkStore(b *testing.B) {
	s := newStore(b, &cookiestore.Options{})
	ctx := context.Background()
	for _, items := range []int{0, 10, 100} {
		d := storetest.Sample()
		cart := &pyjson.Object{}
		for i := range items {
			cart.Set(fmt.Sprintf("sku-%d", i), int64(i))
		}
		d.Set("cart", cart)
		cookie, err := s.Sign(d)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("Sign/cart=%d/bytes=%d", items, len(cookie)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkString, _ = s.Sign(d)
			}
		})
		b.Run(fmt.Sprintf("Load/cart=%d/bytes=%d", items, len(cookie)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkObject, _ = s.Load(ctx, cookie)
			}
		})
	}
}

func TestNewRefusesUnknownRelease(t *testing.T) {
	_, err := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: "k", Release: "1.11"}})
	if !errors.Is(err, django.ErrUnknownRelease) {
		t.Errorf("New with release 1.11: %v, want django.ErrUnknownRelease", err)
	}
}
