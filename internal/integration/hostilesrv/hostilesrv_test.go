package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cachestore/gomemcache"
	"github.com/djsession/djsession/djangosession/cachestore/goredis"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
	"github.com/djsession/djsession/signing"
)

// The caps the server runs under. Go's runtime needs about 700 MiB of
// address space to start at all (it reserves its page summaries), so the
// hard cap (prlimit --as) is 1 GiB; GOMEMLIMIT keeps the heap well under
// it. The server is built without cgo: a cgo thread reserves an 8 MiB
// stack, and a few of them would fail under the cap. The peak resident
// set (VmHWM) must stay under capRSS.
//
// Before the decoders were bounded, one planted 1 MB pickle (a 1 MB str
// referred to 2,000 times) cost 2 GB on its save, far past both caps.
// Checked once by hand: this server built with python/pickle as it was
// before MaxExpanded (a4a8aa3), on Redis with a logged-in pickle sharing a
// 1 MB str 2,000 times, died on the first request ("fatal error: out of
// memory"); built from this tree it answered 302 at a peak RSS of 12 MiB.
const (
	capAddressSpace = 1 << 30
	capGoMemLimit   = "192MiB"
	capRSS          = 320 << 20
	// memcachedItemMax is memcached's default item size limit (-I 1m).
	memcachedItemMax = 1<<20 - 1024
)

// buildServer compiles this package into a temporary directory.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hostilesrv")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// request is one request of the run and the statuses it may get.
type request struct {
	name   string
	cookie string // the sessionid value; none when empty
	want   []int
}

// wantFor is what the server must answer for a sessionid value: 400 when
// net/http refuses the header (control characters), 431 when the header
// is over http.DefaultMaxHeaderBytes, else 302 (no logged-in session: the
// hostile value is "no session") or 200 for a session that logs a user in.
func wantFor(cookie string, loggedIn bool) []int {
	switch {
	case len(cookie) > http.DefaultMaxHeaderBytes:
		return []int{http.StatusRequestHeaderFieldsTooLarge}
	case strings.ContainsFunc(cookie, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }):
		return []int{http.StatusBadRequest}
	case loggedIn:
		return []int{http.StatusOK}
	}
	return []int{http.StatusFound}
}

// send writes one HTTP/1.1 request on its own connection (raw, so that
// hostile bytes reach the server as they are) and returns the status.
func send(addr, cookie string) (int, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	var b bytes.Buffer
	b.WriteString("GET / HTTP/1.1\r\nHost: hostile.test\r\n")
	if cookie != "" {
		b.WriteString("Cookie: sessionid=" + cookie + "\r\n")
	}
	b.WriteString("Connection: close\r\n\r\n")
	// Write while reading: a server refusing an 8 MB header answers 431
	// and closes before it has read it all.
	go c.Write(b.Bytes())
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// vmHWM returns the peak resident set of pid, from /proc.
func vmHWM(t *testing.T, pid int) uint64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("server gone: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// loggedInPickle is a session dict logging user 1 in that also holds a
// list of refs references to one memoized str of size bytes: a valid
// session (its expansion is under pickle.MaxExpanded) whose save must keep
// the references shared.
func loggedInPickle(size, refs int) []byte {
	var b bytes.Buffer
	b.WriteString("\x80\x04}\x94(\x8c\x0d_auth_user_id\x94\x8c\x011\x94\x8c\x01k\x94]\x94(\x8d") // memo 0-4
	b.Write(binary.LittleEndian.AppendUint64(nil, uint64(size)))
	b.Write(bytes.Repeat([]byte("A"), size))
	b.WriteByte(0x94) // the str is memo 5
	for range refs - 1 {
		b.WriteString("j\x05\x00\x00\x00") // LONG_BINGET 5
	}
	b.WriteString("eu.")
	return b.Bytes()
}

// sessionCorpus is what a session_data column or file may hold:
// testdata/hostile/stores/values and testdata/hostile/session (signed
// with the server's key) as hostile values, and a session logging a user
// in ("login-*").
func sessionCorpus(t *testing.T, secret string) map[string][]byte {
	t.Helper()
	ts, err := signing.NewTimestampSigner(&signing.Options{Key: secret, Salt: djangosession.KeySalt(djangosession.DefaultClassName)})
	if err != nil {
		t.Fatal(err)
	}
	lk, err := signing.NewSaltedKey(signing.SHA1, "django.contrib.sessions"+djangosession.DefaultClassName, secret)
	if err != nil {
		t.Fatal(err)
	}
	out := storetest.Corpus(t, "values")
	for name, v := range storetest.SignedCorpus(t, "session", ts, lk) {
		out["session/"+name] = []byte(v)
	}
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: secret}})
	if err != nil {
		t.Fatal(err)
	}
	login := &pyjson.Object{}
	login.Set("_auth_user_id", "1")
	enc, err := codec.Encode(login)
	if err != nil {
		t.Fatal(err)
	}
	out["login-session"] = []byte(enc)
	return out
}

// cacheCorpus is what a cache may hold under a session key: the pickle
// corpus (storetest.PickleCorpus, with the 1 MB str x 2,000 laugh),
// testdata/hostile/stores/values, and sessions logging a user in, one of
// which shares a 64 KiB str 250 times (16 MB once expanded).
func cacheCorpus(t *testing.T, maxItem int) map[string][]byte {
	t.Helper()
	out := storetest.Corpus(t, "values")
	for name, p := range storetest.PickleCorpus(t) {
		out["pickle/"+name] = p
	}
	out["login-shared-64KiB-x250"] = loggedInPickle(64<<10, 250)
	out["login-plain"] = loggedInPickle(8, 1)
	for name, v := range out {
		if maxItem > 0 && len(v) > maxItem {
			delete(out, name)
		}
	}
	return out
}

// cookieCorpus is what a visitor may send as sessionid: every hostile
// key, every hostile stored value, and for signed_cookies
// testdata/hostile/{cookies,session} signed with the server's key now (so
// that the age check and the payload are reached), an 8 MB cookie, and a
// cookie logging a user in.
func cookieCorpus(t *testing.T, secret string, signed bool) map[string]string {
	t.Helper()
	out := map[string]string{"none": "", "generated-8MB": strings.Repeat("a", 8<<20)}
	for _, dir := range []string{"keys", "values"} {
		for name, v := range storetest.Corpus(t, dir) {
			out[dir+"/"+name] = string(v)
		}
	}
	if !signed {
		return out
	}
	ts, err := signing.NewTimestampSigner(&signing.Options{Key: secret, Salt: cookiestore.Salt})
	if err != nil {
		t.Fatal(err)
	}
	const corpusTime = ":1r31eq" // the corpus's timestamp: re-sign at the current time
	for _, dir := range []string{"cookies", "session"} {
		for name, b := range storetest.HostileFiles(t, dir) {
			v := string(b)
			switch kind := strings.TrimPrefix(name, "ok-"); {
			case strings.HasPrefix(kind, "signed-") && strings.HasSuffix(v, corpusTime):
				v = ts.Sign(strings.TrimSuffix(v, corpusTime))
			case strings.HasPrefix(kind, "signed-"):
				v = ts.Signer().Sign(v)
			case strings.HasPrefix(kind, "legacy-"):
				continue // no cookie was ever in the legacy session format
			}
			out[dir+"/"+name] = v
		}
	}
	cs, err := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: secret}})
	if err != nil {
		t.Fatal(err)
	}
	login := &pyjson.Object{}
	login.Set("_auth_user_id", "1")
	if out["login-cookie"], err = cs.Sign(login); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHostileServe runs the server once per store under the caps above,
// plants every hostile value under its own session key, sends a request
// for each, and sends every hostile cookie: every request is answered
// (no dropped connection) with the status the store's table gives (never
// a 500 for what a client sent), the process is the same one at the end,
// and its peak RSS stays under capRSS.
func TestHostileServe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a server")
	}
	prlimit := testenv.Binary(t, "prlimit")
	bin := buildServer(t)
	var rb [16]byte
	rand.Read(rb[:])
	secret := hex.EncodeToString(rb[:])
	t.Setenv(SecretKeyEnv, secret)
	t.Setenv("GOMEMLIMIT", capGoMemLimit)
	ctx := context.Background()

	newSQLite := func(t *testing.T) (string, *sql.DB) {
		path := filepath.Join(t.TempDir(), "sessions.db")
		db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		ddl, err := dbstore.DDL(django.SQLite, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range ddl {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		return path, db
	}
	insertRow := func(t *testing.T, db *sql.DB, key string, raw []byte) {
		if _, err := db.ExecContext(ctx, `INSERT INTO "django_session" VALUES (?, ?, ?)`, key, string(raw), "2099-01-01 00:00:00"); err != nil {
			t.Fatal(err)
		}
	}
	cachePlanter := func(t *testing.T, c cachestore.Client, prefix, enginePrefix string) func(t *testing.T, key string, raw []byte) {
		s, err := cachestore.New(c, &cachestore.Options{KeyPrefix: prefix, EnginePrefix: enginePrefix})
		if err != nil {
			t.Fatal(err)
		}
		return func(t *testing.T, key string, raw []byte) {
			if _, err := s.Client().Set(ctx, &cachestore.Item{Key: s.CacheKey(key), Value: raw, Flags: 1,
				TTL: 2 * time.Minute, Exptime: 120}, cachestore.SetAlways); err != nil {
				t.Fatal(err)
			}
		}
	}
	redisClient := func(t *testing.T) cachestore.Client {
		rc := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
		t.Cleanup(func() { rc.Close() })
		return goredis.New(rc)
	}

	type storeCase struct {
		name string
		// setup returns the server's flags and plants the stored values
		// under fresh keys, returning the requests for them.
		setup func(t *testing.T, prefix string) ([]string, []request)
		// signed says the cookie is the session (signed_cookies).
		signed bool
	}
	// plantAll plants every value under a fresh key and returns a request
	// for each, wanting what want says for its name.
	plantAll := func(t *testing.T, prefix string, values map[string][]byte, plant func(t *testing.T, key string, raw []byte), want func(name string) int) []request {
		var reqs []request
		for name, raw := range values {
			key, err := djangosession.NewKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			plant(t, key, raw)
			reqs = append(reqs, request{name: "planted " + prefix + name, cookie: key, want: []int{want(name)}})
		}
		return reqs
	}
	// Hostile values are no session (302); a session logging a user in
	// gives 200.
	loggedIn := func(name string) int {
		if strings.HasPrefix(name, "login-") || name == "pickle/ok-session.pickle" {
			return http.StatusOK
		}
		return http.StatusFound
	}
	cases := []storeCase{
		{name: "db", setup: func(t *testing.T, _ string) ([]string, []request) {
			path, db := newSQLite(t)
			reqs := plantAll(t, "", sessionCorpus(t, secret), func(t *testing.T, key string, raw []byte) { insertRow(t, db, key, raw) }, loggedIn)
			return []string{"-store", "db", "-sqlite", path}, reqs
		}},
		{name: "file", setup: func(t *testing.T, _ string) ([]string, []request) {
			dir := t.TempDir()
			reqs := plantAll(t, "", sessionCorpus(t, secret), func(t *testing.T, key string, raw []byte) {
				if err := os.WriteFile(filepath.Join(dir, "sessionid"+key), raw, 0o600); err != nil {
					t.Fatal(err)
				}
			}, loggedIn)
			return []string{"-store", "file", "-dir", dir}, reqs
		}},
		{name: "signed_cookies", signed: true, setup: func(t *testing.T, _ string) ([]string, []request) {
			return []string{"-store", "signed_cookies"}, nil
		}},
		{name: "redis", setup: func(t *testing.T, prefix string) ([]string, []request) {
			plant := cachePlanter(t, redisClient(t), prefix, "")
			reqs := plantAll(t, "", cacheCorpus(t, 0), plant, loggedIn)
			return []string{"-store", "redis", "-redis", testenv.RedisAddr(t), "-prefix", prefix}, reqs
		}},
		{name: "memcached", setup: func(t *testing.T, prefix string) ([]string, []request) {
			addr := testenv.MemcachedAddr(t)
			plant := cachePlanter(t, gomemcache.New(memcache.New(addr)), prefix, "")
			reqs := plantAll(t, "", cacheCorpus(t, memcachedItemMax), plant, loggedIn)
			return []string{"-store", "memcached", "-memcached", addr, "-prefix", prefix}, reqs
		}},
		{name: "cached_db", setup: func(t *testing.T, prefix string) ([]string, []request) {
			path, db := newSQLite(t)
			plantCache := cachePlanter(t, redisClient(t), prefix, cachestore.CachedDBPrefix)
			login, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: secret}})
			if err != nil {
				t.Fatal(err)
			}
			row := &pyjson.Object{}
			row.Set("_auth_user_id", "1")
			rowData, err := login.Encode(row)
			if err != nil {
				t.Fatal(err)
			}
			// Every cache value has a database row logging user 1 in: a
			// hostile cache value is a miss, and the row is read (200).
			// A session dict in the cache is read from there: 302
			// without a user; ok-session.pickle logs one in, but holds
			// a bytes value the database's JSON cannot write, so its
			// save fails with 500, as Django's (TypeError) does. That
			// value was planted in the cache, not sent by a client.
			reqs := plantAll(t, "cache/", cacheCorpus(t, 0), func(t *testing.T, key string, raw []byte) {
				plantCache(t, key, raw)
				insertRow(t, db, key, []byte(rowData))
			}, func(name string) int {
				switch name {
				case "pickle/ok-session.pickle":
					return http.StatusInternalServerError
				case "pickle/ok-shared-list.pickle", "pickle/ok-shared-str-x2000.pickle":
					return http.StatusFound
				}
				return http.StatusOK
			})
			// Database rows with no cache entry: read from the database.
			reqs = append(reqs, plantAll(t, "db/", sessionCorpus(t, secret), func(t *testing.T, key string, raw []byte) { insertRow(t, db, key, raw) }, loggedIn)...)
			return []string{"-store", "cached_db", "-sqlite", path, "-redis", testenv.RedisAddr(t), "-prefix", prefix}, reqs
		}},
	}
	for _, sc := range cases {
		t.Run(sc.name, func(t *testing.T) {
			prefix := "djhostilesrv-" + hex.EncodeToString(rb[:4]) + "-" + sc.name
			args, reqs := sc.setup(t, prefix)
			for name, v := range cookieCorpus(t, secret, sc.signed) {
				reqs = append(reqs, request{name: "cookie " + name, cookie: v, want: wantFor(v, name == "login-cookie")})
			}
			sort.Slice(reqs, func(i, j int) bool { return reqs[i].name < reqs[j].name })
			addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
			argv := append([]string{prlimit, fmt.Sprintf("--as=%d", capAddressSpace), "--", bin, "-addr", addr}, args...)
			p := testenv.Start(t, "hostilesrv "+sc.name, addr, argv...)
			pid := p.Pid()
			counts := map[int]int{}
			for _, r := range reqs {
				code, err := send(addr, r.cookie)
				if err != nil {
					t.Fatalf("%s: no answer: %v (server exited: %v)", r.name, err, p.Exited())
				}
				counts[code]++
				if !slices.Contains(r.want, code) {
					t.Errorf("%s (%d bytes): status %d, want %v", r.name, len(r.cookie), code, r.want)
				}
			}
			if p.Exited() || p.Pid() != pid {
				t.Fatalf("server exited:\n%s", p.Output())
			}
			hwm := vmHWM(t, pid)
			t.Logf("%d requests, statuses %v, peak RSS %d MiB (cap %d MiB RSS, %d MiB address space)",
				len(reqs), counts, hwm>>20, capRSS>>20, capAddressSpace>>20)
			if hwm > capRSS {
				t.Errorf("peak RSS %d MiB, over %d MiB", hwm>>20, capRSS>>20)
			}
			if out := p.Output(); strings.Contains(out, "fatal error") || strings.Contains(out, "panic") {
				t.Errorf("server output:\n%s", out)
			}
		})
	}
}
