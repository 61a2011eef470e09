package middleware_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/memstore"
	"github.com/djsession/djsession/djangosession/middleware"
)

// discard is a ResponseWriter that keeps nothing but the header map.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

var body = []byte("<html><body>hello</body></html>")

// benchStores returns the stores to measure, each seeded with a session
// under a key, and whether the key is the cookie value itself.
type benchStore struct {
	name  string
	store djangosession.Store
	key   string
}

func benchStoreList(b *testing.B) []benchStore {
	ms := memstore.New(nil)
	seed(&testing.T{}, ms, existingKey)
	list := []benchStore{{"mem", ms, existingKey}}
	return append(list, cookieBenchStores(b)...)
}

// BenchmarkMiddleware compares a bare handler with the same handler behind
// the session middleware: session unused, read, and written.
func BenchmarkMiddleware(b *testing.B) {
	handlers := map[string]func(w http.ResponseWriter, r *http.Request){
		"unused": func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) },
		"read": func(w http.ResponseWriter, r *http.Request) {
			s, _ := middleware.Session(r)
			s.Get("a")
			_, _ = w.Write(body)
		},
		"write": func(w http.ResponseWriter, r *http.Request) {
			s, _ := middleware.Session(r)
			s.Set("n", int64(1))
			_, _ = w.Write(body)
		},
	}
	run := func(b *testing.B, h http.Handler, cookie string) {
		req := httptest.NewRequest("GET", "/", nil)
		if cookie != "" {
			req.Header.Set("Cookie", "csrftoken=abc; sessionid="+cookie)
		}
		w := &discard{h: http.Header{}}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			clear(w.h)
			h.ServeHTTP(w, req)
		}
	}
	b.Run("handler=bare", func(b *testing.B) {
		run(b, http.HandlerFunc(handlers["unused"]), existingKey)
	})
	for _, st := range benchStoreList(b) {
		mw, err := middleware.New(mustEngine(b, st.store, nil), nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, use := range []string{"unused", "read", "write"} {
			b.Run("handler=middleware/store="+st.name+"/session="+use, func(b *testing.B) {
				run(b, mw.Handler(http.HandlerFunc(handlers[use])), st.key)
			})
		}
	}
}

// BenchmarkServer measures whole requests over loopback HTTP, where the
// middleware's share of a request is what users feel.
func BenchmarkServer(b *testing.B) {
	read := func(w http.ResponseWriter, r *http.Request) {
		if s, err := middleware.Session(r); err == nil {
			s.Get("a")
		}
		_, _ = w.Write(body)
	}
	run := func(b *testing.B, h http.Handler, cookie string) {
		srv := httptest.NewServer(h)
		defer srv.Close()
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("Cookie", "sessionid="+cookie)
		c := srv.Client()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	stores := benchStoreList(b)
	b.Run("handler=bare", func(b *testing.B) { run(b, http.HandlerFunc(read), existingKey) })
	for _, st := range stores {
		mw, _ := middleware.New(mustEngine(b, st.store, nil), nil)
		b.Run("handler=middleware/store="+st.name+"/session=read", func(b *testing.B) {
			run(b, mw.Handler(http.HandlerFunc(read)), st.key)
		})
	}
}
