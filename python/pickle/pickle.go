// Package pickle reads and writes the Python pickles that Django keeps
// session data in: the values PickleSerializer signed into session_data
// (deprecated in Django 4.1, removed in 5.0, still found in old rows) and
// the values Django's cache backends store in Redis and memcached.
//
// UnmarshalDict reads a pickled session (a dict); Unmarshal reads any
// pickled value; Marshal writes one as CPython's pickle.dumps(v, 5) does.
// See the example.
//
// It is a data-only codec. The reader knows the opcodes of protocols 2 to
// 5 that carry plain values, and a fixed list of the (module, name) pairs
// CPython writes for datetime, date, time, timedelta, timezone, Decimal,
// bytes (protocol 2), zoneinfo.ZoneInfo and pytz time zones, each only
// with the argument shapes CPython writes. It has no machinery to import a
// module or call anything: a pickle naming any other global is rejected
// with ErrUnsupported naming it, never run. Every length, the stack, the
// memo, the nesting depth, the number of values (MaxValues) and the bytes
// the pickle stands for with its shared references written out
// (MaxExpanded) are bounded, each shared reference counted at the
// full size of what it refers to, so a small pickle that refers many times
// to one large str is refused with ErrMalformed; reading takes time and
// memory linear in the input.
//
// Values use the Go types of package pyjson where JSON has them, so a
// pickled session and a JSON one look the same to the caller, and types of
// this package for the rest:
//
//	dict      *pyjson.Object (str keys only, insertion order kept)
//	list      []any
//	tuple     Tuple
//	str       string (a lone surrogate kept as WTF-8, as package pyjson does)
//	bytes     []byte
//	int       int64, or *big.Int beyond 64 bits (Marshal also takes int)
//	float     float64
//	bool      bool
//	None      nil
//	datetime  DateTime (Marshal also takes time.Time)
//	date      Date
//	time      Time
//	timedelta Timedelta
//	Decimal   Decimal
//
// A dict with a key that is not a str, a set, a frozenset, a bytearray and
// an instance of any other class give ErrUnsupported.
//
// Marshal writes what CPython 3.11's pickle.dumps(v, 5) writes, byte for
// byte, and MarshalProtocol does so for protocols 2 to 5: the same opcodes,
// memo, batches of 1000 and frames.
//
// Identity: CPython's pickle writes an object once and refers to it from
// then on (its memo is keyed by id()). Unmarshal gives a Go value to each
// Python object, the same one wherever the pickle refers to it again: the
// same string, []byte, []any or Tuple (same memory, same length) and the
// same *pyjson.Object, so changing a shared list or dict changes it
// wherever it appears, as in Python. Marshal takes Go values by the same
// identity: a str, bytes, list, tuple or dict value met again is written
// as a memo reference, and so is any value CPython shares by content (the
// empty str and bytes, one-character str below U+0100, one-byte bytes,
// datetime.timezone.utc, pytz.utc, a zoneinfo.ZoneInfo per key and a pytz
// zone per offset). So a pickle read from Python writes back to the same
// bytes, shared references included, a session read by package pyjson
// pickles as CPython pickles what json.loads gives (whose equal keys are
// one str), and a value shared many times stays small. Two Go strings that merely hold equal text are two objects; a
// string used twice (one variable, one literal) is one, as a Python str
// bound to one name is.
package pickle

import (
	"errors"
	"time"
)

var (
	// ErrMalformed is returned for bytes that are not a well-formed pickle
	// or that exceed a bound (length, depth, memo, stack, MaxValues,
	// MaxExpanded).
	ErrMalformed = errors.New("pickle: malformed")
	// ErrUnsupported is returned for a pickle that is well formed but holds
	// a value this package does not represent (an instance of a class
	// outside the list, a set, a dict with a non-str key), and by Marshal
	// for a Go value it cannot write.
	ErrUnsupported = errors.New("pickle: unsupported value")
)

// HighestProtocol is pickle.HIGHEST_PROTOCOL of Python 3.8 and later, the
// protocol Django's PickleSerializer and cache backends write.
const HighestProtocol = 5

// Tuple is a Python tuple. Lists are []any; keeping tuples apart lets a
// value read from Django go back to Django with its tuples intact.
type Tuple []any

// Decimal is a decimal.Decimal, kept as the exact text str() gives for it,
// e.g. "1.50", "-0", "1E+2", "NaN" or "-Infinity".
type Decimal string

// Date is a datetime.date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateTime is a datetime.datetime: naive when TZ is nil, aware otherwise.
type DateTime struct {
	Year                                   int
	Month                                  time.Month
	Day, Hour, Minute, Second, Microsecond int
	// Fold is the PEP 495 fold: 1 for the second of two equal wall times
	// at a DST change. Protocols 2 and 3 do not carry it.
	Fold int
	TZ   *TZInfo
}

// Time is a datetime.time: naive when TZ is nil, aware otherwise.
type Time struct {
	Hour, Minute, Second, Microsecond int
	Fold                              int
	TZ                                *TZInfo
}

// Timedelta is a datetime.timedelta, normalized as Python keeps it:
// 0 <= Seconds < 86400, 0 <= Microseconds < 1000000 and |Days| <= 999999999.
type Timedelta struct {
	Days, Seconds, Microseconds int64
}

// Duration returns td as a time.Duration and whether it fits.
func (td Timedelta) Duration() (time.Duration, bool) {
	const maxDays = (1<<63 - 1) / int64(24*time.Hour)
	if td.Days > maxDays || td.Days < -maxDays {
		return 0, false
	}
	return time.Duration(td.Days)*24*time.Hour + time.Duration(td.Seconds)*time.Second +
		time.Duration(td.Microseconds)*time.Microsecond, true
}

// TimedeltaOf returns d as a Timedelta, truncated to microseconds.
func TimedeltaOf(d time.Duration) Timedelta {
	us := int64(d / time.Microsecond)
	days := us / 86400e6
	rest := us % 86400e6
	if rest < 0 {
		rest += 86400e6
		days--
	}
	return Timedelta{Days: days, Seconds: rest / 1e6, Microseconds: rest % 1e6}
}

// TZKind says which Python tzinfo a TZInfo is.
type TZKind int

const (
	// UTC is datetime.timezone.utc (also datetime.timezone(timedelta(0))).
	UTC TZKind = iota
	// Fixed is datetime.timezone(Offset) or datetime.timezone(Offset, Name).
	Fixed
	// ZoneInfo is zoneinfo.ZoneInfo(Key).
	ZoneInfo
	// PytzUTC is pytz.utc, the tzinfo of Django 3.2's timezone.now().
	PytzUTC
	// Pytz is pytz.timezone(Key) as localized for one wall time: its
	// Offset, DST and Name (tzname).
	Pytz
	// PytzStatic is a pytz zone with a single offset, such as "EST" or
	// "Etc/GMT+5", pickled by Key alone.
	PytzStatic
)

// TZInfo is the tzinfo of an aware DateTime or Time.
type TZInfo struct {
	Kind   TZKind
	Offset time.Duration // Fixed, Pytz: the UTC offset (whole microseconds; whole seconds for Pytz)
	DST    time.Duration // Pytz: the DST part of Offset
	Name   string        // Fixed: the name given to datetime.timezone, if any; Pytz: tzname
	Key    string        // ZoneInfo, Pytz, PytzStatic: the zone name
}

// Serializer is Django's PickleSerializer (django.contrib.sessions.
// serializers.PickleSerializer up to Django 4.2): pickle.dumps(v,
// pickle.HIGHEST_PROTOCOL) and pickle.loads. It implements
// signing.Serializer, so djangosession.CodecOptions{Serializer:
// pickle.Serializer{}} reads and writes pickled sessions.
type Serializer struct{}

// Marshal returns v pickled with protocol 5, as Django writes it.
func (Serializer) Marshal(v any) ([]byte, error) { return Marshal(v) }

// Unmarshal reads a pickle of protocol 2 to 5.
func (Serializer) Unmarshal(data []byte) (any, error) { return Unmarshal(data) }
