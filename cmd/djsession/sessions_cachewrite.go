package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/python/pickle"
)

// cacheWriter writes sessions into a cache as Django's cache session engine
// does: key KEY_PREFIX:VERSION:django.contrib.sessions.cache<key>, value
// the pickled dict, timeout the seconds left until expire_date.
type cacheWriter struct {
	kind   dbKind
	u      *url.URL
	prefix string
	cl     *classifier
	now    func() time.Time
	// skipped lists the rows that could not be written, with the reason
	skipped []string
}

func (w *cacheWriter) Close() error { return nil }

func (w *cacheWriter) put(ctx context.Context, rows []sessionRow, replace bool) (int64, error) {
	type item struct {
		key string
		val []byte
		ttl int64
	}
	var items []item
	now := w.now()
	for _, r := range rows {
		v := w.cl.classifyRow(r)
		if v.status != statusOK {
			w.skipped = append(w.skipped, r.key+" "+v.status)
			continue
		}
		val, err := pickle.Marshal(v.data)
		if err != nil {
			w.skipped = append(w.skipped, r.key+" "+err.Error())
			continue
		}
		ttl := int64(r.expire.Sub(now) / time.Second)
		if ttl <= 0 {
			continue // Django's cache timeout 0 deletes
		}
		items = append(items, item{w.prefix + cachePrefix + r.key, val, ttl})
	}
	if len(items) == 0 {
		return 0, nil
	}
	var n int64
	switch w.kind {
	case kindRedis:
		c, err := dialRedis(ctx, w.u)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		for _, it := range items {
			args := []string{"SET", it.key, string(it.val), "EX", strconv.FormatInt(it.ttl, 10)}
			if !replace {
				args = append(args, "NX")
			}
			c.send(args...)
		}
		v, err := c.flushRead(ctx, len(items))
		if err != nil {
			return 0, fmt.Errorf("redis SET: %w", err)
		}
		replies, ok := v.([]any)
		if !ok {
			replies = []any{v}
		}
		for _, r := range replies {
			switch r := r.(type) {
			case string: // OK
				n++
			case redisError:
				return n, r
			}
		}
	case kindMemcached:
		addr := w.u.Host
		if w.u.Port() == "" {
			addr = net.JoinHostPort(w.u.Hostname(), "11211")
		}
		c, err := (&memcachedStore{addr: addr}).dial(ctx)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		r := bufio.NewReader(c)
		cmd := "add"
		if replace {
			cmd = "set"
		}
		for _, it := range items {
			exp := it.ttl
			if exp > 30*86400 {
				// memcached reads longer timeouts as a Unix time, a signed
				// 32-bit one: later instants are capped at 2038-01-19
				exp = min(now.Unix()+exp, math.MaxInt32)
			}
			fmt.Fprintf(c, "%s %s 1 %d %d\r\n", cmd, it.key, exp, len(it.val))
			c.Write(it.val)
			c.Write([]byte("\r\n"))
			line, err := r.ReadString('\n')
			if err != nil {
				return n, fmt.Errorf("memcached %s: %w", cmd, err)
			}
			switch strings.TrimSpace(line) {
			case "STORED":
				n++
			case "NOT_STORED":
			default:
				return n, fmt.Errorf("memcached %s: %.60s", cmd, strings.TrimSpace(line))
			}
		}
	}
	return n, nil
}
