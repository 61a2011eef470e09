package djecho_test

import (
	"database/sql"
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

	_ "modernc.org/sqlite" // Django's database driver: pgx, go-sql-driver/mysql ...
)

func Example() {
	secretKey := "django-insecure-example-key"
	store, _ := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: secretKey}}) // or dbstore, cachestore ...
	engine, _ := djangosession.NewEngine(store, nil)
	sessions, _ := middleware.New(engine, nil)
	db, _ := sql.Open("sqlite", "db.sqlite3")               // Django's database
	ids, _ := auth.NewSQLIdentities(db, django.SQLite, nil) // users, groups, permissions; also auth's Users
	a, _ := auth.New(ids, &auth.Options{Settings: django.Settings{SecretKey: secretKey}})
	gate, _ := rules.New(a, ids, nil)
	reports := func(c echo.Context) error { return c.String(http.StatusOK, "reports") }

	e := echo.New()
	e.Use(djecho.Middleware(sessions, a))
	e.GET("/account", func(c echo.Context) error {
		u, _, _ := a.UserFromRequest(c.Request())
		return c.String(http.StatusOK, "user "+u.ID)
	}, djecho.RequireLogin(gate))
	e.GET("/reports", reports, djecho.RequirePerm(gate, "reports.view_report")) // permission_required

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/account?tab=1", nil)) // no session cookie
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output: 302 /accounts/login/?next=/account%3Ftab%3D1
}
