// Package djangosession reads and writes Django sessions so that a Go
// service and a Django project sharing storage and SECRET_KEY see the same
// sessions.
//
// The pieces:
//
//   - Codec encodes and decodes session_data as Django does: the current
//     format (Django 3.1+, signing.dumps with the store's key salt,
//     compressed when that helps) and the pre-3.1 legacy format, with the JSON
//     serializer or a pickle one.
//   - Session is request.session: a dict with Django's accessed and
//     modified flags, expiry (set_expiry and friends), flush and cycle_key.
//   - Store is what a session engine keeps: one implementation per Django
//     engine in the sub-packages (dbstore, cachestore, filestore,
//     cookiestore), all passing the same conformance suite.
//   - Engine ties a Store to its Options (SESSION_* settings) and opens
//     Sessions.
//
// The first calls: a Codec from the project's settings, a Store over it,
// an Engine, then Open (the request's cookie) or New per request:
//
//	settings := django.Settings{SecretKey: secretKey}
//	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: settings})
//	store, err := dbstore.New(db, &dbstore.Options{Dialect: django.PostgreSQL, Codec: codec})
//	engine, err := djangosession.NewEngine(store, &djangosession.Options{Settings: settings})
//	s, err := engine.Open(ctx, cookie.Value)
//
// In an HTTP server, package middleware does the per-request part (cookie,
// Save before the first byte of the response, Vary: Cookie).
//
// Session data is a *pyjson.Object; see package
// github.com/djsession/djsession/python/pyjson for the Go types of values.
package djangosession
