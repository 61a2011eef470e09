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
		// Go/Django <= 1.0 for pbkdf2_sha256 at the newest default, <= 1.2
		// for the others (Django/Go >= 1/1.2).
		target: map[string]float64{
			"hashers.check.pbkdf2_sha256": 1, "hashers.check.pbkdf2_sha1": 1 / 1.2,
			"hashers.check.argon2": 1 / 1.2, "hashers.check.bcrypt_sha256": 1 / 1.2,
			"hashers.check.bcrypt": 1 / 1.2, "hashers.check.scrypt": 1 / 1.2,
			"hashers.check.md5": 1 / 1.2, "hashers.check.sha1": 1 / 1.2,
			"hashers.check.unsalted_md5": 1 / 1.2, "hashers.check.unsalted_sha1": 1 / 1.2,
			"hashers.check.crypt": 1 / 1.2,
		},
	},
}

func main() {
	areaName := flag.String("area", "", "area to compare (or \"all\")")
	benchtime := flag.String("benchtime", "1s", "least time per benchmark, for go test -benchtime and the Python script")
	filter := flag.String("run", "", "regular expression selecting benchmark names (both sides)")
	flag.Parse()
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
		ok, err := run(ctx, n, areas[n], d, *filter)
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
func run(ctx context.Context, name string, a area, benchtime time.Duration, filter string) (bool, error) {
	benches := []string{"BenchmarkCompare"}
	for _, f := range a.floors {
		benches = append(benches, strings.SplitN(f.bench, "/", 2)[0])
	}
	pattern := "^(" + strings.Join(uniq(benches), "|") + ")$"
	if filter != "" {
		pattern += "/(" + filter + ")" // grouped: go test splits a top-level | into alternatives
	}
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", pattern, "-benchmem",
		"-benchtime", benchtime.String(), a.pkg)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return false, fmt.Errorf("go test: %v\n%s", err, out)
	}
	goNs := parseGo(out)

	py, env, rel, err := pythonFor(os.Getenv("DJ_DJANGO"))
	if err != nil {
		return false, err
	}
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
	djNs, order := parsePython(pout)

	fmt.Printf("area %s: Go %s vs Django %s (%s)\n", name, a.pkg, rel, a.script)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "name\tGo ns/op\tDjango ns/op\tDjango/Go\ttarget\t")
	ok := true
	for _, n := range order {
		g, hasGo := goNs["BenchmarkCompare/"+n]
		dj := djNs[n]
		if !hasGo {
			fmt.Fprintf(tw, "%s\t-\t%.0f\t-\t\t\n", n, dj)
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
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.1fx\t%s\t\n", n, g, dj, ratio, tgt)
	}
	for n, g := range goNs {
		if strings.HasPrefix(n, "BenchmarkCompare/") {
			if _, has := djNs[strings.TrimPrefix(n, "BenchmarkCompare/")]; !has {
				fmt.Fprintf(tw, "%s\t%.0f\t-\t-\t\t\n", strings.TrimPrefix(n, "BenchmarkCompare/"), g)
			}
		}
	}
	tw.Flush()
	for _, f := range a.floors {
		g, ok1 := goNs["BenchmarkCompare/"+f.name]
		fl, ok2 := goNs[f.bench]
		if !ok1 || !ok2 {
			continue
		}
		r := g / fl
		verdict := "ok"
		if r > f.max {
			verdict = "MISSED"
			ok = false
		}
		fmt.Printf("floor: %s %.0f ns/op = %.2fx %s %.0f ns/op (want <= %gx): %s\n", f.name, g, r, f.bench, fl, f.max, verdict)
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

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([0-9.]+) ns/op`)

// parseGo reads go test -bench output into ns/op by benchmark name.
func parseGo(out []byte) map[string]float64 {
	m := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if g := benchLine.FindStringSubmatch(sc.Text()); g != nil {
			v, _ := strconv.ParseFloat(g[2], 64)
			m[g[1]] = v
		}
	}
	return m
}

// parsePython reads "<name> <ns_per_op>" lines, keeping their order.
func parsePython(out []byte) (map[string]float64, []string) {
	m := map[string]float64{}
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			continue
		}
		if _, dup := m[f[0]]; !dup {
			order = append(order, f[0])
		}
		m[f[0]] = v
	}
	return m, order
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
