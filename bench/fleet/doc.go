// Package fleet holds djsession's fleet test and benchmark: several Go
// processes (examples/strangler) and several Django processes (gunicorn)
// behind one nginx on loopback, sharing one session store per topology,
// with simulated users whose requests alternate between Go and Django.
//
// Everything is started by the tests themselves with internal/testenv on
// free loopback ports (DJ_TEST_TOPOLOGY=1 and DJ_TEST_DJANGO=1; without
// them the tests skip):
//
//	go test -race ./bench/fleet                      # the fleet test
//	go test -run '^$' -bench Fleet ./bench/fleet     # the benchmark
//
// Topologies (TestFleet):
//
//	memcached/3.2         PyMemcacheCache over 3 memcached nodes, Django 3.2
//	memcached/<newest>    the same with the newest Django of 4.2, 5.2
//	redis/<newest>        RedisCache with 3 LOCATIONs: a primary and 2 replicas
//	db/<newest>           django_session on PostgreSQL through PgBouncer
//	                      (transaction mode)
//	cached_db/3.2         cached_db over the 3-node memcached pool and PostgreSQL
//
// auth_user lives in a throwaway PostgreSQL server, one database per
// topology. nginx sends /go/ round robin to three Go nodes and everything
// else round robin to two gunicorn masters of three sync workers each.
//
// What the users see when a cache node stops (TestFleet/.../nodefail):
//
//   - memcached: the sessions on the stopped node are gone, on both sides,
//     as with Django alone. pymemcache (and mcpool on the Go side, with the
//     same OPTIONS) fails the requests that reach the node until it is
//     marked dead, then sends its keys to the other nodes: a user whose
//     session was there is anonymous (logged out), or gets Django's 500 for
//     a write that hit the node before it was marked dead. When the node
//     comes back (after dead_timeout) its keys go to it again, empty: the
//     sessions created elsewhere meanwhile are lost once more.
//   - Redis replica: a read sent to the stopped replica fails; Django's
//     cache engine then starts an empty session (the user is anonymous on
//     that request, and a request that writes the session replaces the
//     user's cookie with a new, anonymous session). The Go side does the
//     same (cachestore ResetOnLoadError) except for keys its node wrote in
//     the last five seconds, which it reads from the primary
//     (goredis.ReplicaOptions.ReadYourWrites).
package fleet
