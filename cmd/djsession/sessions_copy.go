package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/djsession/djsession/djangosession"
)

// sessionWriter is implemented by the stores copy can write to.
type sessionWriter interface {
	// put stores rows, keeping their session_data and expiry. Existing
	// keys are replaced when replace is set and left alone otherwise. It
	// returns how many rows it wrote.
	put(ctx context.Context, rows []sessionRow, replace bool) (int64, error)
	// notCopied lists the rows put could not write, with the reason.
	notCopied() []string
	Close() error
}

func (e *sessionsEnv) newCopyCmd() *cobra.Command {
	var (
		to             string
		toTable        string
		replace        bool
		includeExpired bool
		batch          int
		dryRun         bool
	)
	cmd := &cobra.Command{
		Use:   "copy --to URL",
		Short: "Copy sessions to another database or engine, keeping their expiry",
		Long: `Copy the sessions of --database-url to --to, another database (PostgreSQL,
MySQL/MariaDB, SQLite) or the file engine's directory, keeping each
session's data byte for byte and its expiry:

  database to database   expire_date is copied
  database to files      the file's mtime is set to expire_date - --cookie-age,
                         so Django's file engine expires it at the same instant
  files to database      expire_date is the file engine's expiry
  to redis:// or         the session dict pickled under Django's cache key
  memcached://           (--cache-key-prefix, --cache-version), timeout = the
                         seconds left; needs SECRET_KEY to decode the rows

Only live sessions are copied unless --include-expired. A key that already
exists at the destination is left alone unless --replace; a key the
destination cannot hold (the file engine takes only a-z and 0-9) is
reported and skipped. Rows are written --batch-size per transaction to a
database. Both sides must use the same SECRET_KEY (run rekey afterwards
otherwise).`,
		Example: `  djsession sessions copy --database-url sqlite:///db.sqlite3 --to postgres://app@db/app
  djsession sessions copy --database-url mysql://app@old/app --to postgres://app@new/app --replace
  djsession sessions copy --database-url postgres://app@db/app --to file:///var/lib/app/sessions \
      --secret-key-file key.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to == "" {
				return usagef("--to is required")
			}
			if batch < 1 || batch > 100000 {
				return usagef("--batch-size must be between 1 and 100000")
			}
			ctx := cmd.Context()
			src, err := e.open(ctx)
			if err != nil {
				return err
			}
			defer src.Close()
			if isCacheStore(src) {
				return usagef("copy from a cache: %v", errCacheReadOnly)
			}
			dst, err := e.openTarget(ctx, to, toTable)
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			defer dst.Close()
			f := rowFilter{now: e.now()}
			if !includeExpired {
				f.active = true
			}
			total, err := src.count(ctx, f)
			if err != nil {
				return err
			}
			if dryRun {
				fmt.Fprintf(e.a.out, "would copy %d sessions (dry run)\n", total)
				return nil
			}
			p := newProgress(e.a.errOut, "copy", total)
			var read, written int64
			buf := make([]sessionRow, 0, batch)
			flush := func() error {
				n, err := dst.put(ctx, buf, replace)
				written += n
				buf = buf[:0]
				p.update(read)
				return err
			}
			err = src.each(ctx, f, func(r sessionRow) error {
				read++
				buf = append(buf, r)
				if len(buf) == batch {
					return flush()
				}
				return nil
			})
			if err == nil && len(buf) > 0 {
				err = flush()
			}
			p.finish()
			for _, s := range dst.notCopied() {
				fmt.Fprintf(e.a.out, "not copied %s\n", escapeText(s))
			}
			fmt.Fprintf(e.a.out, "copied %d of %d sessions (%d already there or not copied)\n", written, read, read-written)
			return err
		},
	}
	e.dbFlags(cmd)
	e.secret.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&to, "to", "", "destination: a database URL or a file engine directory")
	fl.StringVar(&toTable, "to-table", defaultTable, "session table at the destination")
	fl.BoolVar(&replace, "replace", false, "overwrite sessions whose key exists at the destination")
	fl.BoolVar(&includeExpired, "include-expired", false, "copy expired sessions too")
	fl.IntVar(&batch, "batch-size", 500, "rows per transaction")
	fl.BoolVar(&dryRun, "dry-run", false, "count, copy nothing")
	return cmd
}

// openTarget opens the destination of copy.
func (e *sessionsEnv) openTarget(ctx context.Context, raw, table string) (sessionWriter, error) {
	t, err := parseDatabaseURL(raw)
	if err != nil {
		return nil, err
	}
	if t.kind == kindRedis || t.kind == kindMemcached {
		// the cache engines store the dict itself: decode each row
		key, fallbacks, err := e.secret.resolve(e.a)
		if err != nil {
			return nil, fmt.Errorf("copying to a cache decodes the sessions: %w", err)
		}
		cl, err := newClassifier(key, fallbacks, e.className, false)
		if err != nil {
			return nil, err
		}
		cs, err := e.openCache(ctx, t)
		if err != nil {
			return nil, err
		}
		return &cacheWriter{cacheSessions: cs, cl: cl}, nil
	}
	if t.kind == kindFile {
		d, err := e.openFileDir(t.path, false)
		if err != nil {
			return nil, err
		}
		return &recordCopier{sessionStore: d}, nil
	}
	saved := e.table
	e.table = table
	defer func() { e.table = saved }()
	db, err := e.openDB(ctx, t)
	if err != nil {
		return nil, err
	}
	return &recordCopier{sessionStore: db}, nil
}

// recordCopier writes rows to a database or session directory through the
// library's RecordWriter: each row's data byte for byte and its expiry
// (expire_date; a file's mtime), one write per row.
type recordCopier struct {
	sessionStore
	// skipped lists the rows the destination cannot hold, with the reason
	skipped []string
}

func (c *recordCopier) notCopied() []string { return c.skipped }

func (c *recordCopier) put(ctx context.Context, rows []sessionRow, replace bool) (n int64, err error) {
	before := len(c.skipped)
	err = djangosession.WriteRecords(ctx, c.records(), func(w djangosession.RecordWriter) error {
		n, c.skipped = 0, c.skipped[:before] // a batch may be run again
		for _, r := range rows {
			err := w.PutRecord(ctx, djangosession.Record{Key: r.key, Data: []byte(r.data), Expire: r.expire}, replace)
			switch {
			case errors.Is(err, djangosession.ErrExists):
				continue
			case errors.Is(err, djangosession.ErrInvalidKey):
				c.skipped = append(c.skipped, r.key+" "+err.Error())
				continue
			case err != nil:
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		if _, batched := c.records().(djangosession.RecordBatcher); batched {
			n, c.skipped = 0, c.skipped[:before]
		}
		return n, fmt.Errorf("copy: %w", err)
	}
	return n, nil
}
