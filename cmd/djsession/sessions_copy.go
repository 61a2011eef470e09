package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
)

// sessionWriter is implemented by the stores copy can write to.
type sessionWriter interface {
	// put stores rows, keeping their session_data and expiry, in one
	// transaction where the store has them. Existing keys are replaced
	// when replace is set and left alone otherwise. It returns how many
	// rows it wrote.
	put(ctx context.Context, rows []sessionRow, replace bool) (int64, error)
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
exists at the destination is left alone unless --replace. Rows are written
--batch-size per transaction. Both sides must use the same SECRET_KEY (run
rekey afterwards otherwise).`,
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
			if cw, ok := dst.(*cacheWriter); ok {
				for _, s := range cw.skipped {
					fmt.Fprintf(e.a.out, "not copied %s\n", escapeText(s))
				}
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
		if st, err := os.Stat(t.path); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("session directory %s: not a directory", t.path)
		}
		return &fileDir{dir: t.path, prefix: e.cookieName, age: e.cookieAge}, nil
	}
	saved := e.table
	e.table = table
	defer func() { e.table = saved }()
	return e.openDB(ctx, t)
}

// put inserts rows in one transaction, as Django's INSERT of a Session.
func (s *sessionDB) put(ctx context.Context, rows []sessionRow, replace bool) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	cols := " (session_key, session_data, expire_date) VALUES (" + s.ph(1) + "," + s.ph(2) + "," + s.ph(3) + ")"
	var q string
	switch {
	case s.dialect == django.PostgreSQL && replace:
		q = "INSERT INTO " + s.table + cols + " ON CONFLICT (session_key) DO UPDATE SET session_data = EXCLUDED.session_data, expire_date = EXCLUDED.expire_date"
	case s.dialect == django.PostgreSQL:
		q = "INSERT INTO " + s.table + cols + " ON CONFLICT (session_key) DO NOTHING"
	case s.dialect == django.MySQL && replace:
		q = "INSERT INTO " + s.table + cols + " ON DUPLICATE KEY UPDATE session_data = VALUES(session_data), expire_date = VALUES(expire_date)"
	case s.dialect == django.MySQL:
		q = "INSERT IGNORE INTO " + s.table + cols
	case replace:
		q = "INSERT INTO " + s.table + cols + " ON CONFLICT (session_key) DO UPDATE SET session_data = excluded.session_data, expire_date = excluded.expire_date"
	default:
		q = "INSERT INTO " + s.table + cols + " ON CONFLICT (session_key) DO NOTHING"
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("copy: %w", err)
	}
	var n int64
	for _, r := range rows {
		res, err := tx.ExecContext(ctx, q, r.key, r.data, s.timeArg(r.expire))
		if err == nil {
			var k int64
			if k, err = res.RowsAffected(); err == nil && k > 0 {
				n++ // MySQL counts an updated duplicate as 2
			}
		}
		if err != nil {
			tx.Rollback()
			return 0, fmt.Errorf("copy: writing session %s: %w", r.key, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("copy: %w", err)
	}
	return n, nil
}

// put writes session files as Django's file engine does (a temporary file
// renamed into place), with an mtime that makes the file engine expire each
// session at its expire_date.
func (d *fileDir) put(ctx context.Context, rows []sessionRow, replace bool) (int64, error) {
	var n int64
	for _, r := range rows {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if !djangosession.ValidKeyChars(r.key) {
			return n, fmt.Errorf("copy: session key %q cannot be a file name of the file engine", r.key)
		}
		name := filepath.Join(d.dir, d.prefix+r.key)
		if !replace {
			if _, err := os.Lstat(name); err == nil {
				continue
			} else if !errors.Is(err, os.ErrNotExist) {
				return n, fmt.Errorf("copy: %w", err)
			}
		}
		tmp, err := os.CreateTemp(d.dir, d.prefix+r.key+"_out_")
		if err != nil {
			return n, fmt.Errorf("copy: %w", err)
		}
		_, err = tmp.WriteString(r.data)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			mtime := r.expire.Add(-d.age)
			err = os.Chtimes(tmp.Name(), mtime, mtime)
		}
		if err == nil {
			if replace {
				err = os.Rename(tmp.Name(), name)
			} else {
				// do not overwrite a file created meanwhile
				if err = os.Link(tmp.Name(), name); errors.Is(err, os.ErrExist) {
					err = nil
					n--
				}
				os.Remove(tmp.Name())
			}
		}
		if err != nil {
			os.Remove(tmp.Name())
			return n, fmt.Errorf("copy: %w", err)
		}
		n++
	}
	return n, nil
}
