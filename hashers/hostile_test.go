package hashers

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// Bounds on the bytes Identify, Decode, Check and MustUpdate may allocate
// per hostile encoded hash: every file names a cost over the limits or a
// value that does not parse, so nothing is computed; the fields are split
// and decoded once (a few copies of the input).
const (
	hashersHostileDir       = "../testdata/hostile/hashers"
	hashersAllocBase        = 64 << 10
	hashersAllocPerByte     = 8
	hashersHostileMaxSeeded = 64 << 10 // larger inputs stall the fuzzer's minimizing
)

// hostileHashes returns the files of testdata/hostile/hashers by name.
func hostileHashes(t testing.TB) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(hashersHostileDir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(hashersHostileDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func hashersAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestHostileHashes runs every encoded hash of testdata/hostile/hashers
// (costs over the limits for every hasher, truncated and malformed fields,
// bad salts, 1 MB digit strings and salts, unknown algorithms, invalid
// UTF-8, NUL) through Identify, Decode, Policy.Check and MustUpdate with
// every hasher enabled and the default Limits: no panic, Check false with
// the error its name documents (over-* ErrParameters, malformed-*
// ErrMalformed, unknown-* ErrUnknownAlgorithm, unusable-*
// ErrUnusablePassword), and at most hashersAllocBase + hashersAllocPerByte
// per input byte allocated by each call: nothing is computed.
func TestHostileHashes(t *testing.T) {
	o := cheapOptions("4.2")
	o.Limits = Limits{}
	p := mustNew(t, o)
	want := map[string]error{
		"over-":      ErrParameters,
		"malformed-": ErrMalformed,
		"unknown-":   ErrUnknownAlgorithm,
		"unusable-":  ErrUnusablePassword,
	}
	in := hostileHashes(t)
	names := make([]string, 0, len(in))
	for name := range in {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		enc := in[name]
		var sentinel error
		for prefix, err := range want {
			if strings.HasPrefix(name, prefix) {
				sentinel = err
			}
		}
		if sentinel == nil {
			t.Fatalf("%s: name has no documented outcome", name)
		}
		limit := uint64(hashersAllocBase + hashersAllocPerByte*len(enc))
		var ok bool
		var err error
		for _, c := range []struct {
			op string
			f  func()
		}{
			{"Identify", func() { _, _ = Identify(enc) }},
			{"Decode", func() { _, _ = Decode(enc) }},
			{"Check", func() { ok, err = p.Check("password", enc) }},
			{"MustUpdate", func() { _, _ = p.MustUpdate(enc) }},
		} {
			if n := hashersAllocated(c.f); n > limit {
				t.Errorf("%s (%d bytes): %s allocated %d bytes, over %d", name, len(enc), c.op, n, limit)
			}
		}
		if ok || !errors.Is(err, sentinel) {
			t.Errorf("%s: Check = %v, %v; want false, %v", name, ok, err, sentinel)
		}
	}
}
