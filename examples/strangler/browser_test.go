package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testenv"
)

// browserStory logs in through Django and uses the Go routes with
// fetch(), from a page of the front's origin, and answers what it saw.
const browserStory = `(async () => {
  const form = (o) => Object.entries(o).map(([k, v]) => k + "=" + encodeURIComponent(v)).join("&");
  const post = (url, body, hdr) => fetch(url, {method: "POST", body: form(body),
    headers: Object.assign({"Content-Type": "application/x-www-form-urlencoded"}, hdr || {})});
  const out = [];
  let tok = await (await fetch("/dj/token")).text();
  out.push("login=" + (await post("/dj/login", {username: "alice", password: "pw1"}, {"X-CSRFToken": tok})).status);
  out.push("go-user=" + (await (await fetch("/go/whoami")).json()).user);
  const page = await (await fetch("/go/profile")).text();
  const gtok = page.match(/name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"/)[1];
  out.push("go-post=" + (await post("/go/profile", {color: "teal", csrfmiddlewaretoken: gtok})).status);
  const dj = await (await fetch("/dj/whoami")).json();
  out.push("dj-user=" + dj.user, "dj-color=" + dj.session.color);
  out.push("js-sees-sessionid=" + document.cookie.includes("sessionid="));
  out.push("js-sees-csrftoken=" + document.cookie.includes("csrftoken="));
  out.push("go-post-no-token=" + (await post("/go/profile", {color: "red"})).status);
  tok = await (await fetch("/dj/token")).text();
  out.push("logout=" + (await post("/dj/logout", {}, {"X-CSRFToken": tok})).status);
  out.push("go-user-after=" + (await (await fetch("/go/whoami")).json()).user);
  return out.join(" ");
})()`

// TestLiveBrowser drives a real browser (headless Chromium) against the
// strangler in front of real Django: the browser must accept, store and
// send back the Set-Cookie headers both sides write (signed_cookies engine,
// HttpOnly, SameSite=Lax, Django's quoting and dates). It runs when
// DJ_TEST_DJANGO=1 and DJ_TEST_CHROMIUM names the Chromium binary.
func TestLiveBrowser(t *testing.T) {
	chromium := testenv.ChromiumPath(t)
	for _, d := range testenv.Djangos(t) {
		t.Run(d.Version, func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "db.sqlite3")
			dj := testenv.StartDjangoApp(t, d, "../../testdata/http_django/djapp.py",
				"DJ_SECRET="+secret, "DJ_DB="+dbPath, "DJ_ENGINE=signed_cookies")
			h, closeDB, err := newHandler(config{
				Django: "http://" + dj, SecretKey: secret,
				Engine: "signed_cookies", Release: d.Version, UsersDriver: "sqlite",
				UsersDSN: dbPath + "?_pragma=busy_timeout(5000)",
			})
			if err != nil {
				t.Fatal(err)
			}
			defer closeDB()
			mux := http.NewServeMux()
			mux.HandleFunc("GET /browser-test", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = io.WriteString(w, "<!doctype html><title>t</title>")
			})
			mux.Handle("/", h)
			front := httptest.NewServer(mux)
			defer front.Close()

			ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
			defer cancel()
			b := testenv.NewBrowser(t, chromium, "alice")
			if err := b.Open(ctx, front.URL+"/browser-test"); err != nil {
				t.Fatal(err)
			}
			var got string
			if err := b.Eval(ctx, browserStory, &got); err != nil {
				t.Fatalf("chromium: %v", err)
			}
			want := "login=200 go-user=1 go-post=200 dj-user=alice dj-color=teal js-sees-sessionid=false js-sees-csrftoken=true go-post-no-token=403 logout=200 go-user-after=null"
			t.Logf("Chromium with Django %s: %s", d.Version, got)
			if got != want {
				t.Errorf("browser saw\n  %s\nwant\n  %s", got, want)
			}
		})
	}
}
