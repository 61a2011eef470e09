package djangosession

import (
	"crypto/rand"
	"io"
	"time"
)

// DefaultCookieAge is SESSION_COOKIE_AGE's default: two weeks.
const DefaultCookieAge = 1209600 * time.Second

// Release names a Django release whose session semantics to follow where
// they changed between releases.
type Release string

// Releases with distinct session behaviour.
const (
	Django32 Release = "3.2"
	Django40 Release = "4.0"
	Django41 Release = "4.1" // absolute expiry stored as an ISO 8601 string
	Django42 Release = "4.2"
	Django52 Release = "5.2"
	Django61 Release = "6.1"
)

// Before reports whether r is older than other. The empty Release means
// the newest, so it is before nothing.
func (r Release) Before(other Release) bool {
	if r == "" {
		return false
	}
	return versionLess(string(r), string(other))
}

func versionLess(a, b string) bool {
	var am, an, bm, bn int
	parse := func(s string) (int, int) {
		m, n, dot := 0, 0, false
		for _, c := range s {
			switch {
			case c == '.':
				dot = true
			case c >= '0' && c <= '9' && !dot:
				m = m*10 + int(c-'0')
			case c >= '0' && c <= '9':
				n = n*10 + int(c-'0')
			}
		}
		return m, n
	}
	am, an = parse(a)
	bm, bn = parse(b)
	return am < bm || am == bm && an < bn
}

// Config holds the SESSION_* settings a Session follows. The zero value is
// Django's defaults for the newest release, with USE_TZ = True and
// TIME_ZONE = 'UTC' as in a new project.
type Config struct {
	// CookieAge is SESSION_COOKIE_AGE (whole seconds); DefaultCookieAge
	// when zero.
	CookieAge time.Duration
	// ExpireAtBrowserClose is SESSION_EXPIRE_AT_BROWSER_CLOSE.
	ExpireAtBrowserClose bool
	// Release is the Django release whose behaviour to follow where it
	// changed; the newest when empty.
	Release Release
	// NaiveTime is USE_TZ = False: absolute expiry is written without a
	// UTC offset, in Location.
	NaiveTime bool
	// Location is TIME_ZONE, used for naive times; UTC when nil.
	Location *time.Location
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Rand is the source of session keys; crypto/rand when nil.
	Rand io.Reader
}

func (c *Config) cookieAge() int64 {
	if c.CookieAge == 0 {
		return int64(DefaultCookieAge / time.Second)
	}
	return int64(c.CookieAge / time.Second)
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Config) location() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

func (c *Config) rand() io.Reader {
	if c.Rand == nil {
		return rand.Reader
	}
	return c.Rand
}
