package djangosession

import (
	"encoding"
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

	"github.com/djsession/djsession/python/pickle"
	"github.com/djsession/djsession/python/pyjson"
)

// ErrUnsupportedValue is matched by the error Session.Set and PyValue
// return for a Go value with no form every session store can write.
var ErrUnsupportedValue = errors.New("djangosession: value has no Python equivalent every store can write")

// UnsupportedValueError says which value PyValue refused and why. It
// matches ErrUnsupportedValue.
type UnsupportedValueError struct {
	// Path locates the value inside the one given: "" for the value
	// itself, then ["key"] and [index] steps.
	Path string
	// Type is the Go type refused.
	Type string
	// Reason says why, and what to store instead.
	Reason string
}

func (e *UnsupportedValueError) Error() string {
	where := ""
	if e.Path != "" {
		where = " at " + e.Path
	}
	return fmt.Sprintf("djangosession: cannot store %s%s: %s", e.Type, where, e.Reason)
}

// Is makes errors.Is(err, ErrUnsupportedValue) hold.
func (e *UnsupportedValueError) Is(target error) bool { return target == ErrUnsupportedValue }

// PyValue returns v in the session data model: the Go values that stand
// for what Django's JSONSerializer (the default SESSION_SERIALIZER) writes
// and what the cache engines pickle alike, so that every store (db,
// cached_db, file, signed_cookies and cache) accepts exactly the same
// values. Session.Set stores what PyValue returns.
//
// The model is nil (None), bool, string, int64 and *big.Int (int),
// float64 (float), []any (list) and *pyjson.Object (dict). PyValue
// converts:
//
//   - every signed and unsigned integer kind to int64 (a uint64 over
//     math.MaxInt64 to *big.Int); big.Int to *big.Int. An integer of more
//     than pyjson.MaxIntDigits digits is refused (Python's json refuses it).
//   - float32 to the float64 of its shortest decimal form, as
//     encoding/json writes it (float32(0.1) is stored as 0.1).
//   - json.Number to the int or float it spells (refused if it is not a
//     JSON number).
//   - map[K]V with a string-kinded K to a dict with sorted keys, as
//     encoding/json orders them; a nil map to None.
//   - slices and arrays ([]T, [N]T) to lists, a nil slice to [] (bytes
//     are refused).
//   - pointers and interfaces to what they point to, nil to None.
//   - structs, and types implementing json.Marshaler or
//     encoding.TextMarshaler, to what encoding/json writes for them (field
//     names and tags honoured, fields in declaration order).
//   - string-kinded and bool-kinded named types to string and bool.
//   - the values inside a *pyjson.Object or []any; when none needs
//     converting the same *pyjson.Object or []any is kept, so changes made
//     through it later are saved (call Session.SetModified).
//
// It refuses, with an *UnsupportedValueError: strings that are not UTF-8;
// time.Time (format it, e.g. with FormatISOTime; Session.SetExpiryAt
// stores an expiry); []byte (Python bytes, which JSON cannot hold);
// pickle.Date, DateTime, Time, Timedelta and Decimal (what a pickle
// serializer reads, which JSON cannot hold; a pickle.Tuple becomes a
// list, as JSONSerializer writes it); maps with other keys;
// complex numbers, channels, functions; nesting deeper than
// pyjson.MaxDepth.
func PyValue(v any) (any, error) {
	out, _, err := (&converter{}).value(v, 0)
	return out, err
}

// PickleValue is PyValue for a store that pickles (the cache engines):
// the values only a pickle can hold (time.Time, []byte, and package
// pickle's Tuple, Date, DateTime, Time, Timedelta and Decimal, as a
// session Django pickled holds them) are kept as they are, everything
// else is converted or refused as PyValue does.
func PickleValue(v any) (any, error) {
	out, _, err := (&converter{pickle: true}).value(v, 0)
	return out, err
}

// converter is PyValue (pickle false) or PickleValue. seen remembers the
// lists and dicts already converted, so a value that refers to one list
// many times (a decoded pickle's memo does that) costs its size, not the
// number of paths through it.
type converter struct {
	pickle  bool
	objects map[*pyjson.Object]seenValue
	lists   map[containerID]seenValue
}

type seenValue struct {
	out     any
	changed bool
	done    bool // false while the container is being converted: a cycle
}

// containerID identifies a non-empty []any: its first element and length.
type containerID struct {
	p *any
	n int
}

// visit returns the result for a container met before, or, for a new one,
// converts it with f and remembers the result in *m.
func visit[K comparable](c *converter, m *map[K]seenValue, id K, f func() (any, bool, error)) (any, bool, error) {
	if sv, ok := (*m)[id]; ok {
		if !sv.done {
			if c.pickle {
				return nil, false, nil // a pickle keeps cycles; the encoder judges them
			}
			return nil, false, unsupported(nil, "a list or dict that contains itself (JSON cannot hold it)")
		}
		return sv.out, sv.changed, nil
	}
	if *m == nil {
		*m = map[K]seenValue{}
	}
	(*m)[id] = seenValue{}
	out, changed, err := f()
	if err != nil {
		return nil, false, err
	}
	(*m)[id] = seenValue{out: out, changed: changed, done: true}
	return out, changed, nil
}

func unsupported(v any, reason string) error {
	t := "nil"
	if v != nil {
		t = reflect.TypeOf(v).String()
	}
	return &UnsupportedValueError{Type: t, Reason: reason}
}

// under puts a refused value's Path under step (its key or index in the
// container it was found in); the path is built only on failure.
func under(err error, step string) error {
	var ue *UnsupportedValueError
	if errors.As(err, &ue) {
		ue.Path = step + ue.Path
	}
	return err
}

// value returns v converted and whether anything was converted.
func (c *converter) value(v any, depth int) (any, bool, error) {
	if depth > pyjson.MaxDepth {
		return nil, false, unsupported(v, "nested deeper than pyjson.MaxDepth")
	}
	switch x := v.(type) {
	case nil, bool, int64, float64:
		return v, false, nil
	case string:
		// A pickle also holds the lone surrogates Python's str may carry;
		// the pickle encoder judges those.
		if !c.pickle && !utf8.ValidString(x) {
			return nil, false, unsupported(v, "not UTF-8 (Python's str cannot hold it)")
		}
		return v, false, nil
	case *big.Int:
		if x == nil {
			return nil, true, nil
		}
		if !c.pickle {
			if err := checkDigits(x); err != nil {
				return nil, false, err
			}
		}
		return v, false, nil
	case big.Int:
		return c.value(new(big.Int).Set(&x), depth)
	case int:
		return int64(x), true, nil
	case int8:
		return int64(x), true, nil
	case int16:
		return int64(x), true, nil
	case int32:
		return int64(x), true, nil
	case uint8:
		return int64(x), true, nil
	case uint16:
		return int64(x), true, nil
	case uint32:
		return int64(x), true, nil
	case uint:
		return fromUint(uint64(x)), true, nil
	case uint64:
		return fromUint(x), true, nil
	case float32:
		return float32Value(x), true, nil
	case json.Number:
		n, err := pyjson.Unmarshal([]byte(x))
		switch n.(type) {
		case int64, *big.Int, float64:
			if err == nil {
				out, _, err := c.value(n, depth)
				return out, true, err
			}
		}
		return nil, false, unsupported(v, strconv.Quote(string(x))+" is not a JSON number")
	case *pyjson.Object:
		if x == nil {
			return nil, true, nil
		}
		if depth == 0 {
			return c.object(x, depth) // the session itself: no one else holds it
		}
		return visit(c, &c.objects, x, func() (any, bool, error) { return c.object(x, depth) })
	case []any:
		if x == nil {
			return []any{}, true, nil
		}
		if len(x) == 0 {
			return x, false, nil
		}
		return visit(c, &c.lists, containerID{&x[0], len(x)}, func() (any, bool, error) { return c.list(x, depth) })
	case []byte, time.Time, pickle.Tuple, pickle.Date, pickle.DateTime, pickle.Time, pickle.Timedelta, pickle.Decimal:
		if c.pickle {
			return v, false, nil
		}
	}
	switch x := v.(type) {
	case []byte:
		return nil, false, unsupported(v, "bytes: JSON has no bytes (store a string, e.g. base64)")
	case time.Time:
		return nil, false, unsupported(v, "datetime: JSON has no datetime (store FormatISOTime(t); SetExpiryAt stores an expiry)")
	case pickle.Tuple:
		// JSONSerializer writes a tuple as a list.
		out, _, err := c.list([]any(x), depth)
		return out, true, err
	case pickle.Date, pickle.DateTime, pickle.Time, pickle.Timedelta, pickle.Decimal,
		*pickle.Date, *pickle.DateTime, *pickle.Time, *pickle.Timedelta:
		return nil, false, unsupported(v, "a pickle-only Python type: JSON cannot hold it")
	case json.Marshaler, encoding.TextMarshaler:
		out, err := viaJSON(v)
		return out, true, err
	}
	out, err := c.reflect(reflect.ValueOf(v), v, depth)
	return out, true, err
}

func fromUint(u uint64) any {
	if u <= math.MaxInt64 {
		return int64(u)
	}
	return new(big.Int).SetUint64(u)
}

// float32Value is the float64 nearest the shortest decimal that reads back
// as f, as encoding/json formats a float32.
func float32Value(f float32) float64 {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return float64(f)
	}
	d, _ := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	return d
}

// checkDigits refuses an integer Python's json would refuse to write (more
// than pyjson.MaxIntDigits digits), without formatting a huge one.
func checkDigits(n *big.Int) error {
	var buf [64]byte
	if _, err := pyjson.AppendInt(buf[:0], n); err != nil {
		return unsupported(n, fmt.Sprintf("an int of more than %d digits (Python's json refuses it)", pyjson.MaxIntDigits))
	}
	return nil
}

func (c *converter) object(o *pyjson.Object, depth int) (any, bool, error) {
	var out *pyjson.Object
	i := 0
	for k, e := range o.All() {
		if !c.pickle && !utf8.ValidString(k) {
			return nil, false, unsupported(k, "a dict key that is not UTF-8")
		}
		x, changed, err := c.value(e, depth+1)
		if err != nil {
			return nil, false, under(err, "["+strconv.Quote(k)+"]")
		}
		if changed && out == nil {
			// Copy the pairs before this one, then go on converting.
			out = &pyjson.Object{}
			j := 0
			for k2, e2 := range o.All() {
				if j == i {
					break
				}
				out.Set(k2, e2)
				j++
			}
		}
		if out != nil {
			out.Set(k, x)
		}
		i++
	}
	if out == nil {
		return o, false, nil
	}
	return out, true, nil
}

func (c *converter) list(l []any, depth int) (any, bool, error) {
	var out []any
	for i, e := range l {
		x, changed, err := c.value(e, depth+1)
		if err != nil {
			return nil, false, under(err, "["+strconv.Itoa(i)+"]")
		}
		if changed && out == nil {
			out = make([]any, len(l))
			copy(out, l[:i])
		}
		if out != nil {
			out[i] = x
		}
	}
	if out == nil {
		return l, false, nil
	}
	return out, true, nil
}

// viaJSON converts v as encoding/json writes it.
func viaJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, unsupported(v, "encoding/json: "+err.Error())
	}
	out, err := pyjson.Unmarshal(b)
	if err != nil {
		return nil, unsupported(v, "encoding/json wrote what Python cannot read: "+err.Error())
	}
	return out, nil
}

func (c *converter) reflect(rv reflect.Value, v any, depth int) (any, error) {
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
		out, _, err := c.value(rv.Elem().Interface(), depth+1)
		return out, err
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.String:
		out, _, err := c.value(rv.String(), depth)
		return out, err
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return fromUint(rv.Uint()), nil
	case reflect.Float32:
		return float32Value(float32(rv.Float())), nil
	case reflect.Float64:
		return rv.Float(), nil
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return nil, unsupported(v, "bytes: JSON has no bytes (store a string, e.g. base64)")
		}
		out := make([]any, rv.Len())
		for i := range out {
			var err error
			if out[i], _, err = c.value(rv.Index(i).Interface(), depth+1); err != nil {
				return nil, under(err, "["+strconv.Itoa(i)+"]")
			}
		}
		return out, nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, unsupported(v, "a map whose keys are not strings (a JSON object's keys are)")
		}
		if rv.IsNil() {
			return nil, nil
		}
		keys := make([]string, 0, rv.Len())
		for _, k := range rv.MapKeys() {
			keys = append(keys, k.String())
		}
		slices.Sort(keys)
		out := &pyjson.Object{}
		for _, k := range keys {
			if !utf8.ValidString(k) {
				return nil, unsupported(k, "a dict key that is not UTF-8")
			}
			e, _, err := c.value(rv.MapIndex(reflect.ValueOf(k).Convert(rv.Type().Key())).Interface(), depth+1)
			if err != nil {
				return nil, under(err, "["+strconv.Quote(k)+"]")
			}
			out.Set(k, e)
		}
		return out, nil
	case reflect.Struct:
		return viaJSON(v)
	}
	return nil, unsupported(v, "no Python equivalent")
}
