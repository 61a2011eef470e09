package djgin_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"

	djgin "github.com/djsession/djsession/adapters/gin"
	"github.com/djsession/djsession/adapters/rules"
	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/middleware"
)

func Example() {
	gin.SetMode(gin.ReleaseMode)
	secretKey := "django-insecure-example-key"
	store, _ := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: secretKey}}) // or dbstore, cachestore ...
	sessions, _ := middleware.New(djangosession.NewEngine(store, nil), nil)
	a, _ := auth.New(&auth.SQLUsers{ /* DB: Django's database */ }, &auth.Options{Settings: django.Settings{SecretKey: secretKey}})
	gate, _ := rules.New(a, &rules.Options{Flags: &rules.SQLFlags{ /* DB: Django's database */ }})

	r := gin.New()
	r.Use(djgin.Middleware(sessions, a))
	r.GET("/account", djgin.RequireLogin(gate), func(c *gin.Context) {
		u, _, _ := a.UserFromRequest(c.Request)
		c.String(http.StatusOK, "user %s", u.ID)
	})

	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/account?tab=1", nil)) // no session cookie
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output: 302 /accounts/login/?next=/account%3Ftab%3D1
}
