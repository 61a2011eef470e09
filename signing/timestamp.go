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
func (t *TimestampSigner) Unsign(signed string) (string, error) {
	v, _, err := t.UnsignTime(signed)
	return v, err
}

// UnsignMaxAge checks the signature and the age: a signature more than
// maxAge old gives an error matching ErrSignatureExpired (and
// ErrBadSignature). Like Django, the age is measured from the whole second
// the value was signed in.
func (t *TimestampSigner) UnsignMaxAge(signed string, maxAge time.Duration) (string, error) {
	v, ts, err := t.UnsignTime(signed)
	if err != nil {
		return "", err
	}
	if err := t.checkAge(ts, maxAge); err != nil {
		return "", err
	}
	return v, nil
}

// UnsignTime checks the signature and returns the value and the time it was
// signed at (whole seconds).
func (t *TimestampSigner) UnsignTime(signed string) (string, time.Time, error) {
	inner, err := t.s.Unsign(signed)
	if err != nil {
		return "", time.Time{}, err
	}
	i := strings.LastIndex(inner, t.s.sep)
	if i < 0 {
		return "", time.Time{}, fmt.Errorf("%w: no timestamp", ErrMalformed)
	}
	ts, err := B62Decode(inner[i+len(t.s.sep):])
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%w: bad timestamp", ErrMalformed)
	}
	return inner[:i], time.Unix(ts, 0), nil
}

func (t *TimestampSigner) checkAge(signedAt time.Time, maxAge time.Duration) error {
	// Django compares float seconds: age > max_age. A duration is exact
	// to the nanosecond, which only removes Python's rounding.
	if age := t.now().Sub(signedAt); age > maxAge {
		return fmt.Errorf("%w: signature age %s > %s", ErrSignatureExpired, age, maxAge)
	}
	return nil
}
