package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/signing/pyjson"
)

// appendPickle writes v as pickle protocol 4, as Python's pickle.dumps
// writes plain data (without the memo, which loads does not need): dict,
// list, str, int, float, bool and None.
func appendPickle(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxPickleDepth {
		return nil, errors.New("pickle: nested too deep")
	}
	switch x := v.(type) {
	case nil:
		return append(b, 'N'), nil
	case bool:
		if x {
			return append(b, 0x88), nil
		}
		return append(b, 0x89), nil
	case string:
		if len(x) < 256 {
			b = append(b, 0x8c, byte(len(x)))
		} else {
			b = append(b, 'X')
			b = binary.LittleEndian.AppendUint32(b, uint32(len(x)))
		}
		return append(b, x...), nil
	case int:
		return appendPickleInt(b, big.NewInt(int64(x))), nil
	case int64:
		return appendPickleInt(b, big.NewInt(x)), nil
	case *big.Int:
		return appendPickleInt(b, x), nil
	case float64:
		b = append(b, 'G')
		return binary.BigEndian.AppendUint64(b, math.Float64bits(x)), nil
	case []any:
		b = append(b, ']')
		if len(x) == 0 {
			return b, nil
		}
		b = append(b, '(')
		for _, e := range x {
			var err error
			if b, err = appendPickle(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, 'e'), nil
	case *pyjson.Object:
		b = append(b, '}')
		if x.Len() == 0 {
			return b, nil
		}
		b = append(b, '(')
		for k, e := range x.All() {
			var err error
			if b, err = appendPickle(b, k, depth+1); err != nil {
				return nil, err
			}
			if b, err = appendPickle(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, 'u'), nil
	}
	return nil, fmt.Errorf("pickle: cannot write a %T", v)
}

// appendPickleInt writes n with the shortest opcode Python uses.
func appendPickleInt(b []byte, n *big.Int) []byte {
	if n.IsInt64() {
		v := n.Int64()
		switch {
		case v >= 0 && v < 1<<8:
			return append(b, 'K', byte(v))
		case v >= 0 && v < 1<<16:
			b = append(b, 'M')
			return binary.LittleEndian.AppendUint16(b, uint16(v))
		case v >= math.MinInt32 && v <= math.MaxInt32:
			b = append(b, 'J')
			return binary.LittleEndian.AppendUint32(b, uint32(int32(v)))
		}
	}
	// LONG1/LONG4: little-endian two's complement, as short as it goes
	nbytes := n.BitLen()/8 + 1
	tc := new(big.Int).Set(n)
	if n.Sign() < 0 {
		tc.Add(tc, new(big.Int).Lsh(big.NewInt(1), uint(8*nbytes)))
	}
	be := tc.FillBytes(make([]byte, nbytes))
	// drop a redundant sign byte, as Python's encode_long does
	if len(be) > 1 && (be[0] == 0 && be[1]&0x80 == 0 || be[0] == 0xff && be[1]&0x80 != 0) {
		be = be[1:]
	}
	if len(be) < 256 {
		b = append(b, 0x8a, byte(len(be)))
	} else {
		b = append(b, 0x8b)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(be)))
	}
	for i := len(be) - 1; i >= 0; i-- {
		b = append(b, be[i])
	}
	return b
}

// pickleSession returns the bytes Django's cache engines store for a
// session dict: pickle.dumps(d) (protocol 4 here; Django uses
// HIGHEST_PROTOCOL, and any protocol loads the same).
func pickleSession(d *pyjson.Object) ([]byte, error) {
	b, err := appendPickle([]byte{0x80, 4}, d, 0)
	if err != nil {
		return nil, err
	}
	return append(b, '.'), nil
}

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
		val, err := pickleSession(v.data)
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
