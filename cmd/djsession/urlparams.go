package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// params is a URL's query, taken parameter by parameter; what is left at
// the end is refused by done.
type params struct {
	scheme string
	q      url.Values
}

func newParams(scheme, rawQuery string) (*params, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, usagef("%v: query: %v", errDBURL, err)
	}
	return &params{scheme: scheme, q: q}, nil
}

// take returns the last value of the first of names present, and removes
// every one of names.
func (p *params) take(names ...string) (string, bool) {
	var v string
	found := false
	for _, n := range names {
		if vs, ok := p.q[n]; ok && !found {
			v, found = vs[len(vs)-1], true
		}
		delete(p.q, n)
	}
	return v, found
}

// done refuses the first parameter (in name order) nobody took.
func (p *params) done() error {
	if len(p.q) == 0 {
		return nil
	}
	names := make([]string, 0, len(p.q))
	for n := range p.q {
		names = append(names, n)
	}
	slices.Sort(names)
	return usagef("%v: unknown parameter %q in a %s:// URL", errDBURL, names[0], p.scheme)
}

// refuseParams refuses any query on a scheme that takes none.
func refuseParams(scheme, rawQuery string) error {
	p, err := newParams(scheme, rawQuery)
	if err != nil {
		return err
	}
	return p.done()
}

// tlsFiles are the PEM files a URL names: the CA bundle to verify the
// server with, and the client's certificate and key.
type tlsFiles struct{ ca, cert, key string }

// tlsConfig returns the TLS configuration for level (nil for none):
// tlsPreferred and tlsRequired encrypt without checking the certificate
// (MySQL's REQUIRED, redis-py's ssl_cert_reqs=none), tlsVerifyCA checks
// the chain but not the host name (VERIFY_CA, redis-py's default before
// 6.0), tlsVerifyIdentity checks both.
func tlsConfig(level tlsLevel, serverName string, f tlsFiles) (*tls.Config, error) {
	if level <= tlsDisabled {
		return nil, nil
	}
	c := &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS12}
	if f.ca != "" {
		pem, err := os.ReadFile(f.ca)
		if err != nil {
			return nil, usagef("%v: reading the CA file: %v", errDBURL, errors.Unwrap(err))
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, usagef("%v: the CA file holds no PEM certificate", errDBURL)
		}
	}
	if (f.cert == "") != (f.key == "") {
		return nil, usagef("%v: a client certificate needs both its certificate and its key file", errDBURL)
	}
	if f.cert != "" {
		pair, err := tls.LoadX509KeyPair(f.cert, f.key)
		if err != nil {
			return nil, usagef("%v: client certificate: %v", errDBURL, err)
		}
		c.Certificates = []tls.Certificate{pair}
	}
	switch level {
	case tlsPreferred, tlsRequired:
		c.InsecureSkipVerify = true
	case tlsVerifyCA:
		// verify the chain only: crypto/tls checks chain and name
		// together, so do the chain here
		roots := c.RootCAs
		c.InsecureSkipVerify = true
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("tls: the server sent no certificate")
			}
			inter := x509.NewCertPool()
			for _, ic := range cs.PeerCertificates[1:] {
				inter.AddCert(ic)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
			return err
		}
	}
	return c, nil
}

// splitHosts cuts "[userinfo@]h1:p1,h2:p2[/path][?query]" (the part of a
// URL after "scheme://") into its user info, its hosts in order, each
// with defaultPort when it has none, and a URL holding the rest.
func splitHosts(scheme, rest, defaultPort string) (*url.URL, []string, error) {
	userinfo, hostlist, tail := splitAuthority(rest)
	u, err := url.Parse(scheme + "://" + userinfo + "placeholder" + tail)
	if err != nil {
		return nil, nil, usagef("%v: %v", errDBURL, redactErr(err, scheme+"://"+rest))
	}
	var addrs []string
	for _, h := range strings.Split(hostlist, ",") {
		if h == "" {
			return nil, nil, usagef("%v: %s URL without a host", errDBURL, scheme)
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			host, port = strings.Trim(h, "[]"), defaultPort
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || host == "" || strings.ContainsAny(host, "[]/@ ") {
			return nil, nil, usagef("%v: bad host %q in a %s URL", errDBURL, h, scheme)
		}
		addrs = append(addrs, net.JoinHostPort(host, port))
	}
	return u, addrs, nil
}

// splitAuthority cuts "[userinfo@]h1:p1,h2:p2[/path][?query]" into the
// user information with its "@", the host list as written, and the rest.
func splitAuthority(rest string) (userinfo, hostlist, tail string) {
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	hostlist = authority
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		userinfo, hostlist = authority[:i+1], authority[i+1:]
	}
	return userinfo, hostlist, rest[end:]
}

// parseRedisURL reads redis:// and rediss:// URLs as redis-py's
// from_url does (Django's RedisCache and django-redis pass LOCATION to
// it), with several hosts in LOCATION order:
//
//	redis[s]://[[user]:password@]host[:6379][,host2[:port]...][/db][?params]
//
// Parameters: db; for rediss:// redis-py's ssl_cert_reqs (none, optional,
// required), ssl_ca_certs, ssl_certfile, ssl_keyfile, ssl_check_hostname;
// socket_timeout and socket_connect_timeout (seconds), max_connections;
// and backend=redis (Django's RedisCache, the default) or django-redis.
//
// redis-py verifies the server's certificate by default
// (ssl_cert_reqs=required); it checks the host name by default from
// redis-py 6.0, and so does this command (ssl_check_hostname=false to
// turn it off, as with older redis-py).
func parseRedisURL(scheme, rest string) (*dbTarget, error) {
	u, addrs, err := splitHosts(scheme, rest, "6379")
	if err != nil {
		return nil, err
	}
	t := &dbTarget{kind: kindRedis, addrs: addrs, backend: "redis"}
	if u.User != nil {
		t.user = u.User.Username()
		pw, ok := u.User.Password()
		if !ok { // redis://secret@host: redis-py reads it as a user name; AUTH takes one word as a password
			t.user, pw = "", t.user
		}
		t.password = pw
	}
	p, err := newParams(scheme, u.RawQuery)
	if err != nil {
		return nil, err
	}
	db := strings.Trim(u.Path, "/")
	if v, ok := p.take("db"); ok {
		db = v
	}
	if db != "" {
		if t.db, err = strconv.Atoi(db); err != nil || t.db < 0 {
			return nil, usagef("%v: redis database %q is not a number", errDBURL, db)
		}
	}
	if v, ok := p.take("backend"); ok {
		if v != "redis" && v != "django-redis" {
			return nil, usagef("%v: backend=%q: redis (Django's RedisCache) or django-redis", errDBURL, v)
		}
		t.backend = v
	}
	if err := t.redisTopology(p, scheme, rest, u.Path); err != nil {
		return nil, err
	}
	if err := t.timeouts(p); err != nil {
		return nil, err
	}
	var f tlsFiles
	level, check := tlsVerifyIdentity, true
	reqs, hasReqs := p.take("ssl_cert_reqs")
	f.ca, _ = p.take("ssl_ca_certs")
	f.cert, _ = p.take("ssl_certfile")
	f.key, _ = p.take("ssl_keyfile")
	checkHost, hasCheck := p.take("ssl_check_hostname")
	if scheme == "redis" {
		if hasReqs || hasCheck || f != (tlsFiles{}) {
			return nil, usagef("%v: ssl_* parameters need a rediss:// URL", errDBURL)
		}
		level = tlsDisabled
	} else {
		if hasCheck {
			if check, err = strconv.ParseBool(checkHost); err != nil {
				return nil, usagef("%v: ssl_check_hostname=%q: true or false", errDBURL, checkHost)
			}
		}
		switch strings.ToLower(reqs) {
		case "", "required", "optional", "cert_required", "cert_optional":
			// a client verifies whatever certificate the server sends:
			// optional is required for a client
			level = map[bool]tlsLevel{true: tlsVerifyIdentity, false: tlsVerifyCA}[check]
		case "none", "cert_none":
			level = tlsRequired
		default:
			return nil, usagef("%v: ssl_cert_reqs=%q: none, optional or required", errDBURL, reqs)
		}
	}
	if err := p.done(); err != nil {
		return nil, err
	}
	t.tls = level
	host, _, _ := net.SplitHostPort(addrs[0])
	if t.tlsConfig, err = tlsConfig(level, host, f); err != nil {
		return nil, err
	}
	t.display = scheme + "://" + strings.Join(addrs, ",")
	if t.db != 0 {
		t.display += "/" + strconv.Itoa(t.db)
	}
	return t, nil
}

// Redis topologies: how the servers of a redis:// URL share the keys.
const (
	// topoReplicated is Django's RedisCache and django-redis's
	// DefaultClient: writes to the first server, reads from the others.
	topoReplicated = "DefaultClient"
	// topoShard is django-redis's ShardClient.
	topoShard = "ShardClient"
	// topoSentinel is django-redis's SentinelClient.
	topoSentinel = "SentinelClient"
)

// redisTopology reads client_class (django-redis's OPTIONS CLIENT_CLASS,
// with or without its "django_redis.client." package) and sentinels
// (django-redis's SENTINELS, "host:port" separated by commas). A
// client_class makes the backend django-redis. The shards are named as
// django-redis names them, by their LOCATION entry: the URL's scheme, user
// information, each host as written and the path.
func (t *dbTarget) redisTopology(p *params, scheme, rest, path string) error {
	t.topology = topoReplicated
	if v, ok := p.take("client_class"); ok {
		v = strings.TrimPrefix(v, "django_redis.client.")
		switch v {
		case topoReplicated, topoShard, topoSentinel:
		default:
			return usagef("%v: client_class=%q: DefaultClient, ShardClient or SentinelClient", errDBURL, v)
		}
		t.topology, t.backend = v, "django-redis"
	}
	sentinels, hasSentinels := p.take("sentinels")
	switch t.topology {
	case topoShard:
		userinfo, hostlist, _ := splitAuthority(rest)
		for _, h := range strings.Split(hostlist, ",") {
			t.shardNames = append(t.shardNames, scheme+"://"+userinfo+h+path)
		}
	case topoSentinel:
		if !hasSentinels || sentinels == "" {
			return usagef("%v: client_class=SentinelClient needs sentinels=host:port[,host:port...]", errDBURL)
		}
		if len(t.addrs) != 1 {
			return usagef("%v: a SentinelClient URL names one master: redis://mymaster/0", errDBURL)
		}
		t.masterName, _, _ = net.SplitHostPort(t.addrs[0])
		for _, s := range strings.Split(sentinels, ",") {
			host, port, err := net.SplitHostPort(s)
			if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 || host == "" {
				return usagef("%v: bad sentinel %q: host:port", errDBURL, s)
			}
			t.sentinels = append(t.sentinels, net.JoinHostPort(host, port))
		}
	}
	if hasSentinels && t.topology != topoSentinel {
		return usagef("%v: sentinels needs client_class=SentinelClient", errDBURL)
	}
	return nil
}

// timeouts reads redis-py's socket_timeout, socket_connect_timeout and
// max_connections.
func (t *dbTarget) timeouts(p *params) error {
	for name, d := range map[string]*time.Duration{"socket_timeout": &t.timeout, "socket_connect_timeout": &t.dialTimeout} {
		if v, ok := p.take(name); ok {
			secs, err := strconv.ParseFloat(v, 64)
			if err != nil || secs <= 0 || secs > 86400 {
				return usagef("%v: %s=%q: seconds", errDBURL, name, v)
			}
			*d = time.Duration(secs * float64(time.Second))
		}
	}
	if v, ok := p.take("max_connections"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return usagef("%v: max_connections=%q: a positive number", errDBURL, v)
		}
		t.poolSize = n
	}
	return nil
}

// memcachedOptions are the query parameters of each memcached backend:
// pymemcache's HashClient keywords (Django's PyMemcacheCache), pylibmc's
// behaviors (PyLibMCCache) and python-memcached's (MemcachedCache).
var memcachedOptions = map[string][]string{
	"pymemcache": {"ignore_exc", "retry_attempts", "retry_timeout", "dead_timeout"},
	"pylibmc":    {"hash", "ketama", "ketama_weighted", "distribution", "_sort_hosts"},
	"memcached":  {"dead_retry"},
}

// parseMemcachedURL reads memcached://h1:11211[,h2:11211...] with the
// servers in LOCATION order. The backend (the server selection and value
// format of Django's cache backend) is pymemcache unless the scheme
// (pylibmc://) or backend=pymemcache|pylibmc|memcached says otherwise;
// each backend's OPTIONS that place keys are parameters
// (memcachedOptions), as in
//
//	memcached://h1,h2,h3?backend=pylibmc&ketama=1&hash=md5
func parseMemcachedURL(scheme, rest string) (*dbTarget, error) {
	u, addrs, err := splitHosts(scheme, rest, "11211")
	if err != nil {
		return nil, err
	}
	if u.User != nil || strings.Trim(u.Path, "/") != "" {
		return nil, usagef("%v: memcached URLs look like memcached://host:11211[,host2:11211]", errDBURL)
	}
	t := &dbTarget{kind: kindMemcached, addrs: addrs, backend: "pymemcache"}
	if scheme == "pylibmc" {
		t.backend = "pylibmc"
	}
	p, err := newParams(scheme, u.RawQuery)
	if err != nil {
		return nil, err
	}
	if v, ok := p.take("backend"); ok {
		if _, known := memcachedOptions[v]; !known {
			return nil, usagef("%v: backend=%q: pymemcache, pylibmc or memcached", errDBURL, v)
		}
		t.backend = v
	}
	// The OPTIONS of the backend that place keys or decide what a server
	// that is down means (mcpool.Options.CacheOptions); pylibmc's are its
	// behaviors.
	opts := map[string]any{}
	for _, name := range memcachedOptions[t.backend] {
		if v, ok := p.take(name); ok {
			opts[name] = v
		}
	}
	if t.backend == "pylibmc" {
		opts = map[string]any{"behaviors": opts}
	}
	t.mcOptions = opts
	if err := p.done(); err != nil {
		return nil, err
	}
	t.display = scheme + "://" + strings.Join(addrs, ",")
	return t, nil
}

// String names a TLS level for messages and tests.
func (l tlsLevel) String() string {
	return [...]string{"unset", "disabled", "preferred", "required", "verify-ca", "verify-identity"}[l]
}

var _ fmt.Stringer = tlsLevel(0)
