package pyjson

import (
	"bytes"
	"testing"
)

// FuzzUnmarshal: Unmarshal never panics; what it accepts re-encodes, and
// the encoding parses again to the same encoding (Python's loads/dumps are
// idempotent the same way).
func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":"x"}`, `[1.0,-0.0,1e16,1e-05,NaN,Infinity,-Infinity]`,
		`"\ud800\udc00\ud800x\udfff"`, `"caf` + "\xe9" + `"`, `{"a":1,"a":2}`,
		`123456789012345678901234567890`, `-0`, `[[[[]]]]`, ` {"k" : [ 1 , 2 ] } `,
		`"\u00e9\u2028\\\"\/\b\f\n\r\t\u0000"`, `1.`, `01`, `[1,]`, `"\x"`, `1e999`,
	} {
		f.Add([]byte(s))
	}
	for _, b := range hostileFiles(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Unmarshal(data)
		if err != nil {
			return
		}
		b, err := Marshal(v)
		if err != nil {
			t.Fatalf("Unmarshal(%q) ok, Marshal: %v", data, err)
		}
		v2, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("Marshal output %q does not parse: %v", b, err)
		}
		b2, err := Marshal(v2)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("not stable: %q -> %q -> %q (%v)", data, b, b2, err)
		}
	})
}
