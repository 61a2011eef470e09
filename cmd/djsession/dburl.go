package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// envDatabaseURL is where --database-url defaults from, as dj-database-url
// reads it.
const envDatabaseURL = "DATABASE_URL"

// dbKind names the SQL dialects the sessions commands speak.
type dbKind string

const (
	kindSQLite    dbKind = "sqlite"
	kindPostgres  dbKind = "postgres"
	kindMySQL     dbKind = "mysql"
	kindFile      dbKind = "file"      // the file engine's SESSION_FILE_PATH
	kindRedis     dbKind = "redis"     // the cache engines on Redis
	kindMemcached dbKind = "memcached" // the cache engines on memcached
)

// dbTarget is a parsed --database-url: the database/sql driver name and
// data source name to open, and the dialect.
type dbTarget struct {
	kind   dbKind
	driver string // database/sql driver name
	dsn    string
	// display is the URL with any password removed, for messages.
	display string
	// path is the SQLite file (or ":memory:").
	path string
	// url is the parsed URL (redis).
	url *url.URL
}

var errDBURL = errors.New("bad database URL")

// parseDatabaseURL reads a database URL in the forms dj-database-url
// accepts:
//
//	postgres://user:pass@host:5432/name   (also postgresql://, pgsql://)
//	mysql://user:pass@host:3306/name      (also mysql2://, mariadb://)
//	sqlite:///relative/path.sqlite3       (three slashes: relative)
//	sqlite:////absolute/path.sqlite3      (four slashes: absolute)
//	sqlite://:memory:
//	file:///var/lib/app/sessions          the file engine's SESSION_FILE_PATH
//	redis://:password@host:6379/0         the cache engines on Redis
//	memcached://host:11211                the cache engines on memcached
//
// A bare path is taken as the file engine's directory when it is a
// directory, and as SQLite when it is a file.
func parseDatabaseURL(raw string) (*dbTarget, error) {
	if raw == "" {
		return nil, usagef("no database: use --database-url or set %s", envDatabaseURL)
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		if st, err := os.Stat(raw); err == nil && st.Mode().IsRegular() {
			return sqliteTarget(raw, raw), nil
		} else if err == nil && st.IsDir() {
			return &dbTarget{kind: kindFile, path: raw, display: raw}, nil
		}
		return nil, usagef("%v: %q has no scheme (postgres://, mysql://, sqlite:///...)", errDBURL, redactURL(raw))
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3", "spatialite":
		// dj-database-url: sqlite://:memory: and sqlite:// are in-memory;
		// otherwise the path is everything after "sqlite://" minus one
		// slash, so three slashes give a relative path, four an absolute.
		if rest == "" || rest == ":memory:" {
			return sqliteTarget(":memory:", raw), nil
		}
		if !strings.HasPrefix(rest, "/") {
			return nil, usagef("%v: sqlite URLs look like sqlite:///relative/path or sqlite:////absolute/path", errDBURL)
		}
		path, err := url.PathUnescape(rest[1:])
		if err != nil {
			return nil, usagef("%v: %v", errDBURL, err)
		}
		if path == "" {
			return nil, usagef("%v: sqlite URL without a path", errDBURL)
		}
		return sqliteTarget(path, raw), nil
	case "redis":
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return nil, usagef("%v: redis URLs look like redis://[:password@]host:6379/0", errDBURL)
		}
		return &dbTarget{kind: kindRedis, url: u, display: u.Redacted()}, nil
	case "memcached", "pymemcache", "pylibmc", "memcache":
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return nil, usagef("%v: memcached URLs look like memcached://host:11211", errDBURL)
		}
		return &dbTarget{kind: kindMemcached, url: u, display: u.Redacted()}, nil
	case "file":
		u, err := url.Parse(raw)
		if err != nil || u.Host != "" && u.Host != "localhost" || u.Path == "" {
			return nil, usagef("%v: file URLs look like file:///absolute/directory", errDBURL)
		}
		return &dbTarget{kind: kindFile, path: u.Path, display: raw}, nil
	case "postgres", "postgresql", "pgsql", "postgis":
		u, err := url.Parse(raw)
		if err != nil {
			return nil, usagef("%v: %v", errDBURL, redactErr(err, raw))
		}
		u.Scheme = "postgres"
		return &dbTarget{kind: kindPostgres, driver: "postgres", dsn: u.String(), display: u.Redacted()}, nil
	case "mysql", "mysql2", "mariadb", "mysqlgis":
		u, err := url.Parse(raw)
		if err != nil {
			return nil, usagef("%v: %v", errDBURL, redactErr(err, raw))
		}
		cfg := mysql.NewConfig()
		if u.User != nil {
			cfg.User = u.User.Username()
			cfg.Passwd, _ = u.User.Password()
		}
		host := u.Host
		switch {
		case host == "":
			host = "127.0.0.1:3306"
		case u.Port() == "":
			host += ":3306"
		}
		cfg.Net, cfg.Addr = "tcp", host
		cfg.DBName = strings.TrimPrefix(u.Path, "/")
		if cfg.DBName == "" {
			return nil, usagef("%v: mysql URL without a database name", errDBURL)
		}
		q := u.Query()
		if s := q.Get("unix_socket"); s != "" {
			cfg.Net, cfg.Addr = "unix", s
		}
		if cs := q.Get("charset"); cs != "" {
			cfg.Params = map[string]string{"charset": cs}
		}
		// Django stores naive UTC datetimes (USE_TZ=True, the database's
		// TIME_ZONE unset); read them as text and parse them ourselves.
		cfg.ParseTime = false
		// rows matched, not changed: an upsert of identical data counts
		cfg.ClientFoundRows = true
		return &dbTarget{kind: kindMySQL, driver: "mysql", dsn: cfg.FormatDSN(), display: u.Redacted()}, nil
	}
	return nil, usagef("%v: unsupported scheme %q (postgres, mysql, sqlite)", errDBURL, scheme)
}

func sqliteTarget(path, display string) *dbTarget {
	// busy_timeout: a live Django app may hold the write lock briefly.
	// SQLite decodes %XX in file: URIs; '?' and '#' would end the path.
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	dsn := "file:" + esc + "?_pragma=busy_timeout(5000)"
	if path == ":memory:" {
		dsn = ":memory:"
	}
	return &dbTarget{kind: kindSQLite, driver: "sqlite", dsn: dsn, display: display, path: path}
}

// redactURL removes a password from something that may be a URL.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return u.Redacted()
	}
	if i := strings.LastIndexByte(raw, '@'); i >= 0 {
		return "…" + raw[i:]
	}
	return raw
}

// redactErr keeps a URL parse error from echoing a password.
func redactErr(err error, raw string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %q: %v", ue.Op, redactURL(raw), ue.Err)
	}
	return err
}
