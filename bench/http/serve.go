package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/middleware"
)

func dialectOf(name string) (django.Dialect, error) {
	for _, d := range []django.Dialect{django.PostgreSQL, django.MySQL, django.SQLite} {
		if d.String() == name {
			return d, nil
		}
	}
	return 0, fmt.Errorf("unknown dialect %q", name)
}

// stores returns the db and signed_cookies stores over db, both under
// benchSecret.
func stores(db *sql.DB, dialect django.Dialect) (*dbstore.Store, *cookiestore.Store, error) {
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: benchSecret}})
	if err != nil {
		return nil, nil, err
	}
	ds, err := dbstore.New(db, &dbstore.Options{Dialect: dialect, Codec: codec})
	if err != nil {
		return nil, nil, err
	}
	cs, err := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: benchSecret}})
	if err != nil {
		return nil, nil, err
	}
	return ds, cs, nil
}

// seed saves n sessions like a logged-in user's, with visits = 0, in the
// database and as signed cookies, and returns their keys (cookie values).
func seed(ctx context.Context, dbase *database, n int) (dbKeys, cookies []string, err error) {
	db, err := sql.Open(dbase.driver, dbase.dsn)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	ds, cs, err := stores(db, dbase.dialect)
	if err != nil {
		return nil, nil, err
	}
	tx := func(e *djangosession.Engine, i int) (string, error) {
		s, err := e.Open(ctx, "")
		if err != nil {
			return "", err
		}
		var h [32]byte
		_, _ = rand.Read(h[:])
		s.Set("_auth_user_id", strconv.Itoa(i+1))
		s.Set("_auth_user_backend", "django.contrib.auth.backends.ModelBackend")
		s.Set("_auth_user_hash", hex.EncodeToString(h[:]))
		s.Set("visits", int64(0))
		if err := s.Save(ctx); err != nil {
			return "", err
		}
		return s.Key(), nil
	}
	de, err := djangosession.NewEngine(ds, nil)
	if err != nil {
		return nil, nil, err
	}
	ce, err := djangosession.NewEngine(cs, nil)
	if err != nil {
		return nil, nil, err
	}
	for i := range n {
		k, err := tx(de, i)
		if err != nil {
			return nil, nil, fmt.Errorf("seeding the db store: %w", err)
		}
		c, err := tx(ce, i)
		if err != nil {
			return nil, nil, fmt.Errorf("seeding signed cookies: %w", err)
		}
		dbKeys, cookies = append(dbKeys, k), append(cookies, c)
	}
	return dbKeys, cookies, nil
}

// visits is the view: request.session["visits"] += 1.
func visits(w http.ResponseWriter, r *http.Request) {
	s, err := middleware.Session(r)
	if err != nil {
		http.Error(w, "session unavailable", http.StatusInternalServerError)
		return
	}
	var n int64
	switch v, _ := s.Get("visits"); v := v.(type) {
	case int64:
		n = v
	case float64:
		n = int64(v)
	}
	n++
	if err := s.Set("visits", n); err != nil {
		http.Error(w, "session unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "visits "+strconv.FormatInt(n, 10))
}

// bare is the same response without a session.
func bare(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "visits 0")
}

// serve is the Go server process: /bare, /db and /cookies on a free
// loopback port, announced as "PORT <n>" on standard output.
func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	driver := fs.String("driver", "postgres", "database/sql driver")
	dialectName := fs.String("dialect", "postgres", "dbstore dialect")
	dsn := fs.String("dsn", "", "data source name")
	conns := fs.Int("db-conns", 4, "open and idle connections kept")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the server here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dialect, err := dialectOf(*dialectName)
	if err != nil {
		return err
	}
	db, err := sql.Open(*driver, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(*conns)
	db.SetMaxIdleConns(*conns)
	ds, cs, err := stores(db, dialect)
	if err != nil {
		return err
	}
	engineDB, err := djangosession.NewEngine(ds, nil)
	if err != nil {
		return err
	}
	mwDB, err := middleware.New(engineDB, nil)
	if err != nil {
		return err
	}
	engineCookies, err := djangosession.NewEngine(cs, nil)
	if err != nil {
		return err
	}
	mwCookies, err := middleware.New(engineCookies, nil)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bare", bare)
	mux.Handle("GET /db", mwDB.Handler(http.HandlerFunc(visits)))
	mux.Handle("GET /cookies", mwCookies.Handler(http.HandlerFunc(visits)))
	mux.Handle("GET /unused", mwCookies.Handler(http.HandlerFunc(bare)))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	fmt.Printf("PORT %s\n", port)
	_ = os.Stdout.Sync()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	// The parent stops the server with SIGINT, which ends the profile.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
