package djangosession_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // America/Chicago on any machine

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/filestore"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
)

// peer is a running testdata/session_interop.py under one Django release,
// answering one JSON line per command.
type peer struct {
	t   *testing.T
	in  io.WriteCloser
	out *bufio.Scanner
	cmd *exec.Cmd
	now time.Time
}

func startPeer(t *testing.T, d testenv.Django, cfg map[string]any) *peer {
	t.Helper()
	cmd := exec.Command(d.Python, "testdata/session_interop.py")
	cmd.Env = d.Env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &peer{t: t, in: in, out: bufio.NewScanner(out), cmd: cmd}
	p.out.Buffer(make([]byte, 0, 1<<20), 16<<20)
	t.Cleanup(func() {
		in.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("django %s peer: %v\n%s", d.Version, err, stderr.String())
		}
	})
	b, _ := json.Marshal(cfg)
	if _, err := fmt.Fprintf(in, "%s\n", b); err != nil {
		t.Fatal(err)
	}
	return p
}

// call sends one command (frozen at p.now unless it says otherwise) and
// decodes the answer into out.
func (p *peer) call(out any, cmd map[string]any) {
	p.t.Helper()
	if _, ok := cmd["now"]; !ok {
		cmd["now"] = float64(p.now.UnixMicro()) / 1e6
	}
	b, err := json.Marshal(cmd)
	if err != nil {
		p.t.Fatal(err)
	}
	if _, err := fmt.Fprintf(p.in, "%s\n", b); err != nil {
		p.t.Fatal(err)
	}
	if !p.out.Scan() {
		p.t.Fatalf("django peer closed its output: %v", p.out.Err())
	}
	var e struct {
		Error string `json:"error"`
		Trace string `json:"trace"`
	}
	line := p.out.Bytes()
	if json.Unmarshal(line, &e) == nil && e.Error != "" {
		p.t.Fatalf("django %v: %s\n%s", cmd["op"], e.Error, e.Trace)
	}
	if err := json.Unmarshal(line, out); err != nil {
		p.t.Fatalf("%s: %v", line, err)
	}
}

type fileRead struct {
	Data         string          `json:"data"`
	KeyAfter     string          `json:"key_after"`
	Age          json.Number     `json:"age"`
	BrowserClose bool            `json:"browser_close"`
	Expiry       json.RawMessage `json:"expiry"`
}

// interopData has the value shapes a session holds, as JSON text.
const interopData = `{"unicode":"h\u00e9llo w\u00f6rld \u2713 \ud83d\ude00 \u2028 <>&","nested":{"a":[1,{"b":null}],"e":{}},` +
	`"big":1267650600228229401496703205376,"neg":-1180591620717411303424,"i64":9223372036854775807,` +
	`"floats":[1.0,1e-05,1e+16,-0.0,0.1,3.141592653589793,5e-324,1.7976931348623157e+308],` +
	`"t":true,"f":false,"none":null,"empty":"","ctl":"\u0000\t\n\"\\/"}`

// bigData compresses (a cart of 150 lines), so Django reads Go's zlib.
func bigData() string {
	var b strings.Builder
	b.WriteString(`{"cart":{`)
	for i := range 150 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"sku-%d":{"qty":%d,"name":"item number %d"}`, i, i%7, i)
	}
	b.WriteString(`}}`)
	return b.String()
}

const (
	interopKey      = "django-insecure-interop-test-key"
	interopOldKey   = "django-insecure-interop-old-key"
	interopAge      = 3600
	interopTimeZone = "America/Chicago"
)

// TestInteropLive proves the file and signed_cookies engines against each
// real Django release: Django writes, Go reads and updates, Django reads
// the update; and the reverse; with expiry variants, SECRET_KEY_FALLBACKS
// (4.1+) and the signed cookie's max_age boundary. Set DJ_TEST_DJANGO=1.
func TestInteropLive(t *testing.T) {
	for _, d := range testenv.Djangos(t) {
		t.Run(d.Version, func(t *testing.T) {
			dir := t.TempDir()
			p := startPeer(t, d, map[string]any{
				"secret_key": interopKey, "fallback_keys": []string{interopOldKey}, "dir": dir,
				"time_zone": interopTimeZone, "cookie_age": interopAge,
			})
			p.now = time.Now().Truncate(time.Microsecond)
			var ver struct{ Django, Python string }
			p.call(&ver, map[string]any{"op": "version"})
			t.Logf("Django %s on Python %s", ver.Django, ver.Python)
			rel := django.Release(d.Version)
			t.Run("file", func(t *testing.T) { interopFile(t, p, rel, dir) })
			t.Run("signed_cookies", func(t *testing.T) { interopCookies(t, p, rel) })
		})
	}
}

func interopEngine(t *testing.T, p *peer, rel django.Release, dir string, keys ...string) (*djangosession.Engine, *filestore.Store) {
	t.Helper()
	loc, err := time.LoadLocation(interopTimeZone)
	if err != nil {
		t.Fatal(err)
	}
	key := interopKey
	if len(keys) > 0 {
		key = keys[0]
	}
	o := &djangosession.CodecOptions{Settings: django.Settings{SecretKey: key}, RejectLegacy: rel != django.Django32}
	if rel != django.Django32 {
		o.Settings.SecretKeyFallbacks = []string{interopOldKey}
	}
	codec, err := djangosession.NewCodec(o)
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return p.now }
	store, err := filestore.New(&filestore.Options{
		Dir: dir, Codec: codec, CookieAge: interopAge * time.Second, Location: loc, Now: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	return mustEngine(t, store, &djangosession.Options{
		Settings:  django.Settings{Release: rel},
		CookieAge: interopAge * time.Second, Location: loc, Now: clock}), store
}

type expiryVariant struct {
	name   string
	django map[string]any               // set_expiry on the Django side
	goSet  func(*djangosession.Session) // the same on the Go side
	since  django.Release               // first release that can store it
}

var expiryVariants = []expiryVariant{
	{"default", nil, func(*djangosession.Session) {}, django.Django32},
	{"int", map[string]any{"kind": "int", "value": 300}, func(s *djangosession.Session) { s.SetExpiry(300) }, django.Django32},
	{"browser_close", map[string]any{"kind": "int", "value": 0}, func(s *djangosession.Session) { s.SetExpiry(0) }, django.Django32},
	// 3.2 stores a datetime, which its JSON serializer cannot write.
	{"timedelta", map[string]any{"kind": "timedelta", "value": 600.5}, func(s *djangosession.Session) { s.SetExpiryIn(600500 * time.Millisecond) }, django.Django42},
}

func applies(rel, since django.Release) bool {
	return since == django.Django32 || rel != django.Django32
}

func interopFile(t *testing.T, p *peer, rel django.Release, dir string) {
	ctx := context.Background()
	e, store := interopEngine(t, p, rel, dir)
	for _, data := range []struct{ name, json string }{{"shapes", interopData}, {"compressed", bigData()}} {
		for _, ev := range expiryVariants {
			if !applies(rel, ev.since) {
				continue
			}
			t.Run("django_go_django/"+data.name+"/"+ev.name, func(t *testing.T) {
				var w struct{ Key, Content, Data string }
				p.call(&w, map[string]any{"op": "file_write", "data": data.json, "expiry": ev.django})
				s := mustOpen(t, e, w.Key)
				if s.Key() != w.Key || s.LoadError() != nil {
					t.Fatalf("Open(Django's session): key %q, %v", s.Key(), s.LoadError())
				}
				if got := dump(t, s.Data()); got != w.Data {
					t.Fatalf("Go read\n%s\nDjango wrote\n%s", got, w.Data)
				}
				var r fileRead
				p.call(&r, map[string]any{"op": "file_read", "key": w.Key})
				if age, _ := r.Age.Int64(); age != s.ExpiryAge() || r.BrowserClose != s.ExpireAtBrowserClose() {
					t.Fatalf("expiry: Go age %d close %v; Django %s %v", s.ExpiryAge(), s.ExpireAtBrowserClose(), r.Age, r.BrowserClose)
				}
				s.Set("go", "was here \u2713")
				nested, _ := s.Get("nested")
				if o, ok := nested.(*pyjson.Object); ok {
					o.Set("go", []any{int64(1), 2.5})
					s.SetModified()
				}
				if err := s.Save(ctx); err != nil {
					t.Fatal(err)
				}
				p.call(&r, map[string]any{"op": "file_read", "key": w.Key})
				if r.KeyAfter != "same" || r.Data != dump(t, s.Data()) {
					t.Fatalf("Django read back (%s)\n%s\nGo wrote\n%s", r.KeyAfter, r.Data, dump(t, s.Data()))
				}
			})
			t.Run("go_django_go/"+data.name+"/"+ev.name, func(t *testing.T) {
				s := e.New()
				s.Update(obj(t, data.json))
				ev.goSet(s)
				if err := s.Save(ctx); err != nil {
					t.Fatal(err)
				}
				var r fileRead
				p.call(&r, map[string]any{"op": "file_read", "key": s.Key()})
				if r.KeyAfter != "same" || r.Data != dump(t, s.Data()) {
					t.Fatalf("Django read (%s)\n%s\nGo wrote\n%s", r.KeyAfter, r.Data, dump(t, s.Data()))
				}
				if age, _ := r.Age.Int64(); age != s.ExpiryAge() || r.BrowserClose != s.ExpireAtBrowserClose() {
					t.Fatalf("expiry: Go age %d close %v; Django %s %v", s.ExpiryAge(), s.ExpireAtBrowserClose(), r.Age, r.BrowserClose)
				}
				var u struct{ Data, KeyAfter string }
				p.call(&u, map[string]any{"op": "file_update", "key": s.Key(), "set": `{"django":"was here","n":[1,2]}`})
				got := mustOpen(t, e, s.Key())
				if got.LoadError() != nil {
					t.Fatalf("Open after Django's update: %v", got.LoadError())
				}
				if d := dump(t, got.Data()); d != u.Data {
					t.Fatalf("Go read\n%s\nDjango wrote\n%s", d, u.Data)
				}
			})
		}
	}

	age := time.Duration(interopAge) * time.Second
	t.Run("mtime_expiry_go_to_django", func(t *testing.T) {
		s := e.New()
		s.Set("a", int64(1))
		if err := s.Save(ctx); err != nil {
			t.Fatal(err)
		}
		old := p.now.Add(-age - 10*time.Second)
		if err := os.Chtimes(filepath.Join(dir, "sessionid"+s.Key()), old, old); err != nil {
			t.Fatal(err)
		}
		var r fileRead
		p.call(&r, map[string]any{"op": "file_read", "key": s.Key()})
		if r.KeyAfter != "new" || r.Data != "{}" {
			t.Fatalf("Django kept an expired session: %s %s", r.KeyAfter, r.Data)
		}
	})
	t.Run("mtime_expiry_django_to_go", func(t *testing.T) {
		var w struct{ Key string }
		p.call(&w, map[string]any{"op": "file_write", "data": `{"a":1}`})
		path := filepath.Join(dir, "sessionid"+w.Key)
		if err := os.Chtimes(path, p.now.Add(-age+time.Minute), p.now.Add(-age+time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Load(ctx, w.Key); err != nil {
			t.Fatalf("a minute left: %v", err)
		}
		if err := os.Chtimes(path, p.now.Add(-age), p.now.Add(-age)); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Load(ctx, w.Key); !errors.Is(err, djangosession.ErrNotFound) {
			t.Fatalf("expired: %v", err)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Fatal("expired file not removed")
		}
	})
	t.Run("int_expiry_never_expires", func(t *testing.T) {
		var w struct{ Key string }
		p.call(&w, map[string]any{"op": "file_write", "data": `{"a":1}`, "expiry": map[string]any{"kind": "int", "value": 300}})
		old := p.now.Add(-100 * age)
		if err := os.Chtimes(filepath.Join(dir, "sessionid"+w.Key), old, old); err != nil {
			t.Fatal(err)
		}
		var r fileRead
		p.call(&r, map[string]any{"op": "file_read", "key": w.Key})
		if _, err := store.Load(ctx, w.Key); err != nil || r.KeyAfter != "same" {
			t.Fatalf("Go: %v; Django: %s", err, r.KeyAfter)
		}
	})
	if rel != django.Django32 {
		t.Run("naive_expiry", func(t *testing.T) {
			var w struct{ Key, Data string }
			p.call(&w, map[string]any{"op": "file_write", "data": `{"a":1}`, "use_tz": false,
				"expiry": map[string]any{"kind": "timedelta", "value": 86400.25}})
			cfg := e.Options() // USE_TZ = False, TIME_ZONE America/Chicago
			cfg.NaiveTime = true
			s := mustOpen(t, mustEngine(t, e.Store(), &cfg), w.Key)
			var r fileRead
			p.call(&r, map[string]any{"op": "file_read", "key": w.Key, "use_tz": false})
			exp, _ := s.Get(djangosession.ExpiryKey)
			if age, _ := r.Age.Int64(); age != s.ExpiryAge() || strings.Contains(fmt.Sprint(exp), "+") {
				t.Fatalf("naive expiry %v: Go age %d, Django %s", exp, s.ExpiryAge(), r.Age)
			}
		})
	}
	t.Run("compressed_session_data", func(t *testing.T) {
		// Go's zlib output, read by Django's decode.
		s := e.New()
		s.Update(obj(t, bigData()))
		if err := s.Save(ctx); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "sessionid"+s.Key()))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), ".") {
			t.Fatalf("not compressed: %.40s", b)
		}
		var r struct{ Data, Type string }
		p.call(&r, map[string]any{"op": "decode", "session_data": string(b)})
		if r.Data != dump(t, s.Data()) {
			t.Fatal("Django decoded something else")
		}
	})
	t.Run("fallback_key", func(t *testing.T) {
		// A Go service still on the old key writes; Django, rotated to the
		// new key with the old one in SECRET_KEY_FALLBACKS, reads (4.1+).
		old, _ := interopEngine(t, p, rel, dir, interopOldKey)
		s := old.New()
		s.Set("a", int64(1))
		if err := s.Save(ctx); err != nil {
			t.Fatal(err)
		}
		var r fileRead
		p.call(&r, map[string]any{"op": "file_read", "key": s.Key()})
		want := `{"a":1}`
		if rel == django.Django32 {
			want = "{}" // no SECRET_KEY_FALLBACKS before 4.1
		}
		if r.Data != want || r.KeyAfter != "same" {
			t.Fatalf("Django %s read %s (%s), want %s", rel, r.Data, r.KeyAfter, want)
		}
	})
}

func interopCookies(t *testing.T, p *peer, rel django.Release) {
	ctx := context.Background()
	newEngine := func(key string, now func() time.Time) *djangosession.Engine {
		o := &cookiestore.Options{Settings: django.Settings{SecretKey: key}, CookieAge: interopAge * time.Second, Now: now}
		if rel == django.Django32 {
			o.LegacySHA1 = true
		} else {
			o.Settings.SecretKeyFallbacks = []string{interopOldKey}
		}
		store, err := cookiestore.New(o)
		if err != nil {
			t.Fatal(err)
		}
		return mustEngine(t, store, &djangosession.Options{Settings: django.Settings{Release: rel}, CookieAge: interopAge * time.Second, Now: now})
	}
	clock := func() time.Time { return p.now }
	e := newEngine(interopKey, clock)
	for _, data := range []struct{ name, json string }{{"shapes", interopData}, {"compressed", bigData()}} {
		t.Run("django_go_django/"+data.name, func(t *testing.T) {
			var c struct{ Cookie string }
			p.call(&c, map[string]any{"op": "cookie_sign", "data": data.json, "expiry": map[string]any{"kind": "int", "value": 60}})
			s := mustOpen(t, e, c.Cookie)
			if s.LoadError() != nil || s.Modified() {
				t.Fatalf("Open(Django's cookie): %v, modified %v", s.LoadError(), s.Modified())
			}
			s.Set("go", "was here")
			if err := s.Save(ctx); err != nil {
				t.Fatal(err)
			}
			var r struct {
				Data     string
				Modified bool
				Key      string
			}
			p.call(&r, map[string]any{"op": "cookie_load", "cookie": s.Key()})
			if r.Data != dump(t, s.Data()) || r.Modified || r.Key != "same" {
				t.Fatalf("Django read Go's cookie as %.200s (modified %v, key %s)", r.Data, r.Modified, r.Key)
			}
		})
		t.Run("go_django_go/"+data.name, func(t *testing.T) {
			s := e.New()
			s.Update(obj(t, data.json))
			if err := s.Save(ctx); err != nil {
				t.Fatal(err)
			}
			var u struct{ Cookie, Data string }
			p.call(&u, map[string]any{"op": "cookie_update", "cookie": s.Key(), "set": `{"django":"was here"}`})
			got := mustOpen(t, e, u.Cookie)
			if got.LoadError() != nil {
				t.Fatalf("Open(Django's update): %v", got.LoadError())
			}
			if d := dump(t, got.Data()); d != u.Data {
				t.Fatalf("Go read %.200s\nDjango wrote %.200s", d, u.Data)
			}
		})
	}
	t.Run("max_age_boundary", func(t *testing.T) {
		signedAt := p.now.Truncate(time.Second) // the timestamp holds whole seconds
		s := e.New()
		s.Set("a", int64(1))
		if err := s.Save(ctx); err != nil {
			t.Fatal(err)
		}
		var d struct{ Cookie string }
		p.call(&d, map[string]any{"op": "cookie_sign", "data": `{"a":1}`})
		for _, c := range []struct {
			after   time.Duration
			expired bool
		}{
			{interopAge * time.Second, false},
			{interopAge*time.Second + 500*time.Millisecond, true},
			{interopAge*time.Second + time.Second, true},
		} {
			at := signedAt.Add(c.after)
			var r struct {
				Data     string
				Modified bool
			}
			p.call(&r, map[string]any{"op": "cookie_load", "cookie": s.Key(), "now": float64(at.UnixMicro()) / 1e6})
			if r.Modified != c.expired {
				t.Errorf("Django at +%v: modified %v, want expired=%v", c.after, r.Modified, c.expired)
			}
			got := mustOpen(t, newEngine(interopKey, func() time.Time { return at }), d.Cookie)
			if expired := errors.Is(got.LoadError(), djangosession.ErrNotFound); expired != c.expired {
				t.Errorf("Go at +%v: %v, want expired=%v", c.after, got.LoadError(), c.expired)
			}
		}
	})
	t.Run("fallback_keys", func(t *testing.T) {
		// Django signs with the old key; Go, rotated, reads it (4.1+).
		var d struct{ Cookie string }
		p.call(&d, map[string]any{"op": "cookie_sign", "data": `{"a":1}`, "key": interopOldKey})
		got := mustOpen(t, e, d.Cookie)
		if ok := got.LoadError() == nil; ok != (rel != django.Django32) {
			t.Fatalf("Go (%s rules) on an old-key cookie: %v", rel, got.LoadError())
		}
		// Go still on the old key signs; Django, rotated, reads it (4.1+).
		old := newEngine(interopOldKey, clock)
		s := old.New()
		s.Set("a", int64(1))
		if err := s.Save(ctx); err != nil {
			t.Fatal(err)
		}
		var r struct {
			Data     string
			Modified bool
		}
		p.call(&r, map[string]any{"op": "cookie_load", "cookie": s.Key()})
		if accepted := !r.Modified && r.Data == `{"a":1}`; accepted != (rel != django.Django32) {
			t.Fatalf("Django %s on an old-key cookie: %s, modified %v", rel, r.Data, r.Modified)
		}
	})
}
