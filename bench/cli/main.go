// Command cli times the operator's commands of djsession on a large
// django_session table in PostgreSQL, with psql's COPY of the same table in
// the same run as the floor.
//
//	go run ./bench/cli -rows 1000000
//	go run ./bench/cli -rows 100000,1000000 -dsn postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//
// For each row count it fills a fresh table with that many sessions shaped
// like a site's (half expired, most of them a logged-in user's, signed with
// a throwaway key, loaded with COPY FROM STDIN), builds the djsession
// binary once, and runs, as separate processes, with their output sent to
// /dev/null:
//
//	psql -c '\copy TABLE to /dev/null'        the floor
//	djsession sessions ls --format jsonl
//	djsession sessions stats
//	djsession sessions clear-expired           (last: it empties half the table)
//
// Each timed command runs -runs times; the median wall time is printed with
// the ratio to COPY and the peak resident memory (getrusage's maxrss) of
// the slowest run, so that memory across row counts shows whether it is
// flat. The exit status is 1 when ls is more than -target times COPY.
package main

import (
	"context"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/lib/pq"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
)

// benchKey signs the generated sessions; it guards nothing.
const benchKey = "django-insecure-cli-bench-key-not-secret"

func main() {
	rowsFlag := flag.String("rows", "1000000", "comma-separated row counts")
	dsn := flag.String("dsn", envOr("DJ_TEST_POSTGRES_DSN", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL DSN")
	runs := flag.Int("runs", 3, "runs of each command")
	target := flag.Float64("target", 2, "largest allowed ls/COPY ratio")
	keep := flag.Bool("keep", false, "keep the tables")
	flag.Parse()
	var counts []int
	for _, s := range strings.Split(*rowsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			fatal("bad -rows %q", s)
		}
		counts = append(counts, n)
	}
	ctx := context.Background()
	db, err := sql.Open("postgres", *dsn)
	if err != nil {
		fatal("%v", err)
	}
	defer db.Close()
	psql, err := exec.LookPath("psql")
	if err != nil {
		fatal("psql not found: install postgresql-client")
	}
	dir, err := os.MkdirTemp("", "djsession-cli-bench")
	if err != nil {
		fatal("%v", err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "djsession")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/djsession").CombinedOutput(); err != nil {
		fatal("go build: %v\n%s", err, out)
	}
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte(benchKey), 0o600); err != nil {
		fatal("%v", err)
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rows\tcommand\tmedian\tper row\tvs COPY\tmax RSS\t")
	failed := false
	for _, n := range counts {
		table := "bench_cli_" + randomHex(4)
		start := time.Now()
		if err := fill(ctx, db, table, n); err != nil {
			fatal("fill %d rows: %v", n, err)
		}
		fmt.Fprintf(os.Stderr, "filled %s with %d rows in %v\n", table, n, time.Since(start).Round(time.Millisecond))
		if _, err := db.ExecContext(ctx, `VACUUM ANALYZE "`+table+`"`); err != nil {
			fatal("vacuum: %v", err)
		}
		common := []string{"--database-url", *dsn, "--table", table, "--secret-key-file", keyFile}
		type job struct {
			name string
			argv []string
			runs int
		}
		jobs := []job{
			{"psql COPY", []string{psql, *dsn, "-q", "-c", `\copy "` + table + `" to '/dev/null'`}, *runs},
			{"ls --format jsonl", append([]string{bin, "sessions", "ls", "--format", "jsonl"}, common...), *runs},
			{"stats", append([]string{bin, "sessions", "stats"}, common...), *runs},
			{"clear-expired", append([]string{bin, "sessions", "clear-expired"}, common...), 1},
		}
		var copyTime time.Duration
		for _, j := range jobs {
			var times []time.Duration
			var rss int64
			for range j.runs {
				d, maxrss, err := run(j.argv)
				if err != nil {
					fatal("%s: %v", j.name, err)
				}
				times = append(times, d)
				rss = max(rss, maxrss)
			}
			slices.Sort(times)
			med := times[len(times)/2]
			if j.name == "psql COPY" {
				copyTime = med
			}
			ratio := float64(med) / float64(copyTime)
			fmt.Fprintf(tw, "%d\t%s\t%v\t%.0f ns\t%.2fx\t%.1f MiB\t\n", n, j.name, med.Round(time.Millisecond),
				float64(med.Nanoseconds())/float64(n), ratio, float64(rss)/1024)
			if j.name == "ls --format jsonl" && ratio > *target {
				failed = true
			}
		}
		var left int64
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM "`+table+`"`).Scan(&left); err != nil {
			fatal("%v", err)
		}
		if left != int64(n-n/2) {
			fatal("clear-expired left %d rows of %d, want %d", left, n, n-n/2)
		}
		if !*keep {
			if _, err := db.ExecContext(ctx, `DROP TABLE "`+table+`"`); err != nil {
				fatal("%v", err)
			}
		}
	}
	tw.Flush()
	if failed {
		fmt.Printf("ls --format jsonl is more than %.1fx COPY\n", *target)
		os.Exit(1)
	}
}

// run runs argv with its output discarded and returns its wall time and
// peak resident memory in KiB.
func run(argv []string) (time.Duration, int64, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return 0, 0, err
	}
	defer devnull.Close()
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = devnull, &stderr
	start := time.Now()
	err = cmd.Run()
	d := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%v: %s", err, stderr.String())
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	return d, rss, nil
}

// fill creates table as Django's migration does on PostgreSQL and loads n
// sessions into it with COPY: every second one expired, two in three a
// logged-in user's, the others a cart.
func fill(ctx context.Context, db *sql.DB, table string, n int) error {
	for _, q := range []string{
		`CREATE TABLE "` + table + `" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" timestamp with time zone NOT NULL)`,
		`CREATE INDEX ON "` + table + `" ("expire_date")`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: benchKey}})
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn(table, "session_key", "session_data", "expire_date"))
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for i := range n {
		d := &pyjson.Object{}
		if i%3 == 0 {
			cart := &pyjson.Object{}
			cart.Set("sku-1", int64(i%7))
			cart.Set("sku-2", int64(1))
			d.Set("cart", cart)
		} else {
			d.Set("_auth_user_id", strconv.Itoa(i%10000))
			d.Set("_auth_user_backend", "django.contrib.auth.backends.ModelBackend")
			d.Set("_auth_user_hash", fmt.Sprintf("%064x", i))
			d.Set("_language", "fr")
		}
		data, err := codec.Encode(d)
		if err != nil {
			return err
		}
		exp := now.Add(time.Duration(i%500+1) * time.Hour)
		if i%2 == 0 {
			exp = now.Add(-time.Duration(i%500+1) * time.Hour)
		}
		if _, err := stmt.ExecContext(ctx, fmt.Sprintf("bench%027d", i), data, exp); err != nil {
			return err
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return err
	}
	if err := stmt.Close(); err != nil {
		return err
	}
	return tx.Commit()
}

func randomHex(n int) string {
	b := make([]byte, n)
	f, err := os.Open("/dev/urandom")
	if err == nil {
		_, err = f.Read(b)
		f.Close()
	}
	if err != nil {
		fatal("%v", err)
	}
	return hex.EncodeToString(b)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "cli bench: "+format+"\n", args...)
	os.Exit(2)
}
