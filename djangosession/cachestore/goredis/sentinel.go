package goredis

import (
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/djangosession/cachestore"
)

// ErrSentinel is returned by NewSentinel without a master name or
// sentinels.
var ErrSentinel = errors.New("goredis: sentinel needs MasterName and SentinelAddrs")

// NewSentinel returns a Replicated client over a Sentinel-managed primary
// and its replicas, as django-redis's SentinelClient (with
// DJANGO_REDIS_CONNECTION_FACTORY "django_redis.pool.SentinelConnectionFactory")
// uses them: writes go to the primary the sentinels name, reads to a
// random replica they list (the primary when they list none), both found
// again after a failover.
//
// fo carries the sentinel set up: MasterName is the host part of
// django-redis's LOCATION ("mymaster" in "redis://mymaster/0"), DB its
// path, SentinelAddrs its SENTINELS as "host:port". NewSentinel makes two
// go-redis failover clients from it, one with ReplicaOnly false and one
// with ReplicaOnly true (go-redis dials a random replica per connection,
// as redis-py's SentinelConnectionPool does); Close closes them. o adds
// the lag guards of Replicated.
func NewSentinel(fo *redis.FailoverOptions, o *ReplicaOptions) (*Replicated, error) {
	if fo == nil || fo.MasterName == "" || len(fo.SentinelAddrs) == 0 {
		return nil, ErrSentinel
	}
	po, ro := *fo, *fo
	po.ReplicaOnly, ro.ReplicaOnly = false, true
	po.RouteByLatency, ro.RouteByLatency = false, false
	po.RouteRandomly, ro.RouteRandomly = false, false
	r, err := NewReplicated(redis.NewFailoverClient(&po), []redis.Cmdable{redis.NewFailoverClient(&ro)}, o)
	if err != nil {
		return nil, err
	}
	r.backend = cachestore.DjangoRedis
	return r, nil
}
