package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func (e *sessionsEnv) newClearExpiredCmd() *cobra.Command {
	var dryRun bool
	var batch int
	cmd := &cobra.Command{
		Use:   "clear-expired",
		Short: "Delete expired sessions, as Django's clearsessions, in batches",
		Long: `Delete the sessions whose expire_date is in the past, as Django's
"manage.py clearsessions" does for the db engine (DELETE WHERE expire_date <
now), but in batches of --batch-size rows, each its own short transaction, so
a big table is never locked for long. A session refreshed meanwhile (its
expire_date moved to the future) is not deleted.

A progress bar is drawn on stderr when stderr is a terminal. With --dry-run
nothing is deleted: the command counts what it would delete.`,
		Example: `  djsession sessions clear-expired --database-url postgres://app@db/app
  djsession sessions clear-expired --dry-run --database-url sqlite:///db.sqlite3
  djsession sessions clear-expired --batch-size 5000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if batch < 1 || batch > 100000 {
				return usagef("--batch-size must be between 1 and 100000")
			}
			ctx := cmd.Context()
			db, err := e.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			now := e.now()
			total, err := db.countExpired(ctx, now)
			if err != nil {
				return err
			}
			if dryRun {
				fmt.Fprintf(e.a.out, "would delete %d expired sessions (dry run)\n", total)
				return nil
			}
			p := newProgress(e.a.errOut, "clear-expired", total)
			n, err := db.clearExpired(ctx, now, batch, func(done int64) {
				p.update(done)
				afterRow(ctx, int(done))
			})
			p.finish()
			fmt.Fprintf(e.a.out, "deleted %d expired sessions\n", n)
			return err
		},
	}
	e.dbFlags(cmd)
	e.secret.register(cmd) // the file engine needs SECRET_KEY to read expiry
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "count, delete nothing")
	cmd.Flags().IntVar(&batch, "batch-size", 1000, "rows deleted per transaction")
	return cmd
}

// countExpired counts rows with expire_date < now (clearsessions' test).
func (s *sessionDB) countExpired(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	q := "SELECT COUNT(*) FROM " + s.table + " WHERE expire_date < " + s.ph(1)
	if err := s.db.QueryRowContext(ctx, q, s.timeArg(now)).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting expired sessions: %w", err)
	}
	return n, nil
}

// clearExpired deletes rows with expire_date < now in batches of at most
// batch keys, walking the keys in order, and returns how many it deleted.
func (s *sessionDB) clearExpired(ctx context.Context, now time.Time, batch int, progress func(int64)) (int64, error) {
	var deleted int64
	after := ""
	nowArg := s.timeArg(now)
	for {
		if err := ctx.Err(); err != nil {
			return deleted, err
		}
		q := "SELECT session_key FROM " + s.table + " WHERE expire_date < " + s.ph(1) + " AND session_key > " + s.ph(2) +
			" ORDER BY session_key LIMIT " + fmt.Sprint(batch)
		rows, err := s.db.QueryContext(ctx, q, nowArg, after)
		if err != nil {
			return deleted, fmt.Errorf("finding expired sessions: %w", err)
		}
		keys := make([]any, 0, batch)
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return deleted, fmt.Errorf("finding expired sessions: %w", err)
			}
			keys = append(keys, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return deleted, fmt.Errorf("finding expired sessions: %w", err)
		}
		if len(keys) == 0 {
			return deleted, nil
		}
		after = keys[len(keys)-1].(string)
		phs := make([]string, len(keys))
		for i := range keys {
			phs[i] = s.ph(i + 2)
		}
		del := "DELETE FROM " + s.table + " WHERE expire_date < " + s.ph(1) + " AND session_key IN (" + strings.Join(phs, ",") + ")"
		res, err := s.db.ExecContext(ctx, del, append([]any{nowArg}, keys...)...)
		if err != nil {
			return deleted, fmt.Errorf("deleting expired sessions: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return deleted, fmt.Errorf("deleting expired sessions: %w", err)
		}
		deleted += n
		progress(deleted)
		if len(keys) < batch {
			return deleted, nil
		}
	}
}
