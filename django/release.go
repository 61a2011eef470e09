package django

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrUnknownRelease is returned (wrapped) for a Django release this module
// has no rules for: ParseRelease, Release.Validate and every constructor
// that takes a Settings.
var ErrUnknownRelease = errors.New("django: unknown release")

// Release names a Django feature release ("4.2"), standing for the newest
// patch release of its series. Where the behaviour this module copies
// changed between releases, the Release decides which to follow. The empty
// Release means Newest.
type Release string

// The releases this module knows, oldest first.
const (
	Django32 Release = "3.2"
	Django40 Release = "4.0"
	Django41 Release = "4.1"
	Django42 Release = "4.2"
	Django50 Release = "5.0"
	Django51 Release = "5.1"
	Django52 Release = "5.2"
	Django60 Release = "6.0"
	Django61 Release = "6.1"
)

// Newest is the newest release this module knows: what the empty Release
// means.
const Newest = Django61

var releases = []Release{Django32, Django40, Django41, Django42, Django50, Django51, Django52, Django60, Django61}

// Releases returns the releases this module knows, oldest first.
func Releases() []Release {
	return append([]Release(nil), releases...)
}

// ParseRelease returns the Release of a version such as "4.2" or "4.2.28"
// (the patch level is dropped). It returns an error matching
// ErrUnknownRelease for a malformed version or a series this module does
// not know.
func ParseRelease(version string) (Release, error) {
	major, rest, ok := strings.Cut(version, ".")
	minor, patch, hasPatch := strings.Cut(rest, ".")
	if ok && hasPatch && !digits(patch) {
		ok = false
	}
	if ok && digits(major) && digits(minor) {
		r := Release(major + "." + minor)
		if r.Validate() == nil {
			return r, nil
		}
	}
	return "", fmt.Errorf("%w %q (known: %v)", ErrUnknownRelease, version, releases)
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Validate returns nil for the empty Release and the releases Releases
// lists, and an error matching ErrUnknownRelease for anything else.
func (r Release) Validate() error {
	if r == "" {
		return nil
	}
	for _, k := range releases {
		if r == k {
			return nil
		}
	}
	return fmt.Errorf("%w %q (known: %v)", ErrUnknownRelease, string(r), releases)
}

// OrNewest returns r, or Newest when r is empty.
func (r Release) OrNewest() Release {
	if r == "" {
		return Newest
	}
	return r
}

// Before reports whether r is an older release than other, comparing
// major then minor numerically. The empty Release means Newest on either
// side.
func (r Release) Before(other Release) bool {
	am, an := r.OrNewest().numbers()
	bm, bn := other.OrNewest().numbers()
	return am < bm || am == bm && an < bn
}

// numbers returns the major and minor numbers; a part that is not a number
// counts as 0.
func (r Release) numbers() (major, minor int) {
	m, n, _ := strings.Cut(string(r), ".")
	major, _ = strconv.Atoi(m)
	minor, _ = strconv.Atoi(n)
	return major, minor
}
