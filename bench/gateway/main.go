// Command gateway measures what `djsession gateway` costs in front of a
// static upstream, loaded by the same generator (wrk) in the same run,
// every target behind one nginx:
//
//	alone        nginx proxying to a static upstream (nginx itself, on
//	             another port), no auth
//	gateway      nginx auth_request → djsession gateway (db store, SQLite,
//	             GATEWAY_CACHE_TTL 0: session, password and identity read
//	             on every request), then the static upstream
//	gateway_ttl  the same with GATEWAY_CACHE_TTL=2s (the identity cached;
//	             the session and the auth hash still read every request)
//	gateway_stale  gateway_ttl with GATEWAY_SESSION_CACHE_TTL=2s too (the
//	             opt-in session cache: a logout seen up to 2 s late; the
//	             password still read every request)
//	gateway_cache  the gateway on Django's cache session engine: sessions
//	             in Redis (-redis, as Django's RedisCache writes them), the
//	             user from the same database; GATEWAY_CACHE_TTL 0
//	auth_noop    nginx auth_request → a check that costs nothing (nginx
//	             answering 204 itself), then the static upstream: the
//	             ceiling of any forward-auth service behind this nginx
//	django       nginx auth_request → Django's own check (session +
//	             request.user under gunicorn, one worker per core), then
//	             the static upstream
//
// Usage, from the repository root:
//
//	go run ./bench/gateway
//	go run ./bench/gateway -duration 5s -runs 5
//	go run ./bench/gateway -pg         # PostgreSQL instead of SQLite
//	go run ./bench/gateway -redis ""   # without the gateway_cache target
//	go run ./bench/gateway -only gateway -perf /tmp/p   # perf record it
//
// Before timing, real Django (testdata/gateway/perms_django.py) migrates a
// fresh SQLite database and creates its users; Go logs user "gperm" (two
// groups, three permissions) in to -sessions sessions, checked by both the
// gateway and Django. Each request sends one of their cookies, in turn.
// The targets are interleaved -runs times after a warm-up; the median
// req/s, p50 and p99 of each are printed with the CPU time per request of
// the deciding process (the gateway, or gunicorn's workers) and of nginx,
// and the targets: gateway keeps >= 50% of alone's req/s, and adds < 1 ms
// at p99. The exit status is 1 when a target is missed, 2 on errors.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/djsession/djsession/bench/internal/procstat"
	"github.com/djsession/djsession/bench/internal/stats"
	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/redis/go-redis/v9"
)

// benchSecret signs the generated sessions; it guards nothing.
const benchSecret = "django-insecure-gateway-bench-key-not-secret"

type options struct {
	sessions         int
	duration, warmup time.Duration
	runs             int
	conns, threads   int
	workers          int
	keep             bool
	pg               bool
	only             string
	perf             string
	redis            string
}

func main() {
	var o options
	flag.IntVar(&o.sessions, "sessions", 1000, "logged-in sessions to rotate through")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "wrk duration per target and run")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "wrk warm-up per target")
	flag.IntVar(&o.runs, "runs", 3, "interleaved runs (medians are reported)")
	flag.IntVar(&o.conns, "connections", 32, "wrk connections")
	flag.IntVar(&o.threads, "threads", runtime.NumCPU(), "wrk threads")
	flag.IntVar(&o.workers, "workers", runtime.NumCPU(), "gunicorn workers")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory")
	flag.BoolVar(&o.pg, "pg", false, "PostgreSQL at 127.0.0.1:5432 (user postgres, a fresh database) instead of SQLite")
	flag.StringVar(&o.only, "only", "", "comma-separated targets to time (alone,auth_noop,gateway,gateway_ttl,gateway_stale,gateway_cache,django); all when empty")
	flag.StringVar(&o.perf, "perf", "", "record each timed run of a gateway target with `perf record -g` into this directory")
	flag.StringVar(&o.redis, "redis", envOr("DJ_TEST_REDIS_ADDR", "127.0.0.1:6379"), "Redis for the gateway_cache target (Django's cache engine); \"\" leaves the target out")
	flag.Parse()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/gateway:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

type target struct {
	name, base                   string
	keys                         string       // the session keys file wrk sends
	pids                         func() []int // the deciding process(es)
	rps, p50, p99, cpu, nginxCPU []float64
}

func run(ctx context.Context, o options) (int, error) {
	for _, bin := range []string{"wrk", "gunicorn", "nginx"} {
		if _, err := exec.LookPath(bin); err != nil && bin != "nginx" {
			return 0, fmt.Errorf("%s not installed (apt-get install %s)", bin, bin)
		}
	}
	nginx := "/usr/sbin/nginx"
	dir, err := os.MkdirTemp("", "bench-gateway-")
	if err != nil {
		return 0, err
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	var stops []func()
	defer func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}()
	dbPath := filepath.Join(dir, "db.sqlite3")

	// Django's schema and users.
	mk := exec.CommandContext(ctx, "/usr/bin/python3", "testdata/gateway/perms_django.py")
	mk.Env = append(os.Environ(), "DJ_DB="+dbPath)
	dbURL, djEnv := "sqlite:///"+dbPath, "BENCH_DB="+dbPath
	driver, dsn, sdialect, adialect := "sqlite", dbPath+"?_pragma=busy_timeout(5000)", django.SQLite, django.SQLite
	if o.pg {
		name := fmt.Sprintf("gw_bench_%d", os.Getpid())
		admin, err := sql.Open("pgx", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
		if err != nil {
			return 0, err
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			return 0, err
		}
		// Dropped after every process using it has stopped (stops run last first).
		stops = append([]func(){func() { _, _ = admin.Exec("DROP DATABASE " + name + " WITH (FORCE)") }}, stops...)
		mk.Env = append(mk.Env, "DJ_DB_ENGINE=postgresql", "DJ_DB_NAME="+name, "DJ_DB_USER=postgres", "DJ_DB_PORT=5432")
		dbURL = "postgres://postgres@127.0.0.1:5432/" + name + "?sslmode=disable"
		djEnv = "BENCH_PG_NAME=" + name
		driver, dsn, sdialect, adialect = "pgx", dbURL, django.PostgreSQL, django.PostgreSQL
	}
	mk.Stderr = os.Stderr
	out, err := mk.Output()
	if err != nil {
		return 0, fmt.Errorf("perms_django.py (run from the repository root): %w", err)
	}
	var users map[string]struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(out, &users); err != nil {
		return 0, err
	}
	userID := users["gperm"].ID
	keysFile, cookie, err := seed(ctx, driver, dsn, sdialect, adialect, dir, userID, o.sessions)
	if err != nil {
		return 0, err
	}
	// The cache engine's sessions, as Django's RedisCache writes them,
	// under a key prefix of this run's own (deleted at the end).
	var cacheKeys, cacheCookie, cachePrefix string
	if o.redis != "" {
		cachePrefix = fmt.Sprintf("gwbench%d", os.Getpid())
		var clean func()
		cacheKeys, cacheCookie, clean, err = seedCache(ctx, driver, dsn, adialect, o.redis, cachePrefix, dir, userID, o.sessions)
		if err != nil {
			return 0, fmt.Errorf("the gateway_cache target (-redis \"\" leaves it out): %w", err)
		}
		stops = append([]func(){clean}, stops...)
	}

	bin := filepath.Join(dir, "djsession")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/djsession").CombinedOutput(); err != nil {
		return 0, fmt.Errorf("go build: %v\n%s", err, out)
	}
	// The gateway targets: one `djsession gateway` each, with its own
	// settings, behind its own nginx server.
	gws := []*gwTarget{
		{name: "gateway", keys: keysFile, cookie: cookie, env: []string{"GATEWAY_CACHE_TTL=0"}},
		{name: "gateway_ttl", keys: keysFile, cookie: cookie, env: []string{"GATEWAY_CACHE_TTL=2s"}},
		{name: "gateway_stale", keys: keysFile, cookie: cookie, env: []string{"GATEWAY_CACHE_TTL=2s", "GATEWAY_SESSION_CACHE_TTL=2s"}},
	}
	if o.redis != "" {
		gws = append(gws, &gwTarget{name: "gateway_cache", keys: cacheKeys, cookie: cacheCookie, env: []string{
			"GATEWAY_CACHE_TTL=0", "SESSION_ENGINE=django.contrib.sessions.backends.cache",
			"CACHE_LOCATION=redis://" + o.redis + "/0", "CACHE_KEY_PREFIX=" + cachePrefix}})
	}
	names := []string{"STATIC", "ALONE", "NOOP", "DJANGO", "DJ"}
	for _, g := range gws {
		names = append(names, g.name, g.name+"_gw")
	}
	ports, err := freePorts(names...)
	if err != nil {
		return 0, err
	}
	for _, g := range gws {
		g.front, g.port = ports[g.name], ports[g.name+"_gw"]
		cmd := exec.Command(bin, "gateway")
		cmd.Env = append(os.Environ(), "DJANGO_SECRET_KEY="+benchSecret, "DATABASE_URL="+dbURL,
			"GATEWAY_LISTEN=127.0.0.1:"+strconv.Itoa(g.port), `GATEWAY_ROUTES=[{"Prefix":"/","Login":true}]`,
			"GATEWAY_ASSERTION_KEY=bench-assertion-key", "GATEWAY_LOG_LEVEL=warn", "DJANGO_VERSION=3.2")
		cmd.Env = append(cmd.Env, g.env...)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		stops = append(stops, func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		if err := waitTCP(ctx, "127.0.0.1:"+strconv.Itoa(g.port)); err != nil {
			return 0, err
		}
		g.pid = cmd.Process.Pid
	}
	gu := exec.Command("gunicorn", "--workers", strconv.Itoa(o.workers), "--bind", "127.0.0.1:"+strconv.Itoa(ports["DJ"]),
		"--chdir", "bench/gateway", "--log-level", "warning", "djcheck:application")
	gu.Env = append(os.Environ(), "BENCH_SECRET="+benchSecret, djEnv)
	gu.Stderr = os.Stderr
	if err := gu.Start(); err != nil {
		return 0, err
	}
	stops = append(stops, func() { _ = gu.Process.Kill(); _ = gu.Wait() })
	if err := waitTCP(ctx, "127.0.0.1:"+strconv.Itoa(ports["DJ"])); err != nil {
		return 0, err
	}
	prefix := filepath.Join(dir, "nginx")
	if err := os.MkdirAll(filepath.Join(prefix, "tmp"), 0o755); err != nil {
		return 0, err
	}
	conf := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(conf, []byte(nginxConf(prefix, ports, gws)), 0o644); err != nil {
		return 0, err
	}
	ng := exec.Command(nginx, "-p", prefix, "-e", "stderr", "-c", conf, "-g", "daemon off;")
	ng.Stderr = os.Stderr
	if err := ng.Start(); err != nil {
		return 0, fmt.Errorf("nginx: %w", err)
	}
	// SIGTERM: nginx's master stops its workers too (SIGKILL would orphan them).
	stops = append(stops, func() { _ = ng.Process.Signal(syscall.SIGTERM); _ = ng.Wait() })
	base := func(port int) string { return "http://127.0.0.1:" + strconv.Itoa(port) }
	targets := []*target{
		{name: "alone", base: base(ports["ALONE"]), keys: keysFile, pids: func() []int { return nil }},
		{name: "auth_noop", base: base(ports["NOOP"]), keys: keysFile, pids: func() []int { return nil }},
	}
	cookies := map[string]string{}
	for _, g := range gws {
		targets = append(targets, &target{name: g.name, base: base(g.front), keys: g.keys, pids: func() []int { return []int{g.pid} }})
		cookies[g.name] = g.cookie
	}
	targets = append(targets, &target{name: "django", base: base(ports["DJANGO"]), keys: keysFile,
		pids: func() []int { return append([]int{gu.Process.Pid}, procstat.Children(gu.Process.Pid)...) }})
	cookies["django"] = cookie
	// Every target allows its session and refuses no cookie.
	for _, t := range targets {
		if err := waitTCP(ctx, t.base); err != nil {
			return 0, err
		}
		if t.name == "alone" || t.name == "auth_noop" {
			continue
		}
		if code := status(t.base+"/x", cookies[t.name]); code != 200 {
			return 0, fmt.Errorf("%s: logged-in request answered %d", t.name, code)
		}
		if code := status(t.base+"/x", ""); code != 401 {
			return 0, fmt.Errorf("%s: anonymous request answered %d", t.name, code)
		}
	}
	if o.only != "" {
		want := strings.Split(o.only, ",")
		targets = slices.DeleteFunc(targets, func(t *target) bool { return !slices.Contains(want, t.name) })
	}
	nginxPids := func() []int { return append([]int{ng.Process.Pid}, procstat.Children(ng.Process.Pid)...) }
	for _, t := range targets {
		if _, err := load(ctx, o, t, o.warmup, nginxPids); err != nil {
			return 0, err
		}
	}
	for r := 0; r < o.runs; r++ {
		for _, t := range targets {
			if _, err := load(ctx, o, t, o.duration, nginxPids); err != nil {
				return 0, err
			}
		}
	}
	return report(o, targets), nil
}

// gwTarget is a gateway target: a `djsession gateway` listening on port
// with env added to the common settings, behind nginx on front.
type gwTarget struct {
	name         string
	keys, cookie string // the sessions it is sent, and one Cookie header
	env          []string
	front, port  int
	pid          int
}

// nginxConf is the one nginx in front of every target. It keeps
// connections alive to each upstream (keepalive, HTTP/1.1, no Connection
// header), the static upstream of "alone" included, so that no target
// pays a TCP connect per request that another does not. Gunicorn's sync
// workers close every connection, so Django's has no keepalive.
func nginxConf(prefix string, p map[string]int, gws []*gwTarget) string {
	auth := func(listen int, upstream, path string, gw bool) string {
		login := ""
		if gw {
			login = "?login=401"
		}
		set := ""
		if gw {
			set = `
            auth_request_set $dj_id $upstream_http_x_django_user_id;
            auth_request_set $dj_identity $upstream_http_x_django_identity;
            proxy_set_header X-Django-User-Id $dj_id;
            proxy_set_header X-Django-Identity $dj_identity;`
		}
		return fmt.Sprintf(`
    server {
        listen 127.0.0.1:%d;
        location = /_auth {
            internal;
            proxy_pass http://%s%s%s;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI $request_uri;
            proxy_set_header X-Original-Method $request_method;
        }
        location / {
            auth_request /_auth;%s
            proxy_pass http://static;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }`, listen, upstream, path, login, set)
	}
	var upstreams, servers strings.Builder
	for _, g := range gws {
		fmt.Fprintf(&upstreams, "\n    upstream %s { server 127.0.0.1:%d; keepalive 64; }", g.name, g.port)
		servers.WriteString(auth(g.front, g.name, "/_djsession/auth", true))
	}
	servers.WriteString(auth(p["DJANGO"], "dj", "/check", false))
	// auth_noop: the same auth_request round trip to a check that costs
	// nothing (nginx's static server answering 204): the ceiling any
	// forward-auth service reaches behind this nginx.
	servers.WriteString(auth(p["NOOP"], "static", "/noop", false))
	return fmt.Sprintf(`worker_processes 1;
pid %[1]s/nginx.pid;
error_log stderr error;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %[1]s/tmp;
    proxy_temp_path %[1]s/tmp;
    fastcgi_temp_path %[1]s/tmp;
    uwsgi_temp_path %[1]s/tmp;
    scgi_temp_path %[1]s/tmp;
    upstream static { server 127.0.0.1:%[2]d; keepalive 64; }%[5]s
    upstream dj { server 127.0.0.1:%[3]d; }
    server {
        listen 127.0.0.1:%[2]d;
        location = /noop { return 204; }
        location / { return 200 "hello from the static upstream\n"; }
    }
    server {
        listen 127.0.0.1:%[4]d;
        location / { proxy_pass http://static; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }%[6]s
}
`, prefix, p["STATIC"], p["DJ"], p["ALONE"], upstreams.String(), servers.String())
}

// seed logs user id in to n sessions in the db engine's table and writes
// their keys, one a line, into dir; it returns the file and one Cookie
// header.
func seed(ctx context.Context, driver, dsn string, sd django.Dialect, ad django.Dialect, dir, id string, n int) (string, string, error) {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return "", "", err
	}
	defer db.Close()
	ddl, err := dbstore.DDL(sd, "")
	if err != nil {
		return "", "", err
	}
	for _, q := range ddl {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return "", "", err
		}
	}
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: benchSecret}})
	if err != nil {
		return "", "", err
	}
	store, err := dbstore.New(db, &dbstore.Options{Dialect: sd, Codec: codec})
	if err != nil {
		return "", "", err
	}
	ids, err := auth.NewSQLIdentities(db, ad, nil)
	if err != nil {
		return "", "", err
	}
	a, err := auth.New(ids, &auth.Options{Settings: django.Settings{SecretKey: benchSecret, Release: django.Django32}})
	if err != nil {
		return "", "", err
	}
	keys, err := login(ctx, store, a, id, n)
	if err != nil {
		return "", "", err
	}
	return writeKeys(dir, "keys.txt", keys)
}

// seedCache logs user id in to n sessions of Django's cache engine on
// Redis (RedisCache, KEY_PREFIX prefix, database 0), as Django writes
// them, and writes their keys into dir; it returns the file, one Cookie
// header and a function deleting the sessions. The user's password hash
// is read from the database.
func seedCache(ctx context.Context, driver, dsn string, ad django.Dialect, addr, prefix, dir, id string, n int) (string, string, func(), error) {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return "", "", nil, err
	}
	defer db.Close()
	ids, err := auth.NewSQLIdentities(db, ad, nil)
	if err != nil {
		return "", "", nil, err
	}
	a, err := auth.New(ids, &auth.Options{Settings: django.Settings{SecretKey: benchSecret, Release: django.Django32}})
	if err != nil {
		return "", "", nil, err
	}
	rc := redis.NewClient(&redis.Options{Addr: addr})
	if err := rc.Ping(ctx).Err(); err != nil {
		rc.Close()
		return "", "", nil, err
	}
	store, err := cachestore.New(goredis.New(rc), &cachestore.Options{Backend: cachestore.RedisCache, KeyPrefix: prefix})
	if err != nil {
		rc.Close()
		return "", "", nil, err
	}
	keys, err := login(ctx, store, a, id, n)
	clean := func() {
		for _, k := range keys {
			_ = store.Delete(context.Background(), k)
		}
		rc.Close()
	}
	if err != nil {
		clean()
		return "", "", nil, err
	}
	f, cookie, err := writeKeys(dir, "cache_keys.txt", keys)
	if err != nil {
		clean()
		return "", "", nil, err
	}
	return f, cookie, clean, nil
}

// login saves n sessions with user id logged in to store, as Django's
// login, and returns their keys.
func login(ctx context.Context, store djangosession.Store, a *auth.Auth, id string, n int) ([]string, error) {
	engine, err := djangosession.NewEngine(store, &djangosession.Options{Settings: django.Settings{Release: django.Django32}})
	if err != nil {
		return nil, err
	}
	var keys []string
	for range n {
		s := engine.New()
		if err := a.Login(ctx, s, id, ""); err != nil {
			return keys, err
		}
		if err := s.Save(ctx); err != nil {
			return keys, err
		}
		keys = append(keys, s.Key())
	}
	return keys, nil
}

// writeKeys writes keys, one a line, into dir/name and returns the file
// and a Cookie header with the first.
func writeKeys(dir, name string, keys []string) (string, string, error) {
	f := filepath.Join(dir, name)
	if err := os.WriteFile(f, []byte(strings.Join(keys, "\n")+"\n"), 0o644); err != nil {
		return "", "", err
	}
	return f, "sessionid=" + keys[0], nil
}

// freePorts returns a distinct free loopback port for each name: the
// listeners stay open until all are chosen, so no port is given twice.
func freePorts(names ...string) (map[string]int, error) {
	ports := map[string]int{}
	for _, n := range names {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports[n] = l.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}

// waitTCP waits until something listens on addr (host:port, or a base
// URL).
func waitTCP(ctx context.Context, addr string) error {
	addr = strings.TrimPrefix(addr, "http://")
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("nothing listens on %s", addr)
}

func status(u, cookie string) int {
	req, _ := http.NewRequest("GET", u, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// resultRE reads bench/http/rotate.lua's RESULT line.
var resultRE = regexp.MustCompile(`RESULT requests=(\d+) duration_us=(\d+) errors=(\d+) non2xx=(\d+) .*p50=(\d+) p99=(\d+)`)

// load runs wrk against t for d and records req/s, latency and CPU per
// request (skipped for a warm-up shorter than o.duration).
func load(ctx context.Context, o options, t *target, d time.Duration, nginxPids func() []int) (bool, error) {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	cmd := exec.CommandContext(ctx, "wrk", "-t", strconv.Itoa(o.threads), "-c", strconv.Itoa(o.conns),
		"-d", strconv.Itoa(secs)+"s", "-s", "bench/http/rotate.lua", t.base, "--", "/page", t.keys)
	pids, npids := t.pids(), nginxPids()
	var rec *exec.Cmd
	if o.perf != "" && d >= o.duration && strings.HasPrefix(t.name, "gateway") && len(pids) == 1 {
		rec = exec.Command("perf", "record", "-q", "-g", "-p", strconv.Itoa(pids[0]),
			"-o", filepath.Join(o.perf, fmt.Sprintf("%s-%d.data", t.name, len(t.rps))))
		if err := rec.Start(); err != nil {
			return false, fmt.Errorf("perf: %w", err)
		}
	}
	cpu0, n0 := procstat.CPUTime(pids), procstat.CPUTime(npids)
	out, err := cmd.CombinedOutput()
	cpu, ncpu := procstat.CPUTime(pids)-cpu0, procstat.CPUTime(npids)-n0
	if rec != nil {
		_ = rec.Process.Signal(os.Interrupt)
		_ = rec.Wait()
	}
	if err != nil {
		return false, fmt.Errorf("wrk %s: %v\n%s", t.name, err, out)
	}
	m := resultRE.FindSubmatch(out)
	if m == nil {
		return false, fmt.Errorf("wrk %s: no RESULT line\n%s", t.name, out)
	}
	f := func(i int) float64 { v, _ := strconv.ParseFloat(string(m[i]), 64); return v }
	n, us := f(1), f(2)
	if n == 0 || us == 0 {
		return false, fmt.Errorf("wrk %s: no requests", t.name)
	}
	if bad := f(3) + f(4); bad > 0 {
		return false, fmt.Errorf("wrk %s: %.0f errors or non-2xx answers", t.name, bad)
	}
	if d < o.duration {
		return false, nil
	}
	t.rps = append(t.rps, n/(us/1e6))
	t.p50 = append(t.p50, f(5))
	t.p99 = append(t.p99, f(6))
	t.cpu = append(t.cpu, float64(cpu.Nanoseconds())/1e3/n)
	t.nginxCPU = append(t.nginxCPU, float64(ncpu.Nanoseconds())/1e3/n)
	return true, nil
}

func report(o options, ts []*target) int {
	fmt.Printf("# %d cores, wrk -t%d -c%d -d%s, %d runs interleaved, gunicorn --workers %d, %d sessions\n",
		runtime.NumCPU(), o.threads, o.conns, o.duration, o.runs, o.workers, o.sessions)
	fmt.Printf("%-14s %10s %9s %9s %14s %14s\n", "target", "req/s", "p50 µs", "p99 µs", "decider µs/req", "nginx µs/req")
	by := map[string]*target{}
	for _, t := range ts {
		by[t.name] = t
		fmt.Printf("%-14s %10.0f %9.0f %9.0f %14.1f %14.1f\n", t.name, stats.Median(t.rps), stats.Median(t.p50), stats.Median(t.p99), stats.Median(t.cpu), stats.Median(t.nginxCPU))
	}
	alone, gw, dj := by["alone"], by["gateway"], by["django"]
	if alone == nil || gw == nil || dj == nil || by["gateway_ttl"] == nil {
		return 0
	}
	code := 0
	ratio := stats.Median(gw.rps) / stats.Median(alone.rps)
	added := stats.Median(gw.p99) - stats.Median(alone.p99)
	fmt.Printf("gateway/alone req/s: %.0f%% (target >= 50%%)\n", 100*ratio)
	fmt.Printf("gateway_ttl/alone req/s: %.0f%%\n", 100*stats.Median(by["gateway_ttl"].rps)/stats.Median(alone.rps))
	for _, n := range []string{"gateway_stale", "gateway_cache"} {
		if c := by[n]; c != nil {
			fmt.Printf("%s/alone req/s: %.0f%%, p99 added %.0f µs, CPU per authorised request %.1f µs\n",
				n, 100*stats.Median(c.rps)/stats.Median(alone.rps), stats.Median(c.p99)-stats.Median(alone.p99), stats.Median(c.cpu))
		}
	}
	if c := by["auth_noop"]; c != nil {
		fmt.Printf("auth_noop/alone req/s: %.0f%%, p99 added %.0f µs (the ceiling of any forward-auth check behind this nginx)\n",
			100*stats.Median(c.rps)/stats.Median(alone.rps), stats.Median(c.p99)-stats.Median(alone.p99))
		fmt.Printf("gateway/auth_noop req/s: %.0f%%\n", 100*stats.Median(gw.rps)/stats.Median(c.rps))
	}
	fmt.Printf("p99 added by the gateway: %.0f µs (target < 1000 µs)\n", added)
	fmt.Printf("CPU per authorised request: gateway %.1f µs, Django %.1f µs (%.1fx)\n", stats.Median(gw.cpu), stats.Median(dj.cpu), stats.Median(dj.cpu)/stats.Median(gw.cpu))
	if ratio < 0.5 {
		fmt.Println("MISSED: gateway keeps less than 50% of nginx-alone's req/s")
		code = 1
	}
	if added >= 1000 {
		fmt.Println("MISSED: gateway adds 1 ms or more at p99")
		code = 1
	}
	return code
}
