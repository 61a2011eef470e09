package messages_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/messages"
	"github.com/djsession/djsession/djangosession/middleware"
)

func Example() {
	secretKey := "django-insecure-test-key"
	now := func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }

	// The session Django shares (any store; here signed_cookies).
	store, err := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: secretKey}, Now: now})
	if err != nil {
		panic(err)
	}
	engine, err := djangosession.NewEngine(store, &djangosession.Options{Now: now})
	if err != nil {
		panic(err)
	}
	sessions, err := middleware.New(engine, nil)
	if err != nil {
		panic(err)
	}
	// Django's default MESSAGE_STORAGE: cookie first, then the session.
	msgs, err := messages.New(&messages.Options{Settings: django.Settings{SecretKey: secretKey}, Now: now})
	if err != nil {
		panic(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /profile", func(w http.ResponseWriter, r *http.Request) {
		if err := messages.Add(r, messages.Success, "Profile saved.", ""); err != nil {
			http.Error(w, "messages unavailable", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /profile", func(w http.ResponseWriter, r *http.Request) {
		list, err := messages.Messages(r) // shown now, so not stored again
		if err != nil {
			http.Error(w, "messages unavailable", http.StatusInternalServerError)
			return
		}
		for _, m := range list {
			fmt.Fprintf(w, "<li class=%q>%s</li>\n", m.Tags(), m.Message)
		}
	})
	h := sessions.Handler(msgs.Handler(mux)) // as Django's MIDDLEWARE order

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/profile", nil))
	cookie := rec.Result().Cookies()[0]
	fmt.Println(rec.Code, cookie.Name)

	// The next page (Go's here; Django's would show the same message).
	req := httptest.NewRequest("GET", "/profile", nil)
	req.AddCookie(cookie)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Print(rec.Body.String())
	fmt.Println(rec.Header().Get("Set-Cookie"))
	// Output:
	// 303 messages
	// <li class="success">Profile saved.</li>
	// messages=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax
}
