package csrf_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djsession/djsession/djangosession/csrf"
)

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkProtector: a bare handler, then the same behind the CSRF checks
// for a GET that renders a token and for POSTs carrying one.
func BenchmarkProtector(b *testing.B) {
	secret := "abcdefghijABCDEFGHIJ0123456789zZ"
	tok, _ := csrf.Mask(secret, strings.Repeat("M", 32))
	p, err := csrf.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	withToken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, _ := csrf.Token(r)
		_, _ = w.Write([]byte(t))
	})
	for _, c := range []struct {
		name string
		h    http.Handler
		req  func() *http.Request
	}{
		{"handler=bare/method=POST", ok, func() *http.Request { return httptest.NewRequest("POST", "/", nil) }},
		{"handler=csrf/method=GET/token=issued", p.Handler(withToken), func() *http.Request {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Cookie", "csrftoken="+secret)
			return r
		}},
		{"handler=csrf/method=POST/token=header", p.Handler(ok), func() *http.Request {
			r := httptest.NewRequest("POST", "/", nil)
			r.Header.Set("Cookie", "csrftoken="+secret)
			r.Header.Set("X-CSRFToken", tok)
			r.Header.Set("Origin", "http://example.com")
			return r
		}},
		{"handler=csrf/method=POST/token=form", p.Handler(ok), func() *http.Request {
			r := httptest.NewRequest("POST", "/", strings.NewReader("csrfmiddlewaretoken="+tok))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Cookie", "csrftoken="+secret)
			return r
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				r := c.req()
				clear(w.h)
				b.StartTimer()
				c.h.ServeHTTP(w, r)
			}
		})
	}
}

func BenchmarkMask(b *testing.B) {
	secret := "abcdefghijABCDEFGHIJ0123456789zZ"
	b.ReportAllocs()
	var sink string
	for b.Loop() {
		sink, _ = csrf.Mask(secret, secret)
	}
	_ = sink
}
