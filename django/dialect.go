package django

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrUnknownDialect is returned (wrapped) by ParseDialect for a name that
// is no SQL database this module speaks, and by constructors given the
// zero Dialect.
var ErrUnknownDialect = errors.New("django: unknown SQL dialect")

// Dialect is the SQL database a Django project's tables live in: its
// parameter placeholders, identifier quoting and column types follow
// Django's backend for it. The zero Dialect is no database and is refused
// where one is required.
type Dialect int

// The databases Django ships backends for that this module speaks.
const (
	// SQLite is django.db.backends.sqlite3: ? placeholders.
	SQLite Dialect = iota + 1
	// PostgreSQL is django.db.backends.postgresql: $1, $2 placeholders.
	PostgreSQL
	// MySQL is django.db.backends.mysql, which also serves MariaDB: ?
	// placeholders.
	MySQL
)

// String returns Django's vendor name of the database ("sqlite",
// "postgresql", "mysql"), as connection.vendor says.
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case PostgreSQL:
		return "postgresql"
	case MySQL:
		return "mysql"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// Validate returns nil for SQLite, PostgreSQL and MySQL and an error
// matching ErrUnknownDialect for anything else, the zero Dialect included.
func (d Dialect) Validate() error {
	if d < SQLite || d > MySQL {
		return fmt.Errorf("%w: %v", ErrUnknownDialect, d)
	}
	return nil
}

// dialectNames are the names ParseDialect accepts: the vendor names, the
// ENGINE module names, and the URL schemes dj-database-url maps onto each
// backend (the GIS ones included).
var dialectNames = map[string]Dialect{
	"sqlite": SQLite, "sqlite3": SQLite, "spatialite": SQLite,
	"postgresql": PostgreSQL, "postgres": PostgreSQL, "pgsql": PostgreSQL, "postgis": PostgreSQL,
	"mysql": MySQL, "mysql2": MySQL, "mariadb": MySQL, "mysqlgis": MySQL,
}

// ParseDialect returns the Dialect a name stands for, ignoring case: the
// String forms, the last part of a DATABASES ENGINE
// ("django.db.backends.sqlite3" or "sqlite3"), and the URL schemes of
// dj-database-url (postgres, postgresql, pgsql, postgis; mysql, mysql2,
// mariadb, mysqlgis; sqlite, spatialite). Anything else is an error
// matching ErrUnknownDialect.
func ParseDialect(name string) (Dialect, error) {
	n := strings.ToLower(name)
	n = strings.TrimPrefix(n, "django.db.backends.")
	n = strings.TrimPrefix(n, "django.contrib.gis.db.backends.")
	if d, ok := dialectNames[n]; ok {
		return d, nil
	}
	return 0, fmt.Errorf("%w %q (sqlite, postgresql or mysql)", ErrUnknownDialect, name)
}

// Placeholder returns the dialect's marker for the n-th query parameter,
// counting from 1: "$n" for PostgreSQL, "?" for the others.
func (d Dialect) Placeholder(n int) string {
	if d == PostgreSQL {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}
