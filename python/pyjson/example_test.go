package pyjson_test

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/djsession/djsession/python/pyjson"
)

func Example() {
	// A session dict as Django's JSONSerializer writes it.
	v, err := pyjson.Unmarshal([]byte(`{"_auth_user_id":"42","cart":{"sku-1":2},"big":123456789012345678901234567890,"ratio":1.0}`))
	if err != nil {
		panic(err)
	}
	o := v.(*pyjson.Object) // a JSON object keeps its key order, as a dict
	for k, v := range o.All() {
		fmt.Printf("%s: %T\n", k, v)
	}

	o.Set("theme", "dark")
	out, _ := pyjson.Marshal(o)
	fmt.Println(string(out))
	// Output:
	// _auth_user_id: string
	// cart: *pyjson.Object
	// big: *big.Int
	// ratio: float64
	// {"_auth_user_id":"42","cart":{"sku-1":2},"big":123456789012345678901234567890,"ratio":1.0,"theme":"dark"}
}

func ExampleMarshal() {
	// Go values are written as Python's json.dumps writes the Python ones.
	o := pyjson.NewObject()
	o.Set("float", 1e16)
	o.Set("small", 1e-05)
	o.Set("int", new(big.Int).Lsh(big.NewInt(1), 70))
	o.Set("text", "héllo ✓")
	o.Set("list", []any{nil, true, int64(-7)})
	b, err := pyjson.Marshal(o)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))

	// bytes has no JSON form in Python either.
	_, err = pyjson.Marshal([]byte("raw"))
	fmt.Println(errors.Is(err, pyjson.ErrUnsupportedType))
	// Output:
	// {"float":1e+16,"small":1e-05,"int":1180591620717411303424,"text":"h\u00e9llo \u2713","list":[null,true,-7]}
	// true
}

// A user id read from a session may be an integer of any size; FormatInt
// shows it at a bounded cost.
func ExampleFormatInt() {
	id := new(big.Int).Lsh(big.NewInt(1), 100)
	fmt.Println(pyjson.FormatInt(id))
	huge := new(big.Int).Lsh(big.NewInt(1), 1<<23) // 2.5 million digits
	fmt.Println(pyjson.FormatInt(huge))
	_, err := pyjson.Marshal(huge)
	fmt.Println(err)
	// Output:
	// 1267650600228229401496703205376
	// <int of 8388609 bits, over 4300 digits>
	// pyjson: integer has too many digits
}
