package pyjson_test

import (
	"fmt"
	"math/big"

	"github.com/djsession/djsession/python/pyjson"
)

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
