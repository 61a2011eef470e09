package pickle

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/djsession/djsession/python/pyjson"
)

// Marshal returns v pickled as Django writes it: pickle.dumps(v,
// pickle.HIGHEST_PROTOCOL), protocol 5, byte for byte as CPython 3.11.
// See the package documentation for the Go types it takes.
func Marshal(v any) ([]byte, error) { return MarshalProtocol(v, HighestProtocol) }

// MarshalProtocol returns pickle.dumps(v, protocol) as CPython 3.11 writes
// it, for protocol 2 to 5: protocol 2 is what Django wrote under Python 2,
// 3 under Python 3.0 to 3.3, 4 under 3.4 to 3.7.
func MarshalProtocol(v any, protocol int) ([]byte, error) {
	if protocol < 2 || protocol > HighestProtocol {
		return nil, fmt.Errorf("%w: protocol %d (2 to %d)", ErrUnsupported, protocol, HighestProtocol)
	}
	e := encoder{proto: protocol, frameStart: -1, buf: make([]byte, 0, 256), shared: make(map[sharedKey]int),
		ids: make(map[objectID]int)}
	e.write(0x80, byte(protocol))
	e.framing = protocol >= 4
	if err := e.save(v, 0); err != nil {
		return nil, err
	}
	e.write('.')
	e.commitFrame()
	return e.buf, nil
}

const (
	frameHeader = 9
	frameMin    = 4
	frameTarget = 64 * 1024
	batchSize   = 1000
)

// sharedKey names a Python object that CPython shares between the places
// it appears, and so memoizes once: the empty and one-character str, the
// empty and one-byte bytes, classes, interned module names and the
// singleton tzinfo objects.
type sharedKey struct {
	kind byte
	s    string
}

const (
	kStr      = 's'
	kBytes    = 'b'
	kGlobal   = 'g'
	kModule   = 'm' // a class's interned __module__
	kConst    = 'c' // an interned constant of the pickler ("latin1")
	kTZ       = 'z'
	kPytzZone = 'p'
)

type encoder struct {
	proto      int
	buf        []byte
	framing    bool
	frameStart int // -1 when no frame is open
	memoLen    int
	shared     map[sharedKey]int
	ids        map[objectID]int // memo index of each value of v written so far
}

// objectID is the identity the writer gives a Go value, standing for a
// Python object's id(): a str, a bytes, a list or a tuple is the memory
// it starts at and its length, a dict the *pyjson.Object. Unmarshal gives
// one Go value for each object the pickle shares, so what CPython wrote
// once and referred to is written once and referred to again.
type objectID struct {
	kind byte // kStr, kBytes, 'l' list, 't' tuple, 'd' dict
	p    unsafe.Pointer
	n    int
}

// idOf returns the identity of v, if it has one the writer uses: not for
// the values CPython shares by content (sharedKey), an empty tuple (never
// memoized) or a nil or zero-capacity slice (all such slices share one
// address).
func idOf(v any) (objectID, bool) {
	switch x := v.(type) {
	case string:
		if _, shared := strKey(x); !shared {
			return objectID{kStr, unsafe.Pointer(unsafe.StringData(x)), len(x)}, true
		}
	case []byte:
		if len(x) > 1 {
			return objectID{kBytes, unsafe.Pointer(unsafe.SliceData(x)), len(x)}, true
		}
	case []any:
		if cap(x) > 0 {
			return objectID{'l', unsafe.Pointer(unsafe.SliceData(x)), len(x)}, true
		}
	case Tuple:
		if len(x) > 0 {
			return objectID{'t', unsafe.Pointer(unsafe.SliceData(x)), len(x)}, true
		}
	case *pyjson.Object:
		if x != nil {
			return objectID{'d', unsafe.Pointer(x), 0}, true
		}
	}
	return objectID{}, false
}

// memoGetID writes a reference to a value of v already written and
// reports whether there was one.
func (e *encoder) memoGetID(id objectID) bool {
	idx, ok := e.ids[id]
	if !ok {
		return false
	}
	e.get(idx)
	return true
}

// write is _Pickler_Write: it opens a frame when framing and none is open.
func (e *encoder) write(b ...byte) { e.writeString(string(b)) }

func (e *encoder) writeString(s string) {
	if e.framing && e.frameStart < 0 {
		e.frameStart = len(e.buf)
		e.buf = append(e.buf, make([]byte, frameHeader)...)
	}
	e.buf = append(e.buf, s...)
}

// commitFrame closes the open frame, writing its header, or removing the
// room left for it when the frame is shorter than frameMin.
func (e *encoder) commitFrame() {
	if !e.framing || e.frameStart < 0 {
		return
	}
	n := len(e.buf) - e.frameStart - frameHeader
	if n >= frameMin {
		e.buf[e.frameStart] = 0x95
		binary.LittleEndian.PutUint64(e.buf[e.frameStart+1:], uint64(n))
	} else {
		copy(e.buf[e.frameStart:], e.buf[e.frameStart+frameHeader:])
		e.buf = e.buf[:len(e.buf)-frameHeader]
	}
	e.frameStart = -1
}

// boundary is _Pickler_OpcodeBoundary, called as each save begins.
func (e *encoder) boundary() {
	if e.framing && e.frameStart >= 0 && len(e.buf)-e.frameStart-frameHeader >= frameTarget {
		e.commitFrame()
	}
}

// writeData writes an opcode with its payload; a payload of frameTarget
// or more goes outside any frame.
func (e *encoder) writeData(header []byte, data string) {
	if len(data) < frameTarget {
		e.write(header...)
		e.writeString(data)
		return
	}
	e.commitFrame()
	framing := e.framing
	e.framing = false
	e.write(header...)
	e.writeString(data)
	e.framing = framing
}

// memoPut records the object just written; key is non-nil for a shared
// object.
func (e *encoder) memoPut(key *sharedKey) {
	idx := e.memoLen
	e.memoLen++
	switch {
	case e.proto >= 4:
		e.write(0x94)
	case idx < 256:
		e.write('q', byte(idx))
	default:
		e.write('r')
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(idx))
	}
	if key != nil {
		e.shared[*key] = idx
	}
}

// memoGet writes a reference to a shared object already written and
// reports whether there was one.
func (e *encoder) memoGet(key sharedKey) bool {
	idx, ok := e.shared[key]
	if !ok {
		return false
	}
	e.get(idx)
	return true
}

// get writes BINGET or LONG_BINGET.
func (e *encoder) get(idx int) {
	if idx < 256 {
		e.write('h', byte(idx))
	} else {
		e.write('j')
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(idx))
	}
}

// strKey returns the key of a str CPython keeps one copy of: the empty
// str and those of one code point below U+0100.
func strKey(s string) (sharedKey, bool) {
	if s == "" {
		return sharedKey{kStr, s}, true
	}
	r, n := utf8.DecodeRuneInString(s)
	if n == len(s) && r < 0x100 && r != utf8.RuneError {
		return sharedKey{kStr, s}, true
	}
	return sharedKey{}, false
}

func (e *encoder) save(v any, depth int) error {
	e.boundary()
	if depth > MaxDepth {
		return fmt.Errorf("%w: nested too deep", ErrUnsupported)
	}
	// As save() in CPython: an object already in the memo is a reference.
	id, hasID := idOf(v)
	if hasID && e.memoGetID(id) {
		return nil
	}
	// remember is called right after the value itself is memoized (before
	// its items, for a list or a dict, as CPython does).
	remember := func() {
		if hasID {
			e.ids[id] = e.memoLen - 1
		}
	}
	switch x := v.(type) {
	case nil:
		e.write('N')
	case bool:
		if x {
			e.write(0x88)
		} else {
			e.write(0x89)
		}
	case int:
		e.saveInt64(int64(x))
	case int64:
		e.saveInt64(x)
	case int32:
		e.saveInt64(int64(x))
	case *big.Int:
		if x == nil {
			return fmt.Errorf("%w: a nil *big.Int", ErrUnsupported)
		}
		if x.IsInt64() {
			e.saveInt64(x.Int64())
		} else {
			e.saveLong(x)
		}
	case float64:
		e.write('G')
		e.buf = binary.BigEndian.AppendUint64(e.buf, math.Float64bits(x))
	case string:
		if err := e.saveStr(x); err != nil {
			return err
		}
		remember()
	case []byte:
		e.saveBytes(x)
		remember()
	case Tuple:
		if err := e.saveTuple([]any(x), depth); err != nil {
			return err
		}
		remember()
	case []any:
		e.write(']')
		e.memoPut(nil)
		remember()
		return e.saveItems(x, depth, false)
	case *pyjson.Object:
		if x == nil {
			return fmt.Errorf("%w: a nil *pyjson.Object", ErrUnsupported)
		}
		e.write('}')
		e.memoPut(nil)
		remember()
		kv := make([]any, 0, 2*x.Len())
		for k, e := range x.All() {
			kv = append(kv, k, e)
		}
		return e.saveItems(kv, depth, true)
	case time.Time:
		return e.saveDateTime(DateTimeOf(x))
	case DateTime:
		return e.saveDateTime(x)
	case Date:
		if !validDate(x.Year, x.Month, x.Day) {
			return fmt.Errorf("%w: date %v out of range", ErrUnsupported, x)
		}
		state := []byte{byte(x.Year >> 8), byte(x.Year), byte(x.Month), byte(x.Day)}
		return e.saveReduce(gDate, func() error { return e.saveArgs(state) }, nil)
	case Time:
		if !validClock(x.Hour, x.Minute, x.Second, x.Microsecond) || x.Fold < 0 || x.Fold > 1 {
			return fmt.Errorf("%w: time %v out of range", ErrUnsupported, x)
		}
		h := byte(x.Hour)
		if x.Fold == 1 && e.proto > 3 {
			h |= 0x80
		}
		us := x.Microsecond
		state := []byte{h, byte(x.Minute), byte(x.Second), byte(us >> 16), byte(us >> 8), byte(us)}
		return e.saveReduce(gTime, func() error { return e.saveArgs(state, x.TZ) }, nil)
	case Timedelta:
		if !validTimedelta(x) {
			return fmt.Errorf("%w: timedelta %v not normalized", ErrUnsupported, x)
		}
		e.saveTimedelta(x)
	case Decimal:
		if !validDecimal(string(x)) {
			return fmt.Errorf("%w: Decimal %q", ErrUnsupported, string(x))
		}
		return e.saveReduce(gDecimal, func() error {
			e.boundary()
			return e.saveTupleOf([]func() error{func() error {
				// str(Decimal) makes a new str even of one character
				e.boundary()
				e.writeStrData(string(x))
				e.memoPut(nil)
				return nil
			}})
		}, nil)
	default:
		return fmt.Errorf("%w: cannot write a %T", ErrUnsupported, v)
	}
	return nil
}

func (e *encoder) saveInt64(v int64) {
	switch {
	case v >= 0 && v <= 0xff:
		e.write('K', byte(v))
	case v >= 0 && v <= 0xffff:
		e.write('M', byte(v), byte(v>>8))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		e.write('J')
		e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(int32(v)))
	default:
		e.saveLong(big.NewInt(v))
	}
}

// saveLong writes LONG1 or LONG4: little-endian two's complement, as
// short as it goes.
func (e *encoder) saveLong(n *big.Int) {
	nbytes := n.BitLen()/8 + 1
	tc := new(big.Int).Set(n)
	if n.Sign() < 0 {
		tc.Add(tc, new(big.Int).Lsh(big.NewInt(1), uint(8*nbytes)))
	}
	be := tc.FillBytes(make([]byte, nbytes))
	// a negative number may not need the extra byte, as encode_long finds
	if n.Sign() < 0 && len(be) > 1 && be[0] == 0xff && be[1]&0x80 != 0 {
		be = be[1:]
	}
	le := make([]byte, len(be))
	for i := range be {
		le[len(be)-1-i] = be[i]
	}
	if len(le) < 256 {
		e.writeData([]byte{0x8a, byte(len(le))}, string(le))
	} else {
		e.writeData(binary.LittleEndian.AppendUint32([]byte{0x8b}, uint32(len(le))), string(le))
	}
}

// saveStr writes a str (the caller has passed the save boundary).
func (e *encoder) saveStr(s string) error {
	if !validWTF8([]byte(s)) {
		return fmt.Errorf("%w: a string that is not UTF-8", ErrUnsupported)
	}
	key, shared := strKey(s)
	if shared && e.memoGet(key) {
		return nil
	}
	e.writeStrData(s)
	if shared {
		e.memoPut(&key)
	} else {
		e.memoPut(nil)
	}
	return nil
}

func (e *encoder) writeStrData(s string) {
	n := len(s)
	switch {
	case n <= 0xff && e.proto >= 4:
		e.writeData([]byte{0x8c, byte(n)}, s)
	case uint64(n) > 0xffffffff && e.proto >= 4:
		e.writeData(binary.LittleEndian.AppendUint64([]byte{0x8d}, uint64(n)), s)
	default:
		e.writeData(binary.LittleEndian.AppendUint32([]byte{'X'}, uint32(n)), s)
	}
}

func (e *encoder) saveBytes(b []byte) {
	var key sharedKey
	shared := len(b) <= 1
	if shared {
		key = sharedKey{kBytes, string(b)}
		if e.memoGet(key) {
			return
		}
	}
	keyp := &key
	if !shared {
		keyp = nil
	}
	if e.proto < 3 {
		// no bytes opcodes: bytes() or _codecs.encode(latin-1 str, "latin1")
		if len(b) == 0 {
			e.saveReduce(gBytes, func() error { e.boundary(); e.write(')'); return nil }, keyp)
			return
		}
		var sb strings.Builder
		for _, c := range b {
			sb.WriteRune(rune(c))
		}
		s := sb.String()
		e.saveReduce(gCodecsEncode, func() error {
			e.boundary()
			return e.saveTupleOf([]func() error{
				func() error { e.boundary(); return e.saveStr(s) },
				func() error {
					e.boundary()
					latin1 := sharedKey{kConst, "latin1"}
					if !e.memoGet(latin1) {
						e.writeStrData("latin1")
						e.memoPut(&latin1)
					}
					return nil
				},
			})
		}, keyp)
		return
	}
	n := len(b)
	switch {
	case n <= 0xff:
		e.writeData([]byte{'C', byte(n)}, string(b))
	case uint64(n) <= 0xffffffff:
		e.writeData(binary.LittleEndian.AppendUint32([]byte{'B'}, uint32(n)), string(b))
	default:
		e.writeData(binary.LittleEndian.AppendUint64([]byte{0x8e}, uint64(n)), string(b))
	}
	e.memoPut(keyp)
}

// saveTupleOf writes a tuple whose items are written by the given
// functions (each beginning with its own save boundary), as save_tuple.
func (e *encoder) saveTupleOf(items []func() error) error {
	if len(items) == 0 {
		e.write(')')
		return nil
	}
	if len(items) > 3 {
		e.write('(')
	}
	for _, f := range items {
		if err := f(); err != nil {
			return err
		}
	}
	if len(items) > 3 {
		e.write('t')
	} else {
		e.write(0x84 + byte(len(items)))
	}
	e.memoPut(nil)
	return nil
}

func (e *encoder) saveTuple(items []any, depth int) error {
	fs := make([]func() error, len(items))
	for i, it := range items {
		fs[i] = func() error { return e.save(it, depth+1) }
	}
	return e.saveTupleOf(fs)
}

// saveItems writes the items of a list (APPEND, APPENDS) or the pairs of
// a dict (SETITEM, SETITEMS) in batches of 1000, as batch_list_exact and
// batch_dict_exact do; a dict whose size is a multiple of 1000 ends with
// an empty batch, as CPython's loop writes it.
func (e *encoder) saveItems(items []any, depth int, dict bool) error {
	per, one, many := 1, byte('a'), byte('e')
	if dict {
		per, one, many = 2, 's', 'u'
	}
	n := len(items) / per
	if n == 0 {
		return nil
	}
	if n == 1 {
		for _, it := range items {
			if err := e.save(it, depth+1); err != nil {
				return err
			}
		}
		e.write(one)
		return nil
	}
	i := 0
	for {
		e.write('(')
		k := 0
		for i < n {
			for _, it := range items[i*per : (i+1)*per] {
				if err := e.save(it, depth+1); err != nil {
					return err
				}
			}
			i++
			if k++; k == batchSize {
				break
			}
		}
		e.write(many)
		if dict && k < batchSize || !dict && i >= n {
			return nil
		}
	}
}

// saveGlobal writes a reference to a class or function, as save_global.
func (e *encoder) saveGlobal(id gid) {
	e.boundary()
	g := globalNames[id]
	key := sharedKey{kGlobal, g[0] + "." + g[1]}
	if e.memoGet(key) {
		return
	}
	mod, name := g[0], g[1]
	if e.proto >= 4 {
		e.boundary()
		mk := sharedKey{kModule, mod}
		if !e.memoGet(mk) {
			e.writeStrData(mod)
			e.memoPut(&mk)
		}
		e.boundary()
		if err := e.saveStr(name); err != nil {
			panic(err) // the names are constants
		}
		e.write(0x93)
	} else {
		if e.proto < 3 && mod == "builtins" {
			mod = "__builtin__" // fix_imports
		}
		e.write('c')
		e.writeString(mod + "\n" + name + "\n")
	}
	e.memoPut(&key)
}

// globalNames are the names the writer uses for each global.
var globalNames = map[gid][2]string{
	gDatetime:     {"datetime", "datetime"},
	gDate:         {"datetime", "date"},
	gTime:         {"datetime", "time"},
	gTimedelta:    {"datetime", "timedelta"},
	gTimezone:     {"datetime", "timezone"},
	gDecimal:      {"decimal", "Decimal"},
	gCodecsEncode: {"_codecs", "encode"},
	gBytes:        {"builtins", "bytes"},
	gGetattr:      {"builtins", "getattr"},
	gZoneInfo:     {"zoneinfo", "ZoneInfo"},
	gPytzUTC:      {"pytz", "_UTC"},
	gPytzP:        {"pytz", "_p"},
}

// saveReduce writes callable, its arguments and REDUCE, then memoizes the
// result, as save_reduce.
func (e *encoder) saveReduce(callable gid, args func() error, key *sharedKey) error {
	e.saveGlobal(callable)
	if err := args(); err != nil {
		return err
	}
	e.write('R')
	e.memoPut(key)
	return nil
}

// saveArgs writes the argument tuple (state) or (state, tzinfo) of a
// datetime, date or time.
func (e *encoder) saveArgs(state []byte, tz ...*TZInfo) error {
	e.boundary()
	fs := []func() error{func() error { e.boundary(); e.saveBytes(state); return nil }}
	if len(tz) > 0 && tz[0] != nil {
		fs = append(fs, func() error { return e.saveTZ(tz[0]) })
	}
	return e.saveTupleOf(fs)
}

func (e *encoder) saveDateTime(x DateTime) error {
	if !validDate(x.Year, x.Month, x.Day) || !validClock(x.Hour, x.Minute, x.Second, x.Microsecond) || x.Fold < 0 || x.Fold > 1 {
		return fmt.Errorf("%w: datetime %v out of range", ErrUnsupported, x)
	}
	m := byte(x.Month)
	if x.Fold == 1 && e.proto > 3 {
		m |= 0x80
	}
	us := x.Microsecond
	state := []byte{byte(x.Year >> 8), byte(x.Year), m, byte(x.Day), byte(x.Hour), byte(x.Minute),
		byte(x.Second), byte(us >> 16), byte(us >> 8), byte(us)}
	return e.saveReduce(gDatetime, func() error { return e.saveArgs(state, x.TZ) }, nil)
}

func (e *encoder) saveTimedelta(td Timedelta) {
	e.saveReduce(gTimedelta, func() error {
		e.boundary()
		return e.saveTupleOf([]func() error{
			func() error { e.boundary(); e.saveInt64(td.Days); return nil },
			func() error { e.boundary(); e.saveInt64(td.Seconds); return nil },
			func() error { e.boundary(); e.saveInt64(td.Microseconds); return nil },
		})
	}, nil)
}

func (e *encoder) saveTZ(tz *TZInfo) error {
	e.boundary()
	var key *sharedKey
	switch tz.Kind {
	case UTC:
		key = &sharedKey{kTZ, "utc"}
	case PytzUTC:
		key = &sharedKey{kTZ, "pytz.utc"}
	case ZoneInfo:
		key = &sharedKey{kTZ, "zoneinfo\x00" + tz.Key}
	case Pytz:
		key = &sharedKey{kTZ, fmt.Sprintf("pytz\x00%s\x00%d\x00%d\x00%s", tz.Key, tz.Offset, tz.DST, tz.Name)}
	case PytzStatic:
		key = &sharedKey{kTZ, "pytz\x00" + tz.Key}
	case Fixed:
	default:
		return fmt.Errorf("%w: tzinfo kind %d", ErrUnsupported, tz.Kind)
	}
	if key != nil && e.memoGet(*key) {
		return nil
	}
	switch tz.Kind {
	case UTC, Fixed:
		off := TimedeltaOf(tz.Offset)
		if tz.Kind == UTC {
			off = Timedelta{}
		} else if tz.Offset <= -24*time.Hour || tz.Offset >= 24*time.Hour || tz.Offset%time.Microsecond != 0 {
			return fmt.Errorf("%w: timezone offset %v", ErrUnsupported, tz.Offset)
		}
		return e.saveReduce(gTimezone, func() error {
			e.boundary()
			fs := []func() error{func() error { e.boundary(); e.saveTimedelta(off); return nil }}
			if tz.Kind == Fixed && tz.Name != "" {
				fs = append(fs, func() error { e.boundary(); return e.saveStr(tz.Name) })
			}
			return e.saveTupleOf(fs)
		}, key)
	case PytzUTC:
		return e.saveReduce(gPytzUTC, func() error { e.boundary(); e.write(')'); return nil }, key)
	case ZoneInfo:
		if tz.Key == "" {
			return fmt.Errorf("%w: ZoneInfo without a key", ErrUnsupported)
		}
		// ZoneInfo._unpickle, pickled as getattr(ZoneInfo, "_unpickle")
		e.boundary()
		e.saveReduce(gGetattr, func() error {
			e.boundary()
			return e.saveTupleOf([]func() error{
				func() error { e.saveGlobal(gZoneInfo); return nil },
				func() error { e.boundary(); return e.saveStr("_unpickle") },
			})
		}, nil)
		if err := e.saveTupleOf([]func() error{
			func() error { e.boundary(); return e.saveStr(tz.Key) },
			func() error { e.boundary(); e.saveInt64(1); return nil },
		}); err != nil {
			return err
		}
		e.write('R')
		e.memoPut(key)
		return nil
	case Pytz, PytzStatic:
		if tz.Key == "" || tz.Offset%time.Second != 0 || tz.DST%time.Second != 0 {
			return fmt.Errorf("%w: pytz zone %q", ErrUnsupported, tz.Key)
		}
		zone := func() error {
			e.boundary()
			zk := sharedKey{kPytzZone, tz.Key}
			if e.memoGet(zk) {
				return nil
			}
			if err := e.saveStr(tz.Key); err != nil {
				return err
			}
			// the zone's str is a class attribute, shared by its offsets
			e.shared[zk] = e.memoLen - 1
			return nil
		}
		return e.saveReduce(gPytzP, func() error {
			e.boundary()
			if tz.Kind == PytzStatic {
				return e.saveTupleOf([]func() error{zone})
			}
			return e.saveTupleOf([]func() error{
				zone,
				func() error { e.boundary(); e.saveInt64(int64(tz.Offset / time.Second)); return nil },
				func() error { e.boundary(); e.saveInt64(int64(tz.DST / time.Second)); return nil },
				func() error { e.boundary(); return e.saveStr(tz.Name) },
			})
		}, key)
	}
	return nil
}
