// Command http measures requests per second of a visit-counter view served
// four ways over loopback, loaded by the same generator (wrk) in the same
// run:
//
//	bare             a Go handler answering the same bytes, no sessions
//	go_mw_unused     bare behind the middleware (signed_cookies), the
//	                 session not touched: the middleware's own cost
//	go_cookies       the view behind middleware + cookiestore
//	go_db            the view behind middleware + dbstore
//	django_db        Django's view under gunicorn, one worker per core,
//	                 on the same database table as go_db
//
// and, without HTTP, the database's own limit for the same work (the
// SELECT and UPDATE of a visit from Go connections, no codec).
//
// Usage:
//
//	go run ./bench/http
//	go run ./bench/http -db sqlite -duration 5s -runs 5
//	go run ./bench/http -dsn postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//
// The view reads request.session["visits"], adds one and stores it, so
// every request loads and saves its session (a SELECT and an UPDATE on
// the db engine; a verify, decode, encode and sign on signed_cookies).
// Before timing, the program creates a fresh database (PostgreSQL, or a
// SQLite file with -db sqlite), lets Django migrate django_session into
// it, seeds -sessions sessions shaped like a logged-in user's with Go's
// dbstore and cookiestore under one SECRET_KEY, and checks that Go and
// Django count on the same seeded session (Go writes, Django reads and
// writes, Go reads). Each request then sends one of the seeded cookies,
// rotating (bench/http/rotate.lua), so no request creates a session.
//
// The Go server is this program re-executed as a separate process (GOMAXPROCS
// = all cores), as gunicorn is; wrk runs with one thread per core. The
// targets are interleaved -runs times after a warm-up and the median req/s
// of each is printed with the ratios and the project's targets:
// middleware overhead on signed_cookies (1 - go_cookies/bare) under 10%,
// and go_db at least 20x django_db. The exit status is 1 when a target is
// missed, 2 on errors.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/lib/pq"
	_ "modernc.org/sqlite"

	"github.com/djsession/djsession/bench/internal/procstat"
	"github.com/djsession/djsession/bench/internal/stats"
	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/dbstore"
)

// benchSecret signs the generated sessions; it guards nothing.
const benchSecret = "django-insecure-http-bench-key-not-secret"

type options struct {
	db, dsn     string
	sessions    int
	duration    time.Duration
	warmup      time.Duration
	runs        int
	conns       int
	threads     int
	workers     int
	goDBConns   int
	goDriver    string
	only        string
	cpuprofile  string
	asyncCommit bool
	keep        bool
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if err := serve(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench/http serve:", err)
			os.Exit(2)
		}
		return
	}
	var o options
	flag.StringVar(&o.db, "db", "postgres", "database: postgres or sqlite")
	flag.StringVar(&o.dsn, "dsn", envOr("DJ_TEST_POSTGRES_DSN", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL server to create the throwaway database on")
	flag.IntVar(&o.sessions, "sessions", 1000, "seeded sessions the load rotates through")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each timed run")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "untimed run of each target first")
	flag.IntVar(&o.runs, "runs", 3, "timed runs of each target (interleaved); the median is printed")
	flag.IntVar(&o.conns, "connections", 32, "wrk connections")
	flag.IntVar(&o.threads, "threads", runtime.NumCPU(), "wrk threads")
	flag.IntVar(&o.workers, "workers", runtime.NumCPU(), "gunicorn workers")
	flag.IntVar(&o.goDBConns, "go-db-conns", 0, "database connections the Go server keeps open (0: 16 on PostgreSQL, 2 per core on SQLite)")
	flag.StringVar(&o.goDriver, "go-driver", "pgx", "Go's PostgreSQL driver: pgx (jackc/pgx/v5/stdlib) or postgres (lib/pq)")
	flag.StringVar(&o.only, "only", "", "comma-separated targets to run (bare,go_mw_unused,go_cookies,go_db,django_db); all when empty")
	flag.BoolVar(&o.asyncCommit, "async-commit", false, "PostgreSQL: ALTER DATABASE ... SET synchronous_commit = off (both sides; commits no longer wait for the WAL flush)")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the Go server (all its targets) to this file")
	flag.BoolVar(&o.keep, "keep", false, "keep the database")
	flag.Parse()
	code, err := run(context.Background(), o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/http:", err)
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

// database is the throwaway database both sides use.
type database struct {
	dialect django.Dialect
	driver  string
	dsn     string   // for Go
	env     []string // for Django
	drop    func()
}

func randomName() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "djsession_httpbench_" + hex.EncodeToString(b[:])
}

func createDatabase(ctx context.Context, o options, dir string) (*database, error) {
	switch o.db {
	case "sqlite":
		path := filepath.Join(dir, "bench.sqlite3")
		return &database{
			dialect: django.SQLite, driver: "sqlite",
			dsn:  path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)",
			env:  []string{"BENCH_DB_ENGINE=sqlite3", "BENCH_DB_NAME=" + path},
			drop: func() {},
		}, nil
	case "postgres":
		admin, err := sql.Open("postgres", o.dsn)
		if err != nil {
			return nil, err
		}
		defer admin.Close()
		name := randomName()
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			return nil, err
		}
		if o.asyncCommit {
			if _, err := admin.ExecContext(ctx, "ALTER DATABASE "+name+" SET synchronous_commit = off"); err != nil {
				return nil, err
			}
		}
		u, err := url.Parse(o.dsn)
		if err != nil {
			return nil, err
		}
		pw, _ := u.User.Password()
		env := []string{"BENCH_DB_ENGINE=postgresql", "BENCH_DB_NAME=" + name, "BENCH_DB_HOST=" + u.Hostname(),
			"BENCH_DB_PORT=" + u.Port(), "BENCH_DB_USER=" + u.User.Username(), "BENCH_DB_PASSWORD=" + pw}
		u.Path = "/" + name
		return &database{
			dialect: django.PostgreSQL, driver: o.goDriver, dsn: u.String(), env: env,
			drop: func() {
				if o.keep {
					fmt.Fprintln(os.Stderr, "kept database", name)
					return
				}
				if a, err := sql.Open("postgres", o.dsn); err == nil {
					_, _ = a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
					a.Close()
				}
			},
		}, nil
	}
	return nil, fmt.Errorf("-db must be postgres or sqlite, not %q", o.db)
}

// target is one server under load.
type target struct {
	name    string
	base    string // http://127.0.0.1:port
	path    string
	cookies string // file of cookie values, one a line
	pids    []int  // the server's processes, whose CPU time is read
	rps     []float64
	cpu     []float64 // server CPU µs per request
	errs    int
}

func run(ctx context.Context, o options) (int, error) {
	for _, bin := range []string{"wrk", "gunicorn"} {
		if _, err := exec.LookPath(bin); err != nil {
			return 0, fmt.Errorf("%s not found: apt-get install %s", bin, bin)
		}
	}
	src, err := sourceDir()
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "djsession-http-bench")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	dbase, err := createDatabase(ctx, o, dir)
	if err != nil {
		return 0, err
	}
	if o.goDBConns <= 0 {
		// PostgreSQL overlaps commits across connections; SQLite has one
		// writer at a time.
		o.goDBConns = 16
		if dbase.dialect == django.SQLite {
			o.goDBConns = 2 * runtime.NumCPU()
		}
	}
	defer dbase.drop()
	djEnv := append(append(os.Environ(), "BENCH_SECRET="+benchSecret, "BENCH_SESSION_ENGINE=db"), dbase.env...)

	// Django makes the table.
	mig := exec.CommandContext(ctx, "/usr/bin/python3", filepath.Join(src, "djapp.py"), "migrate")
	mig.Env = djEnv
	if out, err := mig.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("django migrate: %v\n%s", err, out)
	}

	// Go seeds the sessions.
	dbKeys, cookieKeys, err := seed(ctx, dbase, o.sessions)
	if err != nil {
		return 0, err
	}
	dbFile, cookieFile := filepath.Join(dir, "db.txt"), filepath.Join(dir, "cookies.txt")
	if err := os.WriteFile(dbFile, []byte(strings.Join(dbKeys, "\n")+"\n"), 0o600); err != nil {
		return 0, err
	}
	if err := os.WriteFile(cookieFile, []byte(strings.Join(cookieKeys, "\n")+"\n"), 0o600); err != nil {
		return 0, err
	}

	// The Go server, a separate process.
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	goSrv := exec.Command(self, "serve", "-driver", dbase.driver, "-dialect", dbase.dialect.String(), "-dsn", dbase.dsn,
		"-db-conns", strconv.Itoa(o.goDBConns), "-cpuprofile", o.cpuprofile)
	goBase, stopGo, err := startPrinted(goSrv)
	if err != nil {
		return 0, fmt.Errorf("go server: %w", err)
	}
	defer stopGo()

	// Django under gunicorn.
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	gu := exec.Command("gunicorn", "--workers", strconv.Itoa(o.workers), "--bind", "127.0.0.1:"+port,
		"--chdir", src, "--log-level", "warning", "djapp:application")
	gu.Env = djEnv
	gu.Stderr = os.Stderr
	if err := gu.Start(); err != nil {
		return 0, fmt.Errorf("gunicorn: %w", err)
	}
	defer func() { _ = gu.Process.Signal(os.Interrupt); _ = gu.Wait() }()
	djBase := "http://127.0.0.1:" + port
	if err := waitUp(ctx, djBase+"/visit"); err != nil {
		return 0, fmt.Errorf("gunicorn: %w", err)
	}

	if err := crossCheck(ctx, goBase, djBase, dbKeys[0], cookieKeys[0]); err != nil {
		return 0, err
	}

	goPids := []int{goSrv.Process.Pid}
	djPids := append([]int{gu.Process.Pid}, procstat.Children(gu.Process.Pid)...)
	targets := []*target{
		{name: "bare", base: goBase, path: "/bare", cookies: cookieFile, pids: goPids},
		{name: "go_mw_unused", base: goBase, path: "/unused", cookies: cookieFile, pids: goPids},
		{name: "go_cookies", base: goBase, path: "/cookies", cookies: cookieFile, pids: goPids},
		{name: "go_db", base: goBase, path: "/db", cookies: dbFile, pids: goPids},
		{name: "django_db", base: djBase, path: "/visit", cookies: dbFile, pids: djPids},
	}
	if o.only != "" {
		want := strings.Split(o.only, ",")
		targets = slices.DeleteFunc(targets, func(t *target) bool { return !slices.Contains(want, t.name) })
	}
	lua := filepath.Join(src, "rotate.lua")
	if o.asyncCommit {
		fmt.Println("# synchronous_commit = off on the benchmark database")
	}
	fmt.Printf("# %s, %d cores, %d sessions, wrk -t%d -c%d -d%s, gunicorn --workers %d (sync), Go server GOMAXPROCS=%d with %d db connections (%s)\n",
		o.db, runtime.NumCPU(), o.sessions, o.threads, o.conns, o.duration, o.workers, runtime.NumCPU(), o.goDBConns, dbase.driver)
	for _, t := range targets {
		if _, _, _, err := load(ctx, o, lua, t, o.warmup); err != nil {
			return 0, err
		}
	}
	for i := range o.runs {
		for _, t := range targets {
			rps, cpu, errs, err := load(ctx, o, lua, t, o.duration)
			if err != nil {
				return 0, err
			}
			t.rps, t.cpu = append(t.rps, rps), append(t.cpu, cpu)
			t.errs += errs
			fmt.Printf("# run %d %-12s %9.0f req/s %8.1f server CPU µs/req\n", i+1, t.name, rps, cpu)
		}
	}
	var floor float64
	if o.only == "" || strings.Contains(o.only, "floor") {
		if floor, err = dbFloor(ctx, o, dbase, dbKeys); err != nil {
			return 0, err
		}
	}
	return report(o, targets, floor), nil
}

// sourceDir finds bench/http (djapp.py, rotate.lua) from the working
// directory: the module root or bench/http itself.
func sourceDir() (string, error) {
	for _, d := range []string{"bench/http", "."} {
		if _, err := os.Stat(filepath.Join(d, "rotate.lua")); err == nil {
			return filepath.Abs(d)
		}
	}
	return "", errors.New("run from the module root: bench/http/rotate.lua not found")
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port, nil
}

// startPrinted starts cmd and returns the base URL from its first line,
// "PORT <n>".
func startPrinted(cmd *exec.Cmd) (string, func(), error) {
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case l := <-line:
		if port, ok := strings.CutPrefix(l, "PORT "); ok {
			return "http://127.0.0.1:" + port, stop, nil
		}
		stop()
		return "", nil, fmt.Errorf("unexpected first line %q", l)
	case <-time.After(30 * time.Second):
		stop()
		return "", nil, errors.New("did not start in time")
	}
}

func waitUp(ctx context.Context, u string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return errors.New("did not come up in time")
}

// visit GETs u with the session cookie and returns the body and the new
// cookie value, if one was set.
func visit(ctx context.Context, u, cookie string) (string, string, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	req.Header.Set("Cookie", "sessionid="+cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("GET %s: %s %s", u, resp.Status, b)
	}
	set := ""
	for _, c := range resp.Cookies() {
		if c.Name == "sessionid" {
			set = c.Value
		}
	}
	return string(b), set, nil
}

// crossCheck proves both sides count on the same seeded rows: Go, then
// Django, then Go again increment one session, each seeing the other's
// write and keeping the session key; and the cookie store counts too.
func crossCheck(ctx context.Context, goBase, djBase, dbKey, cookie string) error {
	steps := []struct{ base, path, want string }{
		{goBase, "/db", "visits 1"},
		{djBase, "/visit", "visits 2"},
		{goBase, "/db", "visits 3"},
		{djBase, "/visit", "visits 4"},
	}
	for _, s := range steps {
		body, set, err := visit(ctx, s.base+s.path, dbKey)
		if err != nil {
			return err
		}
		if body != s.want || set != dbKey {
			return fmt.Errorf("cross-check %s%s: got %q (cookie %q), want %q on the same key", s.base, s.path, body, set, s.want)
		}
	}
	body, set, err := visit(ctx, goBase+"/cookies", cookie)
	if err != nil {
		return err
	}
	if body != "visits 1" || set == "" {
		return fmt.Errorf("cross-check signed_cookies: got %q", body)
	}
	if body, _, err = visit(ctx, goBase+"/cookies", set); err != nil || body != "visits 2" {
		return fmt.Errorf("cross-check signed_cookies second visit: %q %v", body, err)
	}
	for _, p := range []string{"/bare", "/unused"} {
		if body, set, err = visit(ctx, goBase+p, cookie); err != nil || body != "visits 0" || set != "" {
			return fmt.Errorf("cross-check %s: %q (cookie %q) %v", p, body, set, err)
		}
	}
	return nil
}

var resultRE = regexp.MustCompile(`RESULT requests=(\d+) duration_us=(\d+) errors=(\d+) non2xx=(\d+) (connect=\d+ read=\d+ write=\d+ timeout=\d+)`)

// load runs wrk against t for d and returns req/s and the error count.
// and the CPU time (user + system) the server's processes spent per
// request meanwhile, in µs.
func load(ctx context.Context, o options, lua string, t *target, d time.Duration) (rps, cpuPerReq float64, errCount int, err error) {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	cmd := exec.CommandContext(ctx, "wrk", "-t", strconv.Itoa(o.threads), "-c", strconv.Itoa(o.conns),
		"-d", strconv.Itoa(secs)+"s", "-s", lua, t.base, "--", t.path, t.cookies)
	cpu0 := procstat.CPUTime(t.pids)
	out, err := cmd.CombinedOutput()
	cpu := procstat.CPUTime(t.pids) - cpu0
	if err != nil {
		return 0, 0, 0, fmt.Errorf("wrk %s: %v\n%s", t.name, err, out)
	}
	m := resultRE.FindSubmatch(out)
	if m == nil {
		return 0, 0, 0, fmt.Errorf("wrk %s: no RESULT line\n%s", t.name, out)
	}
	n, _ := strconv.ParseFloat(string(m[1]), 64)
	us, _ := strconv.ParseFloat(string(m[2]), 64)
	errs, _ := strconv.Atoi(string(m[3]))
	non2xx, _ := strconv.Atoi(string(m[4]))
	if us == 0 || n == 0 {
		return 0, 0, 0, fmt.Errorf("wrk %s: no requests", t.name)
	}
	if errs+non2xx > 0 {
		fmt.Printf("# %s: %d non-2xx responses, socket errors %s\n", t.name, non2xx, m[5])
	}
	return n / (us / 1e6), float64(cpu.Microseconds()) / n, errs + non2xx, nil
}

func report(o options, targets []*target, floor float64) int {
	med := map[string]float64{}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\tmedian req/s\tmin\tmax\tserver CPU µs/req\terrors\t")
	for _, t := range targets {
		med[t.name] = stats.Median(t.rps)
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.0f\t%.1f\t%d\t\n", t.name, med[t.name], slices.Min(t.rps), slices.Max(t.rps), stats.Median(t.cpu), t.errs)
	}
	_ = tw.Flush()
	if floor > 0 {
		fmt.Printf("db floor: %.0f SELECT+UPDATE pairs/s from %d Go connections, no HTTP, no codec (go_db at %.0f%% of it)\n",
			floor, o.goDBConns, 100*med["go_db"]/floor)
	}
	code := 0
	check := func(ok bool, format string, args ...any) {
		verdict := "ok"
		if !ok {
			verdict, code = "MISSED", 1
		}
		fmt.Printf(format+"  [%s]\n", append(args, verdict)...)
	}
	// Ratios are taken per round (the targets of one round ran within a
	// minute of each other) and their median printed, which is steadier
	// on a shared machine than a ratio of medians.
	byName := map[string]*target{}
	for _, t := range targets {
		byName[t.name] = t
	}
	ratio := func(a, b string) (float64, bool) {
		ta, tb := byName[a], byName[b]
		if ta == nil || tb == nil {
			return 0, false
		}
		var r []float64
		for i := range min(len(ta.rps), len(tb.rps)) {
			if tb.rps[i] > 0 {
				r = append(r, ta.rps[i]/tb.rps[i])
			}
		}
		return stats.Median(r), len(r) > 0
	}
	if r, ok := ratio("go_mw_unused", "bare"); ok {
		fmt.Printf("middleware alone (session not used): %.1f%% below bare (no target)\n", 100*(1-r))
	}
	if r, ok := ratio("go_cookies", "bare"); ok {
		check(1-r < 0.10, "middleware overhead, signed_cookies visit counter: %.1f%% below bare (target < 10%%)", 100*(1-r))
	}
	if r, ok := ratio("go_db", "bare"); ok {
		fmt.Printf("middleware + db store: %.1f%% below bare (no target)\n", 100*(1-r))
	}
	if r, ok := ratio("go_db", "django_db"); ok {
		check(r >= 20, "go_db / django_db: %.1fx (target >= 20x)", r)
	}
	if g, d := byName["go_db"], byName["django_db"]; g != nil && d != nil && stats.Median(g.cpu) > 0 {
		fmt.Printf("server CPU per visit, django_db / go_db: %.1fx (Django's workers against the Go process, the database not counted; no target)\n",
			stats.Median(d.cpu)/stats.Median(g.cpu))
	}
	for _, t := range targets {
		if t.errs > 0 {
			fmt.Printf("%s: %d errors or non-2xx responses\n", t.name, t.errs)
			code = 1
		}
	}
	return code
}

// dbFloor is the database's own limit for the db engine's work per visit:
// -go-db-conns goroutines, each running the SELECT and the UPDATE a visit
// makes on a seeded row, with the stored session_data unchanged, for
// -duration. It returns pairs per second.
func dbFloor(ctx context.Context, o options, dbase *database, keys []string) (float64, error) {
	db, err := sql.Open(dbase.driver, dbase.dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(o.goDBConns)
	db.SetMaxIdleConns(o.goDBConns)
	sel := "SELECT session_data FROM django_session WHERE session_key = ? AND expire_date > ?"
	upd := "UPDATE django_session SET session_data = ?, expire_date = ? WHERE session_key = ?"
	now, exp := any(time.Now()), any(time.Now().Add(14*24*time.Hour))
	if dbase.dialect == django.PostgreSQL {
		sel = "SELECT session_data FROM django_session WHERE session_key = $1 AND expire_date > $2"
		upd = "UPDATE django_session SET session_data = $1, expire_date = $2 WHERE session_key = $3"
	} else {
		now, exp = dbstore.PyDatetime(time.Now().UTC()), dbstore.PyDatetime(time.Now().UTC().Add(14*24*time.Hour))
	}
	deadline := time.Now().Add(o.duration)
	counts := make([]int, o.goDBConns)
	errc := make(chan error, o.goDBConns)
	start := time.Now()
	for g := range o.goDBConns {
		go func() {
			for i := g; time.Now().Before(deadline); i += o.goDBConns {
				key := keys[i%len(keys)]
				var data string
				if err := db.QueryRowContext(ctx, sel, key, now).Scan(&data); err != nil {
					errc <- fmt.Errorf("db floor: %w", err)
					return
				}
				if _, err := db.ExecContext(ctx, upd, data, exp, key); err != nil {
					errc <- fmt.Errorf("db floor: %w", err)
					return
				}
				counts[g]++
			}
			errc <- nil
		}()
	}
	for range o.goDBConns {
		if e := <-errc; e != nil && err == nil {
			err = e
		}
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	return float64(total) / time.Since(start).Seconds(), err
}
