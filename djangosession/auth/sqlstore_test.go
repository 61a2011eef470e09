package auth_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/signing/pyjson"
)

// sqlStore is a small test-only Store over the django_session table that
// real Django migrated (SQLite, PostgreSQL or MySQL), enough for the live
// tests; the project's db engine store is the real one.
type sqlStore struct {
	db      *sql.DB
	codec   *djangosession.Codec
	dialect auth.Dialect
}

// q rewrites ? placeholders for PostgreSQL.
func (s *sqlStore) q(query string) string {
	if s.dialect != auth.PostgreSQL {
		return query
	}
	n := 0
	var b strings.Builder
	for _, c := range query {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// t is a datetime as the dialect's Django backend stores it.
func (s *sqlStore) t(t time.Time) any {
	if s.dialect == auth.SQLite {
		return djangoTime(t)
	}
	return t.UTC().Truncate(time.Microsecond)
}

// djangoTime is how Django's SQLite backend stores an aware datetime.
func djangoTime(t time.Time) string {
	t = t.UTC().Truncate(time.Microsecond)
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000000")
}

func (s *sqlStore) Load(ctx context.Context, key string) (*pyjson.Object, error) {
	var data string
	err := s.db.QueryRowContext(ctx,
		s.q(`SELECT session_data FROM django_session WHERE session_key = ? AND expire_date > ?`),
		key, s.t(time.Now())).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, djangosession.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	o, err := s.codec.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", djangosession.ErrCorrupt, err)
	}
	return o, nil
}

func (s *sqlStore) Save(ctx context.Context, key string, data *pyjson.Object, exp djangosession.Expiry, mustCreate bool) error {
	enc, err := s.codec.Encode(data)
	if err != nil {
		return err
	}
	if mustCreate {
		_, err := s.db.ExecContext(ctx,
			s.q(`INSERT INTO django_session (session_key, session_data, expire_date) VALUES (?, ?, ?)`),
			key, enc, s.t(exp.Date))
		if e := strings.ToLower(fmt.Sprint(err)); err != nil && (strings.Contains(e, "unique") || strings.Contains(e, "duplicate")) {
			return djangosession.ErrExists
		}
		return err
	}
	res, err := s.db.ExecContext(ctx,
		s.q(`UPDATE django_session SET session_data = ?, expire_date = ? WHERE session_key = ?`),
		enc, s.t(exp.Date), key)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return djangosession.ErrVanished
	}
	return nil
}

func (s *sqlStore) Exists(ctx context.Context, key string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM django_session WHERE session_key = ?`), key).Scan(&n)
	return n > 0, err
}

func (s *sqlStore) Delete(ctx context.Context, key string) error {
	_, err := s.db.ExecContext(ctx, s.q(`DELETE FROM django_session WHERE session_key = ?`), key)
	return err
}
