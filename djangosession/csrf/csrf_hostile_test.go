package csrf_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/csrf"
	"github.com/djsession/djsession/internal/hostiletest"
)

// Bounds on the bytes one hostile token may cost: Unmask, ValidFormat and
// Match judge it by its length before any work; a request carrying it in
// the cookie, the header or the form body costs a constant (the request,
// the recorder, the 403 page) plus a few copies of it (the header parse,
// the form parse).
var (
	csrfTokenBound   = hostiletest.Bound{Base: 1 << 10}
	csrfRequestBound = hostiletest.Bound{Base: 1 << 20, PerByte: 16}
)

// hostileTokens returns the files of testdata/hostile/csrf by name.
func hostileTokens(t testing.TB) map[string]string {
	t.Helper()
	in := map[string]string{}
	for name, b := range hostiletest.Files(t, "csrf") {
		in[name] = string(b)
	}
	return in
}

// TestHostileTokens runs every file of testdata/hostile/csrf (wrong
// lengths, bad characters, multi-byte runes, invalid UTF-8, NUL, CRLF,
// quotes, percent escapes, 1 MB) through Unmask (ErrBadFormat), ValidFormat
// (false) and Match (false), and as the csrftoken cookie, the X-CSRFToken
// header and the csrfmiddlewaretoken form field of a POST that passes the
// origin checks, for the current release and 3.2: always 403, never a
// panic or a 500, and the bytes allocated bounded as above.
func TestHostileTokens(t *testing.T) {
	secret, err := csrf.NewSecret(nil)
	if err != nil {
		t.Fatal(err)
	}
	token, err := csrf.MaskRandom(secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	var handlers []http.Handler
	for _, rel := range []django.Release{"", django.Django32} {
		p, err := csrf.New(&csrf.Options{Settings: django.Settings{Release: rel}})
		if err != nil {
			t.Fatal(err)
		}
		handlers = append(handlers, p.Handler(ok))
	}
	post := func(h http.Handler, cookie, header, field string) int {
		body := url.Values{csrf.FormField: {field}}.Encode()
		req := httptest.NewRequest("POST", "https://example.com/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Referer", "https://example.com/")
		req.Header["Cookie"] = []string{"csrftoken=" + cookie}
		if header != "" {
			req.Header["X-Csrftoken"] = []string{header}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	// The good request passes: the 403s below are the hostile input's.
	for _, h := range handlers {
		if c := post(h, secret, token, ""); c != http.StatusOK {
			t.Fatalf("POST with a good cookie and token: %d", c)
		}
	}
	hostiletest.Run(t, hostiletest.Files(t, "csrf"), func(t *testing.T, c hostiletest.Case) {
		v := string(c.Input)
		var err error
		var valid, match bool
		csrfTokenBound.Check(t, c.Name+": Unmask, ValidFormat, Match", c.Input, func() {
			_, err = csrf.Unmask(v)
			valid = csrf.ValidFormat(v)
			match = csrf.Match(v, secret) || csrf.Match(token, v)
		})
		if !errors.Is(err, csrf.ErrBadFormat) || valid || match {
			t.Errorf("%s: Unmask %v, ValidFormat %v, Match %v; want ErrBadFormat, false, false", c.Name, err, valid, match)
		}
		for i, h := range handlers {
			for _, r := range []struct {
				where                 string
				cookie, header, field string
			}{
				{"cookie", v, token, ""},
				{"header", secret, v, ""},
				{"field", secret, "", v},
			} {
				var code int
				csrfRequestBound.Check(t, fmt.Sprintf("%s in the %s (handler %d)", c.Name, r.where, i), c.Input,
					func() { code = post(h, r.cookie, r.header, r.field) })
				if code != http.StatusForbidden {
					t.Errorf("%s in the %s (handler %d): status %d, want 403", c.Name, r.where, i, code)
				}
			}
		}
	})
}
