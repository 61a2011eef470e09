// Package dbstore is Django's db session engine: sessions in the
// django_session table (or a custom AbstractBaseSession table with the same
// columns) on PostgreSQL, MySQL/MariaDB or SQLite, through database/sql.
//
// The first call is New with the *sql.DB, its Dialect and the project's
// Codec; the Store it returns is the djangosession.Store an Engine takes:
//
//	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: settings})
//	store, err := dbstore.New(db, &dbstore.Options{Dialect: django.SQLite, Codec: codec})
//	engine, err := djangosession.NewEngine(store, &djangosession.Options{Settings: settings})
//
// The store takes a *sql.DB opened with any driver (lib/pq, pgx's stdlib,
// go-sql-driver/mysql, a SQLite driver); the package imports none. It
// writes expire_date exactly as Django does on each database:
//
//   - PostgreSQL: timestamp with time zone, an aware instant.
//   - MySQL and SQLite: a naive value in the connection's time zone (UTC
//     with USE_TZ = True unless the database's TIME_ZONE says otherwise;
//     TIME_ZONE's wall clock with USE_TZ = False), written as Python's
//     str(datetime): "YYYY-MM-DD HH:MM:SS[.ffffff]".
//
// Load selects the row only while expire_date is later than now, with now
// computed here and passed as a parameter in the same form, as Django does,
// so that SQLite's text comparison orders values the same way.
//
// Every call honours its context as far as the driver does. When the
// database goes away (connections reset, new ones refused) every call
// returns an error, and the same Store works again once it is back. When
// the server stops answering but keeps connections open, pgx's stdlib
// driver and go-sql-driver/mysql return at the context deadline; lib/pq
// does not (it sends a cancel request and keeps waiting for the reply), so
// prefer pgx, or bound such hangs with TCP keepalives, where that matters.
//
// # Topologies
//
// Sessions in a database other than Django's default one (DATABASES with a
// router that sends the sessions app to, say, "sessions_db") need nothing
// more than that database's DSN: the store only knows the *sql.DB it is
// given.
//
// Behind PgBouncer with pool_mode = transaction, consecutive statements of
// one client run on whichever server connection is free, so a statement
// prepared on one is missing (or another client's) on the next. Set
// Options.TransactionPooler and open the driver so that it sends each
// statement in one round trip: default_query_exec_mode=exec with pgx,
// binary_parameters=yes with lib/pq (see the field for why). Errors of
// the wrong configuration match ErrPooler. PgBouncer 1.21 and later with
// max_prepared_statements > 0 keep prepared statements themselves.
//
// A site whose router reads sessions from a streaming replica gives the
// replica as Options.ReadDB. Writes go to the primary; reads go to the
// replica except where that would lose the caller's own write: a key this
// Store wrote less than Options.ReplicaLag ago, a context from
// ReadPrimary, or a key the replica does not hold (yet). Django with the
// same router has none of these: a session it has just created is not
// found on a lagging replica, and the user is logged out.
package dbstore

import (
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
)

// DefaultTable is the table of Django's own Session model.
const DefaultTable = "django_session"

// DefaultBatchSize is how many rows ClearExpired deletes per statement.
const DefaultBatchSize = 1000

// MaxKeyLength is the width of the session_key column.
const MaxKeyLength = 40

// Errors.
var (
	// ErrNoCodec is returned by New without a codec.
	ErrNoCodec = errors.New("dbstore: no codec")
	// ErrTable is returned by New for a table name that is not a plain
	// (optionally schema-qualified) SQL identifier.
	ErrTable = errors.New("dbstore: invalid table name")
	// ErrClosed is returned by a Store's methods after Close.
	ErrClosed = errors.New("dbstore: store closed")
	// ErrPooler is matched (errors.Is) by a database error that says a
	// statement was prepared on one server connection and used on
	// another (SQLSTATE 26000, 42P05 or 08P01): the mark of a
	// transaction-pooling proxy such as PgBouncer in front of a store or a
	// driver that keeps statements across transactions. Set
	// Options.TransactionPooler and configure the driver as it says.
	ErrPooler = errors.New("dbstore: prepared statement lost by a transaction pooler (see Options.TransactionPooler)")
)

// DefaultReplicaLag is Options.ReplicaLag when zero.
const DefaultReplicaLag = 5 * time.Second

// Options configure a Store. Dialect and Codec are required; the zero
// value of every other field means Django's default.
type Options struct {
	Dialect django.Dialect
	// Codec encodes and decodes session_data (SECRET_KEY, fallbacks,
	// serializer, store class name).
	Codec *djangosession.Codec
	// Table is the session table: DefaultTable when empty. A custom
	// AbstractBaseSession model's table ("app_model", or "schema.table"
	// on PostgreSQL) works the same way.
	Table string
	// NaiveTime is USE_TZ = False.
	NaiveTime bool
	// Location is the time zone naive expire_date values are written in on
	// MySQL and SQLite: TIME_ZONE when NaiveTime, else the database's
	// TIME_ZONE option. UTC when nil.
	Location *time.Location
	// BatchSize is the number of rows ClearExpired deletes per statement;
	// DefaultBatchSize when zero.
	BatchSize int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// NoPrepare runs every statement unprepared. By default the store
	// prepares its statements on first use (database/sql then keeps one
	// per connection), which saves parsing on every call and, on MySQL,
	// two round trips per call; a connection pooler that cannot keep
	// prepared statements (PgBouncer in transaction mode before 1.21)
	// needs NoPrepare.
	NoPrepare bool
	// TransactionPooler says that db reaches PostgreSQL through a
	// transaction-pooling proxy (PgBouncer with pool_mode = transaction,
	// or statement), where consecutive statements of one client may run
	// on different server connections. The store then prepares nothing,
	// as with NoPrepare. The driver must also send each statement in one
	// round trip, with no named statement kept on the connection:
	//
	//   - lib/pq: binary_parameters=yes in the DSN. Without it lib/pq
	//     parses each statement in one round trip and binds it in the next,
	//     which under the pooler binds parameters to another client's
	//     statement.
	//   - pgx (stdlib): default_query_exec_mode=exec (or simple_protocol)
	//     in the DSN. Its default, cache_statement, names and caches
	//     statements per client connection; describe_exec takes two round
	//     trips.
	//
	// PgBouncer 1.21 and later with max_prepared_statements > 0 track
	// protocol-level prepared statements themselves; behind them neither
	// this field nor the DSN settings are needed.
	TransactionPooler bool
	// ReadDB, when not nil, is the handle Load, LoadExpiry and Exists read
	// through: a streaming replica, as a Django database router's
	// db_for_read sends session reads to one. Writes, ClearExpired and
	// CreateTable use db. Reads go to db instead when the read could see
	// data older than the caller's own write:
	//
	//   - the key was saved or deleted through this Store less than
	//     ReplicaLag ago (read-your-writes for the request that just
	//     saved, and for every later one this process serves in that
	//     time);
	//   - the context comes from ReadPrimary;
	//   - ReadDB has no live row for the key (a session another process
	//     or Django created a moment ago, not replicated yet): the read is
	//     asked again of db rather than logging the user out. A key nobody
	//     holds (a stale cookie, a new key being checked) thus costs one
	//     query on each handle.
	//
	// A row another process changed or deleted less than the replica's
	// lag ago can still be read as it was, as Django with the same router
	// reads it. An error from ReadDB (the replica down) is returned, not
	// retried on db, as Django's router would have it.
	ReadDB *sql.DB
	// ReplicaLag is how long after a write through this Store reads of
	// that key go to db rather than ReadDB: DefaultReplicaLag when zero,
	// never when negative. Set it above the replica's worst lag
	// (pg_stat_replication's replay_lag).
	ReplicaLag time.Duration
}

// Store is a djangosession.Store over a session table. It is safe for
// concurrent use.
type Store struct {
	db      *sql.DB
	d       django.Dialect
	codec   *djangosession.Codec
	table   string // quoted
	rawName string
	loc     *time.Location
	batch   int
	now     func() time.Time

	noPrepare bool
	closed    atomic.Bool

	readDB *sql.DB // nil without a replica
	recent recentWrites

	qLoad, qInsert, qUpdate, qSame, qExists, qDelete, qClear query
	qLoadRead, qExistsRead                                   query // on readDB
	rq                                                       recordQueries
}

// query is one of the store's statements, prepared on first use.
type query struct {
	text string
	db   *sql.DB
	mu   sync.Mutex // held while preparing
	stmt atomic.Pointer[sql.Stmt]
}

var (
	_ djangosession.Store          = (*Store)(nil)
	_ djangosession.ExpiryLoader   = (*Store)(nil)
	_ djangosession.ExpiredClearer = (*Store)(nil)
)

// New returns a Store. It does not touch the database.
func New(db *sql.DB, o *Options) (*Store, error) {
	if o == nil {
		return nil, fmt.Errorf("dbstore: %w: nil Options", django.ErrUnknownDialect)
	}
	if err := o.Dialect.Validate(); err != nil {
		return nil, fmt.Errorf("dbstore: %w", err)
	}
	if o.Codec == nil {
		return nil, ErrNoCodec
	}
	name := o.Table
	if name == "" {
		name = DefaultTable
	}
	quoted, err := quoteTable(o.Dialect, name)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, d: o.Dialect, codec: o.Codec, table: quoted, rawName: name,
		loc: o.Location, batch: o.BatchSize, now: o.Now, noPrepare: o.NoPrepare || o.TransactionPooler,
		readDB: o.ReadDB}
	s.recent.window = o.ReplicaLag
	if s.recent.window == 0 {
		s.recent.window = DefaultReplicaLag
	}
	if s.loc == nil {
		s.loc = time.UTC
	}
	if s.batch <= 0 {
		s.batch = DefaultBatchSize
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.prepareQueries()
	return s, nil
}

func (s *Store) prepareQueries() {
	p := s.d.Placeholder
	t := s.table
	s.qLoad.text = "SELECT session_data, expire_date FROM " + t + " WHERE session_key = " + p(1) + " AND expire_date > " + p(2)
	switch s.d {
	case django.MySQL:
		s.qInsert.text = "INSERT INTO " + t + " (session_key, session_data, expire_date) VALUES (?, ?, ?)"
		s.qClear.text = "DELETE FROM " + t + " WHERE expire_date < ? LIMIT ?"
	default:
		// The conflict clause turns a taken key into zero affected rows,
		// so no driver-specific error needs decoding.
		s.qInsert.text = "INSERT INTO " + t + " (session_key, session_data, expire_date) VALUES (" + p(1) + ", " + p(2) + ", " + p(3) + ") ON CONFLICT (session_key) DO NOTHING"
		s.qClear.text = "DELETE FROM " + t + " WHERE session_key IN (SELECT session_key FROM " + t + " WHERE expire_date < " + p(1) + " LIMIT " + p(2) + ")"
	}
	s.qUpdate.text = "UPDATE " + t + " SET session_data = " + p(1) + ", expire_date = " + p(2) + " WHERE session_key = " + p(3)
	s.qExists.text = "SELECT 1 FROM " + t + " WHERE session_key = " + p(1)
	s.qSame.text = "SELECT 1 FROM " + t + " WHERE session_key = ? AND session_data = ? AND expire_date = ?" // MySQL only
	s.qDelete.text = "DELETE FROM " + t + " WHERE session_key = " + p(1)
	s.qLoadRead.text, s.qExistsRead.text = s.qLoad.text, s.qExists.text
	s.recordQueries(p)
	for _, q := range s.queries() {
		q.db = s.db
	}
	s.qLoadRead.db, s.qExistsRead.db = s.readDB, s.readDB
}

func (s *Store) queries() []*query {
	return append([]*query{&s.qLoad, &s.qInsert, &s.qUpdate, &s.qSame, &s.qExists, &s.qDelete, &s.qClear, &s.qLoadRead, &s.qExistsRead}, s.rq.all()...)
}

// prepared returns q's prepared statement, preparing it on first use, or
// nil when the store runs statements unprepared. A failed prepare (the
// database away) is tried again on the next call.
func (s *Store) prepared(ctx context.Context, q *query) (*sql.Stmt, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if s.noPrepare {
		return nil, nil
	}
	if st := q.stmt.Load(); st != nil {
		return st, nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if st := q.stmt.Load(); st != nil {
		return st, nil
	}
	if s.closed.Load() {
		return nil, ErrClosed
	}
	st, err := q.db.PrepareContext(ctx, q.text)
	if err != nil {
		return nil, err
	}
	q.stmt.Store(st)
	return st, nil
}

// queryRow runs q with args and scans its one row into dest.
func (s *Store) queryRow(ctx context.Context, q *query, args []any, dest ...any) error {
	st, err := s.prepared(ctx, q)
	if err != nil {
		return err
	}
	if st == nil {
		return q.db.QueryRowContext(ctx, q.text, args...).Scan(dest...)
	}
	return st.QueryRowContext(ctx, args...).Scan(dest...)
}

// Close releases the store's prepared statements. The *sql.DB stays open;
// the store's methods return ErrClosed afterwards.
func (s *Store) Close() error {
	s.closed.Store(true)
	var errs []error
	for _, q := range s.queries() {
		q.mu.Lock()
		if st := q.stmt.Swap(nil); st != nil {
			errs = append(errs, st.Close())
		}
		q.mu.Unlock()
	}
	return errors.Join(errs...)
}

// quoteTable quotes each dot-separated part of name for the dialect.
func quoteTable(d django.Dialect, name string) (string, error) {
	parts := strings.Split(name, ".")
	if len(parts) > 2 {
		return "", fmt.Errorf("%w: %q", ErrTable, name)
	}
	q := `"`
	if d == django.MySQL {
		q = "`"
	}
	for i, part := range parts {
		if part == "" || strings.ContainsAny(part, "\"`\x00") {
			return "", fmt.Errorf("%w: %q", ErrTable, name)
		}
		parts[i] = q + part + q
	}
	return strings.Join(parts, "."), nil
}

// timeParam is a datetime parameter as Django's backend adapts it.
func (s *Store) timeParam(t time.Time) any {
	if s.d == django.PostgreSQL {
		// Python datetimes hold microseconds; PostgreSQL would round the
		// nanoseconds a Go time may carry, Django never has them.
		return t.UTC().Truncate(time.Microsecond)
	}
	return PyDatetime(t.In(s.loc))
}

// PyDatetime returns Python's str() of a naive datetime with t's wall
// clock: "YYYY-MM-DD HH:MM:SS", with ".ffffff" only when the microseconds
// are not zero. This is how Django passes datetimes to MySQL and SQLite.
func PyDatetime(t time.Time) string {
	b := t.AppendFormat(make([]byte, 0, 26), "2006-01-02 15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		b = fmt.Appendf(b, ".%06d", us)
	}
	return string(b)
}

// parseTime reads an expire_date value as a driver returns it.
func (s *Store) parseTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		if s.d != django.PostgreSQL {
			// A naive column read as UTC by the driver: keep the wall clock.
			return time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), v.Nanosecond(), s.loc), nil
		}
		return v, nil
	case []byte:
		return s.parseText(string(v))
	case string:
		return s.parseText(v)
	}
	return time.Time{}, fmt.Errorf("dbstore: expire_date of type %T", v)
}

// textLayouts are the forms of expire_date text: Django's SQLite and
// MySQL form, ISO 8601 with a T, and either with a UTC offset.
var textLayouts = [...]string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano}

// textLayout guesses v's layout from its separator and whether an offset
// follows the seconds, so that the usual value is parsed once rather than
// failing (and allocating an error) against the layouts before its own.
func textLayout(v string) int {
	i := 0
	if len(v) > 10 && v[10] == 'T' {
		i = 1
	}
	if len(v) > 19 && strings.ContainsAny(v[19:], "+-Z") {
		i += 2
	}
	return i
}

func (s *Store) parseText(v string) (time.Time, error) {
	first := textLayout(v)
	if t, err := time.ParseInLocation(textLayouts[first], v, s.loc); err == nil {
		return t, nil
	}
	for i, layout := range textLayouts {
		if i == first {
			continue
		}
		if t, err := time.ParseInLocation(layout, v, s.loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("dbstore: expire_date %q is not a datetime", v)
}

func validKey(key string) error {
	if !storableKey(key) {
		return fmt.Errorf("dbstore: %w", djangosession.ErrInvalidKey)
	}
	return nil
}

// Load returns the session under key if its expire_date is still ahead.
func (s *Store) Load(ctx context.Context, key string) (*pyjson.Object, error) {
	data, _, err := s.LoadExpiry(ctx, key)
	return data, err
}

// LoadExpiry is Load that also returns the row's expire_date.
func (s *Store) LoadExpiry(ctx context.Context, key string) (*pyjson.Object, time.Time, error) {
	if !storableKey(key) {
		return nil, time.Time{}, djangosession.ErrNotFound // no such row can exist
	}
	var data string
	var exp any
	args := []any{key, s.timeParam(s.now())}
	err := sql.ErrNoRows
	if s.fromReplica(ctx, key) {
		err = s.queryRow(ctx, &s.qLoadRead, args, &data, &exp)
	}
	if errors.Is(err, sql.ErrNoRows) {
		err = s.queryRow(ctx, &s.qLoad, args, &data, &exp)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, djangosession.ErrNotFound
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("dbstore: load: %w", poolerErr(err))
	}
	t, err := s.parseTime(exp)
	if err != nil {
		return nil, time.Time{}, err
	}
	obj, err := s.codec.Decode(data)
	if err != nil {
		return nil, t, err
	}
	return obj, t, nil
}

// Save writes data under key: an INSERT when mustCreate (ErrExists when
// the key is taken), else an UPDATE (ErrVanished when the row is gone).
// expire_date is exp.Date, refreshed on every save as Django does.
func (s *Store) Save(ctx context.Context, key string, data *pyjson.Object, exp djangosession.Expiry, mustCreate bool) error {
	if err := validKey(key); err != nil {
		return err
	}
	enc, err := s.codec.Encode(data)
	if err != nil {
		return err
	}
	at := s.timeParam(exp.Date)
	defer s.wrote(key)
	if mustCreate {
		return s.insert(ctx, s, key, enc, at)
	}
	res, err := s.exec(ctx, &s.qUpdate, enc, at, key)
	if err != nil {
		return fmt.Errorf("dbstore: update: %w", poolerErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("dbstore: update: %w", err)
	}
	if n == 0 && s.d == django.MySQL {
		// MySQL counts changed rows, not matched ones, unless the client
		// asked for found rows: an UPDATE writing the values the row
		// already holds counts 0. Only a row holding exactly these values
		// is such a success; asking whether the key merely exists would
		// take a row another request created after this UPDATE missed it
		// for a successful save, and silently lose the data.
		var one int
		err := s.queryRow(ctx, &s.qSame, []any{key, enc, at}, &one)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("dbstore: update: %w", poolerErr(err))
		}
	}
	if n == 0 {
		return djangosession.ErrVanished
	}
	return nil
}

// insert adds a row through run, or returns ErrExists when the key is
// taken.
func (s *Store) insert(ctx context.Context, run runner, key string, data, at any) error {
	res, err := run.exec(ctx, &s.qInsert, key, data, at)
	if err != nil {
		if s.d == django.MySQL && isMySQLDuplicate(err) {
			return djangosession.ErrExists
		}
		return fmt.Errorf("dbstore: insert: %w", poolerErr(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return djangosession.ErrExists
	}
	return nil
}

// mysqlDeadlockRetries is how many times a statement InnoDB rolled back as
// a deadlock victim is run again.
const mysqlDeadlockRetries = 3

// exec runs one autocommit statement. On MySQL, a statement chosen as a
// deadlock victim (error 1213, which concurrent INSERT, UPDATE and DELETE
// of one key can provoke) is run again: InnoDB rolled the whole statement
// back, so running it again cannot apply it twice.
func (s *Store) exec(ctx context.Context, q *query, args ...any) (sql.Result, error) {
	st, err := s.prepared(ctx, q)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		var res sql.Result
		if st == nil {
			res, err = q.db.ExecContext(ctx, q.text, args...)
		} else {
			res, err = st.ExecContext(ctx, args...)
		}
		if err == nil || s.d != django.MySQL || attempt == mysqlDeadlockRetries || ctx.Err() != nil || mysqlErrNumber(err) != 1213 {
			return res, err
		}
	}
}

// isMySQLDuplicate reports a MySQL error 1062 (duplicate entry).
func isMySQLDuplicate(err error) bool {
	return mysqlErrNumber(err) == 1062 || strings.Contains(err.Error(), "Error 1062")
}

// mysqlErrNumber returns the server error number of a MySQL error, or 0,
// without importing the driver: go-sql-driver/mysql's *MySQLError carries
// it in its Number field.
func mysqlErrNumber(err error) uint64 {
	for e := err; e != nil; e = errors.Unwrap(e) {
		v := reflect.ValueOf(e)
		if v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		if v.Kind() == reflect.Struct {
			if f := v.FieldByName("Number"); f.IsValid() && f.CanUint() {
				return f.Uint()
			}
		}
	}
	return 0
}

// Exists reports whether a row has the key, expired or not (Django's
// exists()).
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if !storableKey(key) {
		return false, nil
	}
	var one int
	err := sql.ErrNoRows
	if s.fromReplica(ctx, key) {
		err = s.queryRow(ctx, &s.qExistsRead, []any{key}, &one)
	}
	if errors.Is(err, sql.ErrNoRows) {
		err = s.queryRow(ctx, &s.qExists, []any{key}, &one)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dbstore: exists: %w", poolerErr(err))
	}
	return true, nil
}

// Delete removes the row; a missing row is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if !storableKey(key) {
		return nil // no such row can exist
	}
	defer s.wrote(key)
	if _, err := s.exec(ctx, &s.qDelete, key); err != nil {
		return fmt.Errorf("dbstore: delete: %w", poolerErr(err))
	}
	return nil
}

// ClearExpired deletes rows whose expire_date is before now, as Django's
// clear_expired, in statements of at most BatchSize rows so that a large
// table is never locked for long. It returns the number of rows deleted.
func (s *Store) ClearExpired(ctx context.Context) (int64, error) {
	now := s.timeParam(s.now())
	var total int64
	for {
		res, err := s.exec(ctx, &s.qClear, now, s.batch)
		if err != nil {
			return total, fmt.Errorf("dbstore: clear expired: %w", poolerErr(err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("dbstore: clear expired: %w", err)
		}
		total += n
		if n < int64(s.batch) {
			return total, nil
		}
	}
}

// DDL returns the statements of Django's sessions.0001_initial migration
// for table on the dialect, as `manage.py sqlmigrate sessions 0001`
// prints them (index names derived as Django derives them).
func DDL(d django.Dialect, table string) ([]string, error) {
	if table == "" {
		table = DefaultTable
	}
	q, err := quoteTable(d, table)
	if err != nil {
		return nil, err
	}
	if strings.Contains(table, ".") {
		return nil, fmt.Errorf("%w: DDL for a schema-qualified table", ErrTable)
	}
	quote := func(s string) string {
		if d == django.MySQL {
			return "`" + s + "`"
		}
		return `"` + s + `"`
	}
	idx := indexName(d, table, "expire_date", "")
	switch d {
	case django.PostgreSQL:
		return []string{
			"CREATE TABLE " + q + ` ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" timestamp with time zone NOT NULL);`,
			"CREATE INDEX " + quote(indexName(d, table, "session_key", "_like")) + " ON " + q + ` ("session_key" varchar_pattern_ops);`,
			"CREATE INDEX " + quote(idx) + " ON " + q + ` ("expire_date");`,
		}, nil
	case django.MySQL:
		return []string{
			"CREATE TABLE " + q + " (`session_key` varchar(40) NOT NULL PRIMARY KEY, `session_data` longtext NOT NULL, `expire_date` datetime(6) NOT NULL);",
			"CREATE INDEX " + quote(idx) + " ON " + q + " (`expire_date`);",
		}, nil
	case django.SQLite:
		return []string{
			"CREATE TABLE " + q + ` ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL);`,
			"CREATE INDEX " + quote(idx) + " ON " + q + ` ("expire_date");`,
		}, nil
	}
	return nil, fmt.Errorf("dbstore: %w", d.Validate())
}

// indexName is Django's BaseDatabaseSchemaEditor._create_index_name for one
// column: table_column_<8 hex of md5(table, column)><suffix>, shortened to
// the backend's identifier limit the way Django shortens it.
func indexName(d django.Dialect, table, column, suffix string) string {
	h := md5.Sum([]byte(table + column))
	hashSuffix := hex.EncodeToString(h[:])[:8] + suffix
	maxLen := 200
	switch d {
	case django.PostgreSQL:
		maxLen = 63
	case django.MySQL:
		maxLen = 64
	}
	name := table + "_" + column + "_" + hashSuffix
	if len(name) <= maxLen {
		return name
	}
	if len(hashSuffix) > maxLen/3 {
		hashSuffix = hashSuffix[:maxLen/3]
	}
	other := (maxLen-len(hashSuffix))/2 - 1
	cut := func(s string) string {
		if len(s) > other {
			return s[:other]
		}
		return s
	}
	name = cut(table) + "_" + cut(column) + "_" + hashSuffix
	if name[0] == '_' || name[0] >= '0' && name[0] <= '9' {
		name = "D" + name[:len(name)-1]
	}
	return name
}

// CreateTable runs DDL on the store's database: the table as Django's
// migration creates it, for tests and tools.
func (s *Store) CreateTable(ctx context.Context) error {
	stmts, err := DDL(s.d, s.rawName)
	if err != nil {
		return err
	}
	for _, q := range stmts {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("dbstore: create table: %w", err)
		}
	}
	return nil
}

// Table returns the store's table name as given (unquoted).
func (s *Store) Table() string { return s.rawName }
