// Package middleware is Django's SessionMiddleware for net/http, so that a
// Go handler shares the session (and, with package auth, the login) of a
// Django site.
//
// Wrap handlers with Middleware.Handler and read the session with Session:
//
//	engine, err := djangosession.NewEngine(store, &djangosession.Options{})
//	mw, err := middleware.New(engine, nil) // nil: Django's SESSION_* defaults
//	...
//	http.Handle("/go/", mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//		sess, err := middleware.Session(r)
//		...
//	})))
//
// The session is loaded from the store on the first call to Session, not
// before. On the way out the middleware does what Django's
// process_response does: it saves a modified session (or every session
// with SaveEveryRequest) unless the status is 500 or more (only 500 itself
// before Django 4.2; the Engine's Release decides), sets the cookie
// with Django's attributes (byte for byte as Django's Set-Cookie header),
// deletes the cookie of a session that was emptied, adds "Vary: Cookie"
// when the session was accessed (and, from Django 5.2, whenever it sets the
// cookie), and answers a session deleted by a
// concurrent request (djangosession.ErrVanished) with 400, as Django's
// SessionInterrupted.
//
// The commit happens just before the status line is written (the first
// WriteHeader, Write or Flush), so the body is never buffered; the writer
// keeps Unwrap for http.ResponseController and passes Flush through.
//
// The package also holds the cookie formats other packages need: Cookie
// (SimpleCookie's Set-Cookie serialization), CookieValue (Django's
// parse_cookie) and PatchVary (patch_vary_headers).
package middleware
