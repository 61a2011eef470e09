package cachestore

import "strings"

// SplitLocation splits a CACHES LOCATION string into its servers as backend
// b does. Django's own backends (RedisCache and the memcached ones) split
// with re.split("[;,]"); django-redis splits at "," only. Neither trims
// spaces or drops empty pieces, and neither does SplitLocation: a trailing
// ";" is a server in Django too, and the pieces are the exact names a
// pool hashes (pymemcache's node names, django-redis's ShardClient ring).
// A LOCATION given to Django as a list needs no splitting.
func SplitLocation(b Backend, location string) []string {
	if b != DjangoRedis {
		location = strings.ReplaceAll(location, ";", ",")
	}
	return strings.Split(location, ",")
}
