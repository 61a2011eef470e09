package modcheck_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const root = "../.."

func needGo(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the go command: not in -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	return goBin
}

// goCmd runs the go command in dir with the workspace off and -mod=mode,
// and returns its output.
func goCmd(t *testing.T, goBin, dir, mode string, args ...string) string {
	t.Helper()
	cmd := exec.Command(goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod="+mode)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

// foreign returns the modules of a `go list -m all` listing other than the
// djsession root and golang.org/x/ ones.
func foreign(list string, self ...string) []string {
	var bad []string
	for _, l := range strings.Split(strings.TrimSpace(list), "\n") {
		path, _, _ := strings.Cut(l, " ")
		if path == "github.com/djsession/djsession" || strings.HasPrefix(path, "golang.org/x/") {
			continue
		}
		ok := false
		for _, s := range self {
			ok = ok || path == s
		}
		if !ok {
			bad = append(bad, l)
		}
	}
	return bad
}

// TestRootRequiresXOnly: the root module's whole module graph (what a
// service that requires it downloads and lists) is golang.org/x/ only, and
// its packages and tests build from that graph alone: a root test that
// imports a driver or a store module, which go.work would let build,
// fails here.
func TestRootRequiresXOnly(t *testing.T) {
	goBin := needGo(t)
	goCmd(t, goBin, root, "readonly", "list", "-test", "-deps", "./...")
	if bad := foreign(goCmd(t, goBin, root, "readonly", "list", "-m", "all")); len(bad) > 0 {
		t.Fatalf("the root module needs modules outside golang.org/x/ (move what imports them to a module of its own, see README's Set-up):\n%s",
			strings.Join(bad, "\n"))
	}
}

// TestConsumer: a module that imports signing, hashers and djangosession
// through the root module gets no other module.
func TestConsumer(t *testing.T) {
	goBin := needGo(t)
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/consumer\n\ngo 1.26.0\n\nrequire github.com/djsession/djsession v0.0.0\n\n" +
			"replace github.com/djsession/djsession => " + abs + "\n",
		"main.go": `package main

import (
	"fmt"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/hashers"
	"github.com/djsession/djsession/signing"
)

func main() { fmt.Println(djangosession.ErrNotFound, hashers.ErrUnknownAlgorithm, signing.ErrBadSignature) }
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	goCmd(t, goBin, dir, "mod", "mod", "tidy")
	goCmd(t, goBin, dir, "mod", "build", "-o", filepath.Join(dir, "consumer"), ".")
	list := goCmd(t, goBin, dir, "mod", "list", "-m", "all")
	if bad := foreign(list, "example.com/consumer"); len(bad) > 0 {
		t.Fatalf("a module importing signing, hashers and djangosession gets:\n%s", strings.Join(bad, "\n"))
	}
	t.Logf("go list -m all:\n%s", list)
}
