package messages_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/messages"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/internal/testenv"
)

const (
	testKey = "django-insecure-test-key"
	script  = "../../testdata/messages_interop.py"
)

// add is one add_message call: level, message, extra_tags, safe.
type add struct {
	Level int
	Text  string
	Tags  string
	Safe  bool
}

func (a add) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{a.Level, a.Text, a.Tags, a.Safe})
}

func (a *add) UnmarshalJSON(b []byte) error {
	var v []any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if len(v) != 4 {
		return fmt.Errorf("add: %s", b)
	}
	lvl, _ := v[0].(float64)
	a.Level = int(lvl)
	a.Text, _ = v[1].(string)
	a.Tags, _ = v[2].(string)
	a.Safe, _ = v[3].(bool)
	return nil
}

// request is one request of a scenario, run by Go or by Django.
type request struct {
	Now      float64           `json:"now"`
	Storage  string            `json:"storage"`
	Cookies  map[string]string `json:"cookies,omitempty"`
	Add      []add             `json:"add,omitempty"`
	Read     bool              `json:"read,omitempty"`
	AddAfter []add             `json:"add_after,omitempty"`
}

// result is what a request gave: the messages read as
// [level, message, extra_tags, safe, tags], the Set-Cookie headers by name
// and the cookie values.
type result struct {
	Messages  [][]any           `json:"messages"`
	SetCookie map[string]string `json:"set_cookie"`
	Cookies   map[string]string `json:"cookies"`
	Session   map[string]any    `json:"session"`
	Error     string            `json:"error"`
	Trace     string            `json:"trace"`
}

var storages = map[string]messages.Storage{
	"cookie": messages.CookieStorage, "session": messages.SessionStorage, "fallback": messages.FallbackStorage,
}

func unixTime(f float64) time.Time {
	return time.Unix(0, int64(f*1e9)).UTC()
}

// goStack returns Go's SessionMiddleware (signed_cookies engine) around
// the messages middleware, as the Django script sets them up.
func goStack(t testing.TB, rel django.Release, storage messages.Storage, now func() time.Time) (*messages.Store, *middleware.Middleware) {
	t.Helper()
	cs, err := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: testKey}, Now: now, LegacySHA1: rel.Before(django.Django40)})
	if err != nil {
		t.Fatal(err)
	}
	mw, err := middleware.New(mustEngine(t, cs, &djangosession.Options{Settings: django.Settings{Release: rel}, Now: now}), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := messages.New(&messages.Options{Settings: django.Settings{SecretKey: testKey, Release: rel}, Storage: storage, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return st, mw
}

// runGo runs req through Go's middleware.
func runGo(t testing.TB, rel django.Release, req request) result {
	t.Helper()
	now := unixTime(req.Now)
	st, mw := goStack(t, rel, storages[req.Storage], func() time.Time { return now })
	var out result
	h := mw.Handler(st.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doAdd := func(as []add) {
			for _, a := range as {
				f := messages.Add
				if a.Safe {
					f = messages.AddSafe
				}
				if err := f(r, messages.Level(a.Level), a.Text, a.Tags); err != nil {
					t.Error(err)
				}
			}
		}
		doAdd(req.Add)
		if req.Read {
			ms, err := messages.Messages(r)
			if err != nil {
				t.Errorf("Messages: %v", err)
			}
			out.Messages = [][]any{}
			for _, m := range ms {
				out.Messages = append(out.Messages, []any{float64(m.Level), m.Message, m.ExtraTags, m.Safe, m.Tags()})
			}
		}
		doAdd(req.AddAfter)
		_, _ = w.Write([]byte("ok"))
	})))
	r := httptest.NewRequest("GET", "/", nil)
	var cookies []string
	for k, v := range req.Cookies {
		cookies = append(cookies, k+"="+v)
	}
	if len(cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	out.SetCookie, out.Cookies = map[string]string{}, map[string]string{}
	for _, sc := range rec.Result().Header.Values("Set-Cookie") {
		name, rest, _ := strings.Cut(sc, "=")
		out.SetCookie[name] = sc
		val, _, _ := strings.Cut(rest, ";")
		if val == `""` {
			val = ""
		}
		out.Cookies[name] = val
	}
	if v := out.Cookies["sessionid"]; v != "" {
		cs, _ := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: testKey}, Now: func() time.Time { return now }})
		sess, err := mustEngine(t, cs, nil).Open(r.Context(), v)
		if err != nil {
			t.Fatalf("Go's session cookie: %v", err)
		}
		out.Session = map[string]any{}
		for _, k := range sess.Keys() {
			out.Session[k], _ = sess.Get(k)
		}
	}
	return out
}

// runDjango runs reqs through Django's middleware, in one process.
func runDjango(t testing.TB, dj testenv.Django, reqs []request) []result {
	t.Helper()
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	if err := enc.Encode(map[string]any{"secret_key": testKey}); err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	out := dj.Run(t, script, in.Bytes())
	var res []result
	dec := json.NewDecoder(bytes.NewReader(out))
	for range reqs {
		var r result
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("django %s: %v", dj.Version, err)
		}
		if r.Error != "" {
			t.Fatalf("django %s: %s\n%s", dj.Version, r.Error, r.Trace)
		}
		res = append(res, r)
	}
	return res
}

// jar applies a response's cookies to the cookies of the next request.
func jar(prev map[string]string, res result) map[string]string {
	next := map[string]string{}
	for k, v := range prev {
		next[k] = v
	}
	for k, sc := range res.SetCookie {
		if strings.Contains(sc, "Max-Age=0") {
			delete(next, k)
		} else {
			next[k] = res.Cookies[k]
		}
	}
	return next
}
