package testenv

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var portLine = regexp.MustCompile(`PORT (\d+)`)

// StartDjangoApp runs script (a Django site that prints "PORT <n>" on
// its first line, as testdata/http_django/djapp.py does) under d with the
// environment variables env ("K=V") set through t.Setenv, and returns its
// host:port. The process is stopped when the test ends. Tests using it
// cannot run in parallel.
func StartDjangoApp(t *testing.T, d Django, script string, env ...string) string {
	t.Helper()
	for _, kv := range append(append([]string{}, d.Env...), env...) {
		k, v, ok := strings.Cut(kv, "=")
		if ok && (k == "PYTHONPATH" || strings.HasPrefix(k, "DJ_")) {
			t.Setenv(k, v)
		}
	}
	abs, err := filepath.Abs(script)
	if err != nil {
		t.Fatal(err)
	}
	p := Launch(t, "django "+d.Version, d.Python, abs, "serve")
	for range 1200 {
		if m := portLine.FindStringSubmatch(p.Output()); m != nil {
			return "127.0.0.1:" + m[1]
		}
		if p.Exited() {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("django %s did not start:\n%s", d.Version, p.Output())
	return ""
}
