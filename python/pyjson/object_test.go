package pyjson

import (
	"slices"
	"strconv"
	"testing"
)

// TestObjectDictOrder checks Object keeps a Python dict's order rules, for
// small objects (linear scan) and large ones (indexed).
func TestObjectDictOrder(t *testing.T) {
	for _, n := range []int{3, indexAt - 1, indexAt, 40} {
		o := NewObject()
		var want []string
		for i := range n {
			k := "k" + strconv.Itoa(i)
			o.Set(k, i)
			want = append(want, k)
		}
		o.Set("k0", "again") // existing key: same place
		if v, _ := o.Get("k0"); v != "again" || !slices.Equal(o.Keys(), want) {
			t.Fatalf("n=%d: re-set moved the key or lost the value: %v", n, o.Keys())
		}
		if !o.Delete("k1") || o.Delete("k1") || o.Has("k1") {
			t.Fatalf("n=%d: Delete", n)
		}
		o.Set("k1", 1) // deleted then set: goes to the end
		want = append(append([]string{"k0"}, want[2:]...), "k1")
		if !slices.Equal(o.Keys(), want) || o.Len() != n {
			t.Fatalf("n=%d: keys %v, want %v", n, o.Keys(), want)
		}
		for i, k := range want {
			if !o.Has(k) {
				t.Fatalf("n=%d: lost %s (%d)", n, k, i)
			}
		}
		c := o.Clone()
		c.Set("new", 1)
		if o.Has("new") || !c.Has("new") {
			t.Fatalf("n=%d: Clone shares state", n)
		}
		var got []string
		for k := range o.All() {
			got = append(got, k)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("n=%d: All %v", n, got)
		}
		o.Clear()
		if o.Len() != 0 || o.Has("k0") {
			t.Fatalf("n=%d: Clear", n)
		}
	}
	// Duplicate keys in JSON: first place, last value, as dict(pairs).
	var big []byte
	big = append(big, '{')
	for i := range 30 {
		big = append(big, `"k`+strconv.Itoa(i%20)+`":`+strconv.Itoa(i)+`,`...)
	}
	big[len(big)-1] = '}'
	v, err := Unmarshal(big)
	if err != nil {
		t.Fatal(err)
	}
	o := v.(*Object)
	if o.Len() != 20 || o.Keys()[0] != "k0" {
		t.Fatalf("duplicates: %v", o.Keys())
	}
	if x, _ := o.Get("k3"); x != int64(23) {
		t.Fatalf("k3 = %v, want the last value 23", x)
	}
	var nilObj *Object
	if nilObj.Len() != 0 || nilObj.Has("x") || nilObj.Keys() != nil || nilObj.Delete("x") || nilObj.Clone() != nil {
		t.Fatal("nil Object")
	}
}
