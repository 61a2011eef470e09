// Package procstat reads the CPU time of server processes from /proc, for
// the benchmarks that compare Go's and Django's cost per request.
package procstat

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times.
func clockTicks() int {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if n, e := strconv.Atoi(strings.TrimSpace(string(out))); err == nil && e == nil && n > 0 {
		return n
	}
	return 100
}

var ticks = clockTicks()

// CPUTime is the user + system CPU time the processes have used so far,
// from /proc/<pid>/stat (utime and stime, all threads).
func CPUTime(pids []int) time.Duration {
	var total int64
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// The fields after the command name: state is field 3, utime 14, stime 15.
		i := strings.LastIndexByte(string(b), ')')
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += u + st
	}
	return time.Duration(total) * time.Second / time.Duration(ticks)
}

// Children returns the processes whose parent is pid (gunicorn's workers).
func Children(pid int) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		c, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i := strings.LastIndexByte(string(b), ')')
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, c)
		}
	}
	return out
}
