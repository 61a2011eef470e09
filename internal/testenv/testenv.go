// Package testenv tells tests which real peers this machine offers: Django
// releases (through Debian's python3-django and the newer releases unpacked
// by newer-django.sh), PostgreSQL, MariaDB/MySQL, Redis and memcached.
//
// Each peer is switched on by an environment variable. Without it the test
// is skipped, so "go test github.com/djsession/djsession/..." passes on a
// bare machine. When DJ_REQUIRE=1 (set by .ci/run) a missing peer fails
// the test instead of skipping it.
//
//	DJ_TEST_DJANGO=1             run live tests against real Django
//	DJ_PYTHON                    interpreter with Debian's Django (default /usr/bin/python3)
//	DJ_DJANGO_VERSIONS           releases to run, e.g. "3.2 4.2 5.2 6.1" (default: 3.2 plus
//	                             every newer release found under DJNEWER)
//	DJNEWER                      where newer-django.sh unpacked releases (default /tmp/djnewer)
//	DJ_TEST_POSTGRES_DSN         e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//	DJ_TEST_MYSQL_DSN            e.g. root@tcp(127.0.0.1:3306)/test
//	DJ_TEST_REDIS_ADDR           e.g. 127.0.0.1:6379
//	DJ_TEST_MEMCACHED_ADDR       e.g. 127.0.0.1:11211
//	DJ_TEST_TOPOLOGY=1           start multi-node topologies (proc.go) on free loopback ports
package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Required reports whether missing peers must fail tests (DJ_REQUIRE=1).
func Required() bool { return os.Getenv("DJ_REQUIRE") == "1" }

// Need returns the value of the environment variable name, skipping the test
// when it is empty (or failing it when peers are required).
func Need(t testing.TB, name, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		missing(t, "%s: set %s to run this test", what, name)
	}
	return v
}

func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf("required peer missing: "+format, args...)
	}
	t.Skipf(format, args...)
}

// PostgresDSN returns DJ_TEST_POSTGRES_DSN or skips.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	return Need(t, "DJ_TEST_POSTGRES_DSN", "PostgreSQL")
}

// MySQLDSN returns DJ_TEST_MYSQL_DSN (go-sql-driver form) or skips.
func MySQLDSN(t testing.TB) string { t.Helper(); return Need(t, "DJ_TEST_MYSQL_DSN", "MySQL/MariaDB") }

// RedisAddr returns DJ_TEST_REDIS_ADDR or skips.
func RedisAddr(t testing.TB) string { t.Helper(); return Need(t, "DJ_TEST_REDIS_ADDR", "Redis") }

// MemcachedAddr returns DJ_TEST_MEMCACHED_ADDR or skips.
func MemcachedAddr(t testing.TB) string {
	t.Helper()
	return Need(t, "DJ_TEST_MEMCACHED_ADDR", "memcached")
}

// Django is one real Django release that tests can run Python code under.
type Django struct {
	Version string   // "3.2", "4.2", "5.2" or "6.1"
	Python  string   // interpreter path
	Env     []string // environment for the interpreter (PYTHONPATH set)
}

// AllVersions are the Django releases the project proves itself against.
var AllVersions = []string{"3.2", "4.2", "5.2", "6.1"}

// Djangos returns the Django releases to test against, skipping the test when
// DJ_TEST_DJANGO is not set. With DJ_REQUIRE=1 every release in
// DJ_DJANGO_VERSIONS (default: all four) must be present.
func Djangos(t testing.TB) []Django {
	t.Helper()
	if os.Getenv("DJ_TEST_DJANGO") == "" {
		missing(t, "real Django: set DJ_TEST_DJANGO=1 to run live interop tests")
		return nil
	}
	want := strings.Fields(os.Getenv("DJ_DJANGO_VERSIONS"))
	explicit := len(want) > 0
	if !explicit {
		want = AllVersions
	}
	var out []Django
	for _, v := range want {
		dj, ok := lookup(v)
		if !ok {
			if explicit || Required() {
				t.Fatalf("Django %s is not available (run shared/tools/newer-django.sh)", v)
			}
			continue
		}
		out = append(out, dj)
	}
	if len(out) == 0 {
		missing(t, "no Django release found")
	}
	return out
}

// Django32 returns Debian's Django 3.2, the release golden vectors come from.
func Django32(t testing.TB) Django {
	t.Helper()
	if os.Getenv("DJ_TEST_DJANGO") == "" {
		missing(t, "real Django: set DJ_TEST_DJANGO=1 to run live interop tests")
	}
	dj, _ := lookup("3.2")
	return dj
}

func python() string {
	if p := os.Getenv("DJ_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}

// lookup builds the environment djversions.sh would set for release v.
func lookup(v string) (Django, bool) {
	dir := os.Getenv("DJNEWER")
	if dir == "" {
		dir = "/tmp/djnewer"
	}
	var paths []string
	switch v {
	case "3.2":
	case "4.2", "5.2":
		paths = []string{
			filepath.Join(dir, v, "root/usr/lib/python3/dist-packages"),
			filepath.Join(dir, "asgiref-3.8/usr/lib/python3/dist-packages"),
		}
	case "6.1":
		paths = []string{
			filepath.Join(dir, "py311shim"),
			filepath.Join(dir, v, "root/usr/lib/python3/dist-packages"),
			filepath.Join(dir, "asgiref-3.12/usr/lib/python3/dist-packages"),
			filepath.Join(dir, "extras-6.1/python3-redis/usr/lib/python3/dist-packages"),
			filepath.Join(dir, "extras-6.1/python3-psycopg/usr/lib/python3/dist-packages"),
			filepath.Join(dir, "extras-6.1/python3-typing-extensions/usr/lib/python3/dist-packages"),
		}
	default:
		return Django{}, false
	}
	if len(paths) > 0 {
		if _, err := os.Stat(paths[len(paths)-1]); err != nil {
			return Django{}, false
		}
		if _, err := os.Stat(paths[0]); err != nil {
			return Django{}, false
		}
	}
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PYTHONPATH=") {
			env = append(env, kv)
		}
	}
	if len(paths) > 0 {
		env = append(env, "PYTHONPATH="+strings.Join(paths, ":"))
	}
	return Django{Version: v, Python: python(), Env: env}, true
}

// Run runs the Python program script (a file path) under this Django with
// args, feeding stdin, and returns its standard output. A non-zero exit
// fails the test with the program's standard error.
func (d Django) Run(t testing.TB, script string, stdin []byte, args ...string) []byte {
	t.Helper()
	out, err := d.Output(script, stdin, args...)
	if err != nil {
		t.Fatalf("django %s: %s %v: %v", d.Version, script, args, err)
	}
	return out
}

// Output is Run without a testing.TB: it returns the error (with the
// program's standard error in its text) instead of failing.
func (d Django) Output(script string, stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.Command(d.Python, append([]string{script}, args...)...)
	cmd.Env = d.Env
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, &runError{err: err, stderr: stderr.String()}
	}
	return out, nil
}

type runError struct {
	err    error
	stderr string
}

func (e *runError) Error() string { return e.err.Error() + "\n" + e.stderr }
