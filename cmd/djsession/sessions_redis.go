package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Sessions of Django's cache engine on Redis
// (django.core.cache.backends.redis.RedisCache, Django 4.0+; django-redis
// writes the same keys and pickles): the key is
// KEY_PREFIX ":" VERSION ":" "django.contrib.sessions.cache" + session key
// (".cached_db" for the cached_db engine's copies), the value the session
// dict pickled, unsigned, and the expiry the key's TTL. These commands
// read them; they do not write to a cache.

const (
	cachePrefix   = "django.contrib.sessions.cache"
	cachedDBPrefx = "django.contrib.sessions.cached_db"
)

// redisConn is a minimal RESP2 client: enough for AUTH, SELECT, SCAN, GET
// and PTTL, with replies bounded in size.
type redisConn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

const maxRedisBulk = 64 << 20

func dialRedis(ctx context.Context, u *url.URL) (*redisConn, error) {
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "6379")
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	rc := &redisConn{c: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}
	if u.User != nil {
		pw, ok := u.User.Password()
		args := []string{"AUTH"}
		if name := u.User.Username(); name != "" && ok {
			args = append(args, name)
		}
		if !ok {
			pw = u.User.Username()
		}
		if _, err := rc.do(ctx, append(args, pw)...); err != nil {
			c.Close()
			return nil, errors.New("redis AUTH failed") // never echo the password
		}
	}
	if db := strings.Trim(u.Path, "/"); db != "" && db != "0" {
		if _, err := strconv.Atoi(db); err != nil {
			c.Close()
			return nil, usagef("redis database %q is not a number", db)
		}
		if _, err := rc.do(ctx, "SELECT", db); err != nil {
			c.Close()
			return nil, err
		}
	}
	return rc, nil
}

func (rc *redisConn) Close() error { return rc.c.Close() }

func (rc *redisConn) send(args ...string) {
	fmt.Fprintf(rc.w, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(rc.w, "$%d\r\n%s\r\n", len(a), a)
	}
}

// do sends one command and reads its reply.
func (rc *redisConn) do(ctx context.Context, args ...string) (any, error) {
	rc.send(args...)
	return rc.flushRead(ctx, 1)
}

// flushRead flushes the pipeline and reads n replies, returning the last
// (or a []any of all when n > 1).
func (rc *redisConn) flushRead(ctx context.Context, n int) (any, error) {
	if dl, ok := ctx.Deadline(); ok {
		rc.c.SetDeadline(dl)
	} else {
		rc.c.SetDeadline(time.Now().Add(time.Minute))
	}
	if err := rc.w.Flush(); err != nil {
		return nil, err
	}
	out := make([]any, n)
	for i := range out {
		v, err := rc.read(0)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	if n == 1 {
		if e, ok := out[0].(redisError); ok {
			return nil, e
		}
		return out[0], nil
	}
	return out, nil
}

type redisError string

func (e redisError) Error() string { return "redis: " + string(e) }

var errRedisProtocol = errors.New("redis: protocol error")

func (rc *redisConn) read(depth int) (any, error) {
	if depth > 4 {
		return nil, errRedisProtocol
	}
	line, err := rc.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errRedisProtocol
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return redisError(line[1:]), nil
	case ':':
		return strconv.ParseInt(line[1:], 10, 64)
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n > maxRedisBulk {
			return nil, errRedisProtocol
		}
		if n < 0 {
			return nil, nil
		}
		b := make([]byte, n+2)
		if _, err := readFull(rc.r, b); err != nil {
			return nil, err
		}
		return b[:n], nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n > 1<<20 {
			return nil, errRedisProtocol
		}
		if n < 0 {
			return nil, nil
		}
		arr := make([]any, n)
		for i := range arr {
			if arr[i], err = rc.read(depth + 1); err != nil {
				return nil, err
			}
		}
		return arr, nil
	}
	return nil, errRedisProtocol
}

func readFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := r.Read(b[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// redisStore lists the sessions Django's cache engines keep in Redis.
type redisStore struct {
	u       *url.URL
	pattern string // SCAN pattern
	prefix  string // KEY_PREFIX ":" VERSION ":"
	now     func() time.Time
}

func (e *sessionsEnv) openRedis(ctx context.Context, u *url.URL) (*redisStore, error) {
	s := &redisStore{u: u, prefix: e.cacheKeyPrefix + ":" + strconv.Itoa(e.cacheVersion) + ":", now: e.now}
	s.pattern = redisGlobEscape(s.prefix+cachePrefix) + "*"
	c, err := dialRedis(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", u.Redacted(), err)
	}
	c.Close()
	return s, nil
}

func redisGlobEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`, "]", `\]`).Replace(s)
}

func (s *redisStore) Close() error { return nil }

// sessionKey returns the session key of a cache key, or "".
func (s *redisStore) sessionKey(k string) string {
	rest, ok := strings.CutPrefix(k, s.prefix)
	if !ok {
		return ""
	}
	if key, ok := strings.CutPrefix(rest, cachedDBPrefx); ok && validFileKey(key) {
		return key
	}
	if key, ok := strings.CutPrefix(rest, cachePrefix); ok && validFileKey(key) {
		return key
	}
	return ""
}

// each reads every session key (SCAN), sorts them, then fetches values and
// TTLs in pipelined batches. Memory: the key names, not the values.
func (s *redisStore) each(ctx context.Context, f rowFilter, fn func(sessionRow) error) error {
	c, err := dialRedis(ctx, s.u)
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", s.u.Redacted(), err)
	}
	defer c.Close()
	var keys []string
	cursor := "0"
	for {
		v, err := c.do(ctx, "SCAN", cursor, "MATCH", s.pattern, "COUNT", "1000")
		if err != nil {
			return fmt.Errorf("redis SCAN: %w", err)
		}
		arr, ok := v.([]any)
		if !ok || len(arr) != 2 {
			return errRedisProtocol
		}
		cur, _ := arr[0].([]byte)
		list, _ := arr[1].([]any)
		for _, k := range list {
			if b, ok := k.([]byte); ok {
				if sk := s.sessionKey(string(b)); sk != "" {
					keys = append(keys, string(b))
				}
			}
		}
		if cursor = string(cur); cursor == "0" || cursor == "" {
			break
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		return s.sessionKey(keys[i]) < s.sessionKey(keys[j]) || s.sessionKey(keys[i]) == s.sessionKey(keys[j]) && keys[i] < keys[j]
	})
	n := 0
	for start := 0; start < len(keys); start += 500 {
		batch := keys[start:min(start+500, len(keys))]
		var sel []string
		for _, k := range batch {
			sk := s.sessionKey(k)
			if f.key != "" && sk != f.key || f.after != "" && sk <= f.after || !strings.HasPrefix(sk, f.keyPrefix) {
				continue
			}
			sel = append(sel, k)
			c.send("GET", k)
			c.send("PTTL", k)
		}
		if len(sel) == 0 {
			continue
		}
		now := s.now()
		v, err := c.flushRead(ctx, 2*len(sel))
		if err != nil {
			return fmt.Errorf("redis GET: %w", err)
		}
		replies, ok := v.([]any)
		if !ok {
			replies = []any{v}
		}
		for i, k := range sel {
			val, _ := replies[2*i].([]byte)
			if val == nil {
				continue // expired or deleted meanwhile
			}
			ttl, _ := replies[2*i+1].(int64)
			r := sessionRow{key: s.sessionKey(k), raw: val, cache: true}
			switch {
			case ttl == -1:
				r.expire = neverExpires
			case ttl < 0:
				continue
			default:
				r.expire = now.Add(time.Duration(ttl) * time.Millisecond).UTC()
			}
			live := r.expire.After(f.now)
			if f.active && !live || f.expired && live {
				continue
			}
			if err := fn(r); err != nil {
				return err
			}
			if n++; f.limit > 0 && n >= f.limit {
				return nil
			}
		}
	}
	return nil
}

func (s *redisStore) count(ctx context.Context, f rowFilter) (int64, error) {
	var n int64
	f.limit = 0
	err := s.each(ctx, f, func(sessionRow) error { n++; return nil })
	return n, err
}

// errCacheReadOnly is returned by the commands that would write to a cache.
var errCacheReadOnly = errors.New("the cache engines are read-only here: a cache expires its sessions itself (Django's clear_expired does nothing for them), and their values are unsigned pickles")

func (s *redisStore) countExpired(context.Context, time.Time) (int64, error) { return 0, nil }

func (s *redisStore) clearExpired(context.Context, time.Time, int, func(int64)) (int64, error) {
	return 0, nil // Redis expires keys itself, as Django's clear_expired assumes
}

func (s *redisStore) replaceData(context.Context, []dataChange, int) (int64, int64, error) {
	return 0, 0, errCacheReadOnly
}
