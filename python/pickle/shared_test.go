package pickle

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/hostiletest"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
)

// TestMemoLaugh is issue 13 item 1 with its exact shape: a 1 MB str
// referred to 2,000 times (a 1 MB pickle standing for 2 GB). Unmarshal must
// refuse it with ErrMalformed, allocating in proportion to the input, not
// to what it stands for; before the fix it was read, and re-encoding it
// (as pickle or as JSON) ran the process out of memory.
func TestMemoLaugh(t *testing.T) {
	p := hostiletest.MemoLaugh(1<<20, 2000)
	var err error
	n := hostiletest.Allocated(func() { _, err = Unmarshal(p) })
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("Unmarshal of a 1 MB str x 2000 references: %v; want ErrMalformed", err)
	}
	// The str is copied once out of the input; the rest is the stack, the
	// memo and the list of 2000 references.
	if limit := uint64(3*len(p) + 1<<20); n > limit {
		t.Errorf("Unmarshal allocated %d bytes for a %d-byte pickle; want at most %d", n, len(p), limit)
	}
}

// TestSharedRoundTrip: a pickle that legitimately shares a str (1 MB,
// referred to 8 times: 8 MB expanded, under the limit) reads, and writes
// back as a pickle of about its own size, the references kept shared as
// CPython's memo keeps them; written as JSON (as the db, file and
// signed_cookies engines do) it expands, within a bound proportional to
// the limit on what a pickle may stand for.
func TestSharedRoundTrip(t *testing.T) {
	const size, refs = 1 << 20, 8
	p := hostiletest.MemoLaugh(size, refs)
	v, err := Unmarshal(p)
	if err != nil {
		t.Fatalf("Unmarshal of a 1 MB str x %d references: %v", refs, err)
	}
	var w []byte
	n := hostiletest.Allocated(func() { w, err = Marshal(v) })
	if err != nil {
		t.Fatal(err)
	}
	if len(w) > len(p)+64 {
		t.Errorf("Marshal wrote %d bytes for a %d-byte pickle: shared references were expanded", len(w), len(p))
	}
	if limit := uint64(4*len(p) + 1<<20); n > limit {
		t.Errorf("Marshal allocated %d bytes; want at most %d", n, limit)
	}

	// JSON: every reference is written out, as json.dumps does.
	var j []byte
	n = hostiletest.Allocated(func() {
		var jv any
		if jv, err = JSONCompatible(v); err == nil {
			j, err = pyjson.Marshal(jv)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(j) < size*refs {
		t.Errorf("JSON of %d references to a %d-byte str is %d bytes", refs, size, len(j))
	}
	if limit := uint64(8 * size * refs); n > limit { // append's growth: about 5x the output
		t.Errorf("JSON encoding allocated %d bytes; want at most %d", n, limit)
	}
}

// TestSharedSmallStr: many references to a small str (a realistic shared
// value) round-trip to a pickle of the same size. (TestPythonShared checks
// CPython's own bytes.)
func TestSharedSmallStr(t *testing.T) {
	p := hostiletest.MemoLaugh(1000, 2000)
	v, err := Unmarshal(p)
	if err != nil {
		t.Fatal(err)
	}
	w, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if len(w) > len(p)+16 {
		t.Errorf("re-encoded %d bytes, read %d: shared references were expanded", len(w), len(p))
	}
}

// TestPythonShared: pickles CPython 3.11 writes for values in which one
// str, bytes, list, dict or tuple is referred to from several places
// (testdata/pickle_shared.py) read and write back to the same bytes: the
// references stay references, at every protocol. And values json.loads
// read (whose equal keys CPython's scanner makes one str) pickle as
// pickle.dumps writes them when pyjson.Unmarshal reads the same text.
func TestPythonShared(t *testing.T) {
	dj := testenv.Django32(t)
	out := dj.Run(t, "testdata/pickle_shared.py", nil)
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	n := 0
	for sc.Scan() {
		var c struct {
			Name  string
			Proto int
			Hex   string
			JSON  *string
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		p := mustHex(c.Hex)
		var v any
		var err error
		if c.JSON != nil {
			v, err = pyjson.Unmarshal([]byte(*c.JSON)) // as json.loads, then pickle.dumps
		} else {
			v, err = Unmarshal(p)
		}
		if err != nil {
			t.Errorf("%s, protocol %d: Unmarshal: %v", c.Name, c.Proto, err)
			continue
		}
		w, err := MarshalProtocol(v, c.Proto)
		if err != nil {
			t.Errorf("%s, protocol %d: MarshalProtocol: %v", c.Name, c.Proto, err)
			continue
		}
		if !bytes.Equal(w, p) {
			t.Errorf("%s, protocol %d: CPython wrote %d bytes, Go writes back %d\n py %s\n go %s",
				c.Name, c.Proto, len(p), len(w), clip(c.Hex), clip(hex.EncodeToString(w)))
		}
		n++
	}
	if n != 11*4 {
		t.Errorf("%d pickles from the peer, want 44", n)
	}
}

// TestJSONWithinExpanded checks the bound MaxExpanded's documentation
// gives: the JSON of a value Unmarshal returns is at most 6 times what
// the value stands for as MaxExpanded counts it, for the values that
// expand most in JSON (control characters, astral characters, small and
// big ints, floats, empty containers, keys), shared or not.
func TestJSONWithinExpanded(t *testing.T) {
	ctl := strings.Repeat("\x01", 1000)
	astral := strings.Repeat("\U0001F600", 250)
	bigInt := new(big.Int).Sub(new(big.Int).Exp(big.NewInt(10), big.NewInt(4300), nil), big.NewInt(1))
	key := &pyjson.Object{}
	key.Set("\x02", int64(-1<<63))
	key.Set("", math.Inf(-1))
	inner := []any{ctl, astral}
	for _, v := range []any{
		ctl, astral, "", int64(-1 << 63), int64(0), -1.7976931348623157e308, 5e-324, true, nil,
		bigInt, new(big.Int).Neg(bigInt), new(big.Int).Lsh(big.NewInt(1), 64),
		[]any{}, []any{[]any{}, []any{}}, Tuple{nil, nil}, key, &pyjson.Object{},
		[]any{inner, inner, inner, Tuple{inner, key}, key},
	} {
		p, err := Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		d := decoder{p: p}
		if _, err := d.run(); err != nil {
			t.Fatal(err)
		}
		var f finisher
		n, err := f.finish(d.stack[0], 0)
		if err != nil {
			t.Fatal(err)
		}
		jv, err := JSONCompatible(n.v)
		if err != nil {
			t.Fatal(err)
		}
		j, err := pyjson.Marshal(jv)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(j)) > 6*n.size {
			t.Errorf("%.40s: JSON of %d bytes, 6 x %d counted", j, len(j), n.size)
		}
	}
}
