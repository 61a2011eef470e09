package csrf_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/djsession/djsession/djangosession/csrf"
)

func ExampleMask() {
	// The form token Django renders for this secret with this mask.
	tok, _ := csrf.Mask("abcdefghijABCDEFGHIJ0123456789zZ", "MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM")
	fmt.Println(tok)
	secret, _ := csrf.Unmask(tok)
	fmt.Println(secret)
	// Output:
	// MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMNOPQRSTUVcdefghijklCDEFGHIJKLbB
	// abcdefghijABCDEFGHIJ0123456789zZ
}

func Example() {
	p, err := csrf.New(nil) // nil: Django's CSRF_* defaults, the token in a cookie
	if err != nil {
		panic(err)
	}
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			tok, _ := csrf.Token(r) // {% csrf_token %}: a masked token for the form
			fmt.Fprint(w, tok)
			return
		}
		fmt.Fprint(w, "saved")
	}))

	// GET the form: the token, and the csrftoken cookie it matches.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/form", nil))
	token := rec.Body.String()
	cookie := rec.Result().Cookies()[0]
	fmt.Println(cookie.Name, len(cookie.Value), len(token))

	post := func(form url.Values) int {
		req := httptest.NewRequest("POST", "/form", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	fmt.Println(post(url.Values{"csrfmiddlewaretoken": {token}}))
	fmt.Println(post(url.Values{"comment": {"no token"}}))
	// Output:
	// csrftoken 32 64
	// 200
	// 403
}
