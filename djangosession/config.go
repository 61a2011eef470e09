package djangosession

import (
	"crypto/rand"
	"io"
	"time"

	"github.com/djsession/djsession/django"
)

// DefaultCookieAge is SESSION_COOKIE_AGE's default: two weeks.
const DefaultCookieAge = 1209600 * time.Second

// Options holds the SESSION_* settings a Session follows. The zero value is
// Django's defaults for the newest release, with USE_TZ = True and
// TIME_ZONE = 'UTC' as in a new project.
type Options struct {
	// CookieAge is SESSION_COOKIE_AGE (whole seconds); DefaultCookieAge
	// when zero.
	CookieAge time.Duration
	// ExpireAtBrowserClose is SESSION_EXPIRE_AT_BROWSER_CLOSE.
	ExpireAtBrowserClose bool
	// Settings gives the Django release whose behaviour to follow where it
	// changed (Settings.Release); the keys are not used.
	Settings django.Settings
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

func (c *Options) cookieAge() int64 {
	if c.CookieAge == 0 {
		return int64(DefaultCookieAge / time.Second)
	}
	return int64(c.CookieAge / time.Second)
}

func (c *Options) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Options) location() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

func (c *Options) rand() io.Reader {
	if c.Rand == nil {
		return rand.Reader
	}
	return c.Rand
}
