package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/internal/testenv"
)

const key = "django-insecure-test-key"

// TestFlash: a message Go adds is shown once, with Django's tags (HTML
// escaped, as a template escapes it).
func TestFlash(t *testing.T) {
	h, err := newHandler(key)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/go/save", nil))
	set := rec.Result().Cookies()
	if len(set) != 1 || set[0].Name != "messages" {
		t.Fatalf("Set-Cookie: %v", rec.Header())
	}
	req := httptest.NewRequest("GET", "/go/inbox", nil)
	req.AddCookie(set[0])
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), `<li class="success">Saved.</li>`) {
		t.Errorf("inbox: %s", rec.Body.String())
	}
	if !strings.HasPrefix(rec.Header().Get("Set-Cookie"), `messages=""; expires=Thu, 01 Jan 1970`) {
		t.Errorf("shown messages not deleted: %q", rec.Header().Get("Set-Cookie"))
	}
}

// TestDjangoShowsGoMessage: Django (every release) reads the message Go
// added, and Go shows the one Django added.
func TestDjangoShowsGoMessage(t *testing.T) {
	h, err := newHandler(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, dj := range testenv.Djangos(t) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/go/save", nil))
		goCookie, _ := middleware.CookieValue(http.Header{"Cookie": {rec.Header().Get("Set-Cookie")}}, "messages")
		in := `{"secret_key":"` + key + `"}` + "\n" +
			`{"now":1700000000,"storage":"cookie","cookies":{"messages":"` + goCookie + `"},"read":true}` + "\n" +
			`{"now":1700000000,"storage":"cookie","add":[[40,"From Django <b>","",false]]}` + "\n"
		out := dj.Run(t, "../../testdata/messages_interop.py", []byte(in))
		dec := json.NewDecoder(bytes.NewReader(out))
		var read, wrote struct {
			Messages [][]any
			Cookies  map[string]string
		}
		if err := dec.Decode(&read); err != nil {
			t.Fatal(err)
		}
		if err := dec.Decode(&wrote); err != nil {
			t.Fatal(err)
		}
		if len(read.Messages) != 1 || read.Messages[0][1] != "Saved." || read.Messages[0][4] != "success" {
			t.Errorf("django %s read %v", dj.Version, read.Messages)
		}
		req := httptest.NewRequest("GET", "/go/inbox", nil)
		req.AddCookie(&http.Cookie{Name: "messages", Value: wrote.Cookies["messages"]})
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !strings.Contains(rec.Body.String(), `<li class="error">From Django &lt;b&gt;</li>`) {
			t.Errorf("django %s: Go inbox: %s", dj.Version, rec.Body.String())
		}
	}
}
