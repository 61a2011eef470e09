package testenv

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Topologies reports whether tests may start multi-node topologies (extra
// memcached, Redis, Sentinel, Cluster, PgBouncer and PostgreSQL processes on
// loopback ports) themselves: DJ_TEST_TOPOLOGY=1. Without it such tests
// skip, or fail when DJ_REQUIRE=1.
func Topologies(t testing.TB) {
	t.Helper()
	if os.Getenv("DJ_TEST_TOPOLOGY") == "" {
		missing(t, "multi-node topologies: set DJ_TEST_TOPOLOGY=1 to start them")
	}
}

// Binary returns the path of a server program the topology tests start
// (memcached, redis-server, pgbouncer, ...), skipping the test when it is
// not installed (failing it when peers are required).
func Binary(t testing.TB, name string, candidates ...string) string {
	t.Helper()
	for _, c := range append([]string{name}, candidates...) {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	missing(t, "%s is not installed (apt-get install it)", name)
	return ""
}

// FreePort returns a loopback TCP port nobody listens on now. Ports are
// handed out once per test binary, so two topologies of one run never get
// the same port.
func FreePort(t testing.TB) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for i := 0; i < 100; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("testenv: free port: %v", err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !portsGiven[p] {
			portsGiven[p] = true
			return p
		}
	}
	t.Fatalf("testenv: no free port")
	return 0
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// Proc is a server process a test started. It is stopped (SIGTERM, then
// SIGKILL after five seconds) by its pid when the test ends, with its
// process group, so nothing outlives the test binary's cleanups.
type Proc struct {
	Name string
	Addr string // host:port it listens on, when started with Start
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

// Start runs argv (argv[0] a path) as a server that listens on addr and
// waits up to 20 s until addr accepts TCP connections. Its output is kept
// and shown when the test fails.
func Start(t testing.TB, name, addr string, argv ...string) *Proc {
	t.Helper()
	p := Launch(t, name, argv...)
	p.Addr = addr
	if err := p.WaitListening(20 * time.Second); err != nil {
		t.Fatalf("testenv: %s: %v\n%s", name, err, p.Output())
	}
	return p
}

// Launch runs argv without waiting for anything; see Start.
func Launch(t testing.TB, name string, argv ...string) *Proc {
	t.Helper()
	return launch(t, name, exec.Command(argv[0], argv[1:]...))
}

// launch is Launch for a prepared command (one with ExtraFiles, say).
func launch(t testing.TB, name string, cmd *exec.Cmd) *Proc {
	t.Helper()
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testenv: start %s: %v", name, err)
	}
	p := &Proc{Name: name, cmd: cmd, out: out, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("%s (pid %d) output:\n%s", name, cmd.Process.Pid, p.Output())
		}
	})
	return p
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Output is what the process has written so far.
func (p *Proc) Output() string { return p.out.String() }

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitListening waits until p.Addr accepts a TCP connection.
func (p *Proc) WaitListening(d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", p.Addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if p.Exited() {
			return fmt.Errorf("exited before listening on %s", p.Addr)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening on %s after %v", p.Addr, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the process group: SIGTERM, then SIGKILL after five seconds.
// Stopping a stopped process does nothing.
func (p *Proc) Stop() {
	if p.Exited() {
		return
	}
	pgid := -p.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-p.done
	}
}

// Pause stops the process with SIGSTOP, as a node that hangs.
func (p *Proc) Pause() { _ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGSTOP) }

// Resume continues a paused process.
func (p *Proc) Resume() { _ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGCONT) }

// Port returns the port of a host:port address.
func Port(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 { // keep the first MiB of a chatty server's log
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
