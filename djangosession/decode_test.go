package djangosession_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/memstore"
	"github.com/djsession/djsession/python/pyjson"
)

// sessionWith returns a session whose "v" is the Python value the JSON
// text (as Django's JSONSerializer writes it) stands for.
func sessionWith(t *testing.T, text string) *djangosession.Session {
	t.Helper()
	obj, err := pyjson.Unmarshal([]byte(`{"v":` + text + `}`))
	if err != nil {
		t.Fatal(err)
	}
	s := mustEngine(t, newMemStore(), nil).New()
	s.Update(obj.(*pyjson.Object))
	return s
}

type cart struct {
	Items []struct {
		SKU string `json:"sku"`
		Qty uint16 `json:"qty"`
	} `json:"items"`
	Note   *string
	Coupon *string `json:"coupon"`
	Total  float64 `json:"total"`
	Skip   int     `json:"-"`
	base
}

type base struct {
	Owner int64 `json:"owner"`
}

// raw keeps the value as Python's json.dumps writes it.
type raw struct{ text string }

func (r *raw) UnmarshalJSON(b []byte) error { r.text = string(b); return nil }

func TestDecode(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		name string
		text string // the session value, as Django's JSON
		into any    // a pointer to a zero value of the type to fill
		want any    // what it must hold; nil when an error is expected
		err  error
	}{
		{"int", `42`, new(int), 42, nil},
		{"negative int8", `-128`, new(int8), int8(-128), nil},
		{"int8 overflow", `128`, new(int8), nil, djangosession.ErrDecodeRange},
		{"negative into uint", `-1`, new(uint), nil, djangosession.ErrDecodeRange},
		{"big int into int64", `9223372036854775808`, new(int64), nil, djangosession.ErrDecodeRange},
		{"big int into uint64", `9223372036854775808`, new(uint64), uint64(1 << 63), nil},
		{"big int into big.Int", `123456789012345678901234567890`, new(big.Int), *bigInt("123456789012345678901234567890"), nil},
		{"int into float", `3`, new(float64), 3.0, nil},
		{"huge int into float", `1` + strings.Repeat("0", 400), new(float64), nil, djangosession.ErrDecodeRange},
		{"float", `2.5`, new(float64), 2.5, nil},
		{"float into float32 overflow", `1e300`, new(float32), nil, djangosession.ErrDecodeRange},
		{"float into int", `2.0`, new(int), nil, djangosession.ErrDecodeType},
		{"str", `"h\u00e9llo \ud83d\ude00"`, new(string), "héllo 😀", nil},
		{"str into int", `"42"`, new(int), nil, djangosession.ErrDecodeType},
		{"bool", `true`, new(bool), true, nil},
		{"bool into int", `true`, new(int), nil, djangosession.ErrDecodeType},
		{"None into pointer", `null`, func() any { p := s("x"); return &p }(), (*string)(nil), nil},
		{"None into int", `null`, func() any { n := 7; return &n }(), 0, nil},
		{"list into slice", `[1,2,3]`, new([]int), []int{1, 2, 3}, nil},
		{"list into array", `[1,2,3]`, new([2]int), [2]int{1, 2}, nil},
		{"short list into array", `[1]`, new([2]int), [2]int{1, 0}, nil},
		{"list element wrong", `[1,"x"]`, new([]int), nil, djangosession.ErrDecodeType},
		{"list into struct", `[1]`, new(base), nil, djangosession.ErrDecodeType},
		{"dict into map", `{"a":1,"b":2}`, new(map[string]int), map[string]int{"a": 1, "b": 2}, nil},
		{"dict into map[int]", `{"1":1}`, new(map[int]int), nil, djangosession.ErrDecodeType},
		{"dict into struct", `{"items":[{"sku":"A1","qty":2}],"note":"gift","coupon":null,"total":9.5,"Skip":3,"owner":7,"extra":[]}`,
			new(cart), cart{Items: []struct {
				SKU string `json:"sku"`
				Qty uint16 `json:"qty"`
			}{{"A1", 2}}, Note: s("gift"), Total: 9.5, base: base{Owner: 7}}, nil},
		{"nested error path", `{"items":[{"sku":"A1","qty":-2}]}`, new(cart), nil, djangosession.ErrDecodeRange},
		{"ISO datetime", `"2026-11-23T12:00:00.250000+01:00"`, new(time.Time),
			time.Date(2026, 11, 23, 11, 0, 0, 250000000, time.UTC), nil},
		{"naive datetime", `"2026-11-23T12:00:00"`, new(time.Time), time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), nil},
		{"not a datetime", `"soon"`, new(time.Time), nil, djangosession.ErrDecodeRange},
		{"any keeps Python's value", `{"a":[1,2.5]}`, new(any), nil, nil},
		{"json.Unmarshaler gets Python's JSON", `{"b":1,"a":[1e16,"\u00e9"]}`, new(raw), raw{`{"b":1,"a":[1e+16,"\u00e9"]}`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sess := sessionWith(t, tt.text)
			err := sess.Decode("v", tt.into)
			if tt.err != nil {
				var de *djangosession.DecodeError
				if !errors.Is(err, tt.err) || !errors.As(err, &de) {
					t.Fatalf("got %v, want %v in a *DecodeError", err, tt.err)
				}
				if !strings.HasPrefix(de.Path, "v") {
					t.Errorf("path %q", de.Path)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := reflect.ValueOf(tt.into).Elem().Interface()
			if tt.name == "any keeps Python's value" {
				b, _ := pyjson.Marshal(got)
				if string(b) != `{"a":[1,2.5]}` {
					t.Errorf("got %s", b)
				}
				return
			}
			if tm, ok := got.(time.Time); ok {
				if !tm.Equal(tt.want.(time.Time)) {
					t.Errorf("got %v, want %v", tm, tt.want)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	sess := sessionWith(t, `{"items":[{"qty":70000}]}`)
	if err := sess.Decode("missing", new(int)); !errors.Is(err, djangosession.ErrNoSuchKey) {
		t.Errorf("missing key: %v", err)
	}
	if err := sess.Decode("v", cart{}); err == nil {
		t.Error("non-pointer accepted")
	}
	err := sess.Decode("v", new(cart))
	var de *djangosession.DecodeError
	if !errors.As(err, &de) || de.Path != "v.items[0].qty" || de.Python != "int" || de.Go != reflect.TypeFor[uint16]() {
		t.Errorf("got %v", err)
	}
	if !sess.Accessed() {
		t.Error("Decode did not mark the session accessed")
	}
}

func bigInt(s string) *big.Int {
	n, _ := new(big.Int).SetString(s, 10)
	return n
}

func ExampleSession_Decode() {
	// What a Django view stored: request.session["cart"] = {...}
	obj, _ := pyjson.Unmarshal([]byte(`{"cart":{"items":[{"sku":"A1","qty":2}],"coupon":null,"updated":"2026-11-23T12:00:00Z"}}`))
	engine, err := djangosession.NewEngine(memstore.New(nil), nil)
	if err != nil {
		log.Fatal(err)
	}
	sess := engine.New()
	sess.Update(obj.(*pyjson.Object))

	var cart struct {
		Items []struct {
			SKU string `json:"sku"`
			Qty int    `json:"qty"`
		} `json:"items"`
		Coupon  *string   `json:"coupon"`
		Updated time.Time `json:"updated"`
	}
	if err := sess.Decode("cart", &cart); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cart.Items[0].SKU, cart.Items[0].Qty, cart.Coupon == nil, cart.Updated.Format(time.RFC3339))

	var qty int8
	err = djangosession.DecodeValue(int64(300), &qty)
	fmt.Println(errors.Is(err, djangosession.ErrDecodeRange))
	// Output:
	// A1 2 true 2026-11-23T12:00:00Z
	// true
}

var _ json.Unmarshaler = (*raw)(nil)
