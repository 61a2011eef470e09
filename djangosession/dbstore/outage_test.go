package dbstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/internal/testenv"
)

// proxy is a TCP proxy on loopback between a driver and a database server,
// which a test can cut (every connection closed, new ones refused) and
// restore (listening again on the same address).
type proxy struct {
	target, addr string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	thaw  chan struct{} // non-nil while frozen; closed to thaw
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{target: target, addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]struct{}{}}
	go p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		u, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.ln != ln { // cut meanwhile
			p.mu.Unlock()
			c.Close()
			u.Close()
			continue
		}
		p.conns[c], p.conns[u] = struct{}{}, struct{}{}
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			buf := make([]byte, 32<<10)
			for {
				n, err := src.Read(buf)
				if n > 0 {
					p.waitThaw()
					if _, err := dst.Write(buf[:n]); err != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			dst.Close()
			src.Close()
			p.mu.Lock()
			delete(p.conns, dst)
			delete(p.conns, src)
			p.mu.Unlock()
		}
		go pipe(c, u)
		go pipe(u, c)
	}
}

// freeze stops forwarding bytes, on the open connections and on new ones
// (which are still accepted): the database hangs.
func (p *proxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.thaw == nil {
		p.thaw = make(chan struct{})
	}
}

func (p *proxy) waitThaw() {
	p.mu.Lock()
	ch := p.thaw
	p.mu.Unlock()
	if ch != nil {
		<-ch
	}
}

// cut closes the listener and every connection, and thaws a frozen proxy:
// the database is gone.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.thaw != nil {
		close(p.thaw)
		p.thaw = nil
	}
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// restore listens again on the same address.
func (p *proxy) restore(t *testing.T) {
	t.Helper()
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("proxy: listen again on %s: %v", p.addr, err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go p.serve(ln)
}

// outageBackend opens the database twice: directly (to make the table and
// check it) and through a proxy (for the store under test).
type outageBackend struct {
	name    string
	dialect django.Dialect
	open    func(t *testing.T) (direct, proxied *sql.DB, p *proxy)
	// hangs says why the driver blocks past the context deadline when the
	// server stops answering mid-call ("" when it does not).
	hangs string
}

func outageBackends() []outageBackend {
	pg := func(driver string) func(t *testing.T) (*sql.DB, *sql.DB, *proxy) {
		return func(t *testing.T) (*sql.DB, *sql.DB, *proxy) {
			dsn := testenv.PostgresDSN(t)
			u, err := url.Parse(dsn)
			if err != nil {
				t.Fatal(err)
			}
			target := u.Host
			if u.Port() == "" {
				target += ":5432"
			}
			p := newProxy(t, target)
			u.Host = p.addr
			return openDSN(t, driver, dsn), openDSN(t, driver, u.String()), p
		}
	}
	return []outageBackend{
		{"postgres-pq", django.PostgreSQL, pg("postgres"),
			"lib/pq sets no socket deadline: on a context deadline it sends a cancel request (over a new connection) and goes on waiting for the reply"},
		{"postgres-pgx", django.PostgreSQL, pg("pgx"), ""},
		{"mysql", django.MySQL, func(t *testing.T) (*sql.DB, *sql.DB, *proxy) {
			dsn := testenv.MySQLDSN(t)
			cfg, err := mysql.ParseDSN(dsn)
			if err != nil {
				t.Fatal(err)
			}
			p := newProxy(t, cfg.Addr)
			cfg.Addr = p.addr
			// The driver logs every connection the proxy cuts.
			cfg.Logger = log.New(io.Discard, "", 0)
			conn, err := mysql.NewConnector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			proxied := sql.OpenDB(conn)
			t.Cleanup(func() { proxied.Close() })
			return openDSN(t, "mysql", dsn), proxied, p
		}, ""},
	}
}

// callTimeout bounds every call made while the database may be away;
// slack is what a call may overrun it by (a loaded 2-core machine, -race).
const (
	callTimeout = 2 * time.Second
	slack       = 1500 * time.Millisecond
)

// TestOutage takes the database away under the store (every connection
// cut, new ones refused) and brings it back: every call in between fails
// with an I/O error within its context deadline, none is mistaken for
// "not found", "exists" or "vanished", nothing is written twice or in
// part, and the same Store works again once the database is back.
func TestOutage(t *testing.T) {
	for _, b := range outageBackends() {
		t.Run(b.name, func(t *testing.T) {
			t.Run("calls", func(t *testing.T) {
				direct, proxied, p := b.open(t)
				outageCalls(t, b.dialect, direct, proxied, p)
			})
			t.Run("stalled", func(t *testing.T) {
				if b.hangs != "" {
					t.Skip("driver limitation, see the package doc:", b.hangs)
				}
				direct, proxied, p := b.open(t)
				outageStalled(t, b.dialect, direct, proxied, p)
			})
			t.Run("mid-run", func(t *testing.T) {
				direct, proxied, p := b.open(t)
				outageMidRun(t, b.dialect, direct, proxied, p)
			})
		})
	}
}

// storeOver makes a fresh table through direct and returns a store on the
// same table through proxied.
func storeOver(t *testing.T, d django.Dialect, direct, proxied *sql.DB) (check, s *dbstore.Store) {
	t.Helper()
	check = newStore(t, direct, d, dbstore.Options{})
	s, err := dbstore.New(proxied, &dbstore.Options{Dialect: d, Codec: codec(t), Table: check.Table()})
	if err != nil {
		t.Fatal(err)
	}
	return check, s
}

// timed runs fn under a fresh deadline and checks it returned in time.
func timed(t *testing.T, what string, fn func(ctx context.Context) error) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	start := time.Now()
	err := fn(ctx)
	if d := time.Since(start); d > callTimeout+slack {
		t.Errorf("%s took %v, deadline %v", what, d, callTimeout)
	}
	return err
}

func outageCalls(t *testing.T, d django.Dialect, direct, proxied *sql.DB, p *proxy) {
	check, s := storeOver(t, d, direct, proxied)
	engine := mustEngine(t, s, nil)
	ctx := context.Background()
	sess := engine.New()
	sess.Update(payload("before"))
	if err := sess.Save(ctx); err != nil {
		t.Fatal(err)
	}
	key := sess.Key()
	exp := djangosession.Expiry{Date: time.Now().Add(time.Hour), Age: 3600}
	// Fill the pool, so that cut connections are in it.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { s.Load(ctx, key) })
	}
	wg.Wait()

	calls := []struct {
		name string
		fn   func(ctx context.Context) error
	}{
		{"Load", func(ctx context.Context) error { _, err := s.Load(ctx, key); return err }},
		{"LoadExpiry", func(ctx context.Context) error { _, _, err := s.LoadExpiry(ctx, key); return err }},
		{"Save create", func(ctx context.Context) error {
			return s.Save(ctx, "outage0000000000000000000000000a", payload("during-create"), exp, true)
		}},
		{"Save update", func(ctx context.Context) error { return s.Save(ctx, key, payload("during-update"), exp, false) }},
		{"Exists", func(ctx context.Context) error { _, err := s.Exists(ctx, key); return err }},
		{"ClearExpired", func(ctx context.Context) error { _, err := s.ClearExpired(ctx); return err }},
		{"Engine.Open", func(ctx context.Context) error { _, err := engine.Open(ctx, key); return err }},
		{"Session.Save", func(ctx context.Context) error { sess.Set("during", 1); return sess.Save(ctx) }},
		{"Session.Create", func(ctx context.Context) error { return engine.New().Create(ctx) }},
		{"Delete", func(ctx context.Context) error { return s.Delete(ctx, key) }},
	}
	p.cut()
	for _, c := range calls {
		err := timed(t, c.name, c.fn)
		switch {
		case err == nil:
			t.Errorf("%s succeeded with the database away", c.name)
		case errors.Is(err, djangosession.ErrNotFound), errors.Is(err, djangosession.ErrExists),
			errors.Is(err, djangosession.ErrVanished), errors.Is(err, djangosession.ErrCorrupt):
			t.Errorf("%s: I/O failure reported as %v", c.name, err)
		}
	}
	// Nothing reached the table.
	got, err := check.Load(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if id := idOf(t, got); id != "before" {
		t.Errorf("row holds %s after the outage, want before", id)
	}
	if ok, _ := check.Exists(ctx, "outage0000000000000000000000000a"); ok {
		t.Error("a create made during the outage was stored")
	}

	p.restore(t)
	// The same store works again, every call, first try.
	for _, c := range calls {
		err := timed(t, c.name, c.fn)
		if err != nil {
			t.Errorf("%s after the database came back: %v", c.name, err)
		}
	}
}

// outageStalled freezes the database (connections stay open, nothing
// comes back): every call returns an error by its context deadline.
func outageStalled(t *testing.T, d django.Dialect, direct, proxied *sql.DB, p *proxy) {
	_, s := storeOver(t, d, direct, proxied)
	ctx := context.Background()
	key := "stalled000000000000000000000000k"
	exp := djangosession.Expiry{Date: time.Now().Add(time.Hour), Age: 3600}
	if err := s.Save(ctx, key, payload("before"), exp, true); err != nil {
		t.Fatal(err)
	}
	calls := []struct {
		name string
		fn   func(ctx context.Context) error
	}{
		{"Load", func(ctx context.Context) error { _, err := s.Load(ctx, key); return err }},
		{"Save update", func(ctx context.Context) error { return s.Save(ctx, key, payload("during"), exp, false) }},
		{"Delete", func(ctx context.Context) error { return s.Delete(ctx, key) }},
	}
	p.freeze()
	var wg sync.WaitGroup
	for _, c := range calls {
		// Two at once: one takes the pooled connection, one dials.
		for range 2 {
			wg.Go(func() {
				if err := timed(t, c.name, c.fn); err == nil {
					t.Errorf("%s succeeded with the database hung", c.name)
				}
			})
		}
	}
	wg.Wait()
	p.cut()
	p.restore(t)
	if err := timed(t, "Load", calls[0].fn); err != nil && !errors.Is(err, djangosession.ErrNotFound) {
		t.Errorf("Load after the database came back: %v", err)
	}
}

// outageMidRun cuts the database while workers are saving and loading
// sessions, and restores it while they go on.
func outageMidRun(t *testing.T, d django.Dialect, direct, proxied *sql.DB, p *proxy) {
	check, s := storeOver(t, d, direct, proxied)
	engine := mustEngine(t, s, nil)
	var clk clock
	var h history
	stop := make(chan struct{})
	const n = 8
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			var keys []string // created here, newest last
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("w%d-%d", w, i)
				o := op{id: id, start: clk.tick()}
				var key string
				switch {
				case len(keys) == 0 || i%3 == 0:
					// The Store, not Session.Create: a create whose outcome
					// the outage hides still has a key to check.
					o.kind = opCreate
					var err error
					if key, err = djangosession.NewKey(rand.Reader); err != nil {
						t.Error(err)
						return
					}
					o.err = timed(t, "create", func(ctx context.Context) error {
						return s.Save(ctx, key, payload(id), djangosession.Expiry{Date: time.Now().Add(time.Hour)}, true)
					})
					if o.err == nil {
						keys = append(keys, key)
					}
				case i%3 == 1:
					o.kind = opUpdate
					key = keys[i%len(keys)]
					o.err = timed(t, "update", func(ctx context.Context) error {
						return s.Save(ctx, key, payload(id), djangosession.Expiry{Date: time.Now().Add(time.Hour)}, false)
					})
				default:
					o.kind = opLoad
					key = keys[i%len(keys)]
					o.err = timed(t, "load", func(ctx context.Context) error {
						sess, err := engine.Open(ctx, key)
						if err == nil && sess.Key() != key {
							err = fmt.Errorf("session %s not found", key)
						}
						return err
					})
				}
				o.key = key
				o.end = clk.tick()
				h.add(o)
				time.Sleep(time.Millisecond)
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	cutStart := clk.tick()
	p.cut()
	cutAt := clk.tick()
	time.Sleep(800 * time.Millisecond)
	restoreAt := clk.tick()
	p.restore(t)
	restoredAt := clk.tick()
	time.Sleep(800 * time.Millisecond)
	close(stop)
	wg.Wait()

	var before, during, after int
	for _, o := range h.ops {
		if o.err != nil && (errors.Is(o.err, djangosession.ErrNotFound) || errors.Is(o.err, djangosession.ErrExists) ||
			errors.Is(o.err, djangosession.ErrVanished) || errors.Is(o.err, djangosession.ErrCorrupt) ||
			errors.Is(o.err, djangosession.ErrCreateFailed)) {
			// A create that reports a collision on a fresh random key, or
			// an update that finds its row gone, saw its own write twice
			// or lost one.
			t.Errorf("%s %s: I/O failure reported as %v", o.kind, o.key, o.err)
		}
		switch {
		case o.end < cutStart:
			before++
			if o.err != nil {
				t.Errorf("%s %s before the cut: %v", o.kind, o.key, o.err)
			}
		case o.start > cutAt && o.end < restoreAt:
			during++
			if o.err == nil {
				t.Errorf("%s %s succeeded with the database away", o.kind, o.key)
			}
		case o.start > restoredAt:
			after++
			if o.err != nil {
				t.Errorf("%s %s after the database came back: %v", o.kind, o.key, o.err)
			}
		}
	}
	if before == 0 || during == 0 || after == 0 {
		t.Errorf("calls before, during and after the outage: %d, %d, %d; want some of each", before, during, after)
	}

	// Every row decodes and holds the last successful write, or a later
	// write whose outcome the outage hid; a key whose create failed holds
	// that create's data or nothing. A write is never applied in part.
	rows := map[string]string{}
	rs, err := direct.Query("SELECT session_key, session_data FROM " + check.Table())
	if err != nil {
		t.Fatal(err)
	}
	c := codec(t)
	for rs.Next() {
		var k, data string
		if err := rs.Scan(&k, &data); err != nil {
			t.Fatal(err)
		}
		obj, err := c.Decode(data)
		if err != nil {
			t.Errorf("row %s does not decode: %v", k, err)
			continue
		}
		rows[k] = idOf(t, obj)
	}
	rs.Close()
	byKey := map[string][]op{}
	for _, o := range h.ops {
		if o.kind != opLoad && o.key != "" {
			byKey[o.key] = append(byKey[o.key], o) // in each worker's order
		}
	}
	for key, ops := range byKey {
		allowed := map[string]bool{}
		for _, o := range ops {
			if o.err == nil {
				clear(allowed)
			}
			allowed[o.id] = true
		}
		got, present := rows[key]
		switch {
		case present && !allowed[got]:
			t.Errorf("row %s holds %s; the writes that may have landed last: %v", key, got, allowed)
		case !present && ops[0].err == nil:
			t.Errorf("row %s, created, is gone", key)
		}
		delete(rows, key)
	}
	for k := range rows {
		t.Errorf("row %s was never written by the test", k)
	}
	t.Logf("calls: %d before the cut, %d during, %d after the restore", before, during, after)
}
