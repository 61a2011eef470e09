package middleware_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/memstore"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/python/pyjson"
)

// countingStore counts loads, to prove the session is loaded lazily.
type countingStore struct {
	*memstore.Store
	loads int
}

func (c *countingStore) Load(ctx context.Context, key string) (*pyjson.Object, error) {
	c.loads++
	return c.Store.Load(ctx, key)
}

func newMW(t *testing.T, store djangosession.Store, cfg *middleware.Options) *middleware.Middleware {
	t.Helper()
	mw, err := middleware.New(mustEngine(t, store, nil), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return mw
}

func seed(t *testing.T, s djangosession.Store, key string) {
	t.Helper()
	o := pyjson.NewObject()
	o.Set("a", int64(1))
	if err := s.Save(context.Background(), key, o, djangosession.Expiry{}, true); err != nil {
		t.Fatal(err)
	}
}

func TestLazyLoad(t *testing.T) {
	cs := &countingStore{Store: memstore.New(nil)}
	seed(t, cs, existingKey)
	mw := newMW(t, cs, nil)
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", "sessionid="+existingKey)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if cs.loads != 0 {
		t.Errorf("unused session loaded %d times", cs.loads)
	}
	if rec.Header().Get("Set-Cookie") != "" || rec.Header().Get("Vary") != "" {
		t.Errorf("unused session touched the response: %v", rec.Header())
	}
	if rec.Body.String() != "hello" {
		t.Errorf("body %q", rec.Body.String())
	}
}

func TestSessionWithoutMiddleware(t *testing.T) {
	_, err := middleware.Session(httptest.NewRequest("GET", "/", nil))
	if !errors.Is(err, middleware.ErrNoMiddleware) {
		t.Fatalf("err = %v", err)
	}
}

// TestVanished: a session deleted by a concurrent request (a logout) while
// this one modified it is answered with 400, as Django's SessionInterrupted.
func TestVanished(t *testing.T) {
	store := memstore.New(nil)
	seed(t, store, existingKey)
	mw := newMW(t, store, nil)
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := middleware.Session(r)
		if err != nil {
			t.Fatal(err)
		}
		s.Set("b", "x")
		_ = store.Delete(r.Context(), existingKey) // the concurrent logout
		w.Header().Set("X-From-Handler", "1")
		w.WriteHeader(http.StatusOK)
		n, err := io.WriteString(w, "must not be sent")
		if n != 0 || !errors.Is(err, middleware.ErrSessionInterrupted) || !errors.Is(err, djangosession.ErrVanished) {
			t.Errorf("Write after failed commit = %d, %v", n, err)
		}
	}))
	req := httptest.NewRequest("POST", "/", nil)
	req.Header.Set("Cookie", "sessionid="+existingKey)
	rec := httptest.NewRecorder()
	rec.Header().Set("X-Outer", "kept") // set by an outer handler before ours
	h.ServeHTTP(rec, req)
	if rec.Header().Get("X-Outer") != "kept" {
		t.Error("outer handler's header lost")
	}
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", rec.Code)
	}
	if got := rec.Body.String(); got != "<h1>Bad Request (400)</h1>" {
		t.Errorf("body %q", got)
	}
	if rec.Header().Get("X-From-Handler") != "" || rec.Header().Get("Set-Cookie") != "" {
		t.Errorf("headers of the replaced response leaked: %v", rec.Header())
	}
}

type failingStore struct{ *memstore.Store }

var errDown = errors.New("store down")

func (failingStore) Save(context.Context, string, *pyjson.Object, djangosession.Expiry, bool) error {
	return errDown
}

func TestSaveErrorHandler(t *testing.T) {
	var got error
	mw := newMW(t, failingStore{memstore.New(nil)}, &middleware.Options{
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			got = err
			http.Error(w, "custom", http.StatusServiceUnavailable)
		},
	})
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := middleware.Session(r)
		s.Set("x", "y")
		// no explicit write: the commit happens when the handler returns
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if !errors.Is(got, errDown) || rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("err %v, status %d", got, rec.Code)
	}
}

// flushRecorder records whether Flush reached the underlying writer and
// whether the headers were committed by then.
type flushRecorder struct {
	*httptest.ResponseRecorder
	flushedWithCookie bool
	hijacked          bool
}

func (f *flushRecorder) Flush() {
	f.flushedWithCookie = f.Header().Get("Set-Cookie") != ""
	f.ResponseRecorder.Flush()
}

func (f *flushRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	f.hijacked = true
	return nil, nil, nil
}

func TestWriterPassThrough(t *testing.T) {
	mw := newMW(t, memstore.New(nil), nil)
	var unwrapped http.ResponseWriter
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := middleware.Session(r)
		s.Set("k", "v")
		if _, ok := w.(http.Flusher); !ok {
			t.Error("wrapper hides http.Flusher")
		}
		unwrapped = w.(interface{ Unwrap() http.ResponseWriter }).Unwrap()
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("ResponseController.Flush: %v", err)
		}
		s.Set("late", "ignored") // after the commit: not saved
	}))
	fr := &flushRecorder{ResponseRecorder: httptest.NewRecorder()}
	h.ServeHTTP(fr, httptest.NewRequest("GET", "/", nil))
	if unwrapped != http.ResponseWriter(fr) {
		t.Error("Unwrap does not return the underlying writer")
	}
	if !fr.flushedWithCookie {
		t.Error("Flush did not commit the session cookie first")
	}
	if !fr.Flushed {
		t.Error("flush did not reach the underlying writer")
	}
}

func TestHijackSkipsCommit(t *testing.T) {
	mw := newMW(t, memstore.New(nil), nil)
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := middleware.Session(r)
		s.Set("k", "v")
		if _, _, err := http.NewResponseController(w).Hijack(); err != nil {
			t.Fatal(err)
		}
	}))
	fr := &flushRecorder{ResponseRecorder: httptest.NewRecorder()}
	h.ServeHTTP(fr, httptest.NewRequest("GET", "/", nil))
	if !fr.hijacked || fr.Header().Get("Set-Cookie") != "" {
		t.Errorf("hijacked=%v headers=%v", fr.hijacked, fr.Header())
	}
}

func TestReplacesHandlerCookieAndPatchesVary(t *testing.T) {
	mw := newMW(t, memstore.New(nil), nil)
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "sessionid=fromhandler; Path=/")
		w.Header().Add("Set-Cookie", "other=1")
		w.Header().Add("Vary", "Accept-Encoding")
		w.Header().Add("Vary", "cookie")
		s, _ := middleware.Session(r)
		s.Set("k", "v")
		w.WriteHeader(http.StatusCreated)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	sc := rec.Header().Values("Set-Cookie")
	if len(sc) != 2 || sc[0] != "other=1" || !strings.HasPrefix(sc[1], "sessionid=") || strings.Contains(sc[1], "fromhandler") {
		t.Errorf("Set-Cookie %q", sc)
	}
	if v := rec.Header().Values("Vary"); len(v) != 1 || v[0] != "Accept-Encoding, cookie" {
		t.Errorf("Vary %q", v)
	}
}

func TestNewRejects(t *testing.T) {
	e := mustEngine(t, memstore.New(nil), nil)
	for _, c := range []middleware.Options{
		{CookieName: "bad name"},
		{CookieName: "a;b"},
		{CookieSameSite: "sideways"},
	} {
		if _, err := middleware.New(e, &c); !errors.Is(err, middleware.ErrInvalidConfig) {
			t.Errorf("New(%+v) = %v", c, err)
		}
	}
	if _, err := middleware.New(nil, nil); !errors.Is(err, middleware.ErrInvalidConfig) {
		t.Errorf("New(nil) = %v", err)
	}
	// An engine of a release this module does not know never reaches New.
	if old, err := djangosession.NewEngine(memstore.New(nil), &djangosession.Options{Settings: django.Settings{Release: "2.2"}}); !errors.Is(err, django.ErrUnknownRelease) {
		t.Errorf("NewEngine(release 2.2) = %v, %v", old, err)
	}
	if _, err := middleware.New(e, &middleware.Options{CookieSameSite: "strict"}); err != nil {
		t.Errorf("lowercase strict: %v", err)
	}
}

func TestCookieValue(t *testing.T) {
	for _, c := range []struct {
		header []string
		want   string
		ok     bool
	}{
		{[]string{"sessionid=abc"}, "abc", true},
		{[]string{" a=1 ;  sessionid = abc ; b=2"}, "abc", true},
		{[]string{"sessionid=first; sessionid=last"}, "last", true},
		{[]string{"sessionid=first", "sessionid=second"}, "second", true},
		{[]string{`sessionid="a\054b\"c"`}, `a,b"c`, true},
		{[]string{`sessionid="caf\351"`}, "café", true},
		{[]string{"sessionid="}, "", true},
		{[]string{"sessionidx=1; xsessionid=2"}, "", false},
		{[]string{"sessionid"}, "", false}, // a chunk without '=' is a value under the empty name
		{nil, "", false},
	} {
		h := http.Header{"Cookie": c.header}
		got, ok := middleware.CookieValue(h, "sessionid")
		if got != c.want || ok != c.ok {
			t.Errorf("%q: got %q %v, want %q %v", c.header, got, ok, c.want, c.ok)
		}
	}
}

func TestPatchVary(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{nil, []string{"Cookie"}},
		{[]string{"Accept"}, []string{"Accept, Cookie"}},
		{[]string{"Accept ,  COOKIE"}, []string{"Accept, COOKIE"}},
		{[]string{"*"}, []string{"*"}},
		{[]string{"Accept", "Origin"}, []string{"Accept, Origin, Cookie"}},
	} {
		h := http.Header{}
		for _, v := range c.in {
			h.Add("Vary", v)
		}
		middleware.PatchVary(h, "Cookie")
		if got := h.Values("Vary"); strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%q: got %q want %q", c.in, got, c.want)
		}
	}
}

// FuzzCookieRoundTrip, seeded with the vectors and hostileCookies: whatever Django-style quoting writes, Django-style
// parsing reads back unchanged.
func FuzzCookieRoundTrip(f *testing.F) {
	v := loadVectors(f)
	for _, r := range v.Releases {
		for _, c := range r.Cookies {
			if s, ok := c.Kwargs["value"].(string); ok {
				f.Add(s)
			}
		}
	}
	for _, s := range hostileCookies(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsAny(s, "\n\r") {
			return
		}
		line := middleware.Cookie{Name: "n", Value: s}.String()
		got, ok := middleware.CookieValue(http.Header{"Cookie": {line}}, "n")
		if !ok || got != s {
			t.Fatalf("%q -> %q -> %q %v", s, line, got, ok)
		}
	})
}

// hostileCookies returns testdata/hostile/stores keys and values, the
// sessionid values a visitor can send, as seeds for the fuzz targets.
func hostileCookies(f *testing.F) []string {
	var out []string
	for _, dir := range []string{"keys", "values"} {
		for _, b := range storetest.Corpus(f, dir) {
			if len(b) <= 64<<10 { // larger ones stall the fuzzer's minimizing
				out = append(out, string(b))
			}
		}
	}
	sort.Strings(out)
	return out
}

// FuzzCookieValue, seeded with hostileCookies: the parser never panics on
// any header.
func FuzzCookieValue(f *testing.F) {
	f.Add(`sessionid="a\054b"; x=1`)
	f.Add(`"\`)
	f.Add(`sessionid="\3`)
	for _, s := range hostileCookies(f) {
		f.Add("sessionid=" + s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		middleware.CookieValue(http.Header{"Cookie": {h}}, "sessionid")
	})
}

// FuzzMiddleware, seeded with hostileCookies: any cookie header and any mix of session use leaves the
// middleware answering without panicking, and a Set-Cookie it writes is
// read back by Django-style parsing as the session's key.
func FuzzMiddleware(f *testing.F) {
	f.Add("sessionid="+existingKey, uint8(0))
	f.Add("sessionid=abc; sessionid="+existingKey, uint8(1))
	f.Add(`sessionid="\065xisting"`, uint8(2))
	f.Add("sessionid=", uint8(3))
	for i, s := range hostileCookies(f) {
		f.Add("sessionid="+s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, cookie string, op uint8) {
		store := memstore.New(nil)
		seed(t, store, existingKey)
		mw := newMW(t, store, &middleware.Options{SaveEveryRequest: op&8 != 0})
		var key string
		h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, err := middleware.Session(r)
			if err != nil {
				t.Fatal(err)
			}
			switch op % 4 {
			case 1:
				s.Get("a")
			case 2:
				s.Set("b", cookie)
			case 3:
				_ = s.Flush(r.Context())
			}
			if op&4 != 0 {
				_ = s.CycleKey(r.Context())
			}
			w.WriteHeader(http.StatusOK)
			key = s.Key()
		}))
		req := httptest.NewRequest("GET", "/", nil)
		req.Header["Cookie"] = []string{cookie}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		for _, line := range rec.Header().Values("Set-Cookie") {
			v, ok := middleware.CookieValue(http.Header{"Cookie": {strings.SplitN(line, ";", 2)[0]}}, "sessionid")
			if !ok || (v != key && v != "") {
				t.Fatalf("Set-Cookie %q for key %q", line, key)
			}
		}
	})
}

// TestRequestContext: the context the handler gets keeps the parent's
// values, deadline and cancellation (also through contexts derived from
// it) and carries the session.
func TestRequestContext(t *testing.T) {
	type key struct{}
	mw := newMW(t, memstore.New(nil), nil)
	parent, cancel := context.WithCancelCause(context.WithValue(context.Background(), key{}, "outer"))
	stop := errors.New("client went away")
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if ctx.Value(key{}) != "outer" {
			t.Errorf("parent value lost: %v", ctx.Value(key{}))
		}
		if _, err := middleware.Session(r); err != nil {
			t.Errorf("Session: %v", err)
		}
		if !strings.Contains(fmt.Sprint(ctx), "WithValue") {
			t.Errorf("String() = %q", fmt.Sprint(ctx))
		}
		child, cancelChild := context.WithCancel(ctx)
		defer cancelChild()
		cancel(stop)
		select {
		case <-child.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("cancellation did not reach a derived context")
		}
		if ctx.Err() != context.Canceled || !errors.Is(context.Cause(child), stop) {
			t.Errorf("Err %v, Cause %v", ctx.Err(), context.Cause(child))
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil).WithContext(parent))
}

// TestSetCookieExpires: the Set-Cookie the middleware writes carries
// Max-Age and an expires that is now + Max-Age in Django's http_date form,
// the same text Cookie.String writes for that date.
func TestSetCookieExpires(t *testing.T) {
	now := time.Date(2030, 5, 6, 7, 8, 9, 987654321, time.UTC)
	e := mustEngine(t, memstore.New(nil), &djangosession.Options{Now: func() time.Time { return now }})
	mw, err := middleware.New(e, &middleware.Options{CookieDomain: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	var key string
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := middleware.Session(r)
		s.Set("k", "v")
		_, _ = io.WriteString(w, "ok")
		key = s.Key()
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	want := middleware.Cookie{
		Name: "sessionid", Value: key, Domain: "example.com", Path: "/", HTTPOnly: true, SameSite: "Lax",
		MaxAge: 1209600, HasMaxAge: true, Expires: "Mon, 20 May 2030 07:08:09 GMT",
	}.String()
	if got := rec.Header().Values("Set-Cookie"); len(got) != 1 || got[0] != want {
		t.Errorf("Set-Cookie %q\nwant       %q", got, want)
	}
	if got := rec.Header().Values("Vary"); len(got) != 1 || got[0] != "Cookie" {
		t.Errorf("Vary %q", got)
	}
}
