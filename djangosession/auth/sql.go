package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Dialect is the SQL flavour SQLUsers speaks: its parameter placeholders
// and how it writes last_login as Django's backend for that database does.
type Dialect int

// Dialects.
const (
	// SQLite uses ? placeholders and writes datetimes as Django's SQLite
	// backend stores them: text "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC.
	SQLite Dialect = iota
	// PostgreSQL uses $1, $2 placeholders and timestamptz values.
	PostgreSQL
	// MySQL uses ? placeholders and UTC datetime values.
	MySQL
)

func (d Dialect) placeholder(n int) string {
	if d == PostgreSQL {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

func (d Dialect) timeValue(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d == SQLite {
		if t.Nanosecond() == 0 {
			return t.Format("2006-01-02 15:04:05")
		}
		return t.Format("2006-01-02 15:04:05.000000")
	}
	return t
}

// SQLUsers reads password hashes from Django's auth_user table (or any
// table with the same id, password and is_active columns) over database/sql.
// Like ModelBackend, it treats an inactive user as no user unless
// AllowInactive is set (AllowAllUsersModelBackend). It also implements
// LastLoginUpdater.
type SQLUsers struct {
	DB      *sql.DB
	Dialect Dialect
	// Table is the user table; "auth_user" when empty. It is written into
	// the SQL as given: it must come from configuration, never from input.
	Table string
	// AllowInactive accepts users with is_active false.
	AllowInactive bool
}

func (u *SQLUsers) table() (string, error) {
	t := u.Table
	if t == "" {
		return "auth_user", nil
	}
	for _, c := range t {
		if !(c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", fmt.Errorf("auth: invalid table name %q", t)
		}
	}
	return t, nil
}

// PasswordHash implements Users.
func (u *SQLUsers) PasswordHash(ctx context.Context, id string) (string, error) {
	t, err := u.table()
	if err != nil {
		return "", err
	}
	var pw string
	var active bool
	q := "SELECT password, is_active FROM " + t + " WHERE id = " + u.Dialect.placeholder(1)
	err = u.DB.QueryRowContext(ctx, q, id).Scan(&pw, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNoUser
	}
	if err != nil {
		return "", fmt.Errorf("auth: reading user: %w", err)
	}
	if !active && !u.AllowInactive {
		return "", ErrNoUser
	}
	return pw, nil
}

// UpdateLastLogin implements LastLoginUpdater.
func (u *SQLUsers) UpdateLastLogin(ctx context.Context, id string, at time.Time) error {
	t, err := u.table()
	if err != nil {
		return err
	}
	q := "UPDATE " + t + " SET last_login = " + u.Dialect.placeholder(1) + " WHERE id = " + u.Dialect.placeholder(2)
	if _, err := u.DB.ExecContext(ctx, q, u.Dialect.timeValue(at), id); err != nil {
		return fmt.Errorf("auth: updating last_login: %w", err)
	}
	return nil
}
