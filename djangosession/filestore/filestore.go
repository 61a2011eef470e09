// Package filestore is Django's file session engine
// (django.contrib.sessions.backends.file): one file per session in
// SESSION_FILE_PATH, named SESSION_COOKIE_NAME + session key, holding
// exactly the session_data the codec writes.
//
// Start with New(&Options{Dir: SESSION_FILE_PATH, Codec: codec}), the codec
// made by djangosession.NewCodec with the project's SECRET_KEY, and give
// the Store to djangosession.NewEngine (see the example).
//
// A Django project and a Go program pointed at the same directory with the
// same SECRET_KEY share sessions: each reads what the other writes, and
// writes are atomic (a temporary file in the same directory, then a
// rename), as Django's are.
//
// Expiry follows Django's file engine, quirks included. A session expires
// SESSION_COOKIE_AGE after its file was last written (the mtime), unless
// it holds a _session_expiry: an absolute expiry (the ISO 8601 string
// Django 4.1+ writes) is honoured, but an integer one (set_expiry(300)) is
// taken by Django as the remaining age itself, so such a session never
// expires in this engine, and ClearExpired, like clearsessions, never
// removes it. Load and ClearExpired reproduce that. With USE_TZ = False
// (Options.NaiveTime) Django compares naive local times, so across a DST
// change a session lives an hour more or less than SESSION_COOKIE_AGE;
// that is reproduced too.
//
// Where this package and Django differ, on purpose:
//
//   - When Django's file engine finds an expired session it removes the
//     file and at once creates a new, empty session file under a new key.
//     Load removes the file and returns ErrNotFound; a
//     djangosession.Session then has no key and gets one when saved, as
//     with the db engine.
//   - Django treats any I/O error on load as "no session" and ignores
//     write errors; this package returns them (without the path). A key
//     no file can be named after (fewer than eight characters, anything
//     but [a-z0-9], a name over 255 bytes) is no session here, as in
//     Django's load; Django's exists raises on bad characters instead.
//   - Django creates the placeholder file before encoding the data; Save
//     encodes first, so a value the serializer rejects leaves no file.
//   - A _session_expiry string that is not ISO 8601, or any ISO string
//     under Django 3.2, makes Django raise; here the session is judged by
//     its mtime.
package filestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
)

// DefaultCookieName is SESSION_COOKIE_NAME's default, the prefix of every
// session file name.
const DefaultCookieName = "sessionid"

var (
	// ErrNoCodec is returned by New when Options.Codec is nil.
	ErrNoCodec = errors.New("filestore: no codec")
	// ErrNotDir is returned by New when the storage path is not an existing
	// directory (Django raises ImproperlyConfigured).
	ErrNotDir = errors.New("filestore: session storage path is not an existing directory")
)

// Options configure a Store. The zero value of every field except Codec
// means Django's default.
type Options struct {
	// Dir is SESSION_FILE_PATH; os.TempDir() when empty, as Django falls
	// back to tempfile.gettempdir(). It must exist.
	Dir string
	// CookieName is SESSION_COOKIE_NAME, the file name prefix;
	// DefaultCookieName when empty.
	CookieName string
	// CookieAge is SESSION_COOKIE_AGE (whole seconds):
	// djangosession.DefaultCookieAge when zero.
	CookieAge time.Duration
	// Codec encodes and decodes the file content. Required.
	Codec *djangosession.Codec
	// NaiveTime is USE_TZ = False. Django then computes expiry on naive
	// local datetimes, that is on the wall clock of Location, and reads an
	// ISO expiry without offset in Location.
	NaiveTime bool
	// Location is TIME_ZONE; UTC when nil.
	Location *time.Location
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Store keeps sessions in files, as Django's file engine. It is safe for
// concurrent use, also with Django processes sharing the directory.
type Store struct {
	dir       string
	prefix    string
	cookieAge time.Duration
	codec     *djangosession.Codec
	naive     bool
	loc       *time.Location
	now       func() time.Time

	swapMu sync.Mutex // serialises this Store's CompareAndSwap calls
}

var (
	_ djangosession.Store          = (*Store)(nil)
	_ djangosession.ExpiredClearer = (*Store)(nil)
)

// New returns a Store. The directory must exist.
func New(o *Options) (*Store, error) {
	if o == nil || o.Codec == nil {
		return nil, ErrNoCodec
	}
	s := &Store{
		dir:       o.Dir,
		prefix:    o.CookieName,
		cookieAge: o.CookieAge.Truncate(time.Second),
		codec:     o.Codec,
		naive:     o.NaiveTime,
		loc:       o.Location,
		now:       o.Now,
	}
	if s.dir == "" {
		s.dir = os.TempDir()
	}
	if s.prefix == "" {
		s.prefix = DefaultCookieName
	}
	if s.cookieAge == 0 {
		s.cookieAge = djangosession.DefaultCookieAge
	}
	if s.loc == nil {
		s.loc = time.UTC
	}
	if s.now == nil {
		s.now = time.Now
	}
	fi, err := os.Stat(s.dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotDir, ioError("stat", err))
	}
	if !fi.IsDir() {
		return nil, ErrNotDir
	}
	return s, nil
}

// Dir returns the directory sessions are kept in.
func (s *Store) Dir() string { return s.dir }

// Path returns the file a session key is kept in, or an error matching
// djangosession.ErrInvalidKey when the key names no session this store can
// hold (see Load).
func (s *Store) Path(key string) (string, error) {
	if !s.validKey(key) {
		return "", errInvalidKey
	}
	return filepath.Join(s.dir, s.prefix+key), nil
}

// maxName is NAME_MAX, the longest file name Linux, the BSDs, macOS and
// Windows take (in bytes, or UTF-16 units on Windows: our names are ASCII).
const maxName = 255

// tempSuffix is the longest suffix Save adds to a session file's name for
// its temporary file: "_out_" and os.CreateTemp's random decimal uint32.
const tempSuffix = len("_out_") + 10

var errInvalidKey = fmt.Errorf("filestore: %w", djangosession.ErrInvalidKey)

// validKey reports whether key names a session this store can hold: one
// Django accepts (djangosession.ValidKey), made only of [a-z0-9] (Django's
// guard against directory traversal), whose file name and temporary file
// name fit in maxName. Django fails to open a longer name and treats the
// OSError as no session; this store says so without asking the file
// system.
func (s *Store) validKey(key string) bool {
	return djangosession.ValidKey(key) && djangosession.ValidKeyChars(key) && len(s.prefix)+len(key)+tempSuffix <= maxName
}

// ioError returns err for an error text without the path it names: the
// session directory is the server's business, and the file name holds the
// session key. errors.Is still finds the underlying errno.
func ioError(op string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		err = le.Err
	}
	return fmt.Errorf("filestore: %s: %w", op, err)
}

// noFile reports whether err says that no session can be under that name:
// a missing file, or a name the file system refuses as too long.
func noFile(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENAMETOOLONG)
}

// Load returns the session stored under key.
//
// As in Django: an empty file (the placeholder a concurrent create leaves)
// is an empty session and never expires; a file that cannot be decoded
// gives an error matching djangosession.ErrCorrupt unless its mtime says it
// expired; an expired session's file is removed and ErrNotFound returned.
// Unlike Django, which treats every OSError as "no session", I/O errors
// other than a missing file are returned; their text never names the file.
//
// A key Django would never find a file for (shorter than eight bytes,
// anything but [a-z0-9], or a file name longer than the file system takes)
// is no session: Load gives ErrNotFound, Exists false, Delete nil, and Save
// an error matching djangosession.ErrInvalidKey.
func (s *Store) Load(ctx context.Context, key string) (*pyjson.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path, err := s.Path(key)
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", djangosession.ErrNotFound)
	}
	data, _, err := s.load(path)
	return data, err
}

// load is Load on a path; removed reports that the file expired and was
// removed.
func (s *Store) load(path string) (data *pyjson.Object, removed bool, err error) {
	data, derr, err := s.read(path)
	if err != nil {
		return nil, false, err
	}
	if data == nil && derr == nil {
		return &pyjson.Object{}, false, nil // the empty placeholder
	}
	expired, err := s.expired(path, data)
	if err != nil {
		return nil, false, err
	}
	if expired {
		if err := remove(path); err != nil {
			return nil, false, err
		}
		return nil, true, fmt.Errorf("filestore: %w", djangosession.ErrNotFound)
	}
	if derr != nil {
		return nil, false, derr
	}
	return data, false, nil
}

// read returns the decoded file (nil, nil, nil for an empty file) or the
// decoding error as derr.
func (s *Store) read(path string) (data *pyjson.Object, derr, err error) {
	b, err := os.ReadFile(path)
	if noFile(err) {
		return nil, nil, fmt.Errorf("filestore: %w", djangosession.ErrNotFound)
	}
	if err != nil {
		return nil, nil, ioError("read", err)
	}
	if len(b) == 0 {
		return nil, nil, nil
	}
	data, derr = s.codec.Decode(string(b))
	if derr != nil {
		derr = fmt.Errorf("filestore: %w", derr)
	}
	return data, derr, nil
}

// expired applies Django's check: the expiry is _session_expiry when it is
// truthy, otherwise mtime + SESSION_COOKIE_AGE, and the session is expired
// when get_expiry_age of it is <= 0. data is nil for undecodable content,
// which Django checks as an empty dict.
func (s *Store) expired(path string, data *pyjson.Object) (bool, error) {
	if t, ok := s.expiryValue(data); ok {
		switch {
		case t.Equal(djangosession.NoExpiry):
			return false, nil
		case t.IsZero():
			return true, nil
		}
		return s.age(t, s.now()) <= 0, nil
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil // removed meanwhile
	}
	if err != nil {
		return false, ioError("stat", err)
	}
	return s.age(s.add(fi.ModTime(), s.cookieAge), s.now()) <= 0, nil
}

// expiryValue reads _session_expiry as Django's get_expiry_age does. ok
// is false when the value leaves the expiry to the file's mtime plus
// SESSION_COOKIE_AGE (absent, falsy, or a string Django cannot parse).
// Otherwise the result is djangosession.NoExpiry for a value that never
// expires (a positive number, which Django takes as the age itself; True,
// the age 1; NaN), the zero time for one that always has (a negative
// number), or the datetime a string holds (a wall-clock reading carried as
// UTC with NaiveTime, as parseExpiry gives it). data is nil for
// undecodable content, which Django checks as an empty dict.
func (s *Store) expiryValue(data *pyjson.Object) (time.Time, bool) {
	var v any
	if data != nil {
		v, _ = data.Get(djangosession.ExpiryKey)
	}
	byNumber := func(n float64) (time.Time, bool) {
		switch {
		case n > 0 || math.IsNaN(n): // NaN is truthy, and NaN <= 0 is false in Python
			return djangosession.NoExpiry, true
		case n < 0:
			return time.Time{}, true
		}
		return time.Time{}, false
	}
	switch v := v.(type) {
	case int64:
		return byNumber(float64(v))
	case float64:
		return byNumber(v)
	case *big.Int:
		return byNumber(float64(v.Sign())) // never 0: small ints decode as int64
	case bool:
		if v {
			return djangosession.NoExpiry, true
		}
	case string:
		if v != "" {
			// Django raises ValueError for text it cannot parse (TypeError
			// before 4.1); the session is judged by its mtime instead.
			return s.parseExpiry(v)
		}
	}
	return time.Time{}, false
}

// parseExpiry reads an ISO 8601 _session_expiry. With NaiveTime the result
// is a wall-clock reading carried as a UTC time, which is how age and add
// treat times in that mode.
func (s *Store) parseExpiry(v string) (time.Time, bool) {
	if s.naive {
		t, err := djangosession.ParseISOTime(v, time.UTC)
		return wallClock(t), err == nil
	}
	t, err := djangosession.ParseISOTime(v, s.loc)
	return t, err == nil
}

// age is get_expiry_age: whole seconds, floored, from now to exp. With
// NaiveTime both are naive local datetimes in Django, so the difference is
// taken on the wall clock of Location (an hour off the real one across a
// DST change, as in Django).
func (s *Store) age(exp, now time.Time) int64 {
	var d time.Duration
	if s.naive {
		d = exp.Sub(wallClock(now.In(s.loc)))
	} else {
		d = exp.Sub(now)
	}
	sec := int64(d / time.Second)
	if d%time.Second < 0 {
		sec--
	}
	return sec
}

// add is t + d as Python adds a timedelta: on the wall clock when naive.
func (s *Store) add(t time.Time, d time.Duration) time.Time {
	if s.naive {
		return wallClock(t.In(s.loc)).Add(d)
	}
	return t.Add(d)
}

// wallClock returns t's wall-clock reading in its own location as a UTC
// time.
func wallClock(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// Save writes data to the session file, as Django's save: with mustCreate
// the file is created exclusively (ErrExists if it is there), otherwise it
// must already exist (ErrVanished if not). The content is written to a
// temporary file in the same directory, named like Django's
// (<file name>_out_<random>), and renamed over the session file. exp is
// not used: the file engine keeps no expiry beside the data.
func (s *Store) Save(ctx context.Context, key string, data *pyjson.Object, exp djangosession.Expiry, mustCreate bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	path, err := s.Path(key)
	if err != nil {
		return err
	}
	// Encode first: unlike Django, a value the serializer rejects leaves no
	// empty placeholder behind.
	enc, err := s.codec.Encode(data)
	if err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	flags := os.O_WRONLY
	if mustCreate {
		flags |= os.O_CREATE | os.O_EXCL
	}
	f, err := os.OpenFile(path, flags, 0o666)
	switch {
	case err == nil:
		f.Close()
	case mustCreate && errors.Is(err, fs.ErrExist):
		return fmt.Errorf("filestore: %w", djangosession.ErrExists)
	case !mustCreate && errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("filestore: %w", djangosession.ErrVanished)
	default:
		return ioError("open", err)
	}
	tmp, err := os.CreateTemp(s.dir, s.prefix+key+"_out_*")
	if err != nil {
		return ioError("create temporary file", err)
	}
	_, werr := tmp.WriteString(enc)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return ioError("write", werr)
	}
	return nil
}

// Exists reports whether a file is stored under key, whatever it holds, as
// Django's exists.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	path, err := s.Path(key)
	if err != nil {
		return false, nil // no file can have that name
	}
	_, err = os.Stat(path)
	if noFile(err) {
		return false, nil
	}
	if err != nil {
		return false, ioError("stat", err)
	}
	return true, nil
}

// Delete removes the session file. A missing file is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	path, err := s.Path(key)
	if err != nil {
		return nil // no file can have that name
	}
	return remove(path)
}

func remove(path string) error {
	if err := os.Remove(path); err != nil && !noFile(err) {
		return ioError("remove", err)
	}
	return nil
}

// ClearExpired removes the expired sessions of the directory, as Django's
// clear_expired (the clearsessions command): every entry whose name starts
// with the cookie name and continues with a key Django would accept
// (eight or more of [a-z0-9]) is loaded, and loading removes it when it
// expired. Other entries, such as the temporary files of an interrupted
// write, are left alone, as Django leaves them. It returns how many files
// it removed.
func (s *Store) ClearExpired(ctx context.Context) (int64, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, ioError("read directory", err)
	}
	var n int64
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		key, ok := strings.CutPrefix(e.Name(), s.prefix)
		if !ok || !djangosession.ValidKey(key) || !djangosession.ValidKeyChars(key) {
			continue
		}
		_, removed, err := s.load(filepath.Join(s.dir, e.Name()))
		switch {
		case removed:
			n++
		case err == nil, errors.Is(err, djangosession.ErrNotFound), errors.Is(err, djangosession.ErrCorrupt):
		default:
			return n, err
		}
	}
	return n, nil
}
