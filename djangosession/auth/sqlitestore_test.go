package auth_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/signing/pyjson"
)

// sqliteStore is a small Store over Django's django_session table in
// SQLite, enough for the live test (the project's dbstore is the real one).
type sqliteStore struct {
	db    *sql.DB
	codec *djangosession.Codec
}

// djangoTime is how Django's SQLite backend stores an aware datetime.
func djangoTime(t time.Time) string {
	t = t.UTC().Truncate(time.Microsecond)
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000000")
}

func (s *sqliteStore) Load(ctx context.Context, key string) (*pyjson.Object, error) {
	var data string
	err := s.db.QueryRowContext(ctx,
		`SELECT session_data FROM django_session WHERE session_key = ? AND expire_date > ?`,
		key, djangoTime(time.Now())).Scan(&data)
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

func (s *sqliteStore) Save(ctx context.Context, key string, data *pyjson.Object, exp djangosession.Expiry, mustCreate bool) error {
	enc, err := s.codec.Encode(data)
	if err != nil {
		return err
	}
	if mustCreate {
		_, err := s.db.ExecContext(ctx,
			`INSERT INTO django_session (session_key, session_data, expire_date) VALUES (?, ?, ?)`,
			key, enc, djangoTime(exp.Date))
		if err != nil && strings.Contains(err.Error(), "UNIQUE") {
			return djangosession.ErrExists
		}
		return err
	}
	res, err := s.db.ExecContext(ctx,
		`UPDATE django_session SET session_data = ?, expire_date = ? WHERE session_key = ?`,
		enc, djangoTime(exp.Date), key)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return djangosession.ErrVanished
	}
	return nil
}

func (s *sqliteStore) Exists(ctx context.Context, key string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM django_session WHERE session_key = ?`, key).Scan(&n)
	return n > 0, err
}

func (s *sqliteStore) Delete(ctx context.Context, key string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM django_session WHERE session_key = ?`, key)
	return err
}
