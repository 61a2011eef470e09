package pyjson

import (
	"errors"
	"math"
	"testing"
)

// TestMarshalGoKinds checks that every Go integer and float kind, named
// or not, is written as the int64, uint64 or float64 it holds.
func TestMarshalGoKinds(t *testing.T) {
	type myInt int16
	type myUint uint8
	type myFloat float32
	type myBool bool
	type myString string
	for _, c := range []struct {
		v    any
		want string
	}{
		{int(-7), "-7"}, {int8(-128), "-128"}, {int16(300), "300"}, {int32(-1 << 31), "-2147483648"},
		{int64(math.MinInt64), "-9223372036854775808"},
		{uint(7), "7"}, {uint8(255), "255"}, {uint16(65535), "65535"}, {uint32(1 << 31), "2147483648"},
		{uint64(math.MaxUint64), "18446744073709551615"}, {uintptr(9), "9"},
		{float32(0.5), "0.5"}, {float32(0.1), "0.10000000149011612"}, {1.0, "1.0"},
		{myInt(-2), "-2"}, {myUint(3), "3"}, {myFloat(2), "2.0"}, {myBool(true), "true"}, {myString("é"), `"\u00e9"`},
		{[]int8{1, -1}, "[1,-1]"}, {map[string]uint16{"b": 2, "a": 1}, `{"a":1,"b":2}`},
	} {
		got, err := Marshal(c.v)
		if err != nil || string(got) != c.want {
			t.Errorf("Marshal(%T %v) = %s, %v; want %s", c.v, c.v, got, err, c.want)
		}
	}
	if _, err := Marshal(complex(1, 2)); !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("Marshal(complex) error = %v, want ErrUnsupportedType", err)
	}
}
