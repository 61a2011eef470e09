package testenv_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/djsession/djsession/internal/testenv"
)

// TestBrowser fills and submits a form in Chromium, follows the redirect
// the POST answers and reads the page and its status, and shows that two
// browsers keep two cookie jars.
func TestBrowser(t *testing.T) {
	chromium := testenv.ChromiumPath(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<form method="post" action="/post"><input name="who"><input type="checkbox" name="tick">`+
			`<button type="submit" id="go">go</button></form>`)
	})
	mux.HandleFunc("POST /post", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "who", Value: r.FormValue("who") + "-" + r.FormValue("tick"), HttpOnly: true})
		http.Redirect(w, r, "/done", http.StatusFound)
	})
	mux.HandleFunc("GET /done", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("who")
		if err != nil {
			http.Error(w, "no cookie", http.StatusTeapot)
			return
		}
		fmt.Fprint(w, "hello "+c.Value)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx := t.Context()
	a := testenv.NewBrowser(t, chromium, "a")
	if err := a.Open(ctx, srv.URL+"/form"); err != nil {
		t.Fatal(err)
	}
	if err := a.Submit(ctx, "#go", map[string]string{"who": "alice", "tick": "on"}); err != nil {
		t.Fatal(err)
	}
	p, err := a.Page(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.URL != srv.URL+"/done" || p.Status != 200 || p.Text != "hello alice-on" {
		t.Errorf("after the form: %+v", p)
	}
	b := testenv.NewBrowser(t, chromium, "b")
	if err := b.Open(ctx, srv.URL+"/done"); err != nil {
		t.Fatal(err)
	}
	if p, err = b.Page(ctx); err != nil || p.Status != http.StatusTeapot || p.Text != "no cookie" {
		t.Errorf("second profile: %+v %v", p, err)
	}
	if err := a.Submit(ctx, "#nothing", nil); err == nil {
		t.Error("Submit of a missing button succeeded")
	}
}
