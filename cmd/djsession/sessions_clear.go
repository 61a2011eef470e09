package main

import (
	"fmt"

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

With --dry-run nothing is deleted: the command counts what it would delete
(reading the whole table or directory).`,
		Example: `  djsession sessions clear-expired --database-url postgres://app@db/app
  djsession sessions clear-expired --dry-run --database-url sqlite:///db.sqlite3
  djsession sessions clear-expired --batch-size 5000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if batch < 1 || batch > 100000 {
				return usagef("--batch-size must be between 1 and 100000")
			}
			e.batch = batch
			ctx := cmd.Context()
			db, err := e.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if dryRun {
				total, err := countEach(ctx, db, rowFilter{expired: true, now: e.now()})
				if err != nil {
					return err
				}
				fmt.Fprintf(e.a.out, "would delete %d expired sessions (dry run)\n", total)
				return nil
			}
			n, err := db.clearExpired(ctx)
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
