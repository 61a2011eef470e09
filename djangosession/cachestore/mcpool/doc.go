// Package mcpool spreads cache keys over several memcached servers as
// Django's memcached backends do, so that a Go service looks for each
// session on the server where Django put it, and Django finds on the right
// server every session Go writes.
//
// A Pool is a cachestore.Client: give it to cachestore.New (or
// cacheddb) as a single server. For every key it picks the server, by the
// rules of the Django backend named in Options.Backend, and passes the
// call to that server's own cachestore.Client, made by the dial function
// given to New; the package imports no driver. The gomemcache adapter
// builds one with a memcache.Client per server:
//
//	pool, err := gomemcache.NewPool(cachestore.SplitLocation(cachestore.PyMemcache, "10.0.0.1:11211;10.0.0.2:11211"), nil, nil)
//	...
//	store, err := cachestore.New(pool, &cachestore.Options{ResetOnLoadError: true})
//
// Do not give memcache.New several servers instead: gomemcache picks
// servers by its own hash, and misses about two thirds of the sessions
// Django spread over three servers.
//
// # Servers
//
// Servers are the entries of the cache's LOCATION, in LOCATION order
// (cachestore.SplitLocation splits a string on ";" and "," as Django does), each read
// as the backend's client reads it: "host:port", "host" (port 11211),
// "[v6addr]:port", a Unix socket ("unix:/path" or "/path"); pylibmc also
// takes "host:port:weight" (weights 1 to 65535), python-memcached
// "inet:" and "inet6:" forms.
// The order matters: write them as Django's settings do.
//
// # Server selection
//
// PyMemcacheCache (pymemcache's HashClient, which Django builds with the
// LOCATION entries): rendezvous hashing. For each server named
// "host:port" (the host without IPv6 brackets, the port in decimal; the
// path for a Unix socket) the score is the 32-bit MurmurHash3, seed 0, of
// the Python string "host:port-" + key; the highest score wins, and a tie
// goes to the greater name. pymemcache hashes characters, not bytes: a
// character outside ASCII counts as one byte, its code point modulo 256.
//
// PyLibMCCache (libmemcached through pylibmc): the key's UTF-8 bytes are
// hashed with the "hash" behaviour (by default Bob Jenkins'
// one-at-a-time; md5, crc, fnv1_64, fnv1a_64, fnv1_32, fnv1a_32, murmur
// and jenkins too; hsieh is not compiled into Debian's libmemcached and is
// refused), and the distribution picks the server:
//   - "modula", the default: hash modulo the number of servers;
//   - "consistent" and "consistent ketama" ({"ketama": True}): a
//     continuum of 100 points per server, each the same hash of
//     "host:port-i" for i from 0 to 99 ("host-i" when the port is 11211),
//     sorted; the key goes to the first point at or after its hash,
//     wrapping round;
//   - "consistent weighted" ({"ketama_weighted": True}, which also makes
//     MD5 the key hash): 160 points per server scaled by its weight, four
//     from each MD5 of "host:port-i";
//   - "consistent ketama spy": points hashed from "/host:port-i".
//
// pylibmc sets behaviours in its own order, whatever the order of the
// dict: hash, ketama, ketama_weighted, then distribution; {"hash": "crc",
// "ketama_weighted": True} therefore hashes with MD5, and
// {"ketama_weighted": False} turns plain ketama on, as in libmemcached.
// "_sort_hosts" sorts the servers by host, then port, before the
// layout. A server alone gets every key.
//
// MemcachedCache (python-memcached, Django 3.2 only): the key's UTF-8
// bytes hashed by CRC-32, bits 16 to 30 (1 when they are all zero),
// modulo the number of servers, each server counted weight times.
//
// The test suite checks each layout byte for byte against the real
// clients (pymemcache 3.5.2, pylibmc 1.6.3 on libmemcached 1.1.4,
// python-memcached 1.58, as Debian ships them): thousands of keys set by
// the client Django builds, then found on the server Go picks; the
// vectors in testdata/vectors.json come from that run.
//
// # A server that is down
//
// A Pool does what the Django backend does by default, and keeps the
// state the Python client keeps (one state for the Pool, where each Python
// thread has its own):
//
// PyMemcacheCache: HashClient with ignore_exc False, retry_attempts 2,
// retry_timeout 1 s, dead_timeout 60 s. The first connection failure
// (a refused or reset connection, a timeout: what Python sees as
// socket.error) is returned as an error. For retry_timeout after that,
// calls for keys of that server return the default (a miss, not stored)
// without asking it; then it is asked again, and after two more failures
// it is marked dead: its keys move to the server with the next-highest
// score until dead_timeout has passed, when it is taken back (and its old
// keys read from it again). Other errors (a connection closed mid-reply)
// are returned and do not count. With every server dead, calls fail with
// ErrAllDown. The OPTIONS ignore_exc, retry_attempts, retry_timeout and
// dead_timeout are followed. Django also closes its caches at the end of
// every request, which runs through the same bookkeeping and clears a
// failure record older than retry_timeout: under traffic a Django process
// mostly alternates one error and misses, and rarely marks a server dead.
// Pool.EndRequest does the same for a Go handler that calls it after
// answering; without it the pool behaves as one long-lived HashClient.
//
// PyLibMCCache: libmemcached without auto-ejection, pylibmc's default,
// keeps every key on its server: each call for a key of a server that is
// down fails with its error. The behaviours remove_failed and auto_eject
// are refused.
//
// MemcachedCache: python-memcached never fails a call. A server it
// cannot connect to is dead for dead_retry (30 s) and its keys are rehashed
// meanwhile to another server (the CRC of the decimal hash followed by the
// try number, up to ten tries); any other failure of a server marks it dead
// and the call returns the default. The OPTION dead_retry is followed.
//
// A per-server client reports a failure to connect as a *net.OpError whose
// Op is "dial", as net.Dial does (the gomemcache adapter does so).
//
// Django's cache engine treats any error on load as "no session"; a
// cachestore.Store returns it unless cachestore.Options.ResetOnLoadError
// is set: set it to have Django's behaviour through a Pool.
package mcpool
