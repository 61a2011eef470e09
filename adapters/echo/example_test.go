package djecho_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/labstack/echo/v4"

	djecho "github.com/djsession/djsession/adapters/echo"
	"github.com/djsession/djsession/adapters/rules"
	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/middleware"
)

func Example() {
	secretKey := "django-insecure-example-key"
	store, _ := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: secretKey}}) // or dbstore, cachestore ...
	sessions, _ := middleware.New(djangosession.NewEngine(store, nil), nil)
	a, _ := auth.New(&auth.SQLUsers{ /* DB: Django's database */ }, &auth.Options{Settings: django.Settings{SecretKey: secretKey}})
	gate, _ := rules.New(a, &rules.Options{Flags: &rules.SQLFlags{ /* DB: Django's database */ }})

	e := echo.New()
	e.Use(djecho.Middleware(sessions, a))
	e.GET("/account", func(c echo.Context) error {
		u, _, _ := a.UserFromRequest(c.Request())
		return c.String(http.StatusOK, "user "+u.ID)
	}, djecho.RequireLogin(gate))

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/account?tab=1", nil)) // no session cookie
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output: 302 /accounts/login/?next=/account%3Ftab%3D1
}
