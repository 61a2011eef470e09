package pyjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Errors returned by the encoder and decoder.
var (
	// ErrUnsupportedType is returned by Marshal for a Go value Python's
	// json module has no form for (bytes, channels, funcs, times, ...).
	ErrUnsupportedType = errors.New("pyjson: unsupported type")
	// ErrInvalidString is returned by Marshal for a string that is neither
	// UTF-8 nor WTF-8 (lone surrogates), so no Python str matches it.
	ErrInvalidString = errors.New("pyjson: string is not UTF-8")
	// ErrSyntax is returned by Unmarshal for input Python's json.loads rejects.
	ErrSyntax = errors.New("pyjson: syntax error")
	// ErrTooDeep is returned when nesting exceeds MaxDepth.
	ErrTooDeep = errors.New("pyjson: nesting too deep")
	// ErrIntTooLong is returned for an integer of more than MaxIntDigits
	// digits, which CPython (3.11 onwards) refuses to convert.
	ErrIntTooLong = errors.New("pyjson: integer has too many digits")
)

// MaxDepth is the deepest nesting of arrays and objects accepted, about
// where CPython's recursion limit stops json.dumps and json.loads.
const MaxDepth = 1000

// MaxIntDigits is CPython's default limit on the digits of an integer
// converted to or from text (sys.int_info.default_max_str_digits).
const MaxIntDigits = 4300

// Marshal returns the JSON encoding of v as Python's
// json.dumps(v, separators=(",", ":")) writes it: ASCII only, no spaces,
// floats in repr form, NaN and Infinity as bare words.
//
// v may hold the decoded types listed in the package documentation, any Go
// integer or float type, json.Number, big.Int, slices and arrays, maps with
// string keys (written in sorted key order, since a Go map has no order) and
// pointers to these. Structs are encoded through encoding/json and then
// written in this form. []byte and time.Time have no JSON form in Python
// and are rejected with ErrUnsupportedType.
func Marshal(v any) ([]byte, error) {
	return Append(make([]byte, 0, 128), v)
}

// Append is like Marshal but appends to dst.
func Append(dst []byte, v any) ([]byte, error) {
	e := encoder{buf: dst}
	if err := e.value(v, 0); err != nil {
		return dst, err
	}
	return e.buf, nil
}

type encoder struct {
	buf []byte
}

func (e *encoder) value(v any, depth int) error {
	if depth > MaxDepth {
		return ErrTooDeep
	}
	switch v := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case bool:
		if v {
			e.buf = append(e.buf, "true"...)
		} else {
			e.buf = append(e.buf, "false"...)
		}
	case string:
		return e.string(v)
	case int64:
		e.buf = strconv.AppendInt(e.buf, v, 10)
	case uint64:
		e.buf = strconv.AppendUint(e.buf, v, 10)
	case float64:
		e.buf = AppendFloat(e.buf, v)
	case *big.Int:
		if v == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		return e.bigInt(v)
	case big.Int:
		return e.bigInt(&v)
	case json.Number:
		return e.number(v)
	case *Object:
		if v == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		e.buf = append(e.buf, '{')
		for i, k := range v.keys {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.string(k); err != nil {
				return err
			}
			e.buf = append(e.buf, ':')
			if err := e.value(v.vals[i], depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
	case []any:
		if v == nil {
			e.buf = append(e.buf, "[]"...)
			return nil
		}
		e.buf = append(e.buf, '[')
		for i, x := range v {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.value(x, depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
	case map[string]any:
		return e.stringMap(reflect.ValueOf(v), depth)
	case []byte:
		return fmt.Errorf("%w: bytes (Python's json has no bytes)", ErrUnsupportedType)
	case time.Time:
		return fmt.Errorf("%w: time.Time (format it as a string first)", ErrUnsupportedType)
	default:
		return e.reflectValue(reflect.ValueOf(v), depth)
	}
	return nil
}

func (e *encoder) bigInt(v *big.Int) error {
	var err error
	e.buf, err = AppendInt(e.buf, v)
	return err
}

// number writes a json.Number after checking it is a JSON number; an
// integer is written as is, anything else as the float Python would parse.
func (e *encoder) number(n json.Number) error {
	v, err := Unmarshal([]byte(n))
	if err != nil {
		return err
	}
	switch v.(type) {
	case int64, *big.Int, float64:
		return e.value(v, 0)
	}
	return fmt.Errorf("%w: json.Number %q", ErrSyntax, string(n))
}

func (e *encoder) stringMap(m reflect.Value, depth int) error {
	keys := make([]string, 0, m.Len())
	for _, k := range m.MapKeys() {
		keys = append(keys, k.String())
	}
	slices.Sort(keys)
	e.buf = append(e.buf, '{')
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.string(k); err != nil {
			return err
		}
		e.buf = append(e.buf, ':')
		kv := reflect.ValueOf(k).Convert(m.Type().Key())
		if err := e.value(m.MapIndex(kv).Interface(), depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

func (e *encoder) reflectValue(rv reflect.Value, depth int) error {
	if !rv.IsValid() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		return e.value(rv.Elem().Interface(), depth)
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
			return fmt.Errorf("%w: bytes (Python's json has no bytes)", ErrUnsupportedType)
		}
		e.buf = append(e.buf, '[')
		for i := range rv.Len() {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.value(rv.Index(i).Interface(), depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
		return nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("%w: map with %s keys", ErrUnsupportedType, rv.Type().Key())
		}
		if rv.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		return e.stringMap(rv, depth)
	case reflect.Bool:
		return e.value(rv.Bool(), depth)
	case reflect.String:
		return e.string(rv.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return e.value(rv.Int(), depth)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return e.value(rv.Uint(), depth)
	case reflect.Float32, reflect.Float64:
		return e.value(rv.Float(), depth)
	case reflect.Struct:
		// A struct has no Python counterpart; encoding/json says how it is
		// shaped (field names, tags, omitempty) and we write that shape.
		b, err := json.Marshal(rv.Interface())
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUnsupportedType, err)
		}
		x, err := Unmarshal(b)
		if err != nil {
			return err
		}
		return e.value(x, depth)
	}
	return fmt.Errorf("%w: %s", ErrUnsupportedType, rv.Type())
}

const hexDigits = "0123456789abcdef"

// string writes s as Python's json.dumps(ensure_ascii=True) does: every
// code point outside printable ASCII becomes a \u escape (astral ones a
// surrogate pair), with the short escapes for the usual control characters.
func (e *encoder) string(s string) error {
	e.buf = append(e.buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			i++
			continue
		}
		e.buf = append(e.buf, s[start:i]...)
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				e.buf = append(e.buf, '\\', '"')
			case '\\':
				e.buf = append(e.buf, '\\', '\\')
			case '\n':
				e.buf = append(e.buf, '\\', 'n')
			case '\r':
				e.buf = append(e.buf, '\\', 'r')
			case '\t':
				e.buf = append(e.buf, '\\', 't')
			case '\b':
				e.buf = append(e.buf, '\\', 'b')
			case '\f':
				e.buf = append(e.buf, '\\', 'f')
			default:
				e.u4(rune(c))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			sr, ok := surrogateAt(s, i)
			if !ok {
				return fmt.Errorf("%w: invalid byte at offset %d", ErrInvalidString, i)
			}
			r, size = sr, 3
		}
		if r >= 0x10000 {
			r -= 0x10000
			e.u4(0xd800 + (r>>10)&0x3ff)
			e.u4(0xdc00 + r&0x3ff)
		} else {
			e.u4(r)
		}
		i += size
		start = i
	}
	e.buf = append(e.buf, s[start:]...)
	e.buf = append(e.buf, '"')
	return nil
}

func (e *encoder) u4(r rune) {
	e.buf = append(e.buf, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// surrogateAt decodes the WTF-8 form of a lone surrogate (ED A0..BF 80..BF)
// at s[i:].
func surrogateAt(s string, i int) (rune, bool) {
	if i+2 >= len(s) || s[i] != 0xed || s[i+1] < 0xa0 || s[i+1] > 0xbf || s[i+2] < 0x80 || s[i+2] > 0xbf {
		return 0, false
	}
	return 0xd000 | rune(s[i+1]&0x3f)<<6 | rune(s[i+2]&0x3f), true
}

// AppendFloat appends f as Python's repr(float) writes it, which is what
// json.dumps uses, with NaN and infinities as JSON's bare words: 1.0,
// 0.0001, 1e-05, 1e+16, 1.5e+300, -0.0, NaN, Infinity, -Infinity.
func AppendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	if math.Signbit(f) {
		dst = append(dst, '-')
		f = -f
	}
	if f == 0 {
		return append(dst, "0.0"...)
	}
	// Shortest round-trip digits, as Python's repr; then Python's layout:
	// positional when the decimal exponent is in [-4, 16), else scientific.
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	// e is d[.ddd]e±XX
	mant, exp := e, 0
	for j := range e {
		if e[j] == 'e' {
			mant = e[:j]
			x, _ := strconv.Atoi(string(e[j+1:]))
			exp = x
			break
		}
	}
	var digits [24]byte
	nd := 0
	for _, c := range mant {
		if c != '.' {
			digits[nd] = c
			nd++
		}
	}
	d := digits[:nd]
	decpt := exp + 1
	if decpt > -4 && decpt <= 16 {
		switch {
		case decpt <= 0:
			dst = append(dst, '0', '.')
			for range -decpt {
				dst = append(dst, '0')
			}
			dst = append(dst, d...)
		case decpt >= nd:
			dst = append(dst, d...)
			for range decpt - nd {
				dst = append(dst, '0')
			}
			dst = append(dst, '.', '0')
		default:
			dst = append(dst, d[:decpt]...)
			dst = append(dst, '.')
			dst = append(dst, d[decpt:]...)
		}
		return dst
	}
	dst = append(dst, d[0])
	if nd > 1 {
		dst = append(dst, '.')
		dst = append(dst, d[1:]...)
	}
	dst = append(dst, 'e')
	if exp < 0 {
		dst = append(dst, '-')
		exp = -exp
	} else {
		dst = append(dst, '+')
	}
	if exp < 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, int64(exp), 10)
}
