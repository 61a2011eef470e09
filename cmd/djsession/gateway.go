package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/csrf"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/gateway"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
)

func init() { commandSet = append(commandSet, newGatewayCmd) }

// gatewayConfig is the gateway's configuration: Django's setting names,
// from a JSON file, each overridden by an environment variable of the same
// name (lists comma-separated, GATEWAY_ROUTES as JSON). Secrets come from
// files or the environment only, never from the command line.
type gatewayConfig struct {
	SecretKeyFile        string          `json:"SECRET_KEY_FILE"`
	DatabaseURL          string          `json:"DATABASE_URL"`
	SessionEngine        string          `json:"SESSION_ENGINE"`
	CacheLocation        string          `json:"CACHE_LOCATION"`
	CacheKeyPrefix       string          `json:"CACHE_KEY_PREFIX"`
	CacheBackend         string          `json:"CACHE_BACKEND"`
	SessionCookieName    string          `json:"SESSION_COOKIE_NAME"`
	SessionCookieAge     int             `json:"SESSION_COOKIE_AGE"`
	SessionCookieSecure  bool            `json:"SESSION_COOKIE_SECURE"`
	SessionCookieDomain  string          `json:"SESSION_COOKIE_DOMAIN"`
	SessionSaveEvery     bool            `json:"SESSION_SAVE_EVERY_REQUEST"`
	LoginURL             string          `json:"LOGIN_URL"`
	DjangoVersion        string          `json:"DJANGO_VERSION"`
	UserTable            string          `json:"AUTH_USER_TABLE"`
	UserColumns          auth.UserSchema `json:"AUTH_USER_COLUMNS"`
	CSRFTrustedOrigins   []string        `json:"CSRF_TRUSTED_ORIGINS"`
	CSRFCookieName       string          `json:"CSRF_COOKIE_NAME"`
	CSRFUseSessions      bool            `json:"CSRF_USE_SESSIONS"`
	Listen               string          `json:"GATEWAY_LISTEN"`
	AdminListen          string          `json:"GATEWAY_ADMIN_LISTEN"`
	Django               string          `json:"GATEWAY_DJANGO"`
	Routes               []gateway.Rule  `json:"GATEWAY_ROUTES"`
	CacheTTL             string          `json:"GATEWAY_CACHE_TTL"`
	SessionCacheTTL      string          `json:"GATEWAY_SESSION_CACHE_TTL"`
	AssertionKeyFile     string          `json:"GATEWAY_ASSERTION_KEY_FILE"`
	ForwardAuthPath      string          `json:"GATEWAY_FORWARD_AUTH_PATH"`
	ShutdownGracePeriod  string          `json:"GATEWAY_SHUTDOWN_GRACE"`
	TrustRequestIDHeader bool            `json:"GATEWAY_TRUST_REQUEST_ID"`
	LogLevel             string          `json:"GATEWAY_LOG_LEVEL"`
	DBConns              int             `json:"GATEWAY_DB_CONNS"`
}

// envAssertionKey holds the assertion key when no file is given.
const envAssertionKey = "GATEWAY_ASSERTION_KEY"

func newGatewayCmd(a *app) *cobra.Command {
	var configFile string
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Serve Django's login and permissions to a reverse proxy, or be the proxy",
		Long: `gateway answers "who is this, and may they?" from Django's session and auth
tables: nginx auth_request, Caddy forward_auth, Traefik ForwardAuth and Envoy
ext_authz call GATEWAY_FORWARD_AUTH_PATH (default /_djsession/auth); with
GATEWAY_DJANGO set it also proxies every other path (GATEWAY_ROUTES upstreams,
the rest to Django). /healthz, /readyz and /metrics are served on
GATEWAY_ADMIN_LISTEN (or the main listener when it is empty).

Configuration: a JSON file (--config) with Django's setting names, each
overridable by an environment variable of the same name. SECRET_KEY comes from
SECRET_KEY_FILE or $DJANGO_SECRET_KEY, fallbacks from
$DJANGO_SECRET_KEY_FALLBACKS (one per line), the assertion key from
GATEWAY_ASSERTION_KEY_FILE or $GATEWAY_ASSERTION_KEY. See docs/gateway.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadGatewayConfig(a, configFile)
			if err != nil {
				return err
			}
			return runGateway(cmd.Context(), a, cfg)
		},
	}
	cmd.Flags().StringVar(&configFile, "config", "", "JSON configuration file")
	return cmd
}

func loadGatewayConfig(a *app, file string) (*gatewayConfig, error) {
	cfg := &gatewayConfig{}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, usagef("reading --config: %v", errors.Unwrap(err))
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(cfg); err != nil {
			return nil, usagef("--config: %v", err)
		}
	}
	str := func(p *string, name string) {
		if v := a.getenv(name); v != "" {
			*p = v
		}
	}
	boolean := func(p *bool, name string) error {
		if v := a.getenv(name); v != "" {
			b, err := strconv.ParseBool(strings.ToLower(v))
			if err != nil {
				return usagef("%s: %q is not a boolean", name, v)
			}
			*p = b
		}
		return nil
	}
	list := func(p *[]string, name string) {
		if v := a.getenv(name); v != "" {
			*p = strings.Split(v, ",")
		}
	}
	for name, p := range map[string]*string{
		"SECRET_KEY_FILE": &cfg.SecretKeyFile, envDatabaseURL: &cfg.DatabaseURL, "SESSION_ENGINE": &cfg.SessionEngine,
		"CACHE_LOCATION": &cfg.CacheLocation, "CACHE_KEY_PREFIX": &cfg.CacheKeyPrefix, "CACHE_BACKEND": &cfg.CacheBackend,
		"SESSION_COOKIE_NAME": &cfg.SessionCookieName, "SESSION_COOKIE_DOMAIN": &cfg.SessionCookieDomain,
		"LOGIN_URL": &cfg.LoginURL, "DJANGO_VERSION": &cfg.DjangoVersion, "AUTH_USER_TABLE": &cfg.UserTable,
		"CSRF_COOKIE_NAME": &cfg.CSRFCookieName, "GATEWAY_LISTEN": &cfg.Listen, "GATEWAY_ADMIN_LISTEN": &cfg.AdminListen,
		"GATEWAY_DJANGO": &cfg.Django, "GATEWAY_CACHE_TTL": &cfg.CacheTTL, "GATEWAY_SESSION_CACHE_TTL": &cfg.SessionCacheTTL, "GATEWAY_ASSERTION_KEY_FILE": &cfg.AssertionKeyFile,
		"GATEWAY_FORWARD_AUTH_PATH": &cfg.ForwardAuthPath, "GATEWAY_SHUTDOWN_GRACE": &cfg.ShutdownGracePeriod,
		"GATEWAY_LOG_LEVEL": &cfg.LogLevel,
	} {
		str(p, name)
	}
	for name, p := range map[string]*bool{
		"SESSION_COOKIE_SECURE": &cfg.SessionCookieSecure, "SESSION_SAVE_EVERY_REQUEST": &cfg.SessionSaveEvery,
		"CSRF_USE_SESSIONS": &cfg.CSRFUseSessions, "GATEWAY_TRUST_REQUEST_ID": &cfg.TrustRequestIDHeader,
	} {
		if err := boolean(p, name); err != nil {
			return nil, err
		}
	}
	list(&cfg.CSRFTrustedOrigins, "CSRF_TRUSTED_ORIGINS")
	if v := a.getenv("SESSION_COOKIE_AGE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, usagef("SESSION_COOKIE_AGE: %q is not a positive number of seconds", v)
		}
		cfg.SessionCookieAge = n
	}
	if v := a.getenv("GATEWAY_DB_CONNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, usagef("GATEWAY_DB_CONNS: %q is not a positive number", v)
		}
		cfg.DBConns = n
	}
	if v := a.getenv("GATEWAY_ROUTES"); v != "" {
		cfg.Routes = nil
		if err := json.Unmarshal([]byte(v), &cfg.Routes); err != nil {
			return nil, usagef("GATEWAY_ROUTES: %v", err)
		}
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:8089"
	}
	if cfg.ForwardAuthPath == "" {
		cfg.ForwardAuthPath = "/_djsession/auth"
	}
	return cfg, nil
}

// gatewayMetrics are the Prometheus metrics, on a registry of their own.
type gatewayMetrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newGatewayMetrics() *gatewayMetrics {
	m := &gatewayMetrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "djsession_gateway_requests_total",
		Help: "Requests judged by the gateway, by mode, status and reason.",
	}, []string{"mode", "status", "reason"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "djsession_gateway_request_duration_seconds",
		Help:    "Time to answer a request (forward auth) or to its first response byte (proxy).",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
	}, []string{"mode"})
	m.reg.MustRegister(m.requests, m.latency, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// gatewayParts is what runGateway builds from the configuration.
type gatewayParts struct {
	g     *gateway.Gateway
	db    *sql.DB
	ready func(ctx context.Context) error
	close func()
}

var reqIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

type reqIDKey struct{}

func runGateway(ctx context.Context, a *app, cfg *gatewayConfig) error {
	var level slog.Level
	if cfg.LogLevel != "" {
		if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
			return usagef("GATEWAY_LOG_LEVEL: %q is not debug, info, warn or error", cfg.LogLevel)
		}
	}
	// Each judged request is logged at info; warn keeps only failures.
	log := slog.New(slog.NewJSONHandler(a.errOut, &slog.HandlerOptions{Level: level}))
	metrics := newGatewayMetrics()
	parts, err := buildGateway(ctx, a, cfg, func(r *http.Request, v gateway.Verdict) {
		mode, _ := r.Context().Value(modeKey{}).(string)
		metrics.requests.WithLabelValues(mode, strconv.Itoa(v.Status), v.Reason).Inc()
		attrs := []any{"request_id", r.Context().Value(reqIDKey{}), "mode", mode, "method", r.Method,
			"path", r.URL.Path, "status", v.Status, "rule", v.Rule, "user_id", v.UserID}
		if v.Reason != "" {
			attrs = append(attrs, "reason", v.Reason)
		}
		if v.Err != nil && errors.Is(v.Err, context.Canceled) {
			// The client (the proxy) hung up: not the gateway's failure.
			attrs = append(attrs, "error", "client gone")
			log.Debug("request", attrs...)
			return
		}
		if v.Err != nil {
			// Errors from the stores carry no secrets or cookie values.
			attrs = append(attrs, "error", v.Err.Error())
			log.Error("request", attrs...)
			return
		}
		log.Info("request", attrs...)
	})
	if err != nil {
		return err
	}
	defer parts.close()

	wrap := func(mode string, h http.Handler) http.Handler {
		latency := metrics.latency.WithLabelValues(mode)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-Id")
			if !cfg.TrustRequestIDHeader || !reqIDRE.MatchString(id) {
				var b [8]byte
				_, _ = rand.Read(b[:])
				id = hex.EncodeToString(b[:])
			}
			w.Header().Set("X-Request-Id", id)
			ctx := context.WithValue(context.WithValue(r.Context(), reqIDKey{}, id), modeKey{}, mode)
			start := time.Now()
			h.ServeHTTP(w, r.WithContext(ctx))
			latency.Observe(time.Since(start).Seconds())
		})
	}
	admin := http.NewServeMux()
	admin.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	admin.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := parts.ready(ctx); err != nil {
			log.Warn("not ready", "error", err.Error())
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	admin.Handle("GET /metrics", promhttp.HandlerFor(metrics.reg, promhttp.HandlerOpts{}))

	main := http.NewServeMux()
	fa := wrap("forward", parts.g.ForwardAuth())
	main.Handle(cfg.ForwardAuthPath, fa)
	// Envoy's ext_authz (HTTP) asks with path_prefix + the original path.
	main.Handle(strings.TrimSuffix(cfg.ForwardAuthPath, "/")+"/", http.StripPrefix(strings.TrimSuffix(cfg.ForwardAuthPath, "/"), fa))
	if cfg.Django != "" {
		main.Handle("/", wrap("proxy", parts.g.Proxy()))
	}
	if cfg.AdminListen == "" {
		for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
			main.Handle("GET "+p, admin)
		}
	}
	var servers []*http.Server
	errc := make(chan error, 2)
	serve := func(addr string, h http.Handler, what string) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("listening on %s: %w", addr, err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
		servers = append(servers, srv)
		log.Info("listening", "what", what, "addr", ln.Addr().String())
		go func() { errc <- srv.Serve(ln) }()
		return nil
	}
	if err := serve(cfg.Listen, main, "gateway"); err != nil {
		return err
	}
	if cfg.AdminListen != "" {
		if err := serve(cfg.AdminListen, admin, "admin"); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	}
	grace := 10 * time.Second
	if cfg.ShutdownGracePeriod != "" {
		if d, err := time.ParseDuration(cfg.ShutdownGracePeriod); err == nil {
			grace = d
		}
	}
	log.Info("shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
	}
	log.Info("stopped")
	return nil
}

type modeKey struct{}

// readinessKey is the session key /readyz looks up in a cache store.
const readinessKey = "djsessiongatewayreadinessprobe"

// gatewayMemcachedTimeout bounds each memcached call of the gateway.
const gatewayMemcachedTimeout = 2 * time.Second

// cacheBackends maps CACHE_BACKEND to the backend names of cache URLs.
var cacheBackends = map[string]struct {
	kind dbKind
	name string
}{
	"django.core.cache.backends.redis.RedisCache":          {kindRedis, "redis"},
	"django_redis.cache.RedisCache":                        {kindRedis, "django-redis"},
	"django.core.cache.backends.memcached.PyMemcacheCache": {kindMemcached, "pymemcache"},
	"django.core.cache.backends.memcached.PyLibMCCache":    {kindMemcached, "pylibmc"},
	"django.core.cache.backends.memcached.MemcachedCache":  {kindMemcached, "memcached"},
}

// setCacheBackend applies CACHE_BACKEND to the parsed CACHE_LOCATION:
// empty keeps the URL's backend (its backend= or client_class= parameter,
// else RedisCache or PyMemcacheCache); otherwise it must name a backend of
// the URL's kind that agrees with the URL's. Two changes are allowed:
// RedisCache to django-redis on the default client (the same servers,
// another value format), and PyMemcacheCache to another memcached backend
// when the URL has no OPTIONS parameters (each backend has its own).
func setCacheBackend(t *dbTarget, backend string) error {
	if backend == "" {
		return nil
	}
	b, ok := cacheBackends[backend]
	if !ok || b.kind != t.kind {
		return usagef("CACHE_BACKEND %q: for a %s:// CACHE_LOCATION, one of %s", backend, t.kind, strings.Join(cacheBackendNames(t.kind), ", "))
	}
	switch {
	case b.name == t.backend:
	case t.kind == kindRedis && t.backend == "redis" && t.topology == topoReplicated:
		t.backend = b.name
	case t.kind == kindMemcached && t.backend == "pymemcache" && len(t.mcOptions) == 0:
		t.backend = b.name
	default:
		return usagef("CACHE_BACKEND %q disagrees with CACHE_LOCATION's backend %s", backend, t.backend)
	}
	return nil
}

func cacheBackendNames(k dbKind) []string {
	var n []string
	for name, b := range cacheBackends {
		if b.kind == k {
			n = append(n, name)
		}
	}
	slices.Sort(n)
	return n
}

// defaultGatewayDBConns is GATEWAY_DB_CONNS's default: SQLite works in
// the gateway's own threads, so two connections per core keep them busy;
// a database server is waited on, so more requests may wait at once.
func defaultGatewayDBConns(d django.Dialect) int {
	if d == django.SQLite {
		return 2 * runtime.GOMAXPROCS(0)
	}
	return 16
}

// buildGateway opens the database and session store named by the
// configuration and returns the gateway over them.
func buildGateway(ctx context.Context, a *app, cfg *gatewayConfig, observe func(*http.Request, gateway.Verdict)) (*gatewayParts, error) {
	sf := secretFlags{keyFile: cfg.SecretKeyFile}
	key, fallbacks, err := sf.resolve(a)
	if err != nil {
		return nil, err
	}
	// The Django project's settings, written once for every layer below.
	settings := django.Settings{SecretKey: key, SecretKeyFallbacks: fallbacks}
	if cfg.DjangoVersion != "" {
		if settings.Release, err = django.ParseRelease(cfg.DjangoVersion); err != nil {
			return nil, usagef("DJANGO_VERSION: %v", err)
		}
	}
	raw := cfg.DatabaseURL
	t, err := parseDatabaseURL(raw)
	if err != nil {
		return nil, err
	}
	if t.kind != kindSQL {
		return nil, usagef("DATABASE_URL: the gateway reads users from a SQL database (postgres, mysql, sqlite), not %s", t.kind)
	}
	var db *sql.DB
	if t.connector != nil {
		// MySQL: the connector carries the URL's TLS settings.
		db = sql.OpenDB(t.connector)
	} else if db, err = sql.Open(t.driver, t.dsn); err != nil {
		return nil, fmt.Errorf("opening %s: %w", t.display, err)
	}
	// database/sql keeps only 2 idle connections by default: under
	// concurrent requests most queries would open a connection and close
	// it again (on SQLite: read the schema and prepare the statements
	// anew each time). Keep every connection that may be open.
	conns := cfg.DBConns
	if conns <= 0 {
		conns = defaultGatewayDBConns(t.dialect)
	}
	if t.path == ":memory:" {
		conns = 1 // each connection would have a database of its own
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	parts := &gatewayParts{db: db, close: func() { db.Close() }}
	fail := func(err error) (*gatewayParts, error) { parts.close(); return nil, err }
	if err := db.PingContext(ctx); err != nil {
		return fail(fmt.Errorf("connecting to %s: %w", t.display, err))
	}
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: settings, RejectLegacy: settings.Release != "" && !settings.Release.Before(django.Django40)})
	if err != nil {
		return fail(err)
	}
	var store djangosession.Store
	engine := cfg.SessionEngine
	if engine == "" {
		engine = "django.contrib.sessions.backends.db"
	}
	var storeReady func(context.Context) error
	switch engine {
	case "django.contrib.sessions.backends.db":
		s, err := dbstore.New(db, &dbstore.Options{Dialect: t.dialect, Codec: codec})
		if err != nil {
			return fail(err)
		}
		store, storeReady = s, db.PingContext
	case "django.contrib.sessions.backends.cache":
		u, err := parseDatabaseURL(cfg.CacheLocation)
		if err != nil || u.kind != kindRedis && u.kind != kindMemcached {
			return fail(usagef("CACHE_LOCATION: the cache engine needs a redis:// or memcached:// URL"))
		}
		if err := setCacheBackend(u, cfg.CacheBackend); err != nil {
			return fail(err)
		}
		// Every topology the URL names (several servers, shards,
		// Sentinel, a memcached pool), as the sessions commands read it.
		client, backend, closeCache, err := u.cacheClient(ctx, gatewayMemcachedTimeout)
		if err != nil {
			return fail(err)
		}
		closeDB := parts.close
		parts.close = func() { closeCache(); closeDB() }
		s, err := cachestore.New(client, &cachestore.Options{Backend: backend, KeyPrefix: cfg.CacheKeyPrefix, AtomicUpdate: true})
		if err != nil {
			return fail(usagef("%v", err))
		}
		store = s
		// A key no session has: answered (not found) only when the
		// server holding it answers.
		storeReady = func(ctx context.Context) error { _, err := s.Exists(ctx, readinessKey); return err }
	default:
		return fail(usagef("SESSION_ENGINE %q: the gateway serves the db and cache engines", engine))
	}
	if cfg.SessionCacheTTL != "" {
		ttl, err := time.ParseDuration(cfg.SessionCacheTTL)
		if err != nil || ttl < 0 {
			return fail(usagef("GATEWAY_SESSION_CACHE_TTL: %q is not a duration such as 1s", cfg.SessionCacheTTL))
		}
		if ttl > 0 {
			// Opt-in: a logout in Django is seen up to ttl late.
			store = gateway.NewSessionCache(store, ttl, nil)
		}
	}
	ecfg := &djangosession.Options{Settings: settings}
	if cfg.SessionCookieAge > 0 {
		ecfg.CookieAge = time.Duration(cfg.SessionCookieAge) * time.Second
	}
	eng, err := djangosession.NewEngine(store, ecfg)
	if err != nil {
		return fail(err)
	}
	mcfg := middleware.Options{CookieName: cfg.SessionCookieName, CookieDomain: cfg.SessionCookieDomain,
		CookieSecure: cfg.SessionCookieSecure, SaveEveryRequest: cfg.SessionSaveEvery}
	sessions, err := middleware.New(eng, &mcfg)
	if err != nil {
		return fail(err)
	}
	mcfg.SaveEveryRequest = false
	djSessions, err := middleware.New(eng, &mcfg)
	if err != nil {
		return fail(err)
	}
	schema := cfg.UserColumns
	if cfg.UserTable != "" {
		schema.Table = cfg.UserTable
	}
	ids, err := auth.NewSQLIdentities(db, t.dialect, &schema)
	if err != nil {
		return fail(usagef("%v", err))
	}
	au, err := auth.New(ids, &auth.Options{Settings: settings})
	if err != nil {
		return fail(err)
	}
	var ttl time.Duration
	if cfg.CacheTTL != "" {
		if ttl, err = time.ParseDuration(cfg.CacheTTL); err != nil || ttl < 0 {
			return fail(usagef("GATEWAY_CACHE_TTL: %q is not a duration such as 2s", cfg.CacheTTL))
		}
	}
	assertionKey := a.getenv(envAssertionKey)
	if cfg.AssertionKeyFile != "" {
		b, err := os.ReadFile(cfg.AssertionKeyFile)
		if err != nil {
			return fail(fmt.Errorf("reading GATEWAY_ASSERTION_KEY_FILE: %w", errors.Unwrap(err)))
		}
		assertionKey = strings.TrimRight(string(b), "\r\n")
	}
	g, err := gateway.New(&gateway.Options{
		Sessions: sessions, DjangoSessions: djSessions, Auth: au, Identities: ids,
		Rules: cfg.Routes, LoginURL: cfg.LoginURL, Django: cfg.Django,
		CSRF: &csrf.Options{Settings: settings, CookieName: cfg.CSRFCookieName, UseSessions: cfg.CSRFUseSessions,
			TrustedOrigins: cfg.CSRFTrustedOrigins, SessionCookieDomain: cfg.SessionCookieDomain},
		AssertionKey: assertionKey, CacheTTL: ttl, Observe: observe,
	})
	if err != nil {
		return fail(usagef("%v", err))
	}
	parts.g = g
	parts.ready = func(ctx context.Context) error {
		if err := storeReady(ctx); err != nil {
			return fmt.Errorf("session store: %w", err)
		}
		return ids.Ping(ctx)
	}
	return parts, nil
}
