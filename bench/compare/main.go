// Command compare times the same operations in Go and in real Django, in
// the same run, and prints how many times faster Go is.
//
//	go run ./bench/compare -area signing
//	go run ./bench/compare -area hashers -benchtime 3s
//	DJ_DJANGO=6.1 go run ./bench/compare -area all
//
// For an area it runs
//
//	go test -run '^$' -bench '^BenchmarkCompare$' -benchmem <package>
//
// (plus the area's floor benchmarks), then the area's Python script,
// bench/<area>.py, under /usr/bin/python3 (or $DJ_PYTHON) with the
// PYTHONPATH internal/testenv uses for the release named by $DJ_DJANGO
// (default 3.2; newer releases are found under $DJNEWER, default
// /tmp/djnewer). The script prints lines "<name> <ns_per_op>" whose names
// are the sub-benchmarks of BenchmarkCompare. The table pairs them:
// Django ns/op divided by Go ns/op is the speed-up, checked against the
// area's target where one is set. A floor row compares a Go benchmark with
// the raw cost of the work it must do (Go ns/op divided by the floor's).
//
// A script may add a third field, the process CPU time per op
// ("<name> <ns_per_op> <cpu_ns_per_op>"), and the Go benchmarks report the
// same as the metric cpu-ns/op; an area marked cpu compares that instead
// of ns/op, for work whose wall time is shared with a server (a database)
// that both sides wait for. With -count N, both sides run N times and the
// table shows medians.
//
// To add an area, add a row to areas: its package, its script, and any
// targets. See bench/README.md.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// area is one package whose BenchmarkCompare is paired with a Python script.
type area struct {
	pkg    string             // Go package, e.g. ./signing
	script string             // Python script, e.g. bench/signing.py
	target map[string]float64 // least Django/Go ratio wanted, by name
	floors []floor            // Go benchmarks checked against a raw floor
	cpu    bool               // targets and floors on cpu-ns/op, not ns/op
}

// floor says Go's name must cost at most max times the Go benchmark bench
// (a full benchmark name, as go test prints it without the -N suffix).
type floor struct {
	name  string
	bench string
	max   float64
}

var areas = map[string]area{
	"signing": {
		pkg:    "./signing",
		script: "bench/signing.py",
		target: map[string]float64{"signing.loads": 30},
		floors: []floor{{name: "signing.loads", bench: "BenchmarkRawFloor/total", max: 2}},
	},
	"hashers": {
		pkg:    "./hashers",
		script: "bench/hashers.py",
		// Go/Django <= 1.0 for pbkdf2_sha256 at the newest default, <= 1.3
		// for bcrypt and scrypt (x/crypto's Go against C: 1.13-1.23 in CPU
		// time), <= 1.2 for the others (Django/Go >= 1/1.2).
		target: map[string]float64{
			"hashers.check.pbkdf2_sha256": 1, "hashers.check.pbkdf2_sha1": 1 / 1.2,
			"hashers.check.argon2": 1 / 1.2, "hashers.check.bcrypt_sha256": 1 / 1.3,
			"hashers.check.bcrypt": 1 / 1.3, "hashers.check.scrypt": 1 / 1.3,
			"hashers.check.md5": 1 / 1.2, "hashers.check.sha1": 1 / 1.2,
			"hashers.check.unsalted_md5": 1 / 1.2, "hashers.check.unsalted_sha1": 1 / 1.2,
			"hashers.check.crypt": 1 / 1.2,
		},
	},
	"sessions": {
		pkg:    "./djangosession/dbstore",
		script: "bench/sessions.py",
		cpu:    true,
		// A db load at least 10x cheaper in CPU than Django's, within 1.5x
		// of the bare SELECT through the same driver and *sql.DB, as a
		// plain query and prepared (as the store runs it).
		target: map[string]float64{
			"sessions.db_load": 10, "sessions.db_load.postgres": 10, "sessions.db_load.mysql": 10,
		},
		floors: []floor{
			{name: "sessions.db_load", bench: "BenchmarkRawSelect/sqlite", max: 1.5},
			{name: "sessions.db_load", bench: "BenchmarkRawSelect/sqlite.prepared", max: 1.5},
			{name: "sessions.db_load.postgres", bench: "BenchmarkRawSelect/postgres", max: 1.5},
			{name: "sessions.db_load.postgres", bench: "BenchmarkRawSelect/postgres.prepared", max: 1.5},
			{name: "sessions.db_load.mysql", bench: "BenchmarkRawSelect/mysql", max: 1.5},
			{name: "sessions.db_load.mysql", bench: "BenchmarkRawSelect/mysql.prepared", max: 1.5},
		},
	},
}

func main() {
	areaName := flag.String("area", "", "area to compare (or \"all\")")
	benchtime := flag.String("benchtime", "1s", "least time per benchmark, for go test -benchtime and the Python script")
	filter := flag.String("run", "", "regular expression selecting benchmark names (both sides)")
	count := flag.Int("count", 1, "runs of each side; the table shows medians")
	flag.Parse()
	if *count < 1 {
		fmt.Fprintln(os.Stderr, "compare: -count must be at least 1")
		os.Exit(2)
	}
	var names []string
	switch {
	case *areaName == "all":
		for n := range areas {
			names = append(names, n)
		}
		sort.Strings(names)
	case areas[*areaName].pkg != "":
		names = []string{*areaName}
	default:
		fmt.Fprintf(os.Stderr, "compare: unknown area %q; known: %s, all\n", *areaName, strings.Join(known(), ", "))
		os.Exit(2)
	}
	d, err := time.ParseDuration(*benchtime)
	if err != nil {
		fmt.Fprintf(os.Stderr, "compare: -benchtime: %v\n", err)
		os.Exit(2)
	}
	ctx := context.Background()
	failed := false
	for _, n := range names {
		ok, err := run(ctx, n, areas[n], d, *filter, *count)
		if err != nil {
			fmt.Fprintf(os.Stderr, "compare: %s: %v\n", n, err)
			os.Exit(2)
		}
		failed = failed || !ok
	}
	if failed {
		os.Exit(1)
	}
}

func known() []string {
	var k []string
	for n := range areas {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}

// run compares one area and prints its table. It reports false when a
// target or floor is missed.
func run(ctx context.Context, name string, a area, benchtime time.Duration, filter string, count int) (bool, error) {
	benches := []string{"BenchmarkCompare"}
	for _, f := range a.floors {
		benches = append(benches, strings.SplitN(f.bench, "/", 2)[0])
	}
	pattern := "^(" + strings.Join(uniq(benches), "|") + ")$"
	if filter != "" {
		pattern += "/(" + filter + ")" // grouped: go test splits a top-level | into alternatives
	}
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", pattern, "-benchmem",
		"-benchtime", benchtime.String(), "-count", strconv.Itoa(count), a.pkg)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return false, fmt.Errorf("go test: %v\n%s", err, out)
	}
	goRes := parseGo(out)

	py, env, rel, err := pythonFor(os.Getenv("DJ_DJANGO"))
	if err != nil {
		return false, err
	}
	djRes := results{}
	var order []string
	for range count {
		pcmd := exec.CommandContext(ctx, py, a.script)
		pcmd.Env = append(env, "BENCHTIME="+strconv.FormatFloat(benchtime.Seconds(), 'f', -1, 64))
		if filter != "" {
			pcmd.Env = append(pcmd.Env, "BENCH_FILTER="+filter)
		}
		pcmd.Stderr = os.Stderr
		pout, err := pcmd.Output()
		if err != nil {
			return false, fmt.Errorf("%s: %v", a.script, err)
		}
		order = parsePython(pout, djRes, order)
	}

	// cost is the figure targets and floors are checked on.
	cost := func(r results, n string) (float64, bool) {
		if a.cpu {
			return r.median(n, true)
		}
		return r.median(n, false)
	}
	metric := "ns/op"
	if a.cpu {
		metric = "cpu-ns/op"
	}
	fmt.Printf("area %s: Go %s vs Django %s (%s), medians of %d, ratios on %s\n", name, a.pkg, rel, a.script, count, metric)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	showCPU := a.cpu || goRes.hasCPU() || djRes.hasCPU()
	if showCPU {
		fmt.Fprintln(tw, "name\tGo ns/op\tGo cpu-ns/op\tDjango ns/op\tDjango cpu-ns/op\tDjango/Go\ttarget\t")
	} else {
		fmt.Fprintln(tw, "name\tGo ns/op\tDjango ns/op\tDjango/Go\ttarget\t")
	}
	cell := func(r results, n string, cpu bool) string {
		if v, ok := r.median(n, cpu); ok {
			return fmt.Sprintf("%.0f", v)
		}
		return "-"
	}
	row := func(n, goName, ratio, tgt string) {
		if showCPU {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", n, cell(goRes, goName, false), cell(goRes, goName, true),
				cell(djRes, n, false), cell(djRes, n, true), ratio, tgt)
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", n, cell(goRes, goName, false), cell(djRes, n, false), ratio, tgt)
		}
	}
	ok := true
	for _, n := range order {
		goName := "BenchmarkCompare/" + n
		g, hasGo := cost(goRes, goName)
		dj, hasDj := cost(djRes, n)
		if !hasGo || !hasDj {
			row(n, goName, "-", "")
			continue
		}
		ratio := dj / g
		tgt := ""
		if want, has := a.target[n]; has {
			tgt = fmt.Sprintf(">= %.3gx", want)
			if ratio < want {
				tgt += " MISSED"
				ok = false
			}
		}
		row(n, goName, fmt.Sprintf("%.1fx", ratio), tgt)
	}
	var goOnly []string
	for n := range goRes {
		if short, is := strings.CutPrefix(n, "BenchmarkCompare/"); is {
			if _, has := djRes[short]; !has {
				goOnly = append(goOnly, short)
			}
		}
	}
	sort.Strings(goOnly)
	for _, n := range goOnly {
		row(n, "BenchmarkCompare/"+n, "-", "")
	}
	tw.Flush()
	for _, f := range a.floors {
		g, ok1 := cost(goRes, "BenchmarkCompare/"+f.name)
		fl, ok2 := cost(goRes, f.bench)
		if !ok1 || !ok2 {
			continue
		}
		r := g / fl
		verdict := "ok"
		if r > f.max {
			verdict = "MISSED"
			ok = false
		}
		fmt.Printf("floor: %s %.0f %s = %.2fx %s %.0f %s (want <= %gx): %s\n", f.name, g, metric, r, f.bench, fl, metric, f.max, verdict)
	}
	fmt.Println()
	return ok, nil
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// results holds every measurement of each benchmark: ns/op, and the
// process CPU time per op where one was reported.
type results map[string]*samples

type samples struct{ ns, cpu []float64 }

func (r results) add(name string, ns float64, cpu float64, hasCPU bool) {
	s := r[name]
	if s == nil {
		s = &samples{}
		r[name] = s
	}
	s.ns = append(s.ns, ns)
	if hasCPU {
		s.cpu = append(s.cpu, cpu)
	}
}

// median returns the median ns/op (or cpu-ns/op) of name.
func (r results) median(name string, cpu bool) (float64, bool) {
	s := r[name]
	if s == nil {
		return 0, false
	}
	v := s.ns
	if cpu {
		v = s.cpu
	}
	if len(v) == 0 {
		return 0, false
	}
	v = append([]float64(nil), v...)
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

func (r results) hasCPU() bool {
	for _, s := range r {
		if len(s.cpu) > 0 {
			return true
		}
	}
	return false
}

var (
	benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([0-9.]+) ns/op`)
	cpuMetric = regexp.MustCompile(`\s([0-9.]+) cpu-ns/op`)
)

// parseGo reads go test -bench output: ns/op and any cpu-ns/op metric, by
// benchmark name, one sample per line (go test -count repeats lines).
func parseGo(out []byte) results {
	r := results{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		g := benchLine.FindStringSubmatch(line)
		if g == nil {
			continue
		}
		ns, _ := strconv.ParseFloat(g[2], 64)
		var cpu float64
		c := cpuMetric.FindStringSubmatch(line)
		if c != nil {
			cpu, _ = strconv.ParseFloat(c[1], 64)
		}
		r.add(g[1], ns, cpu, c != nil)
	}
	return r
}

// parsePython reads "<name> <ns_per_op> [<cpu_ns_per_op>]" lines into r,
// and returns order extended with names not seen before.
func parsePython(out []byte, r results, order []string) []string {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 && len(f) != 3 {
			continue
		}
		ns, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			continue
		}
		var cpu float64
		hasCPU := len(f) == 3
		if hasCPU {
			if cpu, err = strconv.ParseFloat(f[2], 64); err != nil {
				continue
			}
		}
		if _, seen := r[f[0]]; !seen {
			order = append(order, f[0])
		}
		r.add(f[0], ns, cpu, hasCPU)
	}
	return order
}

// pythonFor returns the interpreter and environment for Django release rel
// ("" means 3.2), with the PYTHONPATH internal/testenv builds (keep the two
// in step).
func pythonFor(rel string) (string, []string, string, error) {
	if rel == "" {
		rel = "3.2"
	}
	py := os.Getenv("DJ_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	dir := os.Getenv("DJNEWER")
	if dir == "" {
		dir = "/tmp/djnewer"
	}
	var paths []string
	switch rel {
	case "3.2":
	case "4.2", "5.2":
		paths = []string{
			filepath.Join(dir, rel, "root/usr/lib/python3/dist-packages"),
			filepath.Join(dir, "asgiref-3.8/usr/lib/python3/dist-packages"),
		}
	case "6.1":
		paths = []string{
			filepath.Join(dir, "py311shim"),
			filepath.Join(dir, rel, "root/usr/lib/python3/dist-packages"),
			filepath.Join(dir, "asgiref-3.12/usr/lib/python3/dist-packages"),
			filepath.Join(dir, "extras-6.1/python3-typing-extensions/usr/lib/python3/dist-packages"),
		}
	default:
		return "", nil, "", fmt.Errorf("DJ_DJANGO=%q: want 3.2, 4.2, 5.2 or 6.1", rel)
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return "", nil, "", fmt.Errorf("Django %s not found: %v", rel, err)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PYTHONPATH=") {
			env = append(env, kv)
		}
	}
	if len(paths) > 0 {
		env = append(env, "PYTHONPATH="+strings.Join(paths, ":"))
	}
	return py, env, "Django " + rel, nil
}
