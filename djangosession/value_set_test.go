package djangosession_test

import (
	"encoding/json"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pickle"
	"github.com/djsession/djsession/python/pyjson"
)

// point is a struct value with JSON tags, an omitempty field and an
// unexported one (internal/integration/djangosession's value_test.go has
// the same for the stores with drivers).
type point struct {
	X    int     `json:"x"`
	Y    float32 `json:"y,omitempty"`
	Name string
	skip int
}

// TestSetRefuses: values no store can write are refused at Set with a
// typed error, and the session is left as it was.
func TestSetRefuses(t *testing.T) {
	e := mustEngine(t, newMemStore(), nil)
	for _, c := range []struct {
		name string
		v    any
		path string
	}{
		{"chan", make(chan int), ""},
		{"func", func() {}, ""},
		{"complex", complex(1, 2), ""},
		{"map[int]string", map[int]string{1: "a"}, ""},
		{"bytes", []byte("x"), ""},
		{"time.Time", time.Now(), ""},
		{"invalid UTF-8", "\xff", ""},
		{"nested chan", map[string]any{"a": []any{1, make(chan int)}}, `["a"][1]`},
		{"bad json.Number", json.Number("12abc"), ""},
		{"huge int", new(big.Int).Lsh(big.NewInt(1), 20000), ""},
		{"pickle datetime", pickle.DateTimeOf(time.Now()), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := e.New()
			err := s.Set("v", c.v)
			var ue *djangosession.UnsupportedValueError
			if !errors.Is(err, djangosession.ErrUnsupportedValue) || !errors.As(err, &ue) {
				t.Fatalf("Set = %v, want an *UnsupportedValueError", err)
			}
			if ue.Path != c.path {
				t.Errorf("Path = %q, want %q (%v)", ue.Path, c.path, err)
			}
			if s.Has("v") || s.Modified() {
				t.Error("a refused Set changed the session")
			}
		})
	}
}

// TestSetKeepsCanonicalObject: a *pyjson.Object with nothing to convert is
// stored as is, so later changes through it are saved (as in Python).
func TestSetKeepsCanonicalObject(t *testing.T) {
	s := mustEngine(t, newMemStore(), nil).New()
	cart := &pyjson.Object{}
	cart.Set("sku", int64(1))
	if err := s.Set("cart", cart); err != nil {
		t.Fatal(err)
	}
	cart.Set("sku2", int64(2))
	got, _ := s.Get("cart")
	if got.(*pyjson.Object).Len() != 2 {
		t.Fatal("Set copied a canonical object")
	}
}

var sinkValue any

// BenchmarkPyValue measures what Set adds: a value already in the data
// model (the common case: strings, int64s, objects from a loaded session)
// and Go shapes that are converted.
func BenchmarkPyValue(b *testing.B) {
	obj := &pyjson.Object{}
	for _, k := range []string{"a", "b", "c", "d"} {
		obj.Set(k, "value-"+k)
	}
	for _, c := range []struct {
		name string
		v    any
	}{
		{"kind=string", "django.contrib.auth.backends.ModelBackend"},
		{"kind=object/keys=4", obj},
		{"kind=map[string]int/keys=4", map[string]int{"a": 1, "b": 2, "c": 3, "d": 4}},
		{"kind=struct", point{X: 1, Y: 2, Name: "p"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				v, err := djangosession.PyValue(c.v)
				if err != nil {
					b.Fatal(err)
				}
				sinkValue = v
			}
		})
	}
}

// TestPyValueSharedLists: a value that refers to the same list many times,
// as a decoded pickle does (6 levels of 1,000 references: 10^18 paths),
// is converted in the time of its size; a list that contains itself is
// refused by PyValue and kept by PickleValue.
func TestPyValueSharedLists(t *testing.T) {
	v := any("leaf")
	for range 6 {
		l := make([]any, 1000)
		for i := range l {
			l[i] = v
		}
		v = l
	}
	o := &pyjson.Object{}
	o.Set("dag", v)
	o.Set("n", 1) // an int: the object must be converted
	allocs := testing.AllocsPerRun(3, func() {
		if _, err := djangosession.PyValue(o); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 100 {
		t.Errorf("PyValue of a shared DAG: %.0f allocations", allocs)
	}
	cyc := make([]any, 2)
	cyc[0], cyc[1] = "x", cyc
	if _, err := djangosession.PyValue(cyc); !errors.Is(err, djangosession.ErrUnsupportedValue) {
		t.Errorf("PyValue of a cycle: %v", err)
	}
	if _, err := djangosession.PickleValue(cyc); err != nil {
		t.Errorf("PickleValue of a cycle: %v", err)
	}
}

// TestPyValueIntDigits: an int of pyjson.MaxIntDigits digits is kept, one
// more digit is refused, as Python's json writes the one and refuses the
// other.
func TestPyValueIntDigits(t *testing.T) {
	nines := new(big.Int).Exp(big.NewInt(10), big.NewInt(pyjson.MaxIntDigits), nil)
	nines.Sub(nines, big.NewInt(1)) // 4300 nines
	for _, n := range []*big.Int{nines, new(big.Int).Neg(nines)} {
		if _, err := djangosession.PyValue(n); err != nil {
			t.Errorf("PyValue(%d digits) = %v, want it kept", pyjson.MaxIntDigits, err)
		}
		over := new(big.Int).Add(new(big.Int).Abs(n), big.NewInt(1))
		if n.Sign() < 0 {
			over.Neg(over)
		}
		if _, err := djangosession.PyValue(over); !errors.Is(err, djangosession.ErrUnsupportedValue) {
			t.Errorf("PyValue(%d digits) = %v, want ErrUnsupportedValue", pyjson.MaxIntDigits+1, err)
		}
	}
}
