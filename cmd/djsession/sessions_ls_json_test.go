package main

import (
	"encoding/json"
	"testing"
)

// appendJSONValue must write what encoding/json writes for every column
// value, so that the fast path changes no byte of ls's output.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "abc", "a\"b\\c", "<&>", "\x00\x01\x1f\x7f", "\b\f\n\r\t", "\u2028\u2029", "é日本😀", "\xff\xfe", "a\xc3", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
		for _, v := range []any{nil, 0, -12, true, false, []string{}, []string{s, "x"}} {
			want, _ := json.Marshal(v)
			if got := appendJSONValue(nil, v); string(got) != string(want) {
				t.Fatalf("%#v: got %s, want %s", v, got, want)
			}
		}
	})
}
