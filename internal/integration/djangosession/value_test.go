package djangosession_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/djsession/djsession/django"
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
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: secret}})
	if err != nil {
		t.Fatal(err)
	}
	sdb, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sdb.Close() })
	db, err := dbstore.New(sdb, &dbstore.Options{Dialect: django.SQLite, Codec: codec})
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
	cs, err := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: secret}})
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
				e := mustEngine(t, st, nil)
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
