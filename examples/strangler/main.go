// Command strangler is a Go service put in front of a Django site: it
// serves a few routes itself, behind the same login as Django, and proxies
// every other request to Django. See README.md for the migration steps.
//
//	DJANGO_SECRET_KEY=... strangler -django http://127.0.0.1:8000 \
//	    -engine signed_cookies -users-driver sqlite -users-dsn /srv/app/db.sqlite3
//
// The Go routes:
//
//	GET  /go/whoami   JSON: the logged-in user's id (null when anonymous)
//	                  and the session's keys
//	GET  /go/profile  an HTML page with a form carrying a Django CSRF token
//	POST /go/profile  stores the posted "color" in the shared session
package main

import (
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/lib/pq"
	_ "modernc.org/sqlite"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/csrf"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/filestore"
	"github.com/djsession/djsession/djangosession/middleware"
)

// config is what the service needs to share Django's login.
type config struct {
	Django      string // the Django site's base URL
	SecretKey   string // SECRET_KEY
	Engine      string // SESSION_ENGINE: "signed_cookies", "file" or "db"
	FileDir     string // SESSION_FILE_PATH for the file engine
	Release     string // the Django release, e.g. "5.2" ("" = newest)
	UsersDriver string // database/sql driver for auth_user: sqlite, postgres, mysql
	UsersDSN    string
}

// app is the service: Go routes behind the session, CSRF and auth layers,
// everything else proxied to Django.
type app struct {
	auth *auth.Auth
	db   *sql.DB
}

func newHandler(cfg config) (http.Handler, func() error, error) {
	if cfg.SecretKey == "" {
		return nil, nil, errors.New("strangler: DJANGO_SECRET_KEY is not set")
	}
	target, err := url.Parse(cfg.Django)
	if err != nil || target.Scheme == "" || target.Host == "" {
		return nil, nil, fmt.Errorf("strangler: bad -django URL %q", cfg.Django)
	}
	db, err := sql.Open(cfg.UsersDriver, cfg.UsersDSN)
	if err != nil {
		return nil, nil, err
	}
	dialect, dbDialect := auth.SQLite, dbstore.SQLite
	switch cfg.UsersDriver {
	case "postgres", "pgx":
		dialect, dbDialect = auth.PostgreSQL, dbstore.Postgres
	case "mysql":
		dialect, dbDialect = auth.MySQL, dbstore.MySQL
	}
	var store djangosession.Store
	switch cfg.Engine {
	case "signed_cookies":
		store, err = cookiestore.New(&cookiestore.Options{SecretKey: cfg.SecretKey})
	case "file", "db":
		var codec *djangosession.Codec
		if codec, err = djangosession.NewCodec(&djangosession.CodecOptions{SecretKey: cfg.SecretKey}); err != nil {
			break
		}
		if cfg.Engine == "file" {
			store, err = filestore.New(&filestore.Options{Dir: cfg.FileDir, Codec: codec})
		} else {
			// django_session in Django's database, beside auth_user.
			store, err = dbstore.New(db, &dbstore.Options{Dialect: dbDialect, Codec: codec})
		}
	default:
		// The cache and cached_db engines plug in the same way, with
		// their stores from the djangosession sub-packages.
		err = fmt.Errorf("strangler: engine %q not supported by this example", cfg.Engine)
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	rel := djangosession.Release(cfg.Release)
	engine := djangosession.NewEngine(store, &djangosession.Config{Release: rel})
	sessions, err := middleware.New(engine, nil) // SESSION_* defaults, as the Django site
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	protect, err := csrf.New(&csrf.Config{Release: rel})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	a, err := auth.New(&auth.SQLUsers{DB: db, Dialect: dialect}, &auth.Config{
		SecretKey: cfg.SecretKey, Release: rel, RotateCSRF: csrf.RotateToken,
	})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	ap := &app{auth: a, db: db}

	goRoutes := http.NewServeMux()
	goRoutes.HandleFunc("GET /go/whoami", ap.whoami)
	goRoutes.Handle("GET /go/profile", a.RequireLogin(auth.DefaultLoginURL, http.HandlerFunc(ap.profile)))
	goRoutes.HandleFunc("POST /go/profile", ap.saveProfile)

	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			// Django checks ALLOWED_HOSTS and CSRF origins against the
			// host the browser used: keep it, and say what we did.
			r.Out.Host = r.In.Host
			r.SetXForwarded()
		},
	}
	root := http.NewServeMux()
	root.Handle("/go/", sessions.Handler(protect.Handler(a.Handler(goRoutes))))
	root.Handle("/", proxy)
	return root, db.Close, nil
}

func (ap *app) whoami(w http.ResponseWriter, r *http.Request) {
	u, ok, err := ap.auth.UserFromRequest(r)
	if err != nil {
		http.Error(w, "session unavailable", http.StatusInternalServerError)
		return
	}
	s, _ := middleware.Session(r)
	out := struct {
		User *string  `json:"user"`
		Keys []string `json:"keys"`
	}{Keys: s.Keys()}
	if ok {
		out.User = &u.ID
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

var profilePage = template.Must(template.New("p").Parse(`<!doctype html>
<title>Profile (served by Go)</title>
<p>Signed in as user {{.User}}. Favourite colour: {{.Color}}.</p>
<form method="post" action="/go/profile">
{{.CSRF}}
<input name="color"> <button>Save</button>
</form>
`))

func (ap *app) profile(w http.ResponseWriter, r *http.Request) {
	u, ok, err := ap.auth.UserFromRequest(r)
	if err != nil {
		http.Error(w, "session unavailable", http.StatusInternalServerError)
		return
	}
	if !ok { // RequireLogin let an anonymous request through: cannot happen
		http.Error(w, "login required", http.StatusForbidden)
		return
	}
	field, err := csrf.TemplateField(r) // {% csrf_token %}
	if err != nil {
		http.Error(w, "csrf unavailable", http.StatusInternalServerError)
		return
	}
	s, _ := middleware.Session(r)
	color, _ := s.Get("color")
	_ = profilePage.Execute(w, map[string]any{"User": u.ID, "Color": color, "CSRF": field})
}

func (ap *app) saveProfile(w http.ResponseWriter, r *http.Request) {
	_, ok, err := ap.auth.UserFromRequest(r)
	if err != nil {
		http.Error(w, "session unavailable", http.StatusInternalServerError)
		return
	}
	if !ok {
		http.Error(w, "login required", http.StatusForbidden)
		return
	}
	s, _ := middleware.Session(r)
	if err := s.Set("color", r.PostFormValue("color")); err != nil {
		http.Error(w, "bad color", http.StatusBadRequest) // not UTF-8
		return
	}
	http.Redirect(w, r, "/go/profile", http.StatusSeeOther)
}

func main() {
	var cfg config
	listen := flag.String("listen", "127.0.0.1:8080", "address to serve on")
	flag.StringVar(&cfg.Django, "django", "http://127.0.0.1:8000", "the Django site to proxy to")
	flag.StringVar(&cfg.Engine, "engine", "signed_cookies", "SESSION_ENGINE: signed_cookies, file or db (django_session in the -users-dsn database)")
	flag.StringVar(&cfg.FileDir, "file-dir", "", "SESSION_FILE_PATH for -engine file")
	flag.StringVar(&cfg.Release, "django-release", "", "Django release: 3.2, 4.2, 5.2 or 6.1 (default newest)")
	flag.StringVar(&cfg.UsersDriver, "users-driver", "sqlite", "database/sql driver for auth_user: sqlite, postgres or mysql")
	flag.StringVar(&cfg.UsersDSN, "users-dsn", "db.sqlite3", "data source name of Django's database")
	flag.Parse()
	cfg.SecretKey = os.Getenv("DJANGO_SECRET_KEY")
	h, closeDB, err := newHandler(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer closeDB()
	srv := &http.Server{Addr: *listen, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("strangler: serving /go/ and proxying the rest to %s on %s", cfg.Django, *listen)
	log.Fatal(srv.ListenAndServe())
}
