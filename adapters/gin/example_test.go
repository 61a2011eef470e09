package djgin_test

import (
	"database/sql"
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

	_ "modernc.org/sqlite" // Django's database driver: pgx, go-sql-driver/mysql ...
)

func Example() {
	gin.SetMode(gin.ReleaseMode)
	secretKey := "django-insecure-example-key"
	store, _ := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: secretKey}}) // or dbstore, cachestore ...
	engine, _ := djangosession.NewEngine(store, nil)
	sessions, _ := middleware.New(engine, nil)
	db, _ := sql.Open("sqlite", "db.sqlite3")               // Django's database
	ids, _ := auth.NewSQLIdentities(db, django.SQLite, nil) // users, groups, permissions; also auth's Users
	a, _ := auth.New(ids, &auth.Options{Settings: django.Settings{SecretKey: secretKey}})
	gate, _ := rules.New(a, ids, nil)
	reports := func(c *gin.Context) { c.String(http.StatusOK, "reports") }

	r := gin.New()
	r.Use(djgin.Middleware(sessions, a))
	r.GET("/account", djgin.RequireLogin(gate), func(c *gin.Context) {
		u, _, _ := a.UserFromRequest(c.Request)
		c.String(http.StatusOK, "user %s", u.ID)
	})
	r.GET("/reports", djgin.RequirePerm(gate, "reports.view_report"), reports) // permission_required

	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/account?tab=1", nil)) // no session cookie
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output: 302 /accounts/login/?next=/account%3Ftab%3D1
}
