package pyjson

import (
	"errors"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/hostiletest"
)

// Bounds on the bytes allocated per hostile input by Unmarshal and, for an
// input it accepts, by Marshal of the value. Unmarshal keeps one copy of
// its input (strings share it) and each value costs at most a slot in a
// slice or an object (16 to 32 bytes, plus slice growth) for the two or
// more input bytes it takes; integers are refused from their length and
// nesting from its depth before any work in proportion to either. So the
// bound is a constant plus a multiple of the input's size.
var hostileBound = hostiletest.Bound{Base: 1 << 20, PerByte: 48}

// hostileFiles returns testdata/hostile/json by name.
func hostileFiles(t testing.TB) map[string][]byte { return hostiletest.Files(t, "json") }

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
// named ok-*, a value that Marshal writes), and at most hostileBound
// allocated by each.
func TestHostileCorpus(t *testing.T) {
	hostiletest.Run(t, hostileFiles(t), func(t *testing.T, c hostiletest.Case) {
		var v any
		var err error
		hostileBound.Check(t, c.Name+": Unmarshal", c.Input, func() { v, err = Unmarshal(c.Input) })
		if !c.OK {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrTooDeep) && !errors.Is(err, ErrIntTooLong) {
				t.Errorf("%s: Unmarshal: %v; want ErrSyntax, ErrTooDeep or ErrIntTooLong", c.Name, err)
			}
			return
		}
		if err != nil {
			t.Errorf("%s: Unmarshal: %v; want a value", c.Name, err)
			return
		}
		hostileBound.Check(t, c.Name+": Marshal", c.Input, func() { _, err = Marshal(v) })
		if err != nil {
			t.Errorf("%s: Marshal: %v", c.Name, err)
		}
	}, bigHostileInputs())
}
