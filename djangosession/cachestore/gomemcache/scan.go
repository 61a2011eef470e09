package gomemcache

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
)

// Lister is a Client that can also list keys, which Store.List needs:
// memcached has no key listing command, so it asks each server's LRU
// crawler ("lru_crawler metadump", memcached 1.4.31+; the hash table walk
// of 1.6 where the server has it, which sees every item).
//
// A listed key is read from the server that listed it, whatever server
// the pool's own selection would pick: a pool written by Django
// (pymemcache's or libmemcached's hashing) is listed whole.
type Lister struct {
	*Client
	servers []string
	nodes   map[string]*Client // one per server, when there are several
	where   sync.Map           // listed key -> server
}

var _ cachestore.KeyLister = (*Lister)(nil)

// NewLister returns a Lister over c whose listing visits every one of
// servers (host:port), the servers c was made with.
func NewLister(c *memcache.Client, servers ...string) *Lister {
	l := &Lister{Client: New(c), servers: servers}
	if len(servers) > 1 {
		l.nodes = map[string]*Client{}
		for _, s := range servers {
			n := memcache.New(s)
			n.Timeout, n.MaxIdleConns = c.Timeout, c.MaxIdleConns
			l.nodes[s] = New(n)
		}
	}
	return l
}

// Get reads key from the server that listed it, or through the pool.
func (l *Lister) Get(ctx context.Context, key string) ([]byte, uint32, bool, error) {
	if addr, ok := l.where.Load(key); ok {
		return l.nodes[addr.(string)].Get(ctx, key)
	}
	return l.Client.Get(ctx, key)
}

// maxListedKeys bounds the keys one server's dump may hold.
const maxListedKeys = 1 << 24

// ListKeys lists the keys starting with prefix on every server, with
// their expiry.
func (l *Lister) ListKeys(ctx context.Context, prefix string, fn func([]cachestore.KeyInfo) error) error {
	for _, addr := range l.servers {
		if err := l.dump(ctx, addr, prefix, fn); err != nil {
			return fmt.Errorf("memcached %s: %w", addr, err)
		}
	}
	return nil
}

func (l *Lister) dump(ctx context.Context, addr, prefix string, fn func([]cachestore.KeyInfo) error) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()
	r := bufio.NewReader(c)
	err = l.metadump(c, r, addr, "hash", prefix, fn)
	var ce clientError
	if errors.As(err, &ce) {
		err = l.metadump(c, r, addr, "all", prefix, fn) // before memcached 1.6
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

type clientError string

func (e clientError) Error() string { return string(e) }

func (l *Lister) metadump(c net.Conn, r *bufio.Reader, addr, what, prefix string, fn func([]cachestore.KeyInfo) error) error {
	if _, err := fmt.Fprintf(c, "lru_crawler metadump %s\r\n", what); err != nil {
		return err
	}
	var batch []cachestore.KeyInfo
	n := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("metadump: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "END":
			return fn(batch)
		case strings.HasPrefix(line, "CLIENT_ERROR"), line == "ERROR":
			return clientError("metadump: " + line)
		case strings.HasPrefix(line, "BUSY"), strings.HasPrefix(line, "SERVER_ERROR"):
			return fmt.Errorf("metadump: %s", line)
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
		if key == "" || !strings.HasPrefix(key, prefix) {
			continue
		}
		if n++; n > maxListedKeys {
			return errors.New("metadump: too many keys")
		}
		if l.nodes != nil {
			l.where.Store(key, addr)
		}
		ki := cachestore.KeyInfo{Key: key, Expire: djangosession.NoExpiry}
		if exp > 0 {
			ki.Expire = time.Unix(exp, 0).UTC()
		}
		batch = append(batch, ki)
		if len(batch) == 1000 {
			if err := fn(batch); err != nil {
				return err
			}
			batch = nil
		}
	}
}
