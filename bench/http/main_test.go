package main

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testenv"
)

// TestMain lets the test binary stand in for the Go server process, as
// run starts this executable with "serve".
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if err := serve(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "serve:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestSmoke runs the benchmark briefly against real Django under gunicorn
// on each database: the set-up, the cross-check that Go and Django count
// on the same seeded session, wrk's load and the report must all work.
// The figures (and whether targets are met) are not checked.
func TestSmoke(t *testing.T) {
	testenv.Django32(t)
	for _, bin := range []string{"wrk", "gunicorn"} {
		if _, err := exec.LookPath(bin); err != nil {
			if testenv.Required() {
				t.Fatalf("%s not installed", bin)
			}
			t.Skipf("%s not installed", bin)
		}
	}
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			o := options{
				db: db, sessions: 20, duration: time.Second, warmup: time.Second, runs: 1,
				conns: 4, threads: 1, workers: 1, goDriver: "pgx", only: "bare,go_db,django_db,floor",
			}
			if db == "postgres" {
				o.dsn = testenv.PostgresDSN(t)
			}
			code, err := run(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("exit status %d (1: a target missed)", code)
		})
	}
}
