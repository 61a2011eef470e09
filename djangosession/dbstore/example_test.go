package dbstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/dbstore"
)

// A Go service sharing a Django project's database sessions (Django's
// default SESSION_ENGINE, "django.contrib.sessions.backends.db"). Here the
// database is SQLite; on PostgreSQL or MySQL only sql.Open and Dialect
// change.
func Example() {
	dir, err := os.MkdirTemp("", "dbstore")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", filepath.Join(dir, "db.sqlite3")) // modernc.org/sqlite
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	// SECRET_KEY (and SECRET_KEY_FALLBACKS) of the Django project.
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: "django-insecure-example-key"}})
	if err != nil {
		log.Fatal(err)
	}
	store, err := dbstore.New(db, &dbstore.Options{Dialect: django.SQLite, Codec: codec})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	if err := store.CreateTable(ctx); err != nil { // Django's migrate does this
		log.Fatal(err)
	}

	engine, err := djangosession.NewEngine(store, nil)
	if err != nil {
		log.Fatal(err)
	}
	s := engine.New() // a login
	s.Set("_auth_user_id", "42")
	if err := s.Save(ctx); err != nil {
		log.Fatal(err)
	}

	s, err = engine.Open(ctx, s.Key()) // the next request, cookie in hand
	if err != nil {
		log.Fatal(err)
	}
	uid, _ := s.Get("_auth_user_id")
	fmt.Println("user", uid)

	n, err := store.ClearExpired(ctx) // manage.py clearsessions, on a schedule
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("expired rows removed:", n)
	// Output:
	// user 42
	// expired rows removed: 0
}

// Behind PgBouncer in transaction mode (before 1.21, or with
// max_prepared_statements = 0): TransactionPooler, and a driver set to
// send each statement in one round trip. (It needs a server, so go test
// compiles it without running it.)
func Example_pgBouncer() {
	// pgx: default_query_exec_mode=exec (or simple_protocol).
	// lib/pq: sql.Open("postgres", "...&binary_parameters=yes").
	db, err := sql.Open("pgx", "postgres://app@127.0.0.1:6432/site?sslmode=disable&default_query_exec_mode=exec")
	if err != nil {
		log.Fatal(err)
	}
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: os.Getenv("DJANGO_SECRET_KEY")}})
	if err != nil {
		log.Fatal(err)
	}
	store, err := dbstore.New(db, &dbstore.Options{Dialect: django.PostgreSQL, Codec: codec, TransactionPooler: true})
	if err != nil {
		log.Fatal(err)
	}
	engine, err := djangosession.NewEngine(store, nil)
	if err != nil {
		log.Fatal(err)
	}
	_ = engine // serve requests with it, as in the package example
}

// A site whose database router sends session reads to a replica:
//
//	DATABASES = {"default": {...primary...}, "replica": {...}}
//	DATABASE_ROUTERS = ["site.routers.ReplicaRouter"]  # db_for_read -> "replica"
//
// Writes go to the primary, reads to ReadDB, and this process reads the
// sessions it wrote in the last ReplicaLag from the primary. (It needs
// servers, so go test compiles it without running it.)
func Example_replica() {
	primary, err := sql.Open("pgx", "postgres://app@db-primary:5432/site")
	if err != nil {
		log.Fatal(err)
	}
	replica, err := sql.Open("pgx", "postgres://app@db-replica:5432/site")
	if err != nil {
		log.Fatal(err)
	}
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: os.Getenv("DJANGO_SECRET_KEY")}})
	if err != nil {
		log.Fatal(err)
	}
	store, err := dbstore.New(primary, &dbstore.Options{
		Dialect:    django.PostgreSQL,
		Codec:      codec,
		ReadDB:     replica,
		ReplicaLag: dbstore.DefaultReplicaLag, // above pg_stat_replication's worst replay_lag
	})
	if err != nil {
		log.Fatal(err)
	}
	engine, err := djangosession.NewEngine(store, nil)
	if err != nil {
		log.Fatal(err)
	}

	// A request that knows the session changed in another process a
	// moment ago (the application's own signal) reads the primary.
	ctx := dbstore.ReadPrimary(context.Background())
	if _, err := engine.Open(ctx, "sessionkeyfromthecookie"); err != nil {
		log.Print(err)
	}
}
