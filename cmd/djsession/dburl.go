package main

import (
	"crypto/tls"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/go-sql-driver/mysql"
)

// envDatabaseURL is where --database-url defaults from, as dj-database-url
// reads it.
const envDatabaseURL = "DATABASE_URL"

// dbKind names the kinds of store the sessions commands reach: a SQL
// database (whose dbTarget.dialect says which), or one of the others.
type dbKind string

const (
	kindSQL       dbKind = "sql"       // the db engine; dbTarget.dialect says which
	kindFile      dbKind = "file"      // the file engine's SESSION_FILE_PATH
	kindRedis     dbKind = "redis"     // the cache engines on Redis
	kindMemcached dbKind = "memcached" // the cache engines on memcached
)

// dbTarget is a parsed --database-url: the database/sql driver name and
// data source name to open, and the dialect.
type dbTarget struct {
	kind    dbKind
	dialect django.Dialect // kindSQL's database; zero for the other kinds
	driver  string         // database/sql driver name
	dsn     string
	// display is the URL with any password removed, for messages.
	display string
	// path is the SQLite file (or ":memory:").
	path string
	// tls is what the URL asks of TLS.
	tls tlsLevel
	// connector opens the database when set (instead of driver and dsn).
	connector driver.Connector

	// The cache engines: the servers in LOCATION order, credentials,
	// database number, the Django backend, TLS and timeouts.
	addrs                []string
	user, password       string
	db                   int
	backend              string // redis, django-redis, pymemcache, pylibmc
	tlsConfig            *tls.Config
	timeout, dialTimeout time.Duration
	poolSize             int

	// Redis: the topology (topoReplicated, topoShard, topoSentinel), the
	// shards' LOCATION entries, the sentinels and the master they watch.
	topology   string
	shardNames []string
	sentinels  []string
	masterName string
	// pooler is PgBouncer's transaction pooling (pool_mode=transaction).
	pooler bool
	// mcOptions is the memcached backend's OPTIONS (mcpool.Options).
	mcOptions map[string]any
}

var errDBURL = errors.New("bad database URL")

// what names what t points at, for messages: the SQL dialect or the kind.
func (t *dbTarget) what() string {
	if t.kind == kindSQL {
		return t.dialect.String()
	}
	return string(t.kind)
}

// parseDatabaseURL reads a database URL in the forms dj-database-url
// accepts, and the cache LOCATIONs Django's cache backends take:
//
//	postgres://user:pass@host:5432/name   (also postgresql://, pgsql://)
//	mysql://user:pass@host:3306/name      (also mysql2://, mariadb://)
//	sqlite:///relative/path.sqlite3       (three slashes: relative)
//	sqlite:////absolute/path.sqlite3      (four slashes: absolute)
//	sqlite://:memory:
//	file:///var/lib/app/sessions          the file engine's SESSION_FILE_PATH
//	redis://:password@host:6379/0         the cache engines on Redis (rediss:// for TLS)
//	memcached://host:11211                the cache engines on memcached
//
// A bare path is taken as the file engine's directory when it is a
// directory, and as SQLite when it is a file. A query parameter the
// command does not understand is refused, whatever the scheme: a
// parameter silently dropped (a TLS setting) would change what the
// operator asked for.
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
	scheme = strings.ToLower(scheme)
	// The SQL schemes are the names django.ParseDialect knows
	// (dj-database-url's); the dialect is zero for the others.
	dialect, _ := django.ParseDialect(scheme)
	switch {
	case dialect == django.SQLite:
		// dj-database-url: sqlite://:memory: and sqlite:// are in-memory;
		// otherwise the path is everything after "sqlite://" minus one
		// slash, so three slashes give a relative path, four an absolute.
		// A '?' starts the query, as in any URL ('%3F' in a file name).
		rest, query, _ := strings.Cut(rest, "?")
		if err := refuseParams(scheme, query); err != nil {
			return nil, err
		}
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
	case scheme == "redis", scheme == "rediss":
		return parseRedisURL(scheme, rest)
	case scheme == "memcached", scheme == "pymemcache", scheme == "pylibmc", scheme == "memcache":
		return parseMemcachedURL(scheme, rest)
	case scheme == "file":
		u, err := url.Parse(raw)
		if err != nil || u.Host != "" && u.Host != "localhost" || u.Path == "" {
			return nil, usagef("%v: file URLs look like file:///absolute/directory", errDBURL)
		}
		if err := refuseParams(scheme, u.RawQuery); err != nil {
			return nil, err
		}
		return &dbTarget{kind: kindFile, path: u.Path, display: u.Path}, nil
	case dialect == django.PostgreSQL:
		u, err := url.Parse(raw)
		if err != nil {
			return nil, usagef("%v: %v", errDBURL, redactErr(err, raw))
		}
		u.Scheme = "postgres"
		p, err := newParams(scheme, u.RawQuery)
		if err != nil {
			return nil, err
		}
		t := &dbTarget{kind: kindSQL, dialect: django.PostgreSQL, driver: "postgres", display: u.Redacted()}
		// libpq's TLS parameters, which lib/pq reads from the URL itself
		if mode, ok := p.take("sslmode"); ok {
			levels := map[string]tlsLevel{"disable": tlsDisabled, "allow": tlsPreferred, "prefer": tlsPreferred,
				"require": tlsRequired, "verify-ca": tlsVerifyCA, "verify-full": tlsVerifyIdentity}
			if t.tls, ok = levels[mode]; !ok {
				return nil, usagef("%v: sslmode=%q: disable, allow, prefer, require, verify-ca or verify-full", errDBURL, mode)
			}
		}
		p.take("sslrootcert")
		p.take("sslcert")
		p.take("sslkey")
		p.take("sslsni")
		p.take("connect_timeout")
		p.take("application_name")
		// PgBouncer's pool_mode: behind transaction (or statement)
		// pooling nothing is prepared (dbstore.Options.TransactionPooler)
		// and lib/pq sends each statement with its parameters in one round
		// trip (its binary_parameters=yes, added here).
		binary, hasBinary := p.take("binary_parameters")
		if mode, ok := p.take("pool_mode"); ok {
			switch mode {
			case "session":
			case "transaction", "statement":
				if hasBinary && binary != "yes" {
					return nil, usagef("%v: pool_mode=%s needs binary_parameters=yes", errDBURL, mode)
				}
				t.pooler = true
			default:
				return nil, usagef("%v: pool_mode=%q: session, transaction or statement", errDBURL, mode)
			}
			q := u.Query()
			q.Del("pool_mode")
			if t.pooler {
				q.Set("binary_parameters", "yes")
			}
			u.RawQuery = q.Encode()
		}
		if err := p.done(); err != nil {
			return nil, err
		}
		t.dsn = u.String()
		return t, nil
	case dialect == django.MySQL:
		return parseMySQLURL(scheme, raw)
	}
	return nil, usagef("%v: unsupported scheme %q (postgres, mysql, sqlite, file, redis, rediss, memcached)", errDBURL, scheme)
}

func parseMySQLURL(scheme, raw string) (*dbTarget, error) {
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
	p, err := newParams(scheme, u.RawQuery)
	if err != nil {
		return nil, err
	}
	if s, ok := p.take("unix_socket"); ok {
		cfg.Net, cfg.Addr = "unix", s
	}
	if cs, ok := p.take("charset"); ok {
		cfg.Params = map[string]string{"charset": cs}
	}
	level, files, err := mysqlTLSParams(p)
	if err != nil {
		return nil, err
	}
	if err := p.done(); err != nil {
		return nil, err
	}
	// Django stores naive UTC datetimes (USE_TZ=True, the database's
	// TIME_ZONE unset); read them as text and parse them ourselves.
	cfg.ParseTime = false
	// rows matched, not changed: an upsert of identical data counts
	cfg.ClientFoundRows = true
	t := &dbTarget{kind: kindSQL, dialect: django.MySQL, driver: "mysql", dsn: cfg.FormatDSN(), display: u.Redacted(), tls: level}
	if level > tlsDisabled {
		if cfg.TLS, err = tlsConfig(level, u.Hostname(), files); err != nil {
			return nil, err
		}
		cfg.AllowFallbackToPlaintext = level == tlsPreferred
	}
	if t.connector, err = mysql.NewConnector(cfg); err != nil {
		return nil, usagef("%v: %v", errDBURL, err)
	}
	return t, nil
}

// mysqlTLSParams reads the TLS parameters users of dj-database-url and of
// the MySQL clients write (ssl, ssl-mode, ssl-ca, ssl-cert, ssl-key, with
// '-' or '_') and go-sql-driver/mysql's own tls=. The strictest wins; a
// parameter that disables TLS beside one that asks for it is refused.
func mysqlTLSParams(p *params) (tlsLevel, tlsFiles, error) {
	var asked []tlsLevel
	var names []string
	if v, ok := p.take("ssl"); ok {
		names = append(names, "ssl="+v)
		b, err := strconv.ParseBool(v)
		if err != nil {
			return 0, tlsFiles{}, usagef("%v: ssl=%q: true or false", errDBURL, v)
		}
		asked = append(asked, map[bool]tlsLevel{true: tlsRequired, false: tlsDisabled}[b])
	}
	if v, ok := p.take("ssl-mode", "ssl_mode"); ok {
		names = append(names, "ssl-mode="+v)
		levels := map[string]tlsLevel{"DISABLED": tlsDisabled, "PREFERRED": tlsPreferred, "REQUIRED": tlsRequired,
			"VERIFY_CA": tlsVerifyCA, "VERIFY_IDENTITY": tlsVerifyIdentity}
		l, ok := levels[strings.ToUpper(v)]
		if !ok {
			return 0, tlsFiles{}, usagef("%v: ssl-mode=%q: DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY", errDBURL, v)
		}
		asked = append(asked, l)
	}
	if v, ok := p.take("tls"); ok {
		names = append(names, "tls="+v)
		levels := map[string]tlsLevel{"false": tlsDisabled, "preferred": tlsPreferred, "skip-verify": tlsRequired, "true": tlsVerifyIdentity}
		l, ok := levels[strings.ToLower(v)]
		if !ok {
			return 0, tlsFiles{}, usagef("%v: tls=%q: true, false, skip-verify or preferred", errDBURL, v)
		}
		asked = append(asked, l)
	}
	var f tlsFiles
	f.ca, _ = p.take("ssl-ca", "ssl_ca")
	f.cert, _ = p.take("ssl-cert", "ssl_cert")
	f.key, _ = p.take("ssl-key", "ssl_key")
	level := tlsUnset
	for _, l := range asked {
		if l == tlsDisabled && slices.ContainsFunc(asked, func(o tlsLevel) bool { return o > tlsDisabled }) {
			return 0, tlsFiles{}, usagef("%v: TLS parameters %s disagree: one disables TLS, another asks for it", errDBURL, strings.Join(names, ", "))
		}
		level = max(level, l)
	}
	if f.ca != "" && level != tlsDisabled && level < tlsVerifyCA {
		level = tlsVerifyCA // as the MySQL client does with a CA given
	}
	return level, f, nil
}
func sqliteTarget(path, display string) *dbTarget {
	// busy_timeout: a live Django app may hold the write lock briefly.
	// SQLite decodes %XX in file: URIs; '?' and '#' would end the path.
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	dsn := "file:" + esc + "?_pragma=busy_timeout(5000)"
	if path == ":memory:" {
		dsn = ":memory:"
	}
	return &dbTarget{kind: kindSQL, dialect: django.SQLite, driver: "sqlite", dsn: dsn, display: display, path: path}
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

// tlsLevel is what a database URL asks of TLS, weakest first.
type tlsLevel int

const (
	tlsUnset          tlsLevel = iota // the driver's default
	tlsDisabled                       // plaintext, as asked
	tlsPreferred                      // TLS when the server offers it, unverified
	tlsRequired                       // TLS or no connection; certificate not verified
	tlsVerifyCA                       // TLS, certificate chain verified
	tlsVerifyIdentity                 // TLS, chain and host name verified
)
