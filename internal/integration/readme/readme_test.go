package readme_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const root = "../../.."

// block is one fenced code block of README.md.
type block struct {
	lang string
	text string
	line int
}

func readmeBlocks(t *testing.T) []block {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var bs []block
	var cur *block
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(l, "```"):
			cur = &block{lang: strings.TrimPrefix(l, "```"), line: n}
		case cur != nil && l == "```":
			bs = append(bs, *cur)
			cur = nil
		case cur != nil:
			cur.text += l + "\n"
		}
	}
	if cur != nil {
		t.Fatalf("README.md:%d: unterminated code block", cur.line)
	}
	return bs
}

func needGo(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds programs: not in -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	return goBin
}

// loggedInRow is a live, JSON-serialized session with a user from
// testdata/sessions_db.sqlite3 (as sessions_db_expect.json describes it).
func loggedInRow(t *testing.T) (key, user string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "testdata/sessions_db_expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Rows []struct {
			Key, Kind, Format string
			Expired           bool
			User              *string
		}
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.Rows {
		if r.Kind == "json" && r.Format == "current" && !r.Expired && r.User != nil {
			return r.Key, *r.User
		}
	}
	t.Fatal("no live JSON session with a user in sessions_db_expect.json")
	return "", ""
}

// program wraps README's three Go snippets: the quick start (signing), the
// db store and the login-protected route. A fourth snippet needs its own
// scaffolding here.
const program = `package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/python/pyjson"
	_ "modernc.org/sqlite"
	%[1]s
)

var (
	_ = errors.Is
	_ = time.Hour
)

func main() {
	dbPath, secretKey, sessionKey := os.Args[1], os.Args[2], os.Args[3]
	quickStart(secretKey)

	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	cookie := &http.Cookie{Name: "sessionid", Value: sessionKey}
	// ---- README: reading a Django session
	%[3]s
	// ----
	fmt.Println("uid:", uid, err)

	// ---- README: a Go route behind Django's login
	%[4]s
	// ----
	// A user, and a login made through the same Auth, then the route with
	// that session's cookie and with an unknown one.
	for _, q := range []string{
		"CREATE TABLE auth_user (id integer PRIMARY KEY, password varchar(128) NOT NULL, is_active bool NOT NULL, last_login datetime NULL)",
		"INSERT INTO auth_user (id, password, is_active) VALUES (7, 'pbkdf2_sha256$600000$readme$aGFzaA==', 1)",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			log.Fatal(err)
		}
	}
	s := engine.New()
	if err := au.Login(ctx, s, "7", ""); err != nil {
		log.Fatal(err)
	}
	if err := s.Save(ctx); err != nil {
		log.Fatal(err)
	}
	for _, key := range []string{s.Key(), "nosuchsession0000000000000000000"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/go/", nil)
		req.AddCookie(&http.Cookie{Name: "sessionid", Value: key})
		http.DefaultServeMux.ServeHTTP(rec, req)
		fmt.Printf("GET /go/: %%d %%s", rec.Code, rec.Body)
	}
}

func quickStart(secretKey string) {
	// ---- README: quick start
	%[2]s
	// ----
	js, _ := pyjson.Marshal(v)
	fmt.Printf("loads: %%s %%v\n", js, err)
}
`

// TestGoSnippets builds README's Go snippets into one program and runs it
// on a copy of testdata/sessions_db.sqlite3.
func TestGoSnippets(t *testing.T) {
	goBin := needGo(t)
	var snippets []string
	var imports []string
	for _, b := range readmeBlocks(t) {
		if b.lang != "go" {
			continue
		}
		var body []string
		for _, l := range strings.Split(b.text, "\n") {
			if strings.HasPrefix(l, "import ") {
				imports = append(imports, strings.TrimPrefix(l, "import "))
				continue
			}
			body = append(body, l)
		}
		snippets = append(snippets, strings.Join(body, "\n"))
	}
	if len(snippets) != 3 {
		t.Fatalf("README.md has %d Go snippets; the program here wraps 3: give a new one its scaffolding", len(snippets))
	}
	src := fmt.Sprintf(program, strings.Join(imports, "\n\t"), snippets[0], snippets[1], snippets[2])

	tmp := t.TempDir()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	// The program is laid over a directory of this module that does not
	// exist (go build -overlay), so it builds with the module's
	// dependencies and leaves nothing in the tree.
	mainGo := filepath.Join(tmp, "main.go")
	if err := os.WriteFile(mainGo, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{
		filepath.Join(abs, "internal/integration/readme/testdata/snippets/main.go"): mainGo}})
	overlayFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o600); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(tmp, "snippets")
	build := exec.Command(goBin, "build", "-overlay="+overlayFile, "-o", bin, "./internal/integration/readme/testdata/snippets")
	build.Dir = abs
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("README's Go snippets do not compile:\n%s\nprogram:\n%s", out, numbered(src))
	}

	db, err := os.ReadFile(filepath.Join(root, "testdata/sessions_db.sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(tmp, "sessions.sqlite3")
	if err := os.WriteFile(dbPath, db, 0o600); err != nil {
		t.Fatal(err)
	}
	secret, err := os.ReadFile(filepath.Join(root, "testdata/sessions_db_secret_key.txt"))
	if err != nil {
		t.Fatal(err)
	}
	key, user := loggedInRow(t)
	cmd := exec.Command(bin, dbPath, strings.TrimSpace(string(secret)), key)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("README's Go snippets: %v\n%s", err, out)
	}
	want := "loads: {\"user\":42} <nil>\n" +
		"uid: " + user + " <nil>\n" +
		"GET /go/: 200 hello, user 7\n" +
		"GET /go/: 403 not logged in\n"
	if string(out) != want {
		t.Fatalf("README's Go snippets printed\n%s\nwant\n%s", out, want)
	}
}

func numbered(src string) string {
	var b strings.Builder
	for i, l := range strings.Split(src, "\n") {
		fmt.Fprintf(&b, "%4d  %s\n", i+1, l)
	}
	return b.String()
}

var synopsis = regexp.MustCompile(`^djsession ((?:[a-z-]+\|)*[a-z-]+)(?: ((?:[a-z-]+\|)*[a-z-]+))?\s+#`)

// TestShellSnippets runs README's set-up command as written, and checks
// that every command the CLI synopsis names exists (its --help names it).
func TestShellSnippets(t *testing.T) {
	goBin := needGo(t)
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "djsession")
	build := exec.Command(goBin, "build", "-o", bin, "./cmd/djsession")
	build.Dir = abs
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/djsession: %v\n%s", err, out)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "GOCACHE=" + goEnv(t, goBin, "GOCACHE"),
		"GOMODCACHE=" + goEnv(t, goBin, "GOMODCACHE"), "GOFLAGS=" + os.Getenv("GOFLAGS"), "GOTOOLCHAIN=local"}
	key, _ := loggedInRow(t)
	ran := 0
	for _, b := range readmeBlocks(t) {
		if b.lang != "sh" {
			continue
		}
		for _, l := range strings.Split(strings.TrimSpace(b.text), "\n") {
			switch {
			case l == "go test github.com/djsession/djsession/...":
				// CI runs exactly this; running it here would recurse.
			case l == "go install ./cmd/djsession":
				// Run as written, from the repository root, installing
				// into a temporary GOBIN.
				gobin := filepath.Join(tmp, "gobin")
				cmd := exec.Command("sh", "-c", l)
				cmd.Dir, cmd.Env = abs, append(env, "GOBIN="+gobin)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("README.md:%d: %s: %v\n%s", b.line, l, err, out)
					continue
				}
				out, err := exec.Command(filepath.Join(gobin, "djsession"), "--help").CombinedOutput()
				if err != nil || !strings.Contains(string(out), "\nUsage:\n  djsession ") {
					t.Errorf("README.md:%d: %s: the installed djsession: %v\n%s", b.line, l, err, out)
				}
				ran++
			case strings.HasPrefix(l, "go run ./cmd/djsession "):
				// Run as written, from the repository root, without a
				// DATABASE_URL or DJANGO_SECRET_KEY from the environment.
				cmd := exec.Command("sh", "-c", l)
				cmd.Dir, cmd.Env = abs, env
				out, err := cmd.CombinedOutput()
				if err != nil || !strings.Contains(string(out), key) {
					t.Errorf("README.md:%d: %s: %v\n%s", b.line, l, err, out)
				}
				ran++
			case strings.HasPrefix(l, "djsession "):
				m := synopsis.FindStringSubmatch(l)
				if m == nil {
					t.Errorf("README.md:%d: synopsis line not understood: %s", b.line, l)
					continue
				}
				for _, cmd := range strings.Split(m[1], "|") {
					subs := []string{""}
					if m[2] != "" {
						subs = strings.Split(m[2], "|")
					}
					for _, sub := range subs {
						path := strings.TrimSpace(cmd + " " + sub)
						c := exec.Command(bin, append(strings.Fields(path), "--help")...)
						c.Env = env
						out, err := c.CombinedOutput()
						if err != nil || !strings.Contains(string(out), "\nUsage:\n  djsession "+path+" ") {
							t.Errorf("README.md:%d: djsession %s is not a command: %v\n%s", b.line, path, err, out)
						}
						ran++
					}
				}
			default:
				t.Errorf("README.md:%d: a shell line this test does not know how to check: %s", b.line, l)
			}
		}
	}
	if ran < 10 {
		t.Fatalf("checked %d shell commands; README's blocks went missing", ran)
	}
}

func goEnv(t *testing.T, goBin, name string) string {
	t.Helper()
	out, err := exec.Command(goBin, "env", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}
