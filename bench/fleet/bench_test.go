package fleet

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testenv"
)

// BenchmarkFleet measures the Go side of a fleet against its session
// cache with one cache node and with three, in one run: a Go node
// (examples/strangler) serving POST /go/incr, which loads a session,
// adds one to a counter and saves it, to 16 concurrent clients, each with
// its own session. Reported: sessions/s (requests, each one load and one
// save) and the 99th percentile latency; the ratios three nodes / one node
// are printed at the end. The cost should not grow with the node count:
// each request still talks to one node.
//
//	memcached/nodes=1     PyMemcacheCache, LOCATION of one server
//	memcached/nodes=3     the same over three servers (mcpool)
//	redis/nodes=1         RedisCache, one server
//	redis/nodes=1+2       a primary and two replicas (goredis.Replicated):
//	                      saves on the primary, loads on the primary (keys
//	                      this node wrote in the last 5 s) or a replica
//
//	DJ_TEST_TOPOLOGY=1 go test -run '^$' -bench Fleet -benchtime 4000x ./bench/fleet
func BenchmarkFleet(b *testing.B) {
	testenv.Topologies(b)
	if raceEnabled {
		b.Skip("the benchmark measures the Go node without the race detector")
	}
	bin := goNodeBinary(b)
	b.Setenv("DJANGO_SECRET_KEY", secret)
	users := filepath.Join(b.TempDir(), "db.sqlite3") // not read: /go/incr needs no user

	node := func(name string, args ...string) target {
		a := addr(b)
		argv := append([]string{bin, "-listen", a, "-django", "http://127.0.0.1:1", "-engine", "cache",
			"-users-driver", "sqlite", "-users-dsn", users}, args...)
		p := testenv.Start(b, name, a, argv...)
		return target{url: "http://" + a, pid: p.Pid()}
	}
	memcached := func(n int) string {
		var addrs []string
		for i := range n {
			a := addr(b)
			testenv.StartMemcached(b, fmt.Sprintf("memcached-%d-%d", n, i), a)
			addrs = append(addrs, a)
		}
		return strings.Join(addrs, ";")
	}
	redis := func(replicas int) string {
		p := testenv.StartRedis(b, fmt.Sprintf("redis-%d", replicas))
		urls := []string{p.URL()}
		for _, r := range testenv.StartRedisReplicas(b, p.Addr, replicas, fmt.Sprintf("redis-%d-replica", replicas)) {
			urls = append(urls, r.URL())
		}
		return strings.Join(urls, ",")
	}
	targets := []struct {
		name string
		target
	}{
		{"memcached/nodes=1", node("go-mc1", "-cache-backend", "pymemcache", "-cache-location", memcached(1))},
		{"memcached/nodes=3", node("go-mc3", "-cache-backend", "pymemcache", "-cache-location", memcached(3))},
		{"redis/nodes=1", node("go-redis1", "-cache-backend", "redis", "-cache-location", redis(0))},
		{"redis/nodes=1+2", node("go-redis3", "-cache-backend", "redis", "-cache-location", redis(2))},
	}
	results := map[string]loadResult{}
	for _, tg := range targets {
		b.Run(tg.name, func(b *testing.B) {
			r := load(b, tg.target, 16, b.N)
			b.ReportMetric(r.rate, "sessions/s")
			b.ReportMetric(float64(r.p99.Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(r.cpu.Microseconds())/float64(b.N), "go-cpu-us/op")
			results[tg.name] = r
		})
	}
	for _, pair := range [][2]string{{"memcached/nodes=3", "memcached/nodes=1"}, {"redis/nodes=1+2", "redis/nodes=1"}} {
		n, one := results[pair[0]], results[pair[1]]
		if one.rate == 0 || one.p99 == 0 {
			continue
		}
		fmt.Printf("fleet: %s / %s: sessions/s x%.2f, p99 x%.2f, Go node CPU per session x%.2f\n", pair[0], pair[1],
			n.rate/one.rate, float64(n.p99)/float64(one.p99), float64(n.cpu)/float64(n.n)/(float64(one.cpu)/float64(one.n)))
	}
}

// target is a Go node.
type target struct {
	url string
	pid int
}

type loadResult struct {
	n    int           // requests
	rate float64       // requests per second
	p99  time.Duration // 99th percentile latency
	cpu  time.Duration // the Go node's CPU time (user + system) over the run
}

// cpuTime is the CPU time (user + system) process pid has used, from
// /proc/<pid>/stat, in clock ticks of 10 ms.
func cpuTime(b *testing.B, pid int) time.Duration {
	b.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// load sends n POST /go/incr requests to the node from c clients, each
// with a session of its own made before the clock starts.
func load(b *testing.B, node target, c, n int) loadResult {
	b.Helper()
	url := node.url
	tr := &http.Transport{MaxIdleConnsPerHost: c}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	// A CSRF secret of our own in the cookie and the header, as Django's
	// JavaScript clients send it.
	const csrfSecret = "fleetbenchCSRFsecret0123456789ab"
	send := func(cookie string) (string, error) {
		req, _ := http.NewRequest("POST", url+"/go/incr", strings.NewReader("k=n"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRFToken", csrfSecret)
		req.Header.Set("Cookie", "csrftoken="+csrfSecret+cookie)
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("status %d", resp.StatusCode)
		}
		for _, ck := range resp.Cookies() {
			if ck.Name == "sessionid" {
				return "; sessionid=" + ck.Value, nil
			}
		}
		return cookie, nil
	}
	cookies := make([]string, c)
	for i := range cookies {
		var err error
		if cookies[i], err = send(""); err != nil || cookies[i] == "" {
			b.Fatalf("making a session: %v", err)
		}
	}
	var next atomic.Int64
	lat := make([][]time.Duration, c)
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	b.ResetTimer()
	cpu0 := cpuTime(b, node.pid)
	start := time.Now()
	for i := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				t0 := time.Now()
				if _, err := send(cookies[i]); err != nil {
					failed.Store(&err)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime(b, node.pid) - cpu0
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	return loadResult{n: n, rate: float64(n) / elapsed.Seconds(), p99: all[(len(all)*99)/100], cpu: cpu}
}
