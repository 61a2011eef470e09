package dbstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/python/pyjson"
)

// A tool that rewrites stored sessions (here it upper-cases them, a
// stand-in for re-signing) reads them with List and writes each back with
// CompareAndSwap, a page per transaction with WriteRecords: a session the
// application saved in between is left as the application wrote it.
func ExampleStore_CompareAndSwap() {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one in-memory database
	codec, _ := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: "django-insecure-example"}})
	s, _ := dbstore.New(db, &dbstore.Options{Dialect: django.SQLite, Codec: codec})
	ctx := context.Background()
	if err := s.CreateTable(ctx); err != nil {
		panic(err)
	}
	exp := djangosession.Expiry{Date: time.Now().Add(time.Hour)}
	for _, key := range []string{"aaaaaaaa", "bbbbbbbb"} {
		s.Save(ctx, key, &pyjson.Object{}, exp, true)
	}
	var page []djangosession.Record
	for r, err := range s.List(ctx, nil) {
		if err != nil {
			panic(err)
		}
		page = append(page, r)
	}
	// the application saves bbbbbbbb after the listing
	d := &pyjson.Object{}
	d.Set("cart", int64(1))
	s.Save(ctx, "bbbbbbbb", d, exp, false)

	err = djangosession.WriteRecords(ctx, s, func(w djangosession.RecordWriter) error {
		for _, r := range page {
			// a zero Expire keeps expire_date
			next := djangosession.Record{Key: r.Key, Data: []byte(strings.ToUpper(string(r.Data)))}
			switch err := w.CompareAndSwap(ctx, r.Data, next); {
			case errors.Is(err, djangosession.ErrChanged):
				fmt.Println(r.Key, "changed meanwhile: left alone")
			case err != nil:
				return err
			default:
				fmt.Println(r.Key, "rewritten")
			}
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	// Output:
	// aaaaaaaa rewritten
	// bbbbbbbb changed meanwhile: left alone
}
