package dbstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/python/pyjson"
)

// List walks the session table in key order, a page at a time: a tool
// that reports on sessions or moves them reads them this way.
func ExampleStore_List() {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one in-memory database
	codec, _ := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: "django-insecure-example"}})
	s, _ := dbstore.New(db, &dbstore.Options{Dialect: django.SQLite, Codec: codec, BatchSize: 2})
	ctx := context.Background()
	if err := s.CreateTable(ctx); err != nil {
		panic(err)
	}
	exp := djangosession.Expiry{Date: time.Now().Add(time.Hour)}
	for i, key := range []string{"cccccccc", "aaaaaaaa", "bbbbbbbb"} {
		d := &pyjson.Object{}
		d.Set("_auth_user_id", fmt.Sprint(i+1))
		s.Save(ctx, key, d, exp, true)
	}
	for r, err := range s.List(ctx, nil) {
		if err != nil {
			panic(err)
		}
		d, _ := s.DecodeRecord(r)
		user, _ := d.Get("_auth_user_id")
		fmt.Println(r.Key, "user", user, "live", r.Expire.After(time.Now()))
	}
	// Output:
	// aaaaaaaa user 2 live true
	// bbbbbbbb user 3 live true
	// cccccccc user 1 live true
}
