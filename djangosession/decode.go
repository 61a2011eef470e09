package djangosession

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/python/pickle"
	"github.com/djsession/djsession/python/pyjson"
)

var (
	// ErrNoSuchKey is returned by Session.Decode when the session has no
	// value under the key (Python's KeyError).
	ErrNoSuchKey = errors.New("djangosession: no such session key")

	// ErrDecodeType is returned (inside a *DecodeError) when a session
	// value's Python type has no form in the Go type asked for: a str
	// into an int, a float into an int, a list into a struct.
	ErrDecodeType = errors.New("djangosession: session value of the wrong type")

	// ErrDecodeRange is returned (inside a *DecodeError) when an integer
	// does not fit the Go type asked for (Python ints have no size), or a
	// datetime string is not one Python's fromisoformat reads.
	ErrDecodeRange = errors.New("djangosession: session value out of range")
)

// DecodeError describes a session value that cannot be decoded: where it
// is (the session key, then .field and [index] steps), the Python type
// found and the Go type wanted. It matches ErrDecodeType or ErrDecodeRange
// with errors.Is.
type DecodeError struct {
	Path   string       // e.g. `cart.items[2].qty`
	Python string       // Python's type name (pickle.TypeName): int, float, str, list, dict, bool, NoneType, ...
	Go     reflect.Type // the type being filled
	Err    error        // ErrDecodeType or ErrDecodeRange
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("djangosession: cannot decode %s (Python %s) into Go %s: %v", e.Path, e.Python, e.Go, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Decode stores the session value under key in the value v points to, as
// encoding/json.Unmarshal fills a Go value from JSON, and marks the session
// accessed. v must be a non-nil pointer. The Python values (as package
// pyjson holds them) map to Go as follows:
//
//   - dict: a struct (keys matched to field names or `json:"name"` tags,
//     exactly first, then case-insensitively; unknown keys ignored;
//     untagged embedded structs flattened) or a map with string keys.
//   - list and tuple (a tuple is a list in JSON sessions): a slice, or an
//     array (extra elements ignored, missing ones zeroed).
//   - int, of any size: any integer type, refused with ErrDecodeRange when
//     it does not fit (a negative into an unsigned type included); any
//     float type; big.Int.
//   - float: any float type; never an integer type (ErrDecodeType).
//   - str: a string; a time.Time when it is an ISO 8601 datetime as Django
//     writes them (naive times read in the Options's Location); []byte
//     only through a field whose type implements json.Unmarshaler.
//   - bool: a bool only (Python's True is not written as 1 in JSON).
//   - None: the zero value (a nil pointer, slice or map).
//
// A field of interface type receives the value as the session holds it
// (*pyjson.Object, []any, string, int64, *big.Int, float64, bool, nil).
// A type implementing json.Unmarshaler receives the value as Python's
// json.dumps would write it. A value that does not fit gives a
// *DecodeError; what was filled before it stays filled.
func (s *Session) Decode(key string, v any) error {
	val, ok := s.Get(key)
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoSuchKey, key)
	}
	loc := time.UTC
	if s.engine != nil {
		loc = s.engine.cfg.location()
	}
	return decodeInto(key, val, v, loc)
}

// DecodeValue is Session.Decode for a value already read from a session
// (or any value decoded by package pyjson); naive datetimes are read as
// UTC.
func DecodeValue(val, v any) error { return decodeInto("value", val, v, time.UTC) }

func decodeInto(path string, val, v any, loc *time.Location) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("djangosession: Decode needs a non-nil pointer, not %T", v)
	}
	d := decoder{loc: loc}
	return d.value(path, val, rv.Elem())
}

type decoder struct{ loc *time.Location }

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	timeType        = reflect.TypeFor[time.Time]()
	bigIntType      = reflect.TypeFor[big.Int]()
)

func (d *decoder) fail(path string, val any, t reflect.Type, err error) error {
	return &DecodeError{Path: path, Python: pickle.TypeName(val), Go: t, Err: err}
}

func (d *decoder) value(path string, val any, rv reflect.Value) error {
	t := rv.Type()
	if rv.CanAddr() && t != timeType && t != bigIntType && reflect.PointerTo(t).Implements(unmarshalerType) && t.Kind() != reflect.Pointer {
		b, err := pyjson.Marshal(val)
		if err != nil {
			return d.fail(path, val, t, fmt.Errorf("%w: %w", ErrDecodeType, err))
		}
		return rv.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(b)
	}
	if val == nil {
		rv.SetZero()
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			rv.Set(reflect.New(t.Elem()))
		}
		return d.value(path, val, rv.Elem())
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return d.fail(path, val, t, ErrDecodeType)
		}
		rv.Set(reflect.ValueOf(val))
		return nil
	}
	switch x := val.(type) {
	case bool:
		if t.Kind() != reflect.Bool {
			return d.fail(path, val, t, ErrDecodeType)
		}
		rv.SetBool(x)
	case string:
		switch {
		case t.Kind() == reflect.String:
			rv.SetString(x)
		case t == timeType:
			tm, err := ParseISOTime(x, d.loc)
			if err != nil {
				return d.fail(path, val, t, fmt.Errorf("%w: %w", ErrDecodeRange, err))
			}
			rv.Set(reflect.ValueOf(tm))
		default:
			return d.fail(path, val, t, ErrDecodeType)
		}
	case int64:
		return d.int(path, val, big.NewInt(x), rv)
	case *big.Int:
		return d.int(path, val, x, rv)
	case float64:
		switch t.Kind() {
		case reflect.Float32:
			if !math.IsInf(x, 0) && math.Abs(x) > math.MaxFloat32 {
				return d.fail(path, val, t, ErrDecodeRange)
			}
			rv.SetFloat(x)
		case reflect.Float64:
			rv.SetFloat(x)
		default:
			return d.fail(path, val, t, ErrDecodeType)
		}
	case []any:
		switch t.Kind() {
		case reflect.Slice:
			s := reflect.MakeSlice(t, len(x), len(x))
			for i, e := range x {
				if err := d.value(path+"["+strconv.Itoa(i)+"]", e, s.Index(i)); err != nil {
					return err
				}
			}
			rv.Set(s)
		case reflect.Array:
			for i := 0; i < t.Len(); i++ {
				if i >= len(x) {
					rv.Index(i).SetZero()
					continue
				}
				if err := d.value(path+"["+strconv.Itoa(i)+"]", x[i], rv.Index(i)); err != nil {
					return err
				}
			}
		default:
			return d.fail(path, val, t, ErrDecodeType)
		}
	case *pyjson.Object:
		switch t.Kind() {
		case reflect.Map:
			if t.Key().Kind() != reflect.String {
				return d.fail(path, val, t, ErrDecodeType)
			}
			if rv.IsNil() {
				rv.Set(reflect.MakeMapWithSize(t, x.Len()))
			}
			for k, e := range x.All() {
				ev := reflect.New(t.Elem()).Elem()
				if err := d.value(path+"."+k, e, ev); err != nil {
					return err
				}
				rv.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
			}
		case reflect.Struct:
			if t == timeType || t == bigIntType {
				return d.fail(path, val, t, ErrDecodeType)
			}
			fields := structFields(t)
			for k, e := range x.All() {
				idx, ok := fields.find(k)
				if !ok {
					continue
				}
				fv, err := fieldByIndex(rv, idx)
				if err != nil {
					return err
				}
				if err := d.value(path+"."+k, e, fv); err != nil {
					return err
				}
			}
		default:
			return d.fail(path, val, t, ErrDecodeType)
		}
	default:
		return d.fail(path, val, t, ErrDecodeType)
	}
	return nil
}

// int stores the Python int n in rv.
func (d *decoder) int(path string, val any, n *big.Int, rv reflect.Value) error {
	t := rv.Type()
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if !n.IsInt64() || rv.OverflowInt(n.Int64()) {
			return d.fail(path, val, t, ErrDecodeRange)
		}
		rv.SetInt(n.Int64())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if !n.IsUint64() || rv.OverflowUint(n.Uint64()) {
			return d.fail(path, val, t, ErrDecodeRange)
		}
		rv.SetUint(n.Uint64())
	case reflect.Float32, reflect.Float64:
		// As Python's float(int): refused when it overflows.
		f, _ := new(big.Float).SetInt(n).Float64()
		if math.IsInf(f, 0) || rv.OverflowFloat(f) {
			return d.fail(path, val, t, ErrDecodeRange)
		}
		rv.SetFloat(f)
	case reflect.Struct:
		if t != bigIntType {
			return d.fail(path, val, t, ErrDecodeType)
		}
		rv.Set(reflect.ValueOf(*new(big.Int).Set(n)))
	default:
		return d.fail(path, val, t, ErrDecodeType)
	}
	return nil
}

// fieldSet maps dict keys to struct field indexes.
type fieldSet struct {
	exact map[string][]int
	fold  map[string][]int
}

func (f fieldSet) find(k string) ([]int, bool) {
	if idx, ok := f.exact[k]; ok {
		return idx, true
	}
	idx, ok := f.fold[strings.ToLower(k)]
	return idx, ok
}

// structFields lists t's decodable fields as encoding/json names them:
// exported, `json:"name"` tags, "-" skipped, untagged embedded structs
// flattened (shallower fields win).
func structFields(t reflect.Type) fieldSet {
	fs := fieldSet{exact: map[string][]int{}, fold: map[string][]int{}}
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		var embedded [][]int
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			idx := append(append([]int(nil), index...), i)
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
				embedded = append(embedded, idx)
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, ok := fs.exact[name]; !ok {
				fs.exact[name] = idx
			}
			if _, ok := fs.fold[strings.ToLower(name)]; !ok {
				fs.fold[strings.ToLower(name)] = idx
			}
		}
		for _, idx := range embedded {
			ft := t.Field(idx[len(idx)-1]).Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			walk(ft, idx)
		}
	}
	walk(t, nil)
	return fs
}

// fieldByIndex is reflect.Value.FieldByIndex, allocating nil embedded
// pointers on the way.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, error) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return reflect.Value{}, fmt.Errorf("djangosession: cannot set embedded pointer to unexported struct %s", v.Type().Elem())
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, nil
}
