package goredis

import (
	"strings"

	"github.com/djsession/djsession/djangosession/cachestore"
)

// SplitLocation splits a LOCATION string into its servers as backend b
// does: Django's RedisCache splits at "," and ";", django-redis at ","
// only. Neither trims spaces or drops empty entries, and neither does
// SplitLocation, so the
// entries are the exact names django-redis's ShardClient hashes. A
// LOCATION given to Django as a list needs no splitting.
func SplitLocation(b cachestore.Backend, location string) []string {
	if b == cachestore.RedisCache {
		// re.split("[;,]", location): empty entries kept.
		location = strings.ReplaceAll(location, ";", ",")
	}
	return strings.Split(location, ",")
}
