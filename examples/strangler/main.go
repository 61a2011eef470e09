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
//	GET  /go/session  JSON: the user's id (null when anonymous) and the
//	                  whole session, as Django stored it
//	POST /go/set      k, v (repeatable, in pairs): stores each v (a
//	                  string) under its k
//	POST /go/incr     k: adds one to the integer under k (0 when missing)
//	                  and answers the new value
//	POST /go/logout   logs out (flushes the session), as Django's logout
//
// The cache and cached_db engines take Django's CACHES entry for the
// session cache: -cache-backend (pymemcache for PyMemcacheCache, redis for
// RedisCache), -cache-location (LOCATION, servers separated by ";" or ","),
// -cache-options (OPTIONS as JSON) and -cache-prefix (KEY_PREFIX).
package main

import (
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/lib/pq"
	_ "modernc.org/sqlite"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/csrf"
	"github.com/djsession/djsession/djangosession/filestore"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/python/pyjson"
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

	// The cache and cached_db engines: the session cache's CACHES entry.
	CacheBackend  string // "pymemcache" (PyMemcacheCache) or "redis" (RedisCache)
	CacheLocation string // LOCATION
	CacheOptions  string // OPTIONS, as a JSON object
	CachePrefix   string // KEY_PREFIX
	// Pooler says the users DSN reaches PostgreSQL through PgBouncer in
	// transaction mode (dbstore.Options.TransactionPooler).
	Pooler bool
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
	// The Django project's settings, written once for every layer below.
	settings := django.Settings{SecretKey: cfg.SecretKey}
	if cfg.Release != "" {
		rel, err := django.ParseRelease(cfg.Release)
		if err != nil {
			return nil, nil, fmt.Errorf("strangler: -django-release: %w", err)
		}
		settings.Release = rel
	}
	// The users database's dialect, from its database/sql driver name.
	driver := cfg.UsersDriver
	if driver == "pgx" {
		driver = "postgres"
	}
	dialect, err := django.ParseDialect(driver)
	if err != nil {
		return nil, nil, fmt.Errorf("strangler: -users-driver: %w", err)
	}
	target, err := url.Parse(cfg.Django)
	if err != nil || target.Scheme == "" || target.Host == "" {
		return nil, nil, fmt.Errorf("strangler: bad -django URL %q", cfg.Django)
	}
	db, err := sql.Open(cfg.UsersDriver, cfg.UsersDSN)
	if err != nil {
		return nil, nil, err
	}
	var store djangosession.Store
	switch cfg.Engine {
	case "signed_cookies":
		store, err = cookiestore.New(&cookiestore.Options{Settings: settings})
	case "file", "db", "cache", "cached_db":
		var codec *djangosession.Codec
		if codec, err = djangosession.NewCodec(&djangosession.CodecOptions{Settings: settings}); err != nil {
			break
		}
		switch cfg.Engine {
		case "file":
			store, err = filestore.New(&filestore.Options{Dir: cfg.FileDir, Codec: codec})
		case "db":
			store, err = sessionDB(cfg, db, dialect, codec)
		default:
			store, err = cacheStore(cfg, db, dialect, settings.Release, codec)
		}
	default:
		err = fmt.Errorf("strangler: engine %q not supported by this example", cfg.Engine)
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	engine, err := djangosession.NewEngine(store, &djangosession.Options{Settings: settings})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	sessions, err := middleware.New(engine, nil) // SESSION_* defaults, as the Django site
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	protect, err := csrf.New(&csrf.Options{Settings: settings})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	a, err := auth.New(&auth.SQLUsers{DB: db, Dialect: dialect}, &auth.Options{Settings: settings, RotateCSRF: csrf.RotateToken})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	ap := &app{auth: a, db: db}

	goRoutes := http.NewServeMux()
	goRoutes.HandleFunc("GET /go/whoami", ap.whoami)
	goRoutes.Handle("GET /go/profile", a.RequireLogin(auth.DefaultLoginURL, http.HandlerFunc(ap.profile)))
	goRoutes.HandleFunc("POST /go/profile", ap.saveProfile)
	goRoutes.HandleFunc("GET /go/session", ap.session)
	goRoutes.HandleFunc("POST /go/set", ap.set)
	goRoutes.HandleFunc("POST /go/incr", ap.incr)
	goRoutes.HandleFunc("POST /go/logout", ap.logout)

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

func (ap *app) session(w http.ResponseWriter, r *http.Request) {
	u, ok, err := ap.auth.UserFromRequest(r)
	if err != nil {
		http.Error(w, "session unavailable", http.StatusInternalServerError)
		return
	}
	s, _ := middleware.Session(r)
	data, err := pyjson.Marshal(s.Data())
	if err != nil {
		http.Error(w, "session unreadable", http.StatusInternalServerError)
		return
	}
	out := struct {
		User    *string         `json:"user"`
		Session json.RawMessage `json:"session"`
	}{Session: data}
	if ok {
		out.User = &u.ID
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// set is Django's request.session[k] = v, for each pair.
func (ap *app) set(w http.ResponseWriter, r *http.Request) {
	s, err := middleware.Session(r)
	if err != nil {
		http.Error(w, "session unavailable", http.StatusInternalServerError)
		return
	}
	_ = r.ParseForm()
	ks, vs := r.PostForm["k"], r.PostForm["v"]
	for i := 0; i < len(ks) && i < len(vs); i++ {
		s.Set(ks[i], vs[i])
	}
	_, _ = io.WriteString(w, "ok")
}

// incr is request.session[k] = request.session.get(k, 0) + 1.
func (ap *app) incr(w http.ResponseWriter, r *http.Request) {
	s, err := middleware.Session(r)
	if err != nil {
		http.Error(w, "session unavailable", http.StatusInternalServerError)
		return
	}
	k := r.PostFormValue("k")
	var n int64
	if v, ok := s.Get(k); ok {
		if n, ok = v.(int64); !ok {
			http.Error(w, "not an integer", http.StatusConflict)
			return
		}
	}
	s.Set(k, n+1)
	_, _ = fmt.Fprint(w, n+1)
}

func (ap *app) logout(w http.ResponseWriter, r *http.Request) {
	if err := ap.auth.LogoutRequest(r); err != nil {
		http.Error(w, "session unavailable", http.StatusInternalServerError)
		return
	}
	_, _ = io.WriteString(w, "ok")
}

func main() {
	var cfg config
	listen := flag.String("listen", "127.0.0.1:8080", "address to serve on")
	flag.StringVar(&cfg.Django, "django", "http://127.0.0.1:8000", "the Django site to proxy to")
	flag.StringVar(&cfg.Engine, "engine", "signed_cookies", "SESSION_ENGINE: signed_cookies, file, db (django_session in the -users-dsn database), cache or cached_db")
	flag.StringVar(&cfg.CacheBackend, "cache-backend", "pymemcache", "session cache BACKEND for -engine cache and cached_db: pymemcache (PyMemcacheCache) or redis (RedisCache)")
	flag.StringVar(&cfg.CacheLocation, "cache-location", "127.0.0.1:11211", `session cache LOCATION: "host:port;host:port" or "redis://primary,redis://replica"`)
	flag.StringVar(&cfg.CacheOptions, "cache-options", "", `session cache OPTIONS as JSON, e.g. {"dead_timeout": 5}`)
	flag.StringVar(&cfg.CachePrefix, "cache-prefix", "", "session cache KEY_PREFIX")
	flag.BoolVar(&cfg.Pooler, "pgbouncer", false, "-users-dsn goes through PgBouncer in transaction mode (add binary_parameters=yes to a lib/pq DSN)")
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
