// Package messages is Django's django.contrib.messages for net/http: flash
// messages that a Go handler adds and the next page shows, whether that page
// is served by Go or by Django, and the reverse.
//
// Wrap handlers with Store.Handler inside the session middleware (as
// Django's MessageMiddleware comes after SessionMiddleware), add messages
// with Add and show them with Messages:
//
//	// settings is the project's django.Settings (SECRET_KEY, release)
//	msgs, err := messages.New(&messages.Options{Settings: settings})
//	...
//	http.Handle("/go/", mw.Handler(msgs.Handler(h))) // mw: the session middleware
//	// in h:
//	messages.Add(r, messages.Success, "Saved.", "")
//	// in the next request's handler:
//	list, err := messages.Messages(r) // marks them shown
//
// The three storages are Django's: CookieStorage (the signed "messages"
// cookie, at most 2048 bytes, older messages kept and the rest marked with
// Django's "__messagesnotfinished__" sentinel), SessionStorage (the
// "_messages" session key, a JSON string) and FallbackStorage, Django's
// default MESSAGE_STORAGE, which fills the cookie first and puts what does
// not fit in the session. The cookie and the session value are written byte
// for byte as the Django release in Options.Settings.Release writes them,
// and every release's form is read.
//
// As in Django, messages are stored when the response goes out: the
// middleware writes the cookie (or the session key) just before the status
// line, without buffering the body. Messages that were not shown are kept
// for the next request; shown ones are removed.
package messages
