// Package goredis adapts github.com/redis/go-redis/v9 to
// cachestore.Client, and lays Redis out as Django's cache backends do, so
// that a Go service reads each session on the server where Django wrote
// it and writes where Django will read.
//
// # Which constructor
//
// Match the CACHES entry of the Django project (SESSION_CACHE_ALIAS):
//
//   - One server in LOCATION, any backend: New(redis.NewClient(...)).
//   - Several servers in LOCATION with Django's RedisCache (Django 4.0+)
//     or django-redis's default client (django_redis.client.DefaultClient):
//     NewReplicated(first, others, nil). The first server is the primary,
//     the others its replicas.
//   - django-redis's ShardClient (OPTIONS CLIENT_CLASS
//     "django_redis.client.ShardClient"): NewSharded, one Shard per
//     LOCATION entry, named exactly as written there.
//   - django-redis's SentinelClient (CLIENT_CLASS
//     "django_redis.client.SentinelClient", SENTINELS, and
//     DJANGO_REDIS_CONNECTION_FACTORY
//     "django_redis.pool.SentinelConnectionFactory"): NewSentinel.
//   - Redis Cluster: New(redis.NewClusterClient(...)), for Go only (below).
//
// The store's backend (cachestore.Options.Backend) stays the one Django
// uses: cachestore.RedisCache for Django's backend, cachestore.DjangoRedis
// for django-redis.
//
// # Several LOCATIONs: Django's rule
//
// Django's RedisCache splits a LOCATION string at "," and ";" (a list is
// taken as it is; cachestore.SplitLocation splits as each backend does) and keeps
// one connection pool per server, made from its URL on first use
// (django-redis keeps them per URL, process-wide). Every write (set, add, delete, touch, incr) goes to the first
// server; every read (get, has_key, get_many) goes to
// random.randint(1, n-1), a uniformly random one of the others, or to the
// first when there is only one. django-redis's DefaultClient (which splits
// LOCATION at "," only) chooses the same way (get_next_client_index). With
// REPLICA_READ_ONLY False, django-redis retries a failed write on the
// other servers; Replicated does not: writes go to the primary only,
// which is where a replica set takes them.
//
// Replicated follows that rule for Set and Delete (the primary) and for
// Get and Exists (a random replica), and adds two guards against
// replication lag, described next.
//
// # Replica lag
//
// A replica applies the primary's writes some time after the primary
// does. Django lives with that: a session created a moment ago can be
// missing on the replica its next request reads (the visitor is logged
// out for that request), a session updated a moment ago can be read as it
// was, a session deleted at logout can still be read, and the existence
// check in the cache engine's save (a get, on a replica) can fail and
// raise UpdateError.
//
// Replicated reads with this exact rule:
//
//  1. After this client writes or deletes a key (Set, Delete; whether or
//     not the call succeeded, since a failed call may have been applied),
//     its reads of that key go to the primary for
//     ReplicaOptions.ReadYourWrites (DefaultReadYourWrites, 5 s, unless
//     set; negative turns it off).
//  2. Any other read goes to a uniformly random replica. When the replica
//     answers that the key does not exist, the read is repeated on the
//     primary and the primary's answer is returned
//     (ReplicaOptions.TrustReplicaMisses turns this off).
//  3. When the replica fails, its error is returned, as Django's backends
//     raise it (ReplicaOptions.ReadPrimaryOnError reads from the primary
//     instead).
//
// So Go never reports "no session" while the primary holds the session
// (rule 2: a session Django just created is found at once, and a save's
// existence check does not fail spuriously), and a Go process reads back
// its own saves and logouts at once (rule 1). What Go shares with Django:
// a session another process (Django, or another Go process) updated or
// deleted within the lag may be read as it was from a replica. That read
// is never older than the one Django would make. The cost is one more
// round trip for a key the replica lacks (visitors without a live
// session) and a table of the keys written in the last window (swept as
// it grows, so its size follows the write rate times the window).
//
// # django-redis's ShardClient
//
// Each key lives on one server, chosen by django-redis's consistent-hash
// ring (Ring): every LOCATION entry, as a string ("redis://h:6379/1"),
// has 128 points, the SHA-256 of "entry:0" to "entry:127"; a key's point
// is the SHA-256 of the whole cache key ("prefix:version:" +
// "django.contrib.sessions.cache" + session key), or of its hash tag when
// the key has "{...}" (ShardHashKey); the key goes to the owner of the
// last point at or below its own, wrapping to the highest point. Entries
// are names, not addresses: Go must use the same strings, in any order
// (the ring does not depend on order). Vectors from django-redis 5.2.0
// are in testdata/django_redis_ring.json.
//
// # Sentinel
//
// django-redis's SentinelClient makes two pools from LOCATION
// ("redis://mymaster/0"): one to the primary the sentinels name, for
// writes, and one to the replicas they list, for reads (redis-py's
// SentinelConnectionPool tries the replicas from a random one, then the
// primary). NewSentinel makes the same pair with go-redis's failover
// client (ReplicaOnly picks a random replica per connection, the primary
// when no replica is up) and applies Replicated's lag guards. Both follow
// a failover; a save made on the old primary while the roles change can
// be lost when it turns replica, for Django's redis-py clients as for
// Go's (Redis's failover, not this package's).
//
// # Redis Cluster: Go only
//
// No Django cache backend of Django 3.2 to 6.1 with django-redis 5.2 can
// use a Redis Cluster: both send every command to a LOCATION server
// through a plain redis-py client, and a Cluster answers MOVED for the
// keys of other nodes' slots (django-redis's REDIS_CLIENT_CLASS cannot be
// redis-py's RedisCluster either, since the factory hands it a one-server
// pool). The tests check that on every release. A Go service can still
// keep sessions in a Cluster with New(redis.NewClusterClient(...)), in
// Django's format, for Go-only use or for a Django with a third-party
// Cluster backend that uses the same keys and values.
//
// # When a server is down
//
// A replica that is down fails the reads sent to it, as in Django, whose
// session engine then starts an empty session (cachestore's
// ResetOnLoadError does the same); writes go on. A primary that is down
// fails every write. A shard that is down fails the keys it holds and no
// others; when it comes back empty, its sessions are gone, for Django
// too. go-redis reconnects when a server returns. Give each go-redis
// client the timeouts and retries the service needs: a reply that never
// comes holds the request until ReadTimeout.
package goredis
