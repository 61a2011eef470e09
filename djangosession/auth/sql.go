package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/djsession/djsession/django"
)

// timeValue is t as Django's backend for d writes a datetime: text
// "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC for SQLite, a UTC time otherwise.
func timeValue(d django.Dialect, t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d == django.SQLite {
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
	DB *sql.DB
	// Dialect is the database's SQL dialect: its placeholders, and how
	// last_login is written. Required.
	Dialect django.Dialect
	// Table is the user table; "auth_user" when empty. It is written into
	// the SQL as given: it must come from configuration, never from input.
	Table string
	// AllowInactive accepts users with is_active false.
	AllowInactive bool
}

func (u *SQLUsers) table() (string, error) {
	if err := u.Dialect.Validate(); err != nil {
		return "", fmt.Errorf("auth: SQLUsers: %w", err)
	}
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
	q := "SELECT password, is_active FROM " + t + " WHERE id = " + u.Dialect.Placeholder(1)
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
	q := "UPDATE " + t + " SET last_login = " + u.Dialect.Placeholder(1) + " WHERE id = " + u.Dialect.Placeholder(2)
	if _, err := u.DB.ExecContext(ctx, q, timeValue(u.Dialect, at), id); err != nil {
		return fmt.Errorf("auth: updating last_login: %w", err)
	}
	return nil
}
