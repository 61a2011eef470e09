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

// Sessions of Django's cache engines on memcached (PyMemcacheCache,
// PyLibMCCache, the old MemcachedCache): keys as on Redis, the value the
// session dict pickled (flags 1), the expiry the item's. memcached cannot
// list its keys except through "lru_crawler metadump" (memcached 1.4.31+),
// which these commands use; they only read.

type memcachedStore struct {
	addr   string
	prefix string // KEY_PREFIX ":" VERSION ":"
	now    func() time.Time
}

const maxMemcachedValue = 16 << 20

func (e *sessionsEnv) openMemcached(ctx context.Context, u *url.URL) (*memcachedStore, error) {
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "11211")
	}
	s := &memcachedStore{addr: addr, prefix: e.cacheKeyPrefix + ":" + strconv.Itoa(e.cacheVersion) + ":", now: e.now}
	c, err := s.dial(ctx)
	if err != nil {
		return nil, err
	}
	c.Close()
	return s, nil
}

func (s *memcachedStore) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to memcached %s: %w", s.addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	} else {
		c.SetDeadline(time.Now().Add(5 * time.Minute))
	}
	return c, nil
}

func (s *memcachedStore) Close() error { return nil }

func (s *memcachedStore) sessionKey(k string) string {
	return (&redisStore{prefix: s.prefix}).sessionKey(k)
}

// keys lists the session items with their absolute expiry (-1: none).
//
// It walks the hash table ("metadump hash", memcached 1.6+), which sees
// every item; "metadump all" walks the LRUs and can miss items the LRU
// maintainer moves meanwhile (seen in tests), so it is only the fallback.
func (s *memcachedStore) keys(ctx context.Context, c net.Conn, r *bufio.Reader) (map[string]int64, error) {
	out, err := s.metadump(ctx, c, r, "hash")
	if err != nil && strings.Contains(err.Error(), "CLIENT_ERROR") {
		return s.metadump(ctx, c, r, "all")
	}
	return out, err
}

func (s *memcachedStore) metadump(ctx context.Context, c net.Conn, r *bufio.Reader, what string) (map[string]int64, error) {
	if _, err := fmt.Fprintf(c, "lru_crawler metadump %s\r\n", what); err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("memcached metadump: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "END" {
			return out, nil
		}
		if strings.HasPrefix(line, "ERROR") || strings.HasPrefix(line, "CLIENT_ERROR") || strings.HasPrefix(line, "BUSY") {
			return nil, fmt.Errorf("memcached metadump: %s (memcached 1.4.31+ with the LRU crawler is needed to list sessions)", line)
		}
		var key string
		exp := int64(-1)
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "key":
				key, _ = url.QueryUnescape(v)
			case "exp":
				exp, _ = strconv.ParseInt(v, 10, 64)
			}
		}
		if s.sessionKey(key) != "" {
			if len(out) > 1<<24 {
				return nil, errors.New("memcached metadump: too many keys")
			}
			out[key] = exp
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

func (s *memcachedStore) each(ctx context.Context, f rowFilter, fn func(sessionRow) error) error {
	c, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	r := bufio.NewReader(c)
	all, err := s.keys(ctx, c, r)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return s.sessionKey(keys[i]) < s.sessionKey(keys[j]) || s.sessionKey(keys[i]) == s.sessionKey(keys[j]) && keys[i] < keys[j]
	})
	n := 0
	for _, k := range keys {
		sk := s.sessionKey(k)
		if f.key != "" && sk != f.key || f.after != "" && sk <= f.after || !strings.HasPrefix(sk, f.keyPrefix) {
			continue
		}
		val, ok, err := memcachedGet(c, r, k)
		if err != nil {
			return err
		}
		if !ok {
			continue // expired or evicted meanwhile
		}
		row := sessionRow{key: sk, raw: val, cache: true, expire: neverExpires}
		if exp := all[k]; exp > 0 {
			row.expire = time.Unix(exp, 0).UTC()
		}
		live := row.expire.After(f.now)
		if f.active && !live || f.expired && live {
			continue
		}
		if err := fn(row); err != nil {
			return err
		}
		if n++; f.limit > 0 && n >= f.limit {
			return nil
		}
	}
	return nil
}

// memcachedGet fetches one item. Values not flagged as pickles (flags 1)
// are returned as they are and then fail to decode as a session.
func memcachedGet(c net.Conn, r *bufio.Reader, key string) ([]byte, bool, error) {
	if strings.ContainsAny(key, " \r\n") || len(key) > 250 {
		return nil, false, nil
	}
	if _, err := fmt.Fprintf(c, "get %s\r\n", key); err != nil {
		return nil, false, err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, false, err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "END" {
		return nil, false, nil
	}
	f := strings.Fields(line)
	if len(f) < 4 || f[0] != "VALUE" {
		return nil, false, fmt.Errorf("memcached get: unexpected reply %.40q", line)
	}
	size, err := strconv.Atoi(f[3])
	if err != nil || size < 0 || size > maxMemcachedValue {
		return nil, false, fmt.Errorf("memcached get: bad size %q", f[3])
	}
	b := make([]byte, size+2)
	if _, err := readFull(r, b); err != nil {
		return nil, false, err
	}
	end, err := r.ReadString('\n')
	if err != nil || strings.TrimRight(end, "\r\n") != "END" {
		return nil, false, fmt.Errorf("memcached get: no END")
	}
	return b[:size], true, nil
}

func (s *memcachedStore) count(ctx context.Context, f rowFilter) (int64, error) {
	var n int64
	f.limit = 0
	err := s.each(ctx, f, func(sessionRow) error { n++; return nil })
	return n, err
}

func (s *memcachedStore) countExpired(context.Context, time.Time) (int64, error) { return 0, nil }

func (s *memcachedStore) clearExpired(context.Context, time.Time, int, func(int64)) (int64, error) {
	return 0, nil // memcached expires items itself
}

func (s *memcachedStore) replaceData(context.Context, []dataChange, int) (int64, int64, error) {
	return 0, 0, errCacheReadOnly
}
