package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// PostgreSQL topologies the tests start themselves: a PgBouncer in front of
// a server, and a throwaway primary with a streaming replica. Both run as
// the "postgres" user when the tests run as root (initdb, postgres and
// pgbouncer refuse root), through setpriv, which execs in place so that
// the pid testenv stops is the server's own.

// PgBouncerOptions configure PgBouncer.
type PgBouncerOptions struct {
	// PoolMode is pgbouncer's pool_mode: "transaction" when empty.
	PoolMode string
	// PoolSize is default_pool_size, the server connections per database
	// and user: 2 when zero, so that concurrent clients really share them.
	PoolSize int
	// MaxPreparedStatements is max_prepared_statements: 0 turns
	// prepared-statement tracking off. Older PgBouncers than 1.21 have no
	// such setting, and it is left out of their configuration.
	MaxPreparedStatements int
}

// PgBouncer starts pgbouncer on a free loopback port in front of the
// PostgreSQL server at upstream (host:port), with trust authentication for
// the user "postgres" and every database name passed through. It returns
// the running process; its Addr is host:port for clients.
func PgBouncer(t testing.TB, upstream string, o PgBouncerOptions) *Proc {
	t.Helper()
	Topologies(t)
	bin := Binary(t, "pgbouncer", "/usr/sbin/pgbouncer")
	host, port, err := net.SplitHostPort(upstream)
	if err != nil {
		t.Fatalf("testenv: pgbouncer upstream %q: %v", upstream, err)
	}
	if o.PoolMode == "" {
		o.PoolMode = "transaction"
	}
	if o.PoolSize == 0 {
		o.PoolSize = 2
	}
	dir := serverDir(t, "pgbouncer")
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	conf := fmt.Sprintf(`[databases]
* = host=%s port=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = %s
default_pool_size = %d
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 500
ignore_startup_parameters = extra_float_digits,options
server_reset_query = DISCARD ALL
log_connections = 0
log_disconnections = 0
`, host, port, Port(addr), filepath.Join(dir, "users.txt"), o.PoolMode, o.PoolSize)
	if PgBouncerAtLeast(t, 1, 21) {
		// 1.22 turned tracking on by default; keep what the test asked.
		conf += fmt.Sprintf("max_prepared_statements = %d\n", o.MaxPreparedStatements)
	}
	writeOwned(t, filepath.Join(dir, "users.txt"), `"postgres" ""`+"\n")
	writeOwned(t, filepath.Join(dir, "pgbouncer.ini"), conf)
	return Start(t, "pgbouncer", addr, asPostgres(t, bin, filepath.Join(dir, "pgbouncer.ini"))...)
}

// PgBouncerAtLeast reports whether the installed pgbouncer is release
// major.minor or later.
func PgBouncerAtLeast(t testing.TB, major, minor int) bool {
	t.Helper()
	out, err := exec.Command(Binary(t, "pgbouncer", "/usr/sbin/pgbouncer"), "--version").Output()
	if err != nil {
		t.Fatalf("testenv: pgbouncer --version: %v", err)
	}
	var maj, min int
	// "PgBouncer 1.18.0\n..."
	if _, err := fmt.Sscanf(string(out), "PgBouncer %d.%d", &maj, &min); err != nil {
		t.Fatalf("testenv: pgbouncer --version: %q", out)
	}
	return maj > major || maj == major && min >= minor
}

// Postgres is a throwaway PostgreSQL server a test started.
type Postgres struct {
	*Proc
	Dir string // data directory
}

// PostgresBin is where the PostgreSQL server programs are:
// DJ_POSTGRES_BIN, else Debian's /usr/lib/postgresql/15/bin.
func PostgresBin() string {
	if d := os.Getenv("DJ_POSTGRES_BIN"); d != "" {
		return d
	}
	return "/usr/lib/postgresql/15/bin"
}

// StartPostgres initdbs a fresh cluster (trust authentication, user
// postgres, no fsync: a test server) and starts it on a free loopback port,
// configured to feed streaming replicas. It is stopped and removed when the
// test ends.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	Topologies(t)
	bin := PostgresBin()
	initdb := Binary(t, "initdb", filepath.Join(bin, "initdb"))
	dir := filepath.Join(serverDir(t, "pg"), "data")
	argv := asPostgres(t, initdb, "-D", dir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	cmd := exec.Command(argv[0], argv[1:]...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testenv: initdb: %v\n%s", err, out)
	}
	return startPostgres(t, "postgres-primary", dir)
}

// StartReplica takes a base backup of p (pg_basebackup -R) and starts it
// as a hot-standby streaming replica on a free loopback port, returning
// once it accepts queries.
func (p *Postgres) StartReplica(t testing.TB) *Postgres {
	t.Helper()
	bb := Binary(t, "pg_basebackup", filepath.Join(PostgresBin(), "pg_basebackup"))
	dir := filepath.Join(serverDir(t, "pgreplica"), "data")
	argv := asPostgres(t, bb, "-h", "127.0.0.1", "-p", strconv.Itoa(Port(p.Addr)), "-U", "postgres",
		"-D", dir, "-R", "-X", "stream", "-c", "fast", "--no-sync")
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("testenv: pg_basebackup: %v\n%s", err, out)
	}
	return startPostgres(t, "postgres-replica", dir)
}

func startPostgres(t testing.TB, name, dir string) *Postgres {
	t.Helper()
	bin := Binary(t, "postgres", filepath.Join(PostgresBin(), "postgres"))
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	argv := asPostgres(t, bin, "-D", dir, "-p", strconv.Itoa(Port(addr)),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+filepath.Dir(dir),
		"-c", "fsync=off", "-c", "full_page_writes=off",
		"-c", "shared_buffers=16MB", "-c", "max_connections=60", "-c", "wal_level=replica",
		"-c", "max_wal_senders=4", "-c", "hot_standby=on", "-c", "logging_collector=off")
	proc := Start(t, name, addr, argv...)
	// A server accepts TCP before it accepts queries (recovery, a standby
	// reaching consistency): wait for pg_isready.
	ready := Binary(t, "pg_isready", filepath.Join(PostgresBin(), "pg_isready"))
	deadline := time.Now().Add(30 * time.Second)
	for exec.Command(ready, "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(Port(addr)), "-U", "postgres").Run() != nil {
		if proc.Exited() || time.Now().After(deadline) {
			t.Fatalf("testenv: %s not ready\n%s", name, proc.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &Postgres{Proc: proc, Dir: dir}
}

// DSN returns a URL for database db on the server (user postgres).
func (p *Postgres) DSN(db string) string {
	return "postgres://postgres@" + p.Addr + "/" + db + "?sslmode=disable"
}

// asPostgres prefixes argv so that it runs as the postgres user when the
// test runs as root.
func asPostgres(t testing.TB, argv ...string) []string {
	t.Helper()
	if os.Geteuid() != 0 {
		return argv
	}
	setpriv := Binary(t, "setpriv")
	return append([]string{setpriv, "--reuid=postgres", "--regid=postgres", "--init-groups", "--"}, argv...)
}

// serverDir makes a directory the servers may write, owned by the postgres
// user when the test runs as root, removed when the test ends (after the
// servers in it stopped: cleanups run last-registered first).
func serverDir(t testing.TB, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "djs-"+prefix+"-")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	chownPostgres(t, dir)
	return dir
}

func writeOwned(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	chownPostgres(t, path)
}

func chownPostgres(t testing.TB, path string) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("testenv: running as root needs a postgres user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		t.Fatalf("testenv: %v", err)
	}
}
