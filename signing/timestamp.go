package signing

import (
	"fmt"
	"strings"
	"time"
)

// TimestampSigner signs strings together with the time of signing, as
// Django's TimestampSigner: value + sep + base62(unix seconds) + sep +
// signature. A TimestampSigner is safe for concurrent use.
type TimestampSigner struct {
	s   *Signer
	now func() time.Time
}

// NewTimestampSigner returns a TimestampSigner. Keys are derived here, once.
// The default salt is TimestampSignerSalt.
func NewTimestampSigner(o *Options) (*TimestampSigner, error) {
	return newTimestampSigner(o, TimestampSignerSalt)
}

func newTimestampSigner(o *Options, defaultSalt string) (*TimestampSigner, error) {
	s, err := newSigner(o, defaultSalt)
	if err != nil {
		return nil, err
	}
	t := &TimestampSigner{s: s, now: time.Now}
	if o.Now != nil {
		t.now = o.Now
	}
	return t, nil
}

// Signer returns the underlying Signer, whose Unsign returns the value
// with its timestamp still attached, as Django's Signer.unsign would.
func (t *TimestampSigner) Signer() *Signer { return t.s }

// Sign signs value with the current time.
func (t *TimestampSigner) Sign(value string) string {
	return t.s.Sign(value + t.s.sep + B62Encode(t.now().Unix()))
}

// Unsign checks the signature and returns the value, whatever its age.
// The timestamp must be base62 but is otherwise not used, as in Django 4.0
// and later (Django 3.2 also refuses one of 10^4300 or more: see
// docs/errata.md).
func (t *TimestampSigner) Unsign(signed string) (string, error) {
	v, _, err := t.unsign(signed)
	return v, err
}

// UnsignMaxAge checks the signature and the age: a signature more than
// maxAge old gives an error matching ErrSignatureExpired (and
// ErrBadSignature). An age of exactly maxAge is accepted, as Django
// compares age > max_age. Like Django, the age is measured from the whole
// second the value was signed in, and a timestamp in the future is
// accepted. A timestamp too large for a float64 (2^1024 - 2^970 and up,
// where Django raises OverflowError) gives ErrMalformed; that verdict
// comes from the number of digits, so a validly signed token with a
// timestamp of a million digits costs time linear in its length.
func (t *TimestampSigner) UnsignMaxAge(signed string, maxAge time.Duration) (string, error) {
	v, st, err := t.unsign(signed)
	if err != nil {
		return "", err
	}
	if err := t.checkAge(st, maxAge); err != nil {
		return "", err
	}
	return v, nil
}

// UnsignTime checks the signature and returns the value and the time it was
// signed at (whole seconds). A timestamp beyond ±2^62 seconds, which only
// a key holder can make and Django would read as an unbounded integer, is
// clamped to that bound.
func (t *TimestampSigner) UnsignTime(signed string) (string, time.Time, error) {
	v, st, err := t.unsign(signed)
	if err != nil {
		return "", time.Time{}, err
	}
	return v, st.time(), nil
}

// stamp is a decoded timestamp.
type stamp struct {
	sec   int64  // saturated at the int64 bounds
	exact bool   // sec is the value written
	text  string // base62 text, for the rare inexact case
}

const maxStamp = 1 << 62 // keeps time.Unix and Time.Sub away from overflow

func (s stamp) time() time.Time {
	return time.Unix(min(max(s.sec, -maxStamp), maxStamp), 0)
}

// unsign checks the signature, then splits off and decodes the timestamp,
// as TimestampSigner.unsign does before it looks at max_age.
func (t *TimestampSigner) unsign(signed string) (string, stamp, error) {
	inner, err := t.s.Unsign(signed)
	if err != nil {
		return "", stamp{}, err
	}
	i := strings.LastIndex(inner, t.s.sep)
	if i < 0 {
		// Django: ValueError from unpacking rsplit's single item.
		return "", stamp{}, fmt.Errorf("%w: no timestamp", ErrMalformed)
	}
	text := inner[i+len(t.s.sep):]
	sec, exact, err := b62DecodeSat(text)
	if err != nil {
		return "", stamp{}, fmt.Errorf("%w: bad timestamp", ErrMalformed)
	}
	return inner[:i], stamp{sec: sec, exact: exact, text: text}, nil
}

func (t *TimestampSigner) checkAge(st stamp, maxAge time.Duration) error {
	if !st.exact {
		// Django computes time.time() - timestamp in floats; an integer
		// too large for a float raises OverflowError there.
		if _, ok := b62Float(st.text); !ok {
			return fmt.Errorf("%w: timestamp too large", ErrMalformed)
		}
	}
	// Django compares float seconds: age > max_age. A duration is exact
	// to the nanosecond, which only removes Python's rounding. Time.Sub
	// saturates, so clamped timestamps compare as Django's would.
	if age := t.now().Sub(st.time()); age > maxAge {
		return fmt.Errorf("%w: signature age %s > %s", ErrSignatureExpired, age, maxAge)
	}
	return nil
}
