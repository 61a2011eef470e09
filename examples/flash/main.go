// Command flash shows Django's flash messages crossing between a Go
// service and a Django site that share SECRET_KEY: a message a Go handler
// adds appears on the next page, Go's or Django's, and a message a Django
// view added appears on a Go page.
//
//	DJANGO_SECRET_KEY=... flash -addr 127.0.0.1:8081
//
// Routes:
//
//	POST /go/save   adds "Saved." (SUCCESS) and redirects to /go/inbox
//	GET  /go/inbox  lists the pending messages (Django's or Go's) and
//	                marks them shown
//
// Messages travel in the signed "messages" cookie (Django's CookieStorage),
// so no session store is needed; a site on Django's default
// FallbackStorage wraps the handler in the session middleware as well.
package main

import (
	"flag"
	"html/template"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/messages"
)

var inbox = template.Must(template.New("inbox").Parse(`<ul>
{{range .}}<li class="{{.Tags}}">{{.Message}}</li>
{{end}}</ul>
`))

// newHandler returns the service's routes behind the messages middleware.
func newHandler(secretKey string) (http.Handler, error) {
	store, err := messages.New(&messages.Options{Settings: django.Settings{SecretKey: secretKey}, Storage: messages.CookieStorage})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /go/save", func(w http.ResponseWriter, r *http.Request) {
		if err := messages.Add(r, messages.Success, "Saved.", ""); err != nil {
			http.Error(w, "messages unavailable", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/go/inbox", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /go/inbox", func(w http.ResponseWriter, r *http.Request) {
		list, err := messages.Messages(r)
		if err != nil {
			http.Error(w, "messages unavailable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = inbox.Execute(w, list)
	})
	return store.Handler(mux), nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	flag.Parse()
	key := os.Getenv("DJANGO_SECRET_KEY")
	if key == "" {
		log.Fatal("flash: set DJANGO_SECRET_KEY")
	}
	h, err := newHandler(key)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
