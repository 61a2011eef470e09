package signing

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/hostiletest"
)

// hugeTimestamp returns a base62 timestamp of n digits (a leading "z",
// the largest digit, then n-1 digits cycling through the alphabet).
func hugeTimestamp(n int) string {
	var b strings.Builder
	b.Grow(n)
	b.WriteByte('z')
	for i := 1; i < n; i++ {
		b.WriteByte(base62Alphabet[i%62])
	}
	return b.String()
}

// maxTimestampAlloc bounds what checking a validly signed token with a
// huge timestamp may allocate beyond the token's own size: the verdict
// comes from the number of digits (a float holds at most 2^1024, 172
// base62 digits), not from converting a million digits, which took over
// 60 s and gigabytes (issue 13 item 7).
const maxTimestampAlloc = 64 << 10

// TestHugeTimestamp is issue 13 item 7: a validly signed value whose
// timestamp has a million base62 digits. With a max age Django raises
// OverflowError (the timestamp does not fit a float) and Go refuses it
// with ErrMalformed; without one the timestamp is not used and the value
// is returned, as Django 4.0+ does. Neither does work beyond the linear.
func TestHugeTimestamp(t *testing.T) {
	now := time.Unix(1700000000, 0)
	ts, err := NewTimestampSigner(&Options{Key: "k", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, neg := range []bool{false, true} {
		stamp := hugeTimestamp(1_000_000)
		if neg {
			stamp = "-" + stamp
		}
		token := ts.Signer().Sign("v:" + stamp)
		var v string
		a := hostiletest.Allocated(func() { _, err = ts.UnsignMaxAge(token, time.Hour) })
		if !errors.Is(err, ErrMalformed) || errors.Is(err, ErrSignatureExpired) {
			t.Errorf("UnsignMaxAge, a million-digit timestamp (negative %v): %v; want ErrMalformed (Django: OverflowError)", neg, err)
		}
		if limit := 2*uint64(len(token)) + maxTimestampAlloc; a > limit {
			t.Errorf("UnsignMaxAge allocated %d bytes; want at most %d", a, limit)
		}
		a = hostiletest.Allocated(func() { v, err = ts.Unsign(token) })
		if err != nil || v != "v" {
			t.Errorf("Unsign: %q, %v; want the value (Django ignores the timestamp without max_age)", v, err)
		}
		if limit := 2*uint64(len(token)) + maxTimestampAlloc; a > limit {
			t.Errorf("Unsign allocated %d bytes; want at most %d", a, limit)
		}
	}
}
