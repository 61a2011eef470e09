package mcpool

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/djsession/djsession/djangosession/cachestore"
)

// Backend names the Django memcached backend whose layout a Pool follows.
type Backend int

// Django's memcached backends.
const (
	// PyMemcacheCache is django.core.cache.backends.memcached.PyMemcacheCache
	// (Django 3.2+): pymemcache's HashClient.
	PyMemcacheCache Backend = iota + 1
	// PyLibMCCache is django.core.cache.backends.memcached.PyLibMCCache:
	// pylibmc over libmemcached.
	PyLibMCCache
	// MemcachedCache is django.core.cache.backends.memcached.MemcachedCache
	// (python-memcached; Django 3.2 only, removed in 4.1).
	MemcachedCache
)

func (b Backend) String() string {
	switch b {
	case PyMemcacheCache:
		return "PyMemcacheCache"
	case PyLibMCCache:
		return "PyLibMCCache"
	case MemcachedCache:
		return "MemcachedCache"
	}
	return "Backend(" + strconv.Itoa(int(b)) + ")"
}

// Errors.
var (
	// ErrBackend is returned by New for an unknown Backend.
	ErrBackend = errors.New("mcpool: unknown backend")
	// ErrNoServers is returned by New without servers.
	ErrNoServers = errors.New("mcpool: no servers")
	// ErrServer is returned by New for a server its backend's client
	// cannot read.
	ErrServer = errors.New("mcpool: bad server")
	// ErrOption is returned by New for an option it cannot follow.
	ErrOption = errors.New("mcpool: unsupported option")
	// ErrAllDown is returned (PyMemcacheCache) when every server has been
	// marked dead: pymemcache's "All servers seem to be down right now".
	ErrAllDown = errors.New("mcpool: all servers seem to be down right now")
)

// Options configure a Pool. The zero value is PyMemcacheCache with
// Django's defaults.
type Options struct {
	// Backend is the Django backend (CACHES[alias]["BACKEND"]);
	// PyMemcacheCache when zero.
	Backend Backend
	// CacheOptions is the cache's OPTIONS, as in Django's settings
	// (values as Python or JSON would hold them: bool, int, float64,
	// string). Those that choose a server or decide what a failed server
	// means are followed, the others ignored:
	//   - PyMemcacheCache: ignore_exc, retry_attempts, retry_timeout,
	//     dead_timeout (HashClient keywords); key_prefix is refused.
	//   - PyLibMCCache: "behaviors": hash, ketama, ketama_weighted,
	//     distribution, _sort_hosts; remove_failed, auto_eject and
	//     _hash_with_prefix_key are refused.
	//   - MemcachedCache: dead_retry.
	CacheOptions map[string]any
	// Now is the clock of the failure bookkeeping; time.Now when nil.
	Now func() time.Time
}

// Pool is a cachestore.Client over several memcached servers, each
// reached through its own cachestore.Client, that sends every key to the
// server Django's backend sends it to. It is safe for concurrent use.
type Pool struct {
	backend Backend
	nodes   []node
	clients []cachestore.Client
	now     func() time.Time

	// PyMemcacheCache
	names      []murmurPrefix // murmur3 of node name + "-"
	ignoreExc  bool
	retries    int
	retryAfter time.Duration
	deadAfter  time.Duration

	// PyLibMCCache
	lm     libmemcachedConfig
	order  []int // libmemcached's server index -> clients index
	points []point

	// MemcachedCache
	buckets   []int
	deadRetry time.Duration

	mu        sync.Mutex
	alive     []bool            // pymemcache: in the hasher
	failed    map[int]*failure  // pymemcache: _failed_clients
	dead      map[int]time.Time // pymemcache: _dead_clients
	lastCheck time.Time         // pymemcache: _last_dead_check_time
	deadUntil map[int]time.Time // python-memcached: deaduntil
}

type failure struct {
	at       time.Time
	attempts int
}

var (
	_ cachestore.Client        = (*Pool)(nil)
	_ cachestore.BackendHinter = (*Pool)(nil)
)

// New returns a Pool over servers, the entries of Django's LOCATION in
// their order (cachestore.SplitLocation splits a LOCATION string). dial makes the
// client of one server from its network address, "host:port" or a Unix
// socket path; New does not contact the servers.
func New(servers []string, dial func(addr string) (cachestore.Client, error), o *Options) (*Pool, error) {
	if o == nil {
		o = &Options{}
	}
	if len(servers) == 0 {
		return nil, ErrNoServers
	}
	p := &Pool{backend: o.Backend, now: o.Now}
	if p.backend == 0 {
		p.backend = PyMemcacheCache
	}
	if p.backend < PyMemcacheCache || p.backend > MemcachedCache {
		return nil, ErrBackend
	}
	if p.now == nil {
		p.now = time.Now
	}
	for _, s := range servers {
		n, err := parseServer(p.backend, s)
		if err != nil {
			return nil, err
		}
		p.nodes = append(p.nodes, n)
	}
	if err := p.configure(o.CacheOptions); err != nil {
		return nil, err
	}
	for i, n := range p.nodes {
		c, err := dial(n.addr)
		if err != nil {
			return nil, fmt.Errorf("mcpool: server %d: %w", i, err)
		}
		if c == nil {
			return nil, fmt.Errorf("mcpool: server %d: %w", i, cachestore.ErrNoClient)
		}
		p.clients = append(p.clients, c)
	}
	return p, nil
}

func (p *Pool) configure(opts map[string]any) error {
	switch p.backend {
	case PyMemcacheCache:
		p.retries, p.retryAfter, p.deadAfter = 2, time.Second, 60*time.Second
		for k, v := range opts {
			var err error
			switch k {
			case "ignore_exc":
				p.ignoreExc, err = truthy(v)
			case "retry_attempts":
				var f float64
				f, err = number(v)
				p.retries = int(f)
			case "retry_timeout":
				p.retryAfter, err = seconds(v)
			case "dead_timeout":
				p.deadAfter, err = seconds(v)
			case "key_prefix":
				// HashClient hashes the key without the prefix but
				// stores it with: not followed.
				if v != nil && fmt.Sprint(v) != "" {
					err = fmt.Errorf("%w: key_prefix", ErrOption)
				}
			case "hasher":
				err = fmt.Errorf("%w: hasher", ErrOption)
			}
			if err != nil {
				return err
			}
		}
		for _, n := range p.nodes {
			p.names = append(p.names, newMurmurPrefix(append(appendLowBytes(nil, n.name), '-')))
		}
		p.alive = make([]bool, len(p.nodes))
		for i := range p.alive {
			p.alive[i] = true
		}
		// HashClient keeps one client per node name: a server listed
		// twice is one node, reached through its last client.
		for i, n := range p.nodes {
			for j := i + 1; j < len(p.nodes); j++ {
				if p.nodes[j].name == n.name {
					p.alive[i] = false
				}
			}
		}
		p.failed = map[int]*failure{}
		p.dead = map[int]time.Time{}
		p.lastCheck = p.now()
	case PyLibMCCache:
		var bs map[string]any
		if v, ok := opts["behaviors"]; ok && v != nil {
			m, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("%w: behaviors must be a dict", ErrOption)
			}
			bs = m
		}
		c, err := pylibmcBehaviors(bs)
		if err != nil {
			return err
		}
		p.lm = c
		p.order = make([]int, len(p.nodes))
		for i := range p.order {
			p.order[i] = i
		}
		if c.sortHosts {
			slices.SortStableFunc(p.order, func(a, b int) int {
				x, y := p.nodes[a], p.nodes[b]
				if x.host != y.host {
					if x.host < y.host {
						return -1
					}
					return 1
				}
				return x.port - y.port
			})
		}
		if c.dist != modula {
			ordered := make([]node, len(p.nodes))
			for i, j := range p.order {
				ordered[i] = p.nodes[j]
			}
			p.points = buildContinuum(ordered, c.dist, c.hash, c.weighted)
		}
	case MemcachedCache:
		p.deadRetry = 30 * time.Second
		if v, ok := opts["dead_retry"]; ok {
			d, err := seconds(v)
			if err != nil {
				return err
			}
			p.deadRetry = d
		}
		for i, n := range p.nodes {
			for range n.weight {
				p.buckets = append(p.buckets, i)
			}
		}
		p.deadUntil = map[int]time.Time{}
	}
	return nil
}

// Backend returns the Django backend the pool follows.
func (p *Pool) Backend() Backend { return p.backend }

// DefaultBackend is the cachestore value format of the pool's backend:
// cachestore.PyLibMC for PyLibMCCache, else cachestore.PyMemcache
// (python-memcached writes a session, a pickled dict, as pymemcache does).
func (p *Pool) DefaultBackend() cachestore.Backend {
	if p.backend == PyLibMCCache {
		return cachestore.PyLibMC
	}
	return cachestore.PyMemcache
}

// Len returns the number of servers.
func (p *Pool) Len() int { return len(p.nodes) }

// Server returns the index (in LOCATION order) of the server key is sent
// to while every server is up.
func (p *Pool) Server(key string) int {
	switch p.backend {
	case PyMemcacheCache:
		all := make([]bool, len(p.nodes))
		for i := range all {
			all[i] = true
		}
		return p.rendezvous(key, all)
	case PyLibMCCache:
		return p.libmemcached(key)
	}
	return p.buckets[int(cmemcacheHash([]byte(key)))%len(p.buckets)]
}

// rendezvous is pymemcache's RendezvousHash.get_node over the alive
// nodes: the highest murmur3 of "name-key", a tie going to the greater
// name; -1 when none is alive.
func (p *Pool) rendezvous(key string, alive []bool) int {
	var stack [256]byte
	kb := appendLowBytes(stack[:0], key)
	best, win := int64(-1), -1
	for i := range p.names {
		if !alive[i] {
			continue
		}
		score := int64(p.names[i].sum(kb))
		if score > best || score == best && p.nodes[i].name > p.nodes[win].name {
			best, win = score, i
		}
	}
	return win
}

// libmemcached is memcached_generate_hash_with_redistribution without
// auto-ejection.
func (p *Pool) libmemcached(key string) int {
	if len(p.nodes) == 1 {
		return 0
	}
	h := p.lm.hash.sum([]byte(key))
	if p.lm.dist == modula {
		return p.order[h%uint32(len(p.nodes))]
	}
	return p.order[lookup(p.points, h)]
}

// connFailure reports whether err is what Python sees as socket.error
// (OSError): a refused or reset connection, a timeout. A connection the
// server closed in the middle of a reply (io.EOF) is not, in Go as in
// pymemcache (MemcacheUnexpectedCloseError).
func connFailure(err error) bool {
	var ne net.Error
	var errno syscall.Errno
	return errors.As(err, &ne) || errors.As(err, &errno)
}

// dialFailure reports whether err is a failure to connect: a
// *net.OpError whose Op is "dial", as net.Dial returns.
func dialFailure(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// do runs op on the server key belongs to, with the backend's handling
// of failed servers. skipped reports that the backend answers with its
// default (a miss, not stored) without an error.
func (p *Pool) do(ctx context.Context, key string, op func(cachestore.Client) error) (skipped bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	switch p.backend {
	case PyMemcacheCache:
		return p.doHashClient(key, op)
	case PyLibMCCache:
		i := p.libmemcached(key)
		return false, wrap(i, op(p.clients[i]))
	}
	return p.doPythonMemcached(key, op)
}

func wrap(i int, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("mcpool: server %d: %w", i, err)
}

// doHashClient is pymemcache HashClient's _get_client and
// _safely_run_func.
func (p *Pool) doHashClient(key string, op func(cachestore.Client) error) (bool, error) {
	p.mu.Lock()
	now := p.now()
	if len(p.dead) > 0 && now.Sub(p.lastCheck) > p.deadAfter {
		// _retry_dead: bring back the servers dead for dead_timeout.
		for i, at := range p.dead {
			if now.Sub(at) > p.deadAfter {
				p.alive[i] = true
				delete(p.dead, i)
			}
		}
		p.lastCheck = now
	}
	i := p.rendezvous(key, p.alive)
	if i < 0 {
		p.mu.Unlock()
		if p.ignoreExc {
			return true, nil
		}
		return false, ErrAllDown
	}
	if f, ok := p.failed[i]; ok {
		if f.attempts < p.retries {
			if now.Sub(f.at) > p.retryAfter {
				// Retry the failing server.
				p.mu.Unlock()
				err := op(p.clients[i])
				if err == nil {
					p.mu.Lock()
					delete(p.failed, i)
					p.mu.Unlock()
					return false, nil
				}
				return p.hashClientError(i, err)
			}
			p.mu.Unlock()
			return true, nil
		}
		// Out of retries: mark it dead (out of the hasher), then run
		// the command on it all the same, as HashClient does.
		p.removeServer(i, now)
	}
	p.mu.Unlock()
	if err := op(p.clients[i]); err != nil {
		return p.hashClientError(i, err)
	}
	return false, nil
}

// EndRequest does to the pool's failure bookkeeping what Django does at
// the end of every request: close_caches (on request_finished) calls the
// backend's close. For PyMemcacheCache that is HashClient.disconnect_all,
// which runs a close on every server through the same failure handling as
// any command: a failed server whose retry_timeout has passed is retried
// (a close always succeeds) and its failure record dropped; one out of
// retries is marked dead. The other backends' close changes nothing.
// Servers are not disconnected. A Go handler that wants Django's
// behaviour under traffic calls EndRequest when it has answered; without
// it the pool behaves as one long-lived HashClient (a management command,
// a worker) does.
func (p *Pool) EndRequest() {
	if p.backend != PyMemcacheCache {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	for i, f := range p.failed {
		switch {
		case f.attempts >= p.retries:
			p.removeServer(i, now)
		case now.Sub(f.at) > p.retryAfter:
			delete(p.failed, i)
		}
	}
}

func (p *Pool) removeServer(i int, now time.Time) {
	delete(p.failed, i)
	p.dead[i] = now
	p.alive[i] = false
}

// hashClientError is the except clauses of _safely_run_func.
func (p *Pool) hashClientError(i int, err error) (bool, error) {
	if connFailure(err) {
		p.mu.Lock()
		now := p.now()
		switch f, ok := p.failed[i]; {
		case !ok && p.retries > 0:
			p.failed[i] = &failure{at: now}
		case !ok:
			p.removeServer(i, now)
		default:
			f.attempts++
			f.at = now
		}
		p.mu.Unlock()
	}
	if p.ignoreExc {
		return true, nil
	}
	return false, wrap(i, err)
}

// retries of python-memcached's _get_server.
const serverRetries = 10

// doPythonMemcached is python-memcached's _get_server and the error
// handling of its commands.
func (p *Pool) doPythonMemcached(key string, op func(cachestore.Client) error) (bool, error) {
	h := cmemcacheHash([]byte(key))
	for try := range serverRetries {
		i := p.buckets[int(h)%len(p.buckets)]
		p.mu.Lock()
		until, dead := p.deadUntil[i]
		now := p.now()
		if dead && !until.After(now) {
			delete(p.deadUntil, i)
			dead = false
		}
		p.mu.Unlock()
		if !dead {
			err := op(p.clients[i])
			switch {
			case err == nil:
				return false, nil
			case dialFailure(err):
				p.markDead(i) // and try the next server
			case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
				return false, wrap(i, err)
			default:
				// Any other failure of a server (reset, closed, a
				// reply it cannot read): dead, and the default value.
				p.markDead(i)
				return true, nil
			}
		}
		h = cmemcacheHash([]byte(strconv.FormatUint(uint64(h), 10) + strconv.Itoa(try)))
	}
	return true, nil
}

func (p *Pool) markDead(i int) {
	p.mu.Lock()
	p.deadUntil[i] = p.now().Add(p.deadRetry)
	p.mu.Unlock()
}

// Get runs get on the key's server.
func (p *Pool) Get(ctx context.Context, key string) (value []byte, flags uint32, found bool, err error) {
	_, err = p.do(ctx, key, func(c cachestore.Client) error {
		var err error
		value, flags, found, err = c.Get(ctx, key)
		return err
	})
	if err != nil || !found {
		return nil, 0, false, err
	}
	return value, flags, true, nil
}

// Set runs set, add or replace on the key's server.
func (p *Pool) Set(ctx context.Context, it *cachestore.Item, mode cachestore.SetMode) (stored bool, err error) {
	_, err = p.do(ctx, it.Key, func(c cachestore.Client) error {
		var err error
		stored, err = c.Set(ctx, it, mode)
		return err
	})
	if err != nil {
		return false, err
	}
	return stored, nil
}

// Delete runs delete on the key's server.
func (p *Pool) Delete(ctx context.Context, key string) error {
	_, err := p.do(ctx, key, func(c cachestore.Client) error { return c.Delete(ctx, key) })
	return err
}

// Exists asks the key's server.
func (p *Pool) Exists(ctx context.Context, key string) (found bool, err error) {
	_, err = p.do(ctx, key, func(c cachestore.Client) error {
		var err error
		found, err = c.Exists(ctx, key)
		return err
	})
	if err != nil {
		return false, err
	}
	return found, nil
}
