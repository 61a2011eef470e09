package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	_ "time/tzdata" // --db-time-zone without a system zoneinfo

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/filestore"
	_ "github.com/go-sql-driver/mysql" // mysql://
	_ "github.com/lib/pq"              // postgres://
	"github.com/spf13/cobra"
	_ "modernc.org/sqlite" // sqlite:///
)

func init() { commandSet = append(commandSet, newSessionsCmd) }

// defaultTable is the db_table of django.contrib.sessions.models.Session.
const defaultTable = "django_session"

// sessionsEnv holds what every "sessions" subcommand shares: where the
// table is, the secret keys, and a clock.
type sessionsEnv struct {
	a     *app
	dbURL string
	// readDBURL is --read-database-url: a read replica of the database
	// (ls, show and stats only)
	readDBURL string
	table     string
	className string
	secret    secretFlags
	// file engine settings: SESSION_COOKIE_NAME, SESSION_COOKIE_AGE
	cookieName string
	cookieAge  time.Duration
	// dbTimeZone is the zone of naive expire_date values (SQLite, MySQL)
	dbTimeZone string
	// cache engines: CACHES KEY_PREFIX and VERSION
	cacheKeyPrefix string
	cacheVersion   int
	cachedDB       bool // the cached_db engine's cache entries, not the cache engine's
	// batch is --batch-size of clear-expired (the library's default when 0)
	batch int
	now   func() time.Time
}

// afterRowKey is the context key of a func(n int) that batch commands call
// after each row they change (tests use it to interrupt a run).
type afterRowKey struct{}

func afterRow(ctx context.Context, n int) {
	if f, ok := ctx.Value(afterRowKey{}).(func(int)); ok {
		f(n)
	}
}

func newSessionsCmd(a *app) *cobra.Command {
	e := &sessionsEnv{a: a, now: time.Now}
	cmd := &cobra.Command{
		Use:   "sessions",
		Short: "Inspect, clean and re-key the sessions a Django project stores",
		Long: `Commands that work on the django_session table of a Django project (the
db and cached_db engines) on PostgreSQL, MySQL/MariaDB or SQLite.

The database comes from --database-url or $DATABASE_URL, written as
dj-database-url reads it:

  postgres://user:pass@host:5432/name   (postgresql:// too; sslmode, sslrootcert, sslcert,
                                        sslkey as libpq takes them; pool_mode=transaction
                                        behind PgBouncer's transaction pooling: nothing is
                                        prepared and lib/pq gets binary_parameters=yes)
  mysql://user:pass@host:3306/name      (datetimes read as UTC, Django's USE_TZ=True; TLS
                                        from ssl=true, ssl-mode=REQUIRED|VERIFY_CA|
                                        VERIFY_IDENTITY, ssl-ca, ssl-cert, ssl-key or tls=)
  sqlite:///relative/path.sqlite3       (three slashes: relative to the current directory)
  sqlite:////absolute/path.sqlite3      (four slashes: absolute)
  file:///var/lib/app/sessions          (the file engine's SESSION_FILE_PATH; a bare
                                        directory path works too)
  redis://[:password@]host:6379/0       (the cache engines on Redis: ls, show, stats,
                                        and copy --to; ?backend=django-redis for its format)
  redis://h1:6379,h2:6379/0             (several servers in LOCATION order: the first is
                                        written and listed, the others read, as Django's
                                        RedisCache and django-redis's DefaultClient do;
                                        ?client_class=ShardClient for django-redis's shards,
                                        each named redis://h1:6379/0 as in LOCATION and
                                        every one listed; redis://mymaster/0?client_class=
                                        SentinelClient&sentinels=s1:26379,s2:26379)
  rediss://host:6380/0                  (Redis over TLS, with redis-py's ssl_cert_reqs,
                                        ssl_ca_certs, ssl_certfile, ssl_keyfile and
                                        ssl_check_hostname)
  memcached://host:11211[,host2:11211]  (the cache engines on memcached 1.6+, servers in
                                        LOCATION order, listed on every node, each key on
                                        the server Django's backend picks:
                                        ?backend=pymemcache|pylibmc|memcached; pymemcache's
                                        ignore_exc, retry_attempts, retry_timeout,
                                        dead_timeout; pylibmc's behaviors hash, ketama,
                                        ketama_weighted, distribution, _sort_hosts, as in
                                        ?backend=pylibmc&ketama=1&hash=md5; python-
                                        memcached's dead_retry)

ls, show and stats read from --read-database-url when given, a read replica
of the database; nothing is ever written there.

A query parameter not listed here is refused: one dropped silently (a TLS
setting) would change what was asked for.

SECRET_KEY comes from --secret-key-file or $DJANGO_SECRET_KEY, and
SECRET_KEY_FALLBACKS from --fallback-key-file or $DJANGO_SECRET_KEY_FALLBACKS
(one key per line).`,
		Example: `  export DATABASE_URL=sqlite:///testdata/sessions_db.sqlite3
  djsession sessions ls --secret-key-file testdata/sessions_db_secret_key.txt
  djsession sessions stats --secret-key-file key.txt --database-url postgres://app@db/app
  djsession sessions clear-expired --dry-run --database-url mysql://app@db/app`,
	}
	cmd.AddCommand(
		e.newLsCmd(),
		e.newShowCmd(),
		e.newDecodeCmd(),
		e.newStatsCmd(),
		e.newClearExpiredCmd(),
		e.newRekeyCmd(),
		e.newCopyCmd(),
		e.newConvertCmd(),
	)
	return cmd
}

// replicaFlag registers --read-database-url on the commands that only
// read (ls, show, stats).
func (e *sessionsEnv) replicaFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&e.readDBURL, "read-database-url", "", "a read replica of the database to read from (PostgreSQL, MySQL); writes never go there")
}

// dbFlags registers --database-url, --table and --class-name on cmd.
func (e *sessionsEnv) dbFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&e.dbURL, "database-url", "", "database holding the sessions (default $"+envDatabaseURL+")")
	cmd.Flags().StringVar(&e.table, "table", defaultTable, "session table (db_table of a custom session model)")
	cmd.Flags().StringVar(&e.cookieName, "cookie-name", "sessionid", "SESSION_COOKIE_NAME, the file engine's file name prefix")
	cmd.Flags().DurationVar(&e.cookieAge, "cookie-age", djangosession.DefaultCookieAge, "SESSION_COOKIE_AGE, for the file engine's expiry (mtime + age)")
	cmd.Flags().StringVar(&e.dbTimeZone, "db-time-zone", "UTC", "zone of the naive expire_date values on SQLite and MySQL: UTC with USE_TZ=True, settings.TIME_ZONE with USE_TZ=False")
	cmd.Flags().StringVar(&e.cacheKeyPrefix, "cache-key-prefix", "", "the cache's KEY_PREFIX (cache engines)")
	cmd.Flags().IntVar(&e.cacheVersion, "cache-version", 1, "the cache's VERSION (cache engines)")
	cmd.Flags().BoolVar(&e.cachedDB, "cached-db", false, "on a cache URL, the cached_db engine's copies (key prefix django.contrib.sessions.cached_db) instead of the cache engine's sessions")
	e.classFlag(cmd)
}

func (e *sessionsEnv) classFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&e.className, "class-name", "SessionStore", "__qualname__ of the session store class (sets the key salt)")
}

// sessionStore is where the sessions commands find sessions: a database
// table (sessionDB) or the file engine's directory (fileDir).
type sessionStore interface {
	// each streams the sessions f selects, in key order.
	each(ctx context.Context, f rowFilter, fn func(sessionRow) error) error
	// count returns how many sessions f selects.
	count(ctx context.Context, f rowFilter) (int64, error)
	// clearExpired deletes expired sessions as Django's clear_expired.
	clearExpired(ctx context.Context) (int64, error)
	// records is what rekey, convert and copy write through: nil for the
	// cache engines, which they do not rewrite.
	records() djangosession.RecordWriter
	Close() error
}

// sessionDB is a django_session table, read and written through the
// library's dbstore.
type sessionDB struct {
	db *sql.DB
	// store reads the table (List), clears it (ClearExpired) and rewrites
	// its rows (RecordWriter)
	store *dbstore.Store
	// replica, when --read-database-url names one, is what ls, show and
	// stats read; it is closed with db
	replica      *sql.DB
	replicaStore *dbstore.Store
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$`)

// isCacheStore reports whether s is a cache engine's (read-only here).
func isCacheStore(s sessionStore) bool {
	switch s.(type) {
	case *cacheSessions:
		return true
	}
	return false
}

// resolveKeys returns SECRET_KEY and its fallbacks. The cache engines
// store unsigned pickles, so reading them needs no key.
func (e *sessionsEnv) resolveKeys() (string, []string, error) {
	key, fallbacks, err := e.secret.resolve(e.a)
	if errors.Is(err, errNoSecret) {
		raw := e.dbURL
		if raw == "" {
			raw = e.a.getenv(envDatabaseURL)
		}
		if t, perr := parseDatabaseURL(raw); perr == nil && (t.kind == kindRedis || t.kind == kindMemcached) {
			return "\x00no key: cache engine", nil, nil
		}
	}
	return key, fallbacks, err
}

// openRewritable is open for the commands that rewrite sessions in place
// (rekey, convert): the cache engines are refused, as they keep no
// session_data to rewrite.
func (e *sessionsEnv) openRewritable(ctx context.Context) (sessionStore, error) {
	db, err := e.open(ctx)
	if err != nil {
		return nil, err
	}
	if isCacheStore(db) {
		db.Close()
		return nil, usagef("%v", errCacheReadOnly)
	}
	return db, nil
}

// open connects to the database named by --database-url or $DATABASE_URL
// (or opens the file engine's directory).
func (e *sessionsEnv) open(ctx context.Context) (sessionStore, error) {
	raw := e.dbURL
	if raw == "" {
		raw = e.a.getenv(envDatabaseURL)
	}
	t, err := parseDatabaseURL(raw)
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case kindFile:
		return e.openFileDir(t.path, true)
	case kindRedis, kindMemcached:
		return e.openCache(ctx, t)
	}
	return e.openDB(ctx, t)
}

// openFileDir opens the file engine's directory dir. Reading it (needKey)
// needs SECRET_KEY: the file engine's expiry is in the session data, as
// Django's clearsessions reads it; writing records (copy --to) does not.
func (e *sessionsEnv) openFileDir(dir string, needKey bool) (*fileDir, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("session directory %s: not a directory", dir)
	}
	if e.cookieAge <= 0 {
		return nil, usagef("--cookie-age must be positive")
	}
	if _, _, err := e.secret.resolve(e.a); err != nil && needKey {
		return nil, fmt.Errorf("the file engine keeps expiry in the session data: %w", err)
	}
	codec, err := e.codecOrPlaceholder()
	if err != nil {
		return nil, err
	}
	store, err := filestore.New(&filestore.Options{Dir: dir, CookieName: e.cookieName, CookieAge: e.cookieAge, Codec: codec, Now: e.now})
	if err != nil {
		return nil, fmt.Errorf("session directory: %w", errors.Unwrap(err))
	}
	return &fileDir{store: store}, nil
}

func (e *sessionsEnv) openDB(ctx context.Context, t *dbTarget) (*sessionDB, error) {
	if !identRE.MatchString(e.table) {
		return nil, usagef("bad --table %q: letters, digits and underscores, optionally schema.table", e.table)
	}
	if t.dialect == django.SQLite && t.path != ":memory:" {
		if _, err := os.Stat(t.path); err != nil {
			return nil, fmt.Errorf("sqlite database %s: %w", t.path, errors.Unwrap(err))
		}
	}
	var db *sql.DB
	var err error
	if t.connector != nil {
		db = sql.OpenDB(t.connector)
	} else if db, err = sql.Open(t.driver, t.dsn); err != nil {
		return nil, fmt.Errorf("opening %s: %w", t.display, err)
	}
	if t.dialect == django.SQLite {
		db.SetMaxOpenConns(1)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to %s: %w", t.display, err)
	}
	loc, err := time.LoadLocation(e.dbTimeZone)
	if err != nil {
		db.Close()
		return nil, usagef("--db-time-zone %q: %v", e.dbTimeZone, err)
	}
	codec, err := e.codecOrPlaceholder()
	if err != nil {
		db.Close()
		return nil, err
	}
	o := &dbstore.Options{Dialect: t.dialect, Codec: codec, Table: e.table, Location: loc,
		BatchSize: e.batch, Now: e.now, NoPrepare: true, TransactionPooler: t.pooler}
	store, err := dbstore.New(db, o)
	if err != nil {
		db.Close()
		return nil, usagef("%v", err)
	}
	s := &sessionDB{db: db, store: store}
	if e.readDBURL != "" {
		if err := e.openReplica(ctx, s, t, o); err != nil {
			db.Close()
			return nil, err
		}
	}
	return s, nil
}

// openReplica opens --read-database-url, a read replica of t (the same
// engine), and lists through it: ls, show and stats read there, as a
// Django router's db_for_read would; nothing is written to it.
func (e *sessionsEnv) openReplica(ctx context.Context, s *sessionDB, t *dbTarget, o *dbstore.Options) error {
	rt, err := parseDatabaseURL(e.readDBURL)
	if err != nil {
		return err
	}
	if rt.kind != t.kind || rt.dialect == django.SQLite {
		return usagef("--read-database-url: a replica of the %s database (%s), not %s", t.kind, t.display, rt.display)
	}
	var rdb *sql.DB
	if rt.connector != nil {
		rdb = sql.OpenDB(rt.connector)
	} else if rdb, err = sql.Open(rt.driver, rt.dsn); err != nil {
		return fmt.Errorf("opening %s: %w", rt.display, err)
	}
	if err := rdb.PingContext(ctx); err != nil {
		rdb.Close()
		return fmt.Errorf("connecting to %s: %w", rt.display, err)
	}
	ro := *o
	ro.TransactionPooler = rt.pooler
	rs, err := dbstore.New(rdb, &ro)
	if err != nil {
		rdb.Close()
		return usagef("%v", err)
	}
	s.replica, s.replicaStore = rdb, rs
	return nil
}

func (s *sessionDB) Close() error {
	if s.replica != nil {
		s.replica.Close()
	}
	return s.db.Close()
}

// codecOrPlaceholder returns a codec under SECRET_KEY, or, without a key,
// one under a key nothing is signed with: clear-expired on the db engine
// reads no session data, as Django's clearsessions does not.
func (e *sessionsEnv) codecOrPlaceholder() (*djangosession.Codec, error) {
	key, fallbacks, err := e.secret.resolve(e.a)
	if errors.Is(err, errNoSecret) {
		key, fallbacks, err = "\x00no key given", nil, nil
	}
	if err != nil {
		return nil, err
	}
	return djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: key, SecretKeyFallbacks: fallbacks}, ClassName: e.className, Serializer: sessionSerializer{}})
}

// sessionRow is one row of the session table.
type sessionRow struct {
	key    string
	data   string
	expire time.Time
	raw    []byte // cache engines: the cache value
	// cache is the cache engine's store the row comes from (nil for the
	// db and file engines), rec the record it listed
	cache *cachestore.Store
	rec   djangosession.Record
}

// size is the stored size of the session in bytes.
func (r sessionRow) size() int { return len(r.data) + len(r.raw) }

// rowFilter selects rows in SQL. Rows always come in session_key order.
type rowFilter struct {
	active, expired bool
	now             time.Time
	keyPrefix       string
	after           string // session_key > after
	limit           int    // 0: no limit
	key             string // exactly this key
}

// match reports whether f selects r: the one filter every store's listing
// applies (the SQL of sessionDB applies it in the database too).
func (f rowFilter) match(r sessionRow) bool {
	if f.key != "" && r.key != f.key || f.after != "" && r.key <= f.after || !strings.HasPrefix(r.key, f.keyPrefix) {
		return false
	}
	live := r.expire.After(f.now)
	return !(f.active && !live || f.expired && live)
}

// listEach streams the records of l that f selects to fn as rows, in key
// order: the one filter and limit loop of every store the commands read.
func listEach(ctx context.Context, l djangosession.Lister, f rowFilter, row func(djangosession.Record) sessionRow, fn func(sessionRow) error) error {
	prefix := f.keyPrefix
	if f.key != "" {
		prefix = f.key
	}
	n := 0
	for r, err := range l.List(ctx, &djangosession.ListOptions{After: f.after, Prefix: prefix}) {
		if err != nil {
			return fmt.Errorf("reading sessions: %w", err)
		}
		sr := row(r)
		if !f.match(sr) {
			continue
		}
		if err := fn(sr); err != nil {
			return err
		}
		if n++; f.limit > 0 && n >= f.limit {
			return nil
		}
	}
	return nil
}

// countEach counts what each(f) streams, its limit ignored.
func countEach(ctx context.Context, s sessionStore, f rowFilter) (int64, error) {
	var n int64
	f.limit = 0
	err := s.each(ctx, f, func(sessionRow) error { n++; return nil })
	return n, err
}

func (s *sessionDB) each(ctx context.Context, f rowFilter, fn func(sessionRow) error) error {
	store := s.store
	if s.replicaStore != nil {
		store = s.replicaStore
	}
	return listEach(ctx, store, f, func(r djangosession.Record) sessionRow {
		return sessionRow{key: r.Key, data: string(r.Data), expire: r.Expire}
	}, fn)
}

func (s *sessionDB) records() djangosession.RecordWriter { return s.store }

func (s *sessionDB) count(ctx context.Context, f rowFilter) (int64, error) {
	return countEach(ctx, s, f)
}

// clearExpired deletes the expired rows with the library's ClearExpired
// (Django's clear_expired, in statements of --batch-size rows).
func (s *sessionDB) clearExpired(ctx context.Context) (int64, error) {
	return s.store.ClearExpired(ctx)
}

// isTerminal reports whether w is a terminal (for progress bars).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress draws a one-line progress bar on a terminal; it is silent
// elsewhere.
type progress struct {
	w     io.Writer
	on    bool
	total int64
	label string
	last  time.Time
}

func newProgress(w io.Writer, label string, total int64) *progress {
	return &progress{w: w, on: isTerminal(w) && total > 0, total: total, label: label}
}

func (p *progress) update(done int64) {
	if !p.on {
		return
	}
	if now := time.Now(); now.Sub(p.last) < 100*time.Millisecond && done < p.total {
		return
	} else {
		p.last = now
	}
	const width = 30
	frac := float64(done) / float64(p.total)
	if frac > 1 {
		frac = 1
	}
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%% %d/%d", p.label, strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100, done, p.total)
}

func (p *progress) finish() {
	if p.on {
		fmt.Fprintln(p.w)
	}
}
