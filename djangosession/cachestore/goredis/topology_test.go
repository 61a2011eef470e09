package goredis_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/internal/testenv"
)

// This file starts the Redis topologies the tests run against: every
// server is a redis-server (or redis-sentinel) process of this test
// binary on a free loopback port, with no persistence, stopped when the
// test ends.

// node is one redis-server the test started (internal/testenv starts it).
type node struct {
	srv  *testenv.Redis
	proc *testenv.Proc
	addr string
	rdb  *redis.Client
}

// URL is the node's LOCATION entry.
func (n *node) URL() string { return n.srv.URL() }

// Restart starts a stopped node again on its port with its arguments;
// the new process is stopped when t ends.
func (n *node) Restart(t testing.TB) {
	t.Helper()
	n.srv.Restart(t)
	n.proc = n.srv.Proc
}

func startNode(t testing.TB, name string, extra ...string) *node {
	t.Helper()
	srv := testenv.StartRedis(t, name, extra...)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialerRetries: 1, DialTimeout: time.Second,
		ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	return &node{srv: srv, proc: srv.Proc, addr: srv.Addr, rdb: rdb}
}

// waitFor polls cond every 20 ms for up to 15 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	testenv.WaitFor(t, what, cond)
}

func info(n *node, section string) string { return n.srv.Info(section) }

// replicaUp reports whether a replica's link to its primary is up and
// its first sync is done.
func replicaUp(n *node) bool { return n.srv.ReplicaUp() }

// replicated is a primary with replicas.
type replicated struct {
	primary  *node
	replicas []*node
	proxies  []*lagProxy // proxies[i] carries replicas[i]'s replication link (nil: direct)
}

// URLs is LOCATION: the primary first.
func (r *replicated) URLs() []string {
	u := []string{r.primary.URL()}
	for _, n := range r.replicas {
		u = append(u, n.URL())
	}
	return u
}

// startReplicated starts a primary and n replicas. Each replica follows
// the primary through a lagProxy, so a test can hold its replication
// stream back (an artificially slow replica that still answers reads).
func startReplicated(t testing.TB, n int) *replicated { return startReplication(t, n, true) }

// startReplicatedDirect starts a primary and n replicas that follow it directly
// (no proxy), for benchmarks.
func startReplicatedDirect(t testing.TB, n int) *replicated { return startReplication(t, n, false) }

func startReplication(t testing.TB, n int, proxied bool) *replicated {
	t.Helper()
	testenv.Topologies(t)
	r := &replicated{primary: startNode(t, "redis-primary")}
	for i := range n {
		target := r.primary.addr
		var p *lagProxy
		if proxied {
			p = newLagProxy(t, r.primary.addr)
			target = p.addr
		}
		host, port, _ := net.SplitHostPort(target)
		rep := startNode(t, fmt.Sprintf("redis-replica%d", i+1), "--replicaof", host, port)
		r.replicas = append(r.replicas, rep)
		r.proxies = append(r.proxies, p)
	}
	for _, rep := range r.replicas {
		waitFor(t, rep.proc.Name+" in sync", func() bool { return replicaUp(rep) })
	}
	return r
}

// startShards starts n independent servers.
func startShards(t testing.TB, n int) []*node {
	t.Helper()
	testenv.Topologies(t)
	var ns []*node
	for i := range n {
		ns = append(ns, startNode(t, fmt.Sprintf("redis-shard%d", i+1)))
	}
	return ns
}

// startSentinel starts one redis-sentinel watching r's primary as
// "mymaster" and waits until it lists every replica.
func startSentinel(t testing.TB, r *replicated) string {
	t.Helper()
	bin := testenv.Binary(t, "redis-sentinel")
	port := testenv.FreePort(t)
	dir := t.TempDir()
	host, pport, _ := net.SplitHostPort(r.primary.addr)
	conf := filepath.Join(dir, "sentinel.conf")
	cfg := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor mymaster %s %s 1\n"+
		"sentinel down-after-milliseconds mymaster 5000\nsentinel failover-timeout mymaster 60000\n", port, dir, host, pport)
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	testenv.Start(t, "redis-sentinel", addr, bin, conf)
	sc := redis.NewSentinelClient(&redis.Options{Addr: addr})
	defer sc.Close()
	waitFor(t, "sentinel to list the replicas", func() bool {
		reps, err := sc.Replicas(context.Background(), "mymaster").Result()
		if err != nil || len(reps) < len(r.replicas) {
			return false
		}
		for _, m := range reps {
			if strings.Contains(m["flags"], "down") || strings.Contains(m["flags"], "disconnected") {
				return false
			}
		}
		return true
	})
	return addr
}

// startCluster starts a Redis Cluster of n masters (no replicas) and
// waits until every node reports cluster_state:ok.
func startCluster(t testing.TB, n int) []*node {
	t.Helper()
	testenv.Topologies(t)
	cli := testenv.Binary(t, "redis-cli")
	var ns []*node
	args := []string{"--cluster", "create"}
	for i := range n {
		dir := t.TempDir()
		nd := startNode(t, fmt.Sprintf("redis-cluster%d", i+1), "--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, "nodes.conf"), "--cluster-node-timeout", "5000")
		ns = append(ns, nd)
		args = append(args, nd.addr)
	}
	args = append(args, "--cluster-yes")
	out := testenv.Launch(t, "redis-cli --cluster create", append([]string{cli}, args...)...)
	waitFor(t, "redis-cli --cluster create", out.Exited)
	for _, nd := range ns {
		waitFor(t, nd.proc.Name+" cluster_state:ok", func() bool {
			s, _ := nd.rdb.ClusterInfo(context.Background()).Result()
			return strings.Contains(s, "cluster_state:ok")
		})
	}
	return ns
}

// lagProxy forwards one replica's replication link to the primary. Hold
// stops what the primary sends from reaching the replica (the replica
// keeps answering reads from its old data set) until Release.
type lagProxy struct {
	addr string
	held atomic.Pointer[chan struct{}] // open while replication is held back
	done chan struct{}                 // closed at cleanup
}

func newLagProxy(t testing.TB, target string) *lagProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &lagProxy{addr: l.Addr().String(), done: make(chan struct{})}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	t.Cleanup(func() {
		close(p.done)
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			down, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				down.Close()
				continue
			}
			track(down)
			track(up)
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(up, down); up.Close() }()
			go func() { defer wg.Done(); p.copyGated(down, up); down.Close() }()
		}
	}()
	return p
}

func (p *lagProxy) copyGated(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			// Checked after the read: data read before Hold was sent
			// before it.
			if ch := p.held.Load(); ch != nil {
				select {
				case <-*ch:
				case <-p.done:
					return
				}
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Hold holds replication back until Release.
func (p *lagProxy) Hold() {
	ch := make(chan struct{})
	p.held.Store(&ch)
}

// Release lets held replication through.
func (p *lagProxy) Release() {
	if ch := p.held.Swap(nil); ch != nil {
		close(*ch)
	}
}

// synced waits until every replica has applied everything the primary
// has written so far, whichever connection wrote it. (WAIT would only
// cover the writes of the connection it runs on.)
func (r *replicated) synced(t testing.TB) {
	t.Helper()
	off := replOffset(info(r.primary, "replication"), "master_repl_offset:")
	if off < 0 {
		t.Fatal("no master_repl_offset in the primary's INFO")
	}
	for _, rep := range r.replicas {
		waitFor(t, rep.proc.Name+" at the primary's offset", func() bool {
			return replOffset(info(rep, "replication"), "slave_repl_offset:") >= off
		})
	}
}

func replOffset(info, field string) int64 {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}
