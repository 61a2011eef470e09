package pyjson

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// hostileDir holds one hostile JSON text per file (testdata/hostile/README.md).
const hostileDir = "../../testdata/hostile/json"

// Bounds on the bytes allocated per hostile input by Unmarshal and, for an
// input it accepts, by Marshal of the value. Unmarshal keeps one copy of
// its input (strings share it) and each value costs at most a slot in a
// slice or an object (16 to 32 bytes, plus slice growth) for the two or
// more input bytes it takes; integers are refused from their length and
// nesting from its depth before any work in proportion to either. So the
// bound is a constant plus a multiple of the input's size.
const (
	hostileAllocPerByte = 48
	hostileAllocBase    = 1 << 20
)

func hostileFiles(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := os.ReadDir(hostileDir)
	if err != nil {
		t.Fatal(err)
	}
	in := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(hostileDir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		in[f.Name()] = b
	}
	return in
}

// bigHostileInputs are the hostile inputs of more than 1 MB.
func bigHostileInputs() map[string][]byte {
	return map[string][]byte{
		"generated: int of 4 million digits":         []byte(strings.Repeat("9", 4_000_000)),
		"generated: 2 million [":                     []byte(strings.Repeat("[", 2_000_000)),
		"ok-generated: float of 2 million digits":    []byte("1." + strings.Repeat("0", 2_000_000) + "1"),
		"ok-generated: str of 400k \\u0000 escapes":  []byte(`"` + strings.Repeat(`\u0000`, 400_000) + `"`),
		"ok-generated: 1 MB str of latin-1 bytes":    []byte(`"` + strings.Repeat("\xe9", 1<<20) + `"`),
		"generated: 1 MB str missing its last quote": []byte(`"` + strings.Repeat("a", 1<<20)),
	}
}

// TestHostileCorpus runs every hostile input through Unmarshal: no panic,
// an error matching ErrSyntax, ErrTooDeep or ErrIntTooLong (or, for a file
// named ok-*, a value that Marshal writes), and at most
// hostileAllocPerByte x input + hostileAllocBase bytes allocated by each.
func TestHostileCorpus(t *testing.T) {
	in := hostileFiles(t)
	for name, b := range bigHostileInputs() {
		in[name] = b
	}
	names := make([]string, 0, len(in))
	for name := range in {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		data := in[name]
		limit := uint64(hostileAllocPerByte*len(data) + hostileAllocBase)
		var v any
		var err error
		if n := allocated(func() { v, err = Unmarshal(data) }); n > limit {
			t.Errorf("%s (%d bytes): Unmarshal allocated %d bytes, over %d", name, len(data), n, limit)
		}
		if !strings.HasPrefix(name, "ok-") {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrTooDeep) && !errors.Is(err, ErrIntTooLong) {
				t.Errorf("%s: Unmarshal: %v; want ErrSyntax, ErrTooDeep or ErrIntTooLong", name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: Unmarshal: %v; want a value", name, err)
			continue
		}
		if n := allocated(func() { _, err = Marshal(v) }); err != nil || n > limit {
			t.Errorf("%s: Marshal: %d bytes allocated (limit %d), %v", name, n, limit, err)
		}
	}
}
