package djangosession_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/filestore"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/python/pickle"
	"github.com/djsession/djsession/python/pyjson"
)

// everyStore returns one store per engine: db (SQLite), file,
// signed_cookies and cache (pickled, in memory).
func everyStore(t *testing.T) map[string]djangosession.Store {
	t.Helper()
	const secret = "value-test-secret"
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{SecretKey: secret})
	if err != nil {
		t.Fatal(err)
	}
	sdb, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sdb.Close() })
	db, err := dbstore.New(sdb, &dbstore.Options{Dialect: dbstore.SQLite, Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	fs, err := filestore.New(&filestore.Options{Dir: t.TempDir(), Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := cookiestore.New(&cookiestore.Options{SecretKey: secret})
	if err != nil {
		t.Fatal(err)
	}
	cache, err := cachestore.New(storetest.NewMemCache(), &cachestore.Options{Backend: cachestore.RedisCache})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]djangosession.Store{"db": db, "file": fs, "signed_cookies": cs, "cache": cache}
}

type point struct {
	X    int     `json:"x"`
	Y    float32 `json:"y,omitempty"`
	Name string
	skip int
}

// TestSetEveryStoreSameValues is the regression test for issue 13 item 11:
// Session.Set took any value; db, file and signed_cookies saved Go maps,
// structs, typed slices, float32 and json.Number, and the cache engines
// refused them at save. Every store must now store the same thing for
// each value Set accepts, and Set must refuse the rest.
func TestSetEveryStoreSameValues(t *testing.T) {
	ctx := context.Background()
	n := 5
	for _, c := range []struct {
		name string
		v    any
		want string // the JSON every store must read back
	}{
		{"map[string]int", map[string]int{"b": 2, "a": 1}, `{"a":1,"b":2}`},
		{"map of slices", map[string][]string{"k": {"x", "y"}}, `{"k":["x","y"]}`},
		{"struct", point{X: 1, Y: 0.1, Name: "p"}, `{"x":1,"y":0.1,"Name":"p"}`},
		{"pointer to struct", &point{X: 2}, `{"x":2,"Name":""}`},
		{"[]string", []string{"a", "b"}, `["a","b"]`},
		{"[]int nil", []int(nil), `[]`},
		{"[3]uint8 array", [3]int16{1, 2, 3}, `[1,2,3]`},
		{"float32", float32(0.1), `0.1`},
		{"json.Number int", json.Number("12345678901234567890"), `12345678901234567890`},
		{"json.Number float", json.Number("1.5e3"), `1500.0`},
		{"int", 7, `7`},
		{"uint64 max", uint64(math.MaxUint64), `18446744073709551615`},
		{"*int", &n, `5`},
		{"nil pointer", (*int)(nil), `null`},
		{"nil map", map[string]int(nil), `null`},
		{"big.Int", *big.NewInt(-3), `-3`},
		{"tuple", pickle.Tuple{int64(1), "a"}, `[1,"a"]`},
		{"object with Go values", func() *pyjson.Object {
			o := &pyjson.Object{}
			o.Set("z", int32(1))
			o.Set("a", []float32{0.5})
			return o
		}(), `{"z":1,"a":[0.5]}`},
		{"named string", time.Month(3).String(), `"March"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			for name, st := range everyStore(t) {
				e := djangosession.NewEngine(st, nil)
				s := e.New()
				if err := s.Set("v", c.v); err != nil {
					t.Fatalf("%s: Set: %v", name, err)
				}
				if err := s.Save(ctx); err != nil {
					t.Fatalf("%s: Save: %v", name, err)
				}
				s2, err := e.Open(ctx, s.Key())
				if err != nil {
					t.Fatalf("%s: Open: %v", name, err)
				}
				got, ok := s2.Get("v")
				if !ok {
					t.Fatalf("%s: value not read back (load error %v)", name, s2.LoadError())
				}
				b, err := pyjson.Marshal(got)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if string(b) != c.want {
					t.Errorf("%s: read back %s, want %s", name, b, c.want)
				}
			}
		})
	}
}

// TestSetRefuses: values no store can write are refused at Set with a
// typed error, and the session is left as it was.
func TestSetRefuses(t *testing.T) {
	e := djangosession.NewEngine(newMemStore(), nil)
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
	s := djangosession.NewEngine(newMemStore(), nil).New()
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
