package testenv

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
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

// Redis is a redis-server a test started.
type Redis struct {
	*Proc
	Argv   []string
	Client *redis.Client // a client of this server alone, closed at the end of the test
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
	n := &Redis{Proc: Start(t, name, addr, argv...), Argv: argv}
	n.Client = redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1, DialTimeout: time.Second,
		ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { n.Client.Close() })
	return n
}

// Restart starts a stopped server again on its port with its arguments;
// the new process is stopped when t ends.
func (n *Redis) Restart(t testing.TB) {
	t.Helper()
	n.Proc = Start(t, n.Name, n.Addr, n.Argv...)
}

// Info is the server's INFO section ("" when it does not answer).
func (n *Redis) Info(section string) string {
	s, _ := n.Client.Info(context.Background(), section).Result()
	return s
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
