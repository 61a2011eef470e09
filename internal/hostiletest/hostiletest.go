// Package hostiletest runs a decoder over a corpus of hostile inputs,
// testdata/hostile/<area> (see testdata/hostile/README.md), with a bound
// on the bytes each call may allocate. Every package's TestHostileCorpus
// uses it:
//
//	bound := hostiletest.Bound{Base: 1 << 20, PerByte: 48}
//	hostiletest.Run(t, hostiletest.Files(t, "json"), func(t *testing.T, c hostiletest.Case) {
//		var err error
//		bound.Check(t, "Unmarshal", c.Input, func() { _, err = pyjson.Unmarshal(c.Input) })
//		...
//	})
//
// It imports nothing of the module, so the lowest packages (pickle,
// pyjson, signing) can use it in their own tests.
package hostiletest

import (
	"bytes"
	"encoding/binary"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// Files returns the files of testdata/hostile/<dir...> of the repository the
// test runs in (the nearest directory at or above it holding testdata/hostile), by name.
// It fails the test when the directory is absent or empty.
func Files(t testing.TB, dir ...string) map[string][]byte {
	t.Helper()
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		// the store modules and internal/integration share the root's corpus
		if fi, err := os.Stat(filepath.Join(root, "testdata", "hostile")); err == nil && fi.IsDir() {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			t.Fatal("hostiletest: no testdata/hostile at or above the test's directory")
		}
		root = parent
	}
	p := filepath.Join(append([]string{root, "testdata", "hostile"}, dir...)...)
	entries, err := os.ReadDir(p)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(p, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	if len(out) == 0 {
		t.Fatalf("hostiletest: empty corpus %s", p)
	}
	return out
}

// Case is one hostile input.
type Case struct {
	// Name is the file's name, or the name of a generated input.
	Name string
	// Input is the input's bytes.
	Input []byte
	// OK says the name starts with "ok-": a documented success, which the
	// decoder must accept (bounded) rather than refuse.
	OK bool
}

// Run calls check on every input of corpus, and of the extra maps (the
// inputs a test builds, those over 1 MB), in name order.
func Run(t *testing.T, corpus map[string][]byte, check func(t *testing.T, c Case), extra ...map[string][]byte) {
	t.Helper()
	in := maps.Clone(corpus)
	for _, m := range extra {
		maps.Copy(in, m)
	}
	for _, name := range slices.Sorted(maps.Keys(in)) {
		check(t, Case{Name: name, Input: in[name], OK: strings.HasPrefix(name, "ok-")})
	}
}

// Bound is the most one call may allocate on an input: Base bytes plus
// PerByte for each byte of the input.
type Bound struct {
	Base, PerByte uint64
}

// Of returns the bound for an input of n bytes.
func (b Bound) Of(n int) uint64 { return b.Base + b.PerByte*uint64(n) }

// Check runs f, a call on input (of what bytes, named what), and reports
// an error when it allocates more than the bound for input. It returns
// the bytes allocated.
func (b Bound) Check(t testing.TB, what string, input []byte, f func()) uint64 {
	t.Helper()
	n := Allocated(f)
	if limit := b.Of(len(input)); n > limit {
		t.Errorf("%s (%d bytes): allocated %d bytes, over %d", what, len(input), n, limit)
	}
	return n
}

// Allocated runs f and returns the bytes it allocated on the heap
// (runtime.MemStats.TotalAlloc, which counts every allocation whether or
// not it has been collected since; all goroutines count, so keep other
// work off the process while measuring).
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// MemoLaugh returns a protocol 4 pickle of the session dict {"k": [s, s,
// ... s]}, where s is one str of size bytes memoized once and referred to
// refs times: issue 13's shape is MemoLaugh(1<<20, 2000), 1 MB standing
// for 2 GB once every reference is expanded.
func MemoLaugh(size, refs int) []byte {
	var b bytes.Buffer
	b.WriteString("\x80\x04}\x94(\x8c\x01k\x94]\x94(") // dict, "k", list: memo 0, 1, 2
	b.WriteByte(0x8d)                                  // BINUNICODE8
	b.Write(binary.LittleEndian.AppendUint64(nil, uint64(size)))
	b.Write(bytes.Repeat([]byte("A"), size))
	b.WriteByte(0x94) // MEMOIZE: the str is memo 3
	for range refs - 1 {
		b.WriteString("j\x03\x00\x00\x00") // LONG_BINGET 3
	}
	b.WriteString("eu.") // APPENDS, SETITEMS, STOP
	return b.Bytes()
}
