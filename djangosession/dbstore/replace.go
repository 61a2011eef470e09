package dbstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
)

var _ djangosession.RecordBatcher = (*Store)(nil)

// runner runs the store's statements: the Store itself (autocommit,
// prepared statements, MySQL deadlock retry) or a txRunner.
type runner interface {
	exec(ctx context.Context, q *query, args ...any) (sql.Result, error)
	queryRow(ctx context.Context, q *query, args []any, dest ...any) error
}

// txRunner runs statements unprepared in a transaction.
type txRunner struct{ tx *sql.Tx }

func (r txRunner) exec(ctx context.Context, q *query, args ...any) (sql.Result, error) {
	return r.tx.ExecContext(ctx, q.text, args...)
}

func (r txRunner) queryRow(ctx context.Context, q *query, args []any, dest ...any) error {
	return r.tx.QueryRowContext(ctx, q.text, args...).Scan(dest...)
}

// batch is the RecordWriter WriteRecords hands out.
type batch struct {
	s   *Store
	run txRunner
}

func (b batch) CompareAndSwap(ctx context.Context, old []byte, r djangosession.Record) error {
	return b.s.swap(ctx, b.run, old, r)
}

func (b batch) PutRecord(ctx context.Context, r djangosession.Record, overwrite bool) error {
	return b.s.put(ctx, b.run, r, overwrite)
}

// WriteRecords runs fn's writes in one transaction. On MySQL, a batch
// InnoDB rolled back as a deadlock victim is run again, with a new
// transaction and a new call of fn, as exec does for one statement.
func (s *Store) WriteRecords(ctx context.Context, fn func(w djangosession.RecordWriter) error) error {
	for attempt := 0; ; attempt++ {
		if s.closed.Load() {
			return ErrClosed
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("dbstore: begin: %w", poolerErr(err))
		}
		err = fn(batch{s, txRunner{tx}})
		if err == nil {
			if err = tx.Commit(); err != nil {
				err = fmt.Errorf("dbstore: commit: %w", poolerErr(err))
			}
		} else {
			tx.Rollback()
		}
		if err != nil && s.mysql() && attempt < mysqlDeadlockRetries && ctx.Err() == nil && mysqlErrNumber(err) == 1213 {
			continue
		}
		return err
	}
}

// recordQueries are the statements of the djangosession.RecordWriter
// methods, prepared on first use like the others.
type recordQueries struct {
	// swap and swapData replace session_data (and expire_date) where it
	// still holds the value read; same finds a row already holding the
	// new values (MySQL counts such an UPDATE as no row).
	swap, swapData, same, sameData query
	// upsert writes a row whether or not the key is taken.
	upsert query
}

func (q *recordQueries) all() []*query {
	return []*query{&q.swap, &q.swapData, &q.same, &q.sameData, &q.upsert}
}

// recordQueries writes the statements' text; p is the dialect's
// placeholder.
func (s *Store) recordQueries(p func(int) string) {
	t, q := s.table, &s.rq
	// session_data compares as the bytes it holds: MySQL's usual
	// collations ignore case and trailing spaces, which would let a
	// changed value pass for the one read.
	data := func(i int) string { return "session_data = " + p(i) }
	if s.mysql() {
		data = func(i int) string { return "CAST(session_data AS BINARY) = CAST(" + p(i) + " AS BINARY)" }
	}
	q.swap.text = "UPDATE " + t + " SET session_data = " + p(1) + ", expire_date = " + p(2) + " WHERE session_key = " + p(3) + " AND " + data(4)
	q.swapData.text = "UPDATE " + t + " SET session_data = " + p(1) + " WHERE session_key = " + p(2) + " AND " + data(3)
	q.same.text = "SELECT 1 FROM " + t + " WHERE session_key = " + p(1) + " AND " + data(2) + " AND expire_date = " + p(3)
	q.sameData.text = "SELECT 1 FROM " + t + " WHERE session_key = " + p(1) + " AND " + data(2)
	cols := "INSERT INTO " + t + " (session_key, session_data, expire_date) VALUES (" + p(1) + ", " + p(2) + ", " + p(3) + ")"
	if s.mysql() {
		// VALUES() rather than a row alias: MariaDB has no row alias.
		q.upsert.text = cols + " ON DUPLICATE KEY UPDATE session_data = VALUES(session_data), expire_date = VALUES(expire_date)"
	} else {
		q.upsert.text = cols + " ON CONFLICT (session_key) DO UPDATE SET session_data = excluded.session_data, expire_date = excluded.expire_date"
	}
}

// mysql reports whether the table is on MySQL or MariaDB.
func (s *Store) mysql() bool { return s.d == django.MySQL }

// CompareAndSwap replaces the row's session_data with r.Data, and its
// expire_date with r.Expire unless that is zero, in one UPDATE that
// matches only a row still holding old: a concurrent save by Django
// either comes first (the UPDATE matches nothing:
// djangosession.ErrChanged) or after (it overwrites this write, as any
// later save would). On MySQL a statement chosen as a deadlock victim is
// run again, as every write of the store is.
func (s *Store) CompareAndSwap(ctx context.Context, old []byte, r djangosession.Record) error {
	return s.swap(ctx, s, old, r)
}

func (s *Store) swap(ctx context.Context, run runner, old []byte, r djangosession.Record) error {
	if err := validKey(r.Key); err != nil {
		return err
	}
	defer s.wrote(r.Key)
	var res sql.Result
	var err error
	if r.Expire.IsZero() {
		res, err = run.exec(ctx, &s.rq.swapData, string(r.Data), r.Key, string(old))
	} else {
		res, err = run.exec(ctx, &s.rq.swap, string(r.Data), s.timeParam(r.Expire), r.Key, string(old))
	}
	if err != nil {
		return fmt.Errorf("dbstore: swap: %w", poolerErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("dbstore: swap: %w", err)
	}
	if n == 0 && s.mysql() && bytes.Equal(old, r.Data) {
		// MySQL counts changed rows: writing the values a row holds counts
		// none. Only a row holding exactly these values is a success.
		var one int
		if r.Expire.IsZero() {
			err = run.queryRow(ctx, &s.rq.sameData, []any{r.Key, string(r.Data)}, &one)
		} else {
			err = run.queryRow(ctx, &s.rq.same, []any{r.Key, string(r.Data), s.timeParam(r.Expire)}, &one)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("dbstore: swap: %w", poolerErr(err))
		}
	}
	if n == 0 {
		return djangosession.ErrChanged
	}
	return nil
}

// PutRecord writes r as a row: an INSERT that leaves a taken key alone
// (djangosession.ErrExists) or, with overwrite, an upsert that replaces
// the row's session_data and expire_date, each one statement.
func (s *Store) PutRecord(ctx context.Context, r djangosession.Record, overwrite bool) error {
	return s.put(ctx, s, r, overwrite)
}

func (s *Store) put(ctx context.Context, run runner, r djangosession.Record, overwrite bool) error {
	if err := validKey(r.Key); err != nil {
		return err
	}
	if r.Expire.IsZero() {
		return errors.New("dbstore: put: record without an expiry")
	}
	defer s.wrote(r.Key)
	at := s.timeParam(r.Expire)
	if !overwrite {
		return s.insert(ctx, run, r.Key, string(r.Data), at)
	}
	if _, err := run.exec(ctx, &s.rq.upsert, r.Key, string(r.Data), at); err != nil {
		return fmt.Errorf("dbstore: put: %w", poolerErr(err))
	}
	return nil
}
