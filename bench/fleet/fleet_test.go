package fleet

import (
	"bytes"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	_ "github.com/lib/pq"

	"github.com/djsession/djsession/internal/testenv"
)

// This file starts a fleet: cache nodes, Django under gunicorn, the Go
// nodes and nginx, all on loopback.

const secret = "django-insecure-fleet-test-secret-key-0123456789"

// spec is one topology.
type spec struct {
	name      string
	engine    string // SESSION_ENGINE: cache, cached_db or db
	backend   string // the session cache: pymemcache or redis ("" for db)
	django    testenv.Django
	memcached int  // memcached nodes in LOCATION
	replicas  int  // Redis replicas after the primary in LOCATION
	pgbouncer bool // the database through PgBouncer in transaction mode
}

// cacheOptions is the cache's OPTIONS on both sides: pymemcache takes a
// dead node back after two seconds instead of sixty, so that a test sees
// the recovery.
const cacheOptions = `{"dead_timeout": 2}`

// fleet is a running topology.
type fleet struct {
	spec
	front    string // nginx's base URL
	mcAddrs  []string
	mc       []*testenv.Proc
	primary  *testenv.Redis
	replicas []*testenv.Redis
	goNodes  []*testenv.Proc
	djNodes  []*testenv.Proc
}

// The machine the fleet runs on.
type machine struct {
	pg       *testenv.Postgres
	strangle string // the Go node's binary
	dbs      int
}

var (
	goBuild    sync.Once
	goBinary   string
	goBuildErr error
)

// goNodeBinary builds examples/strangler once per test binary, with the
// race detector when the tests run with it.
func goNodeBinary(t testing.TB) string {
	t.Helper()
	goBuild.Do(func() {
		dir, err := os.MkdirTemp("", "djs-fleet-")
		if err != nil {
			goBuildErr = err
			return
		}
		goBinary = filepath.Join(dir, "strangler")
		args := []string{"build", "-o", goBinary}
		if raceEnabled {
			args = append(args, "-race")
		}
		args = append(args, "github.com/djsession/djsession/examples/strangler")
		cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			goBuildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if goBuildErr != nil {
		t.Fatal(goBuildErr)
	}
	return goBinary
}

func newMachine(t testing.TB) *machine {
	t.Helper()
	testenv.Topologies(t)
	for _, b := range []string{"nginx", "gunicorn", "memcached", "redis-server", "pgbouncer"} {
		testenv.Binary(t, b, "/usr/sbin/"+b)
	}
	return &machine{pg: testenv.StartPostgres(t), strangle: goNodeBinary(t)}
}

// newDB creates a database of its own for a topology.
func (m *machine) newDB(t testing.TB) string {
	t.Helper()
	m.dbs++
	name := fmt.Sprintf("fleet_%d", m.dbs)
	db, err := sql.Open("postgres", m.pg.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	return name
}

func addr(t testing.TB) string { return "127.0.0.1:" + strconv.Itoa(testenv.FreePort(t)) }

// start brings up the topology s with users u0 ... u<users-1>: cache
// nodes, the database, two gunicorns of three workers, three Go nodes and
// nginx in front. Everything stops when t ends.
func (m *machine) start(t *testing.T, s spec, users int) *fleet {
	t.Helper()
	f := &fleet{spec: s}
	var location string
	switch s.backend {
	case "pymemcache":
		for i := range s.memcached {
			a := addr(t)
			f.mcAddrs = append(f.mcAddrs, a)
			f.mc = append(f.mc, testenv.StartMemcached(t, fmt.Sprintf("memcached-%d", i), a))
		}
		location = strings.Join(f.mcAddrs, ";")
	case "redis":
		f.primary = testenv.StartRedis(t, "redis-primary")
		f.replicas = testenv.StartRedisReplicas(t, f.primary.Addr, s.replicas, "redis-replica")
		urls := []string{f.primary.URL()}
		for _, r := range f.replicas {
			urls = append(urls, r.URL())
		}
		location = strings.Join(urls, ",")
	}
	dbName := m.newDB(t)
	dbAddr := m.pg.Addr
	if s.pgbouncer {
		dbAddr = testenv.PgBouncer(t, m.pg.Addr, testenv.PgBouncerOptions{PoolSize: 4}).Addr
	}
	options := ""
	if s.backend == "pymemcache" {
		options = cacheOptions
	}
	env := map[string]string{
		"DJ_SECRET": secret, "DJ_ENGINE": s.engine, "DJ_DB_ENGINE": "postgresql", "DJ_DB_NAME": dbName,
		"DJ_DB_HOST": "127.0.0.1", "DJ_DB_PORT": strconv.Itoa(testenv.Port(dbAddr)), "DJ_DB_USER": "postgres",
		"DJ_CACHE_BACKEND": s.backend, "DJ_CACHE_LOCATION": location, "DJ_CACHE_OPTIONS": options,
		"DJ_DB_PGBOUNCER":   map[bool]string{true: "1"}[s.pgbouncer],
		"DJANGO_SECRET_KEY": secret, // the Go nodes read it from their environment
	}
	for _, kv := range s.django.Env {
		if v, ok := strings.CutPrefix(kv, "PYTHONPATH="); ok {
			env["PYTHONPATH"] = v
		}
	}
	if _, ok := env["PYTHONPATH"]; !ok {
		env["PYTHONPATH"] = ""
	}
	// The servers inherit the test's environment: the secret never shows
	// in their command lines.
	for k, v := range env {
		t.Setenv(k, v)
	}
	script, err := filepath.Abs("../../testdata/http_django/djapp.py")
	if err != nil {
		t.Fatal(err)
	}
	setup := exec.Command(s.django.Python, script, "setup", strconv.Itoa(users))
	if out, err := setup.CombinedOutput(); err != nil {
		t.Fatalf("django setup: %v\n%s", err, out)
	}
	gunicorn := testenv.Binary(t, "gunicorn")
	for i := range 2 {
		a := addr(t)
		f.djNodes = append(f.djNodes, testenv.Start(t, fmt.Sprintf("gunicorn-%d", i), a,
			// --preload: the master imports Django once and forks its
			// workers (connections open on the first request, in each).
			gunicorn, "--workers", "3", "--preload", "--bind", a, "--chdir", filepath.Dir(script),
			"--timeout", "60", "--graceful-timeout", "1", "djapp:application"))
	}
	dsn := "postgres://postgres@" + dbAddr + "/" + dbName + "?sslmode=disable"
	goArgs := []string{"-engine", s.engine, "-django-release", s.django.Version,
		"-users-driver", "postgres", "-cache-backend", s.backend, "-cache-location", location,
		"-cache-options", options}
	if s.pgbouncer {
		dsn += "&binary_parameters=yes"
		goArgs = append(goArgs, "-pgbouncer")
	}
	goArgs = append(goArgs, "-users-dsn", dsn)
	var goAddrs, djAddrs []string
	for _, p := range f.djNodes {
		djAddrs = append(djAddrs, p.Addr)
	}
	for i := range 3 {
		a := addr(t)
		goAddrs = append(goAddrs, a)
		f.goNodes = append(f.goNodes, testenv.Start(t, fmt.Sprintf("go-%d", i), a,
			append([]string{m.strangle, "-listen", a, "-django", "http://" + djAddrs[0]}, goArgs...)...))
	}
	f.front = "http://" + startNginx(t, goAddrs, djAddrs)
	waitReady(t, f.front)
	return f
}

var nginxConf = template.Must(template.ParseFiles("testdata/nginx.conf"))

// startNginx runs nginx in the foreground with its own prefix and config,
// in front of the Go and Django nodes, and returns its address.
func startNginx(t testing.TB, goAddrs, djAddrs []string) string {
	t.Helper()
	prefix := t.TempDir()
	listen := addr(t)
	var conf bytes.Buffer
	if err := nginxConf.Execute(&conf, map[string]any{
		"Prefix": prefix, "Listen": listen, "Go": goAddrs, "Django": djAddrs, "Root": os.Geteuid() == 0,
	}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(path, conf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := testenv.Binary(t, "nginx", "/usr/sbin/nginx")
	testenv.Start(t, "nginx", listen, bin, "-p", prefix, "-c", path, "-e", filepath.Join(prefix, "error.log"))
	return listen
}

// waitReady waits until Django answers through nginx: gunicorn's workers
// load Django after the master listens.
func waitReady(t testing.TB, front string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(90 * time.Second)
	for ok := 0; ok < 6; { // every worker of both masters, roughly
		resp, err := c.Get(front + "/dj/token")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				ok++
				continue
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		ok = 0
		if time.Now().After(deadline) {
			t.Fatalf("Django behind nginx: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stopNode stops a cache node: memcached node i, or Redis replica i.
func (f *fleet) stopNode(i int) {
	if f.backend == "redis" {
		f.replicas[i].Stop()
		return
	}
	f.mc[i].Stop()
}

// restartNode starts it again, empty.
func (f *fleet) restartNode(t testing.TB, i int) {
	t.Helper()
	if f.backend == "redis" {
		f.replicas[i].Restart(t)
		testenv.WaitFor(t, "replica in sync", f.replicas[i].ReplicaUp)
		return
	}
	f.mc[i] = testenv.StartMemcached(t, fmt.Sprintf("memcached-%d", i), f.mcAddrs[i])
}

// checkGoNodes fails the test when a Go node has exited or panicked.
func (f *fleet) checkGoNodes(t testing.TB) {
	t.Helper()
	for _, p := range f.goNodes {
		if p.Exited() {
			t.Errorf("%s exited:\n%s", p.Name, p.Output())
		}
		if out := p.Output(); strings.Contains(out, "panic") || strings.Contains(out, "DATA RACE") {
			t.Errorf("%s:\n%s", p.Name, out)
		}
	}
}
