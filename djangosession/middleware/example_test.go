package middleware_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/memstore"
	"github.com/djsession/djsession/djangosession/middleware"
)

func Example() {
	// Any djangosession.Store: dbstore, cachestore, filestore, cookiestore, memstore.
	now := func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }
	store := memstore.New(&memstore.Options{Now: now})
	engine, err := djangosession.NewEngine(store, &djangosession.Options{Now: now})
	if err != nil {
		panic(err)
	}
	mw, err := middleware.New(engine, nil) // nil: Django's SESSION_* defaults
	if err != nil {
		panic(err)
	}
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := middleware.Session(r)
		if err != nil {
			http.Error(w, "session unavailable", http.StatusInternalServerError)
			return
		}
		n, _ := s.Get("visits")
		visits, _ := n.(int64)
		if err := s.Set("visits", visits+1); err != nil {
			http.Error(w, "session unavailable", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "visit %d", visits+1)
	}))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	c := rec.Header().Get("Set-Cookie")
	fmt.Println(rec.Body.String())
	fmt.Println(c[:len("sessionid=")], "<32-character key>", c[len("sessionid=")+32:])
	fmt.Println("Vary:", rec.Header().Get("Vary"))
	// Output:
	// visit 1
	// sessionid= <32-character key> ; expires=Mon, 07 Dec 2026 12:00:00 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax
	// Vary: Cookie
}

func ExampleCookie() {
	c := middleware.Cookie{Name: "messages", Value: `a,b;"c"`, Path: "/", SameSite: "Lax"}
	fmt.Println(c)
	// Output: messages="a\054b\073\"c\""; Path=/; SameSite=Lax
}
