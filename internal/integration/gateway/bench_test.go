package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/djsession/djsession/gateway"
)

// BenchmarkForwardAuth is one authorised forward-auth check on the db
// store (SQLite), with and without the identity cache.
func BenchmarkForwardAuth(b *testing.B) {
	for _, ttl := range []string{"ttl=0", "ttl=2s"} {
		b.Run(ttl, func(b *testing.B) {
			e := newEnv(b)
			o := gateway.Options{Rules: testRules, AssertionKey: "assertion-key-0123456789"}
			if ttl == "ttl=2s" {
				o.CacheTTL = 2e9
			}
			g := e.gateway(b, o)
			c := e.login(b, "2")
			h := g.ForwardAuth()
			r := httptest.NewRequest("GET", "/auth", nil)
			r.Header.Set("X-Original-URI", "/app/x")
			r.AddCookie(c)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
