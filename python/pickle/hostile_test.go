package pickle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/hostiletest"
	"github.com/djsession/djsession/python/pyjson"
)

// hostileBound bounds the bytes allocated per hostile input, by
// Unmarshal and, for an input it accepts, by writing the value again as a
// pickle and as JSON. Reading is linear in the input: each input byte can
// become at most one stack, memo or list slot (16 bytes for an interface
// value, plus the growth of the slices holding it) or one byte of a str,
// bytes or int; a value read back is written out within a bound
// proportional to what it stands for (MaxExpanded). So the bound is a
// constant plus a multiple of the input's size, with the multiple set from
// the slot size and slice growth, well below what a decoder that expands
// shared references (the 1 MB pickle standing for 2 GB) or converts
// quadratically needs.
var hostileBound = hostiletest.Bound{Base: 2 << 20, PerByte: 64}

// hostileFiles returns testdata/hostile/pickle by name.
func hostileFiles(t testing.TB) map[string][]byte { return hostiletest.Files(t, "pickle") }

// bigHostileInputs are the hostile inputs of more than 1 MB.
func bigHostileInputs() map[string][]byte {
	long4 := func(n int, fill byte) []byte { // LONG4 of n bytes
		b := binary.LittleEndian.AppendUint32([]byte("\x80\x04\x8b"), uint32(n))
		b = append(b, bytes.Repeat([]byte{fill}, n)...)
		return append(b, '.')
	}
	big := long4(4<<20, 0x5a) // a 4 MB integer, about 10 million digits
	str := binary.LittleEndian.AppendUint64([]byte("\x80\x04\x8d"), MaxExpanded)
	str = append(append(str, bytes.Repeat([]byte("s"), MaxExpanded)...), '.')
	return map[string][]byte{
		"generated: one str of MaxExpanded bytes": str, // stands for MaxExpanded + 8
		"generated: memo laugh 1 MB str x 2000":   hostiletest.MemoLaugh(1<<20, 2000),
		"generated: memo laugh 1 MB str x 17":     hostiletest.MemoLaugh(1<<20, 17), // just over MaxExpanded
		"ok-generated: 4 MB LONG4 int":            big,
		"ok-generated: memo 1 MB str x 15":        hostiletest.MemoLaugh(1<<20, 15), // just under MaxExpanded
	}
}

// TestHostileCorpus runs every hostile input through Unmarshal: no panic,
// an error matching ErrMalformed or ErrUnsupported (or, for a file named
// ok-*, a value, which must write back as a pickle and as JSON, where
// JSON may refuse it with pyjson's errors: a 4 MB int has too many digits),
// and at most hostileBound allocated for each step.
func TestHostileCorpus(t *testing.T) {
	hostiletest.Run(t, hostileFiles(t), func(t *testing.T, c hostiletest.Case) {
		var v any
		var err error
		hostileBound.Check(t, c.Name+": Unmarshal", c.Input, func() { v, err = Unmarshal(c.Input) })
		if !c.OK {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
				t.Errorf("%s: Unmarshal: %v; want ErrMalformed or ErrUnsupported", c.Name, err)
			}
			return
		}
		if err != nil {
			t.Errorf("%s: Unmarshal: %v; want a value", c.Name, err)
			return
		}
		var w []byte
		hostileBound.Check(t, c.Name+": Marshal", c.Input, func() { w, err = Marshal(v) })
		if err != nil {
			t.Errorf("%s: Marshal: %v", c.Name, err)
		}
		if len(w) > len(c.Input)+64 {
			t.Errorf("%s: written back as %d bytes, read from %d", c.Name, len(w), len(c.Input))
		}
		// JSON writes every shared reference out: up to 6 x MaxExpanded
		// bytes, and about 5 times that allocated as the buffer grows.
		jsonBound := hostileBound
		jsonBound.Base += 40 * MaxExpanded
		jsonBound.Check(t, c.Name+": JSON", c.Input, func() {
			var jv any
			if jv, err = JSONCompatible(v); err == nil {
				_, err = pyjson.Marshal(jv)
			}
		})
		if err != nil && !errors.Is(err, ErrUnsupported) && !errors.Is(err, pyjson.ErrIntTooLong) {
			t.Errorf("%s: JSON: %v", c.Name, err)
		}
		t.Logf("%s: %d bytes; read, written back (%d bytes) and as JSON (%v)", c.Name, len(c.Input), len(w), err)
	}, bigHostileInputs())
}

// TestGlobalNameInError: a name from a hostile pickle is repeated in the
// error only escaped and cut short.
func TestGlobalNameInError(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	for _, c := range []struct{ p, want string }{
		{"cos\nsystem\n.", "global os.system"},
		{"c\x1b[2Jos\nsystem\n.", `global "\x1b[2Jos".system`},
		{"\x80\x04\x8c\x04o\xc3\xa9s\x8c\x01x\x93.", `global "o\u00e9s".x`},
		{"c" + long + "\nx\n.", `global "` + strings.Repeat("x", 100) + `"....x`},
	} {
		_, err := Unmarshal([]byte(c.p))
		if !errors.Is(err, ErrUnsupported) || err.Error() != "pickle: unsupported value: "+c.want {
			t.Errorf("%.30q: %.200v; want %s", c.p, err, c.want)
		}
	}
}
