package testenv

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Cache servers the topology tests start: memcached and redis-server
// processes of the test binary on loopback ports, with no persistence,
// stopped when the test ends.

// StartMemcached starts a memcached (16 MiB, one thread) listening on
// addr, a loopback host:port from FreePort. A stopped server is started
// again, empty, by calling StartMemcached with the same addr.
func StartMemcached(t testing.TB, name, addr string) *Proc {
	t.Helper()
	Topologies(t)
	host, _, _ := net.SplitHostPort(addr)
	argv := []string{Binary(t, "memcached"), "-l", host, "-p", strconv.Itoa(Port(addr)), "-m", "16", "-t", "1", "-U", "0"}
	if os.Geteuid() == 0 {
		argv = append(argv, "-u", "root")
	}
	return Start(t, name, addr, argv...)
}

// MemcachedCluster is memcached servers a test started (StartMemcached),
// stopped when the test ends. Its direct reads speak memcached's text
// protocol themselves: this package stays free of client libraries.
type MemcachedCluster struct {
	t     testing.TB
	Addrs []string // in start order; server i is Addrs[i]
	procs []*Proc
}

// StartMemcachedCluster starts n memcached servers on free loopback ports.
func StartMemcachedCluster(t testing.TB, n int) *MemcachedCluster {
	t.Helper()
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = "127.0.0.1:" + strconv.Itoa(FreePort(t))
	}
	return StartMemcachedClusterOn(t, addrs)
}

// StartMemcachedClusterOn starts one memcached server on each of addrs
// (loopback host:port).
func StartMemcachedClusterOn(t testing.TB, addrs []string) *MemcachedCluster {
	t.Helper()
	Topologies(t)
	c := &MemcachedCluster{t: t, Addrs: addrs}
	for i := range addrs {
		c.procs = append(c.procs, c.start(i))
	}
	return c
}

func (c *MemcachedCluster) start(i int) *Proc {
	c.t.Helper()
	return StartMemcached(c.t, fmt.Sprintf("memcached-%d", i), c.Addrs[i])
}

// Stop stops server i.
func (c *MemcachedCluster) Stop(i int) { c.procs[i].Stop() }

// Restart starts server i again on its address, empty (stopping it first
// if it runs).
func (c *MemcachedCluster) Restart(i int) {
	c.t.Helper()
	c.procs[i].Stop()
	c.procs[i] = c.start(i)
}

// Flush empties every server (these are the test's own servers).
func (c *MemcachedCluster) Flush() {
	c.t.Helper()
	for i, addr := range c.Addrs {
		if err := memcachedDo(addr, func(w io.Writer, r *bufio.Reader) error {
			if _, err := io.WriteString(w, "flush_all\r\n"); err != nil {
				return err
			}
			l, err := r.ReadString('\n')
			if err == nil && l != "OK\r\n" {
				err = fmt.Errorf("flush_all: %q", l)
			}
			return err
		}); err != nil {
			c.t.Fatalf("flush node %d: %v", i, err)
		}
	}
}

// Holders asks every server directly which of keys it holds; the answer
// maps each key to the indexes of the servers that have it.
func (c *MemcachedCluster) Holders(keys []string) map[string][]int {
	c.t.Helper()
	got := map[string][]int{}
	for i, addr := range c.Addrs {
		for start := 0; start < len(keys); start += 100 {
			batch := keys[start:min(start+100, len(keys))]
			if err := memcachedDo(addr, func(w io.Writer, r *bufio.Reader) error {
				return memcachedGet(w, r, batch, func(k string) { got[k] = append(got[k], i) })
			}); err != nil {
				c.t.Fatalf("node %d: get: %v", i, err)
			}
		}
	}
	return got
}

// memcachedDo runs one exchange with the memcached server at addr.
func memcachedDo(addr string, f func(w io.Writer, r *bufio.Reader) error) error {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	return f(conn, bufio.NewReader(conn))
}

// memcachedGet sends "get" for keys and calls found for each key the
// server returns a value for.
func memcachedGet(w io.Writer, r *bufio.Reader, keys []string, found func(key string)) error {
	if _, err := io.WriteString(w, "get "+strings.Join(keys, " ")+"\r\n"); err != nil {
		return err
	}
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		// Split on spaces alone: a key may hold other Unicode white space.
		f := strings.Split(strings.TrimSuffix(l, "\r\n"), " ")
		switch {
		case len(f) == 1 && f[0] == "END":
			return nil
		case len(f) == 4 && f[0] == "VALUE":
			n, err := strconv.Atoi(f[3])
			if err != nil || n < 0 {
				return fmt.Errorf("bad reply %q", l)
			}
			if _, err := r.Discard(n + 2); err != nil {
				return err
			}
			found(f[1])
		default:
			return fmt.Errorf("unexpected reply %q", l)
		}
	}
}

// Redis is a redis-server a test started. Tests that need a Redis client
// make their own: this package stays free of client libraries.
type Redis struct {
	*Proc
	Argv []string
}

// URL is the server's entry in a Django LOCATION.
func (n *Redis) URL() string { return "redis://" + n.Addr + "/0" }

// StartRedis starts a redis-server on a free loopback port with no
// persistence; extra are more arguments ("--replicaof", host, port).
func StartRedis(t testing.TB, name string, extra ...string) *Redis {
	t.Helper()
	Topologies(t)
	bin := Binary(t, "redis-server")
	port := FreePort(t)
	argv := append([]string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir(), "--protected-mode", "no",
		"--repl-diskless-sync-delay", "0"}, extra...)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	return &Redis{Proc: Start(t, name, addr, argv...), Argv: argv}
}

// Restart starts a stopped server again on its port with its arguments;
// the new process is stopped when t ends.
func (n *Redis) Restart(t testing.TB) {
	t.Helper()
	n.Proc = Start(t, n.Name, n.Addr, n.Argv...)
}

// Info is the server's INFO section ("" when it does not answer).
func (n *Redis) Info(section string) string {
	c, err := net.DialTimeout("tcp", n.Addr, time.Second)
	if err != nil {
		return ""
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	// INFO section as a RESP array; the reply is one bulk string.
	if _, err := fmt.Fprintf(c, "*2\r\n$4\r\nINFO\r\n$%d\r\n%s\r\n", len(section), section); err != nil {
		return ""
	}
	r := bufio.NewReader(c)
	head, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(head, "$") {
		return ""
	}
	size, err := strconv.Atoi(strings.TrimSpace(head[1:]))
	if err != nil || size < 0 {
		return ""
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		return ""
	}
	return string(body)
}

// ReplicaUp reports whether a replica's link to its primary is up and its
// first sync is done.
func (n *Redis) ReplicaUp() bool {
	s := n.Info("replication")
	return strings.Contains(s, "master_link_status:up") && strings.Contains(s, "master_sync_in_progress:0")
}

// StartRedisReplicas starts replicas redis-servers following primary (at
// host:port) directly and waits until each has finished its first sync.
func StartRedisReplicas(t testing.TB, primary string, replicas int, name string) []*Redis {
	t.Helper()
	host, port, _ := net.SplitHostPort(primary)
	var out []*Redis
	for i := range replicas {
		out = append(out, StartRedis(t, name+strconv.Itoa(i+1), "--replicaof", host, port))
	}
	for _, r := range out {
		WaitFor(t, r.Name+" in sync", r.ReplicaUp)
	}
	return out
}

// WaitFor polls cond every 20 ms for up to 15 s, failing the test when it
// does not hold by then.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
