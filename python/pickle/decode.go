package pickle

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/python/pyjson"
)

// Bounds on what a pickle may make the reader hold. Each is far above
// what a session needs and keeps a hostile pickle to a few tens of MB.
const (
	// MaxDepth is the deepest nesting of containers read or written.
	MaxDepth = 500
	// MaxValues bounds the values a pickle may stand for: a value shared
	// n times (a memo reference, DUP) counts n times.
	MaxValues = 1 << 20
	// MaxExpanded bounds the bytes a pickle may stand for when every
	// shared reference is written out, as JSON writes them: each value
	// counts its payload (the UTF-8 bytes of a str and of each dict key,
	// the bytes of a bytes, the two's complement bytes of an int, the
	// text of a Decimal) plus 8, and a value shared n times counts n
	// times. Django's sessions are at most a few MB (memcached stores
	// items of up to 1 MB by default); 16 MiB leaves room for any real
	// one, and keeps what a hostile pickle of 1 MB can stand for (a 1 MB
	// str referred to 2,000 times: 2 GB) from reaching the encoders:
	// pyjson.Marshal of a value Unmarshal returned writes at most
	// 6 x MaxExpanded bytes (a \u escape is at most 6 bytes per byte).
	MaxExpanded = 16 << 20
	maxStack    = 1 << 20
	maxMemo     = 1 << 20
)

// tuple is a tuple while on the stack (a Tuple once finished).
type tuple []any

// list is a list while it is being built: a pointer, so memo references
// see later appends.
type list struct{ items []any }

// global is a whitelisted class or function a pickle named.
type global struct {
	id           gid
	module, name string
}

// zoneUnpickle is getattr(zoneinfo.ZoneInfo, "_unpickle").
type zoneUnpickle struct{}

type gid int

const (
	gDatetime gid = iota + 1
	gDate
	gTime
	gTimedelta
	gTimezone
	gDecimal
	gCodecsEncode
	gBytes
	gGetattr
	gZoneInfo
	gPytzUTC
	gPytzP
)

// globals is the whole list of names a pickle may use. Nothing here is
// ever looked up in Python or called: each name selects one of the
// constructors in reduce, which checks the arguments' shape.
var globals = map[[2]string]gid{
	{"datetime", "datetime"}:                     gDatetime,
	{"datetime", "date"}:                         gDate,
	{"datetime", "time"}:                         gTime,
	{"datetime", "timedelta"}:                    gTimedelta,
	{"datetime", "timezone"}:                     gTimezone,
	{"decimal", "Decimal"}:                       gDecimal,
	{"_codecs", "encode"}:                        gCodecsEncode,
	{"__builtin__", "bytes"}:                     gBytes,
	{"builtins", "bytes"}:                        gBytes,
	{"__builtin__", "getattr"}:                   gGetattr,
	{"builtins", "getattr"}:                      gGetattr,
	{"zoneinfo", "ZoneInfo"}:                     gZoneInfo,
	{"zoneinfo._zoneinfo", "ZoneInfo"}:           gZoneInfo,
	{"backports.zoneinfo", "ZoneInfo"}:           gZoneInfo,
	{"backports.zoneinfo._zoneinfo", "ZoneInfo"}: gZoneInfo,
	{"pytz", "_UTC"}:                             gPytzUTC,
	{"pytz", "_p"}:                               gPytzP,
}

// UnmarshalDict reads a pickle whose value is a dict, as a session's data
// is.
func UnmarshalDict(p []byte) (*pyjson.Object, error) {
	v, err := Unmarshal(p)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(*pyjson.Object)
	if !ok {
		return nil, fmt.Errorf("%w: not a dict", ErrMalformed)
	}
	return obj, nil
}

// Unmarshal reads one pickle of protocol 2 to 5 and returns its value in
// the Go types listed in the package documentation. Bytes after the STOP
// opcode are ignored, as pickle.loads ignores them. It never imports or
// calls anything the pickle names.
func Unmarshal(p []byte) (any, error) {
	d := decoder{p: p}
	return d.run()
}

type decoder struct {
	p      []byte
	i      int
	stack  []any
	marks  []int
	memo   []any
	sparse map[int]any  // BINPUT far beyond the end of memo
	shared map[any]bool // containers pushed again by GET or DUP, by containerKey
}

// markShared notes that v, if a container, is now in more than one place:
// GET and DUP are the only opcodes that put a value in a second place.
func (d *decoder) markShared(v any) {
	if k := containerKey(v); k != nil {
		if d.shared == nil {
			d.shared = make(map[any]bool)
		}
		d.shared[k] = true
	}
}

// containerKey identifies a working list, dict or non-empty tuple, or
// returns nil.
func containerKey(v any) any {
	switch x := v.(type) {
	case tuple:
		if len(x) > 0 {
			return tupleID{&x[0], len(x)}
		}
	case *list, *pyjson.Object:
		return x
	}
	return nil
}

func (d *decoder) bad(what string) error {
	return fmt.Errorf("%w: %s at byte %d", ErrMalformed, what, d.i)
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUnsupported}, args...)...)
}

func (d *decoder) need(n int) ([]byte, error) {
	if n < 0 || n > len(d.p)-d.i {
		return nil, d.bad("truncated")
	}
	b := d.p[d.i : d.i+n]
	d.i += n
	return b, nil
}

func (d *decoder) push(v any) error {
	if len(d.stack) >= maxStack {
		return d.bad("stack too deep")
	}
	d.stack = append(d.stack, v)
	return nil
}

// floor is the lowest stack index the current mark frame may touch.
func (d *decoder) floor() int {
	if len(d.marks) == 0 {
		return 0
	}
	return d.marks[len(d.marks)-1]
}

func (d *decoder) pop() (any, error) {
	if len(d.stack) <= d.floor() {
		return nil, d.bad("stack underflow")
	}
	v := d.stack[len(d.stack)-1]
	d.stack = d.stack[:len(d.stack)-1]
	return v, nil
}

func (d *decoder) top() (any, error) {
	if len(d.stack) <= d.floor() {
		return nil, d.bad("stack underflow")
	}
	return d.stack[len(d.stack)-1], nil
}

func (d *decoder) popMark() ([]any, error) {
	if len(d.marks) == 0 {
		return nil, d.bad("no mark")
	}
	m := d.marks[len(d.marks)-1]
	d.marks = d.marks[:len(d.marks)-1]
	items := append([]any(nil), d.stack[m:]...)
	d.stack = d.stack[:m]
	return items, nil
}

// length reads a little-endian length of size bytes, bounded by the data.
func (d *decoder) length(size int) (int, error) {
	b, err := d.need(size)
	if err != nil {
		return 0, err
	}
	var n uint64
	switch size {
	case 1:
		n = uint64(b[0])
	case 2:
		n = uint64(binary.LittleEndian.Uint16(b))
	case 4:
		n = uint64(binary.LittleEndian.Uint32(b))
	case 8:
		n = binary.LittleEndian.Uint64(b)
	}
	if n > uint64(len(d.p)) {
		return 0, d.bad("length beyond the data")
	}
	return int(n), nil
}

func (d *decoder) lengthPrefixed(size int) ([]byte, error) {
	n, err := d.length(size)
	if err != nil {
		return nil, err
	}
	return d.need(n)
}

func (d *decoder) line() (string, error) {
	j := bytes.IndexByte(d.p[d.i:], '\n')
	if j < 0 {
		return "", d.bad("truncated line")
	}
	s := string(d.p[d.i : d.i+j])
	d.i += j + 1
	return s, nil
}

func (d *decoder) memoIndex(size int) (int, error) {
	b, err := d.need(size)
	if err != nil {
		return 0, err
	}
	if size == 1 {
		return int(b[0]), nil
	}
	return int(binary.LittleEndian.Uint32(b)), nil
}

func (d *decoder) run() (any, error) {
	p := d.p
	for d.i < len(p) {
		op := p[d.i]
		d.i++
		var err error
		switch op {
		case 0x80: // PROTO
			var b []byte
			if b, err = d.need(1); err == nil && b[0] > HighestProtocol {
				return nil, unsupported("pickle protocol %d", b[0])
			}
		case 0x95: // FRAME: the frame must be there, its bounds mean nothing more
			var n int
			if n, err = d.length(8); err == nil && n > len(p)-d.i {
				return nil, d.bad("frame beyond the data")
			}
		case '.': // STOP
			if len(d.stack) != 1 || len(d.marks) != 0 {
				return nil, d.bad("STOP with a bad stack")
			}
			f := finisher{shared: d.shared}
			n, err := f.finish(d.stack[0], 0)
			if err == nil && n.size > MaxExpanded { // a lone str or bytes
				err = fmt.Errorf("%w: stands for more than %d bytes", ErrMalformed, MaxExpanded)
			}
			return n.v, err
		case '}': // EMPTY_DICT
			err = d.push(&pyjson.Object{})
		case ']': // EMPTY_LIST
			err = d.push(&list{})
		case ')': // EMPTY_TUPLE
			err = d.push(tuple{})
		case '(': // MARK
			if len(d.marks) >= maxStack {
				return nil, d.bad("too many marks")
			}
			d.marks = append(d.marks, len(d.stack))
		case '0': // POP
			_, err = d.pop()
		case '1': // POP_MARK
			_, err = d.popMark()
		case '2': // DUP
			var v any
			if v, err = d.top(); err == nil {
				d.markShared(v)
				err = d.push(v)
			}
		case 0x94: // MEMOIZE
			var v any
			if v, err = d.top(); err == nil {
				if len(d.memo) >= maxMemo {
					return nil, d.bad("memo too large")
				}
				d.memoSet(len(d.memo), v)
			}
		case 'q', 'r': // BINPUT, LONG_BINPUT
			var idx int
			if idx, err = d.memoIndex(sizes[op]); err == nil {
				var v any
				if v, err = d.top(); err == nil {
					if idx >= maxMemo {
						return nil, d.bad("memo index too large")
					}
					d.memoSet(idx, v)
				}
			}
		case 'h', 'j': // BINGET, LONG_BINGET
			var idx int
			if idx, err = d.memoIndex(sizes[op]); err == nil {
				v, ok := d.memoGet(idx)
				if !ok {
					return nil, d.bad("GET of an unknown memo")
				}
				d.markShared(v)
				err = d.push(v)
			}
		case 0x8c, 'X', 0x8d: // SHORT_BINUNICODE, BINUNICODE, BINUNICODE8
			var b []byte
			if b, err = d.lengthPrefixed(sizes[op]); err == nil {
				if !validWTF8(b) {
					return nil, d.bad("invalid UTF-8")
				}
				err = d.push(string(b))
			}
		case 'U', 'T': // SHORT_BINSTRING, BINSTRING: Python 3 reads them as ASCII
			var b []byte
			if b, err = d.lengthPrefixed(sizes[op]); err == nil {
				for _, c := range b {
					if c >= 0x80 {
						return nil, d.bad("a non-ASCII Python 2 str")
					}
				}
				err = d.push(string(b))
			}
		case 'C', 'B', 0x8e: // SHORT_BINBYTES, BINBYTES, BINBYTES8
			var b []byte
			if b, err = d.lengthPrefixed(sizes[op]); err == nil {
				err = d.push(bytes.Clone(b)[:len(b):len(b)])
			}
		case 'K': // BININT1
			var b []byte
			if b, err = d.need(1); err == nil {
				err = d.push(int64(b[0]))
			}
		case 'M': // BININT2
			var b []byte
			if b, err = d.need(2); err == nil {
				err = d.push(int64(binary.LittleEndian.Uint16(b)))
			}
		case 'J': // BININT
			var b []byte
			if b, err = d.need(4); err == nil {
				err = d.push(int64(int32(binary.LittleEndian.Uint32(b))))
			}
		case 0x8a, 0x8b: // LONG1, LONG4
			var b []byte
			if b, err = d.lengthPrefixed(sizes[op]); err == nil {
				err = d.push(readLong(b))
			}
		case 'G': // BINFLOAT
			var b []byte
			if b, err = d.need(8); err == nil {
				err = d.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
			}
		case 'N':
			err = d.push(nil)
		case 0x88:
			err = d.push(true)
		case 0x89:
			err = d.push(false)
		case 's': // SETITEM
			var k, v any
			if v, err = d.pop(); err == nil {
				if k, err = d.pop(); err == nil {
					var dict any
					if dict, err = d.top(); err == nil {
						err = setItems(dict, []any{k, v})
					}
				}
			}
		case 'u': // SETITEMS
			var items []any
			if items, err = d.popMark(); err == nil {
				var dict any
				if dict, err = d.top(); err == nil {
					err = setItems(dict, items)
				}
			}
		case 'a', 'e': // APPEND, APPENDS
			var items []any
			if op == 'a' {
				var v any
				if v, err = d.pop(); err == nil {
					items = []any{v}
				}
			} else {
				items, err = d.popMark()
			}
			if err == nil {
				var top any
				if top, err = d.top(); err == nil {
					l, ok := top.(*list)
					if !ok {
						return nil, unsupported("APPEND to a %s", typeName(top))
					}
					if len(l.items)+len(items) > MaxValues {
						return nil, d.bad("list too long")
					}
					l.items = append(l.items, items...)
				}
			}
		case 't', 0x85, 0x86, 0x87: // TUPLE, TUPLE1-3
			var items []any
			if op == 't' {
				items, err = d.popMark()
			} else {
				n := int(op - 0x84)
				if len(d.stack)-n < d.floor() {
					return nil, d.bad("TUPLE underflow")
				}
				items = append([]any(nil), d.stack[len(d.stack)-n:]...)
				d.stack = d.stack[:len(d.stack)-n]
			}
			if err == nil {
				err = d.push(tuple(items))
			}
		case 'c': // GLOBAL
			var mod, name string
			if mod, err = d.line(); err == nil {
				if name, err = d.line(); err == nil {
					err = d.global(mod, name)
				}
			}
		case 0x93: // STACK_GLOBAL
			var mod, name any
			if name, err = d.pop(); err == nil {
				if mod, err = d.pop(); err == nil {
					m, ok1 := mod.(string)
					n, ok2 := name.(string)
					if !ok1 || !ok2 {
						return nil, d.bad("STACK_GLOBAL of a non-str")
					}
					err = d.global(m, n)
				}
			}
		case 'R': // REDUCE
			var f, args any
			if args, err = d.pop(); err == nil {
				if f, err = d.pop(); err == nil {
					var v any
					if v, err = reduce(f, args); err == nil {
						err = d.push(v)
					}
				}
			}
		case 0x96:
			return nil, unsupported("bytearray")
		case 0x97, 0x98:
			return nil, unsupported("out-of-band buffer")
		case 0x8f, 0x90:
			return nil, unsupported("set")
		case 0x91:
			return nil, unsupported("frozenset")
		case 0x81, 0x92:
			return nil, unsupported("NEWOBJ: an instance of a class")
		case 'b', 'i', 'o':
			return nil, unsupported("an instance of a class (opcode %q)", op)
		case 'P', 'Q':
			return nil, unsupported("persistent id")
		case 0x82, 0x83, 0x84:
			return nil, unsupported("extension registry")
		case 'I', 'L', 'F', 'S', 'V', 'd', 'l', 'p', 'g':
			return nil, unsupported("text opcode %q of protocol 0", op)
		default:
			return nil, d.bad(fmt.Sprintf("opcode 0x%02x", op))
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, d.bad("no STOP")
}

// sizes gives the width of the length or index after an opcode.
var sizes = [256]int{
	0x8c: 1, 'X': 4, 0x8d: 8, 'U': 1, 'T': 4, 'C': 1, 'B': 4, 0x8e: 8,
	0x8a: 1, 0x8b: 4, 'q': 1, 'r': 4, 'h': 1, 'j': 4,
}

// memoSlot wraps a value put by BINPUT so that a nil value (None) is told
// from an empty slot.
type memoSlot struct{ v any }

// memoGap is how far beyond the end of the memo a BINPUT may put a value
// in the memo slice; further out it goes in a map, so that one BINPUT of
// a huge index costs what its value does, not the gap.
const memoGap = 1024

// memoSet is BINPUT, and MEMOIZE with idx = len(d.memo). MEMOIZE counts
// the slice only, as CPython's memo_len does for pickles it writes, which
// never mix the two.
func (d *decoder) memoSet(idx int, v any) {
	switch {
	case idx < len(d.memo):
		d.memo[idx] = memoSlot{v}
	case idx <= len(d.memo)+memoGap:
		for len(d.memo) < idx {
			d.memo = append(d.memo, nil)
		}
		d.memo = append(d.memo, memoSlot{v})
	default:
		if d.sparse == nil {
			d.sparse = make(map[int]any)
		}
		d.sparse[idx] = v
	}
}

func (d *decoder) memoGet(idx int) (any, bool) {
	if idx < len(d.memo) {
		if s, ok := d.memo[idx].(memoSlot); ok {
			return s.v, true
		}
	}
	v, ok := d.sparse[idx]
	return v, ok
}

func (d *decoder) global(mod, name string) error {
	id, ok := globals[[2]string{mod, name}]
	if !ok {
		return unsupported("global %s.%s", safeName(mod), safeName(name))
	}
	return d.push(global{id, mod, name})
}

// maxNameInError is the most of a name from a pickle an error repeats.
const maxNameInError = 100

// safeName returns a module or class name from a pickle for an error
// message: as it is when it is a short run of printable ASCII, as any
// Python name is, else quoted with its control characters escaped and cut
// to maxNameInError bytes, so that a hostile pickle can neither write to a
// terminal through an error nor make the error as large as itself.
func safeName(s string) string {
	plain := len(s) > 0 && len(s) <= maxNameInError
	for i := 0; plain && i < len(s); i++ {
		plain = s[i] > ' ' && s[i] < 0x7f
	}
	if plain {
		return s
	}
	if len(s) > maxNameInError {
		return strconv.QuoteToASCII(s[:maxNameInError]) + "..."
	}
	return strconv.QuoteToASCII(s)
}

// validWTF8 reports whether b is UTF-8 in which UTF-16 surrogates may
// appear as three-byte sequences, as Python's "surrogatepass" writes them.
func validWTF8(b []byte) bool {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			if i+2 < len(b) && b[i] == 0xed && b[i+1] >= 0xa0 && b[i+1] <= 0xbf && b[i+2]&0xc0 == 0x80 {
				i += 3
				continue
			}
			return false
		}
		i += n
	}
	return true
}

// readLong reads a little-endian two's complement integer.
func readLong(b []byte) any {
	if len(b) <= 8 {
		var u uint64
		for j := len(b) - 1; j >= 0; j-- {
			u = u<<8 | uint64(b[j])
		}
		if len(b) > 0 && len(b) < 8 && b[len(b)-1]&0x80 != 0 {
			u |= ^uint64(0) << (8 * len(b)) // sign-extend
		}
		return int64(u)
	}
	be := make([]byte, len(b))
	for j := range b {
		be[len(b)-1-j] = b[j]
	}
	n := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	if n.IsInt64() {
		return n.Int64()
	}
	return n
}

// typeName is TypeName for the values on the decoder's stack too.
func typeName(v any) string {
	switch v := v.(type) {
	case *list:
		return "list"
	case tuple:
		return "tuple"
	case global:
		return "global " + v.module + "." + v.name
	case *TZInfo:
		return "tzinfo"
	case zoneUnpickle:
		return "ZoneInfo._unpickle"
	}
	return TypeName(v)
}

func setItems(d any, items []any) error {
	obj, ok := d.(*pyjson.Object)
	if !ok {
		return unsupported("SETITEMS to a %s", typeName(d))
	}
	if len(items)%2 != 0 {
		return fmt.Errorf("%w: odd SETITEMS", ErrMalformed)
	}
	if obj.Len()+len(items)/2 > MaxValues {
		return fmt.Errorf("%w: dict too long", ErrMalformed)
	}
	for j := 0; j < len(items); j += 2 {
		k, ok := items[j].(string)
		if !ok {
			return unsupported("a dict key of type %s", typeName(items[j]))
		}
		obj.Set(k, items[j+1])
	}
	return nil
}

// reduce builds the value f(*args) stands for, for the callables of the
// list and the argument shapes CPython writes for them.
func reduce(f, a any) (any, error) {
	args, ok := a.(tuple)
	if !ok {
		return nil, fmt.Errorf("%w: REDUCE arguments are a %s", ErrMalformed, typeName(a))
	}
	var g global
	switch f := f.(type) {
	case global:
		g = f
	case zoneUnpickle:
		if len(args) != 2 {
			break
		}
		key, ok1 := args[0].(string)
		fromCache, ok2 := args[1].(int64)
		if !ok1 || !ok2 || key == "" || fromCache < 0 || fromCache > 1 {
			break
		}
		return &TZInfo{Kind: ZoneInfo, Key: key}, nil
	default:
		return nil, unsupported("REDUCE of a %s", typeName(f))
	}
	if g.id == 0 {
		return nil, unsupported("ZoneInfo._unpickle%s", shape(args))
	}
	v, err := g.construct(args)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, unsupported("%s.%s%s", g.module, g.name, shape(args))
	}
	return v, nil
}

// shape describes argument types for an error message.
func shape(args tuple) string {
	s := "("
	for j, a := range args {
		if j > 0 {
			s += ", "
		}
		s += typeName(a)
	}
	return s + ")"
}

func (g global) bad(what string) error {
	return fmt.Errorf("%w: %s.%s: %s", ErrMalformed, g.module, g.name, what)
}

// construct returns nil, nil when the arguments have a shape CPython does
// not write.
func (g global) construct(args tuple) (any, error) {
	switch g.id {
	case gDatetime:
		if len(args) < 1 || len(args) > 2 {
			return nil, nil
		}
		b, ok := args[0].([]byte)
		if !ok || len(b) != 10 {
			return nil, nil
		}
		dt := DateTime{
			Year: int(b[0])<<8 | int(b[1]), Month: time.Month(b[2] & 0x7f), Day: int(b[3]),
			Hour: int(b[4]), Minute: int(b[5]), Second: int(b[6]),
			Microsecond: int(b[7])<<16 | int(b[8])<<8 | int(b[9]), Fold: int(b[2] >> 7),
		}
		if len(args) == 2 {
			if dt.TZ, ok = args[1].(*TZInfo); !ok {
				return nil, nil
			}
		}
		if !validDate(dt.Year, dt.Month, dt.Day) || !validClock(dt.Hour, dt.Minute, dt.Second, dt.Microsecond) {
			return nil, g.bad("out of range")
		}
		return dt, nil
	case gDate:
		if len(args) != 1 {
			return nil, nil
		}
		b, ok := args[0].([]byte)
		if !ok || len(b) != 4 {
			return nil, nil
		}
		dt := Date{Year: int(b[0])<<8 | int(b[1]), Month: time.Month(b[2]), Day: int(b[3])}
		if !validDate(dt.Year, dt.Month, dt.Day) {
			return nil, g.bad("out of range")
		}
		return dt, nil
	case gTime:
		if len(args) < 1 || len(args) > 2 {
			return nil, nil
		}
		b, ok := args[0].([]byte)
		if !ok || len(b) != 6 {
			return nil, nil
		}
		t := Time{Hour: int(b[0] & 0x7f), Minute: int(b[1]), Second: int(b[2]),
			Microsecond: int(b[3])<<16 | int(b[4])<<8 | int(b[5]), Fold: int(b[0] >> 7)}
		if len(args) == 2 {
			if t.TZ, ok = args[1].(*TZInfo); !ok {
				return nil, nil
			}
		}
		if !validClock(t.Hour, t.Minute, t.Second, t.Microsecond) {
			return nil, g.bad("out of range")
		}
		return t, nil
	case gTimedelta:
		if len(args) != 3 {
			return nil, nil
		}
		var f [3]int64
		for j := range f {
			n, ok := args[j].(int64)
			if !ok {
				return nil, nil
			}
			f[j] = n
		}
		td := Timedelta{f[0], f[1], f[2]}
		if !validTimedelta(td) {
			return nil, g.bad("not normalized")
		}
		return td, nil
	case gTimezone:
		if len(args) < 1 || len(args) > 2 {
			return nil, nil
		}
		td, ok := args[0].(Timedelta)
		if !ok {
			return nil, nil
		}
		off, _ := td.Duration()
		if td.Days < -1 || td.Days > 0 || off <= -24*time.Hour || off >= 24*time.Hour {
			return nil, g.bad("offset of a day or more")
		}
		if len(args) == 1 {
			if off == 0 {
				return &TZInfo{Kind: UTC}, nil
			}
			return &TZInfo{Kind: Fixed, Offset: off}, nil
		}
		name, ok := args[1].(string)
		if !ok {
			return nil, nil
		}
		return &TZInfo{Kind: Fixed, Offset: off, Name: name}, nil
	case gDecimal:
		if len(args) != 1 {
			return nil, nil
		}
		s, ok := args[0].(string)
		if !ok {
			return nil, nil
		}
		if !validDecimal(s) {
			return nil, g.bad("not a decimal")
		}
		return Decimal(s), nil
	case gCodecsEncode:
		if len(args) != 2 {
			return nil, nil
		}
		s, ok1 := args[0].(string)
		enc, ok2 := args[1].(string)
		if !ok1 || !ok2 || enc != "latin1" {
			return nil, nil
		}
		b := make([]byte, 0, len(s))
		for _, r := range s {
			if r > 0xff {
				return nil, g.bad("a character beyond latin-1")
			}
			b = append(b, byte(r))
		}
		return b, nil
	case gBytes:
		if len(args) != 0 {
			return nil, nil
		}
		return []byte{}, nil
	case gGetattr:
		if len(args) != 2 {
			return nil, nil
		}
		cls, ok1 := args[0].(global)
		attr, ok2 := args[1].(string)
		if !ok1 || !ok2 || cls.id != gZoneInfo || attr != "_unpickle" {
			return nil, nil
		}
		return zoneUnpickle{}, nil
	case gPytzUTC:
		if len(args) != 0 {
			return nil, nil
		}
		return &TZInfo{Kind: PytzUTC}, nil
	case gPytzP:
		if len(args) == 0 {
			return nil, nil
		}
		zone, ok := args[0].(string)
		if !ok || zone == "" {
			return nil, nil
		}
		if len(args) == 1 {
			return &TZInfo{Kind: PytzStatic, Key: zone}, nil
		}
		if len(args) != 4 {
			return nil, nil
		}
		off, ok1 := args[1].(int64)
		dst, ok2 := args[2].(int64)
		name, ok3 := args[3].(string)
		if !ok1 || !ok2 || !ok3 {
			return nil, nil
		}
		if off <= -86400 || off >= 86400 || dst <= -86400 || dst >= 86400 {
			return nil, g.bad("offset of a day or more")
		}
		return &TZInfo{Kind: Pytz, Key: zone, Offset: time.Duration(off) * time.Second,
			DST: time.Duration(dst) * time.Second, Name: name}, nil
	}
	return nil, nil
}

func validDate(y int, m time.Month, d int) bool {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= daysIn(y, m)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func validClock(h, m, s, us int) bool {
	return h < 24 && m < 60 && s < 60 && us < 1e6 && h >= 0 && m >= 0 && s >= 0 && us >= 0
}

func validTimedelta(td Timedelta) bool {
	return td.Days >= -999999999 && td.Days <= 999999999 && td.Seconds >= 0 && td.Seconds < 86400 &&
		td.Microseconds >= 0 && td.Microseconds < 1e6
}

// validDecimal reports whether s is a decimal as str(Decimal) writes it:
// an optional "-", then digits with an optional point and an optional
// exponent, or Infinity, NaN or sNaN (with optional diagnostic digits).
func validDecimal(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	digits := func(s string) (int, string) {
		n := 0
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		return n, s[n:]
	}
	switch {
	case s == "Infinity":
		return true
	case len(s) >= 3 && s[:3] == "NaN":
		_, rest := digits(s[3:])
		return rest == ""
	case len(s) >= 4 && s[:4] == "sNaN":
		_, rest := digits(s[4:])
		return rest == ""
	}
	n, rest := digits(s)
	m := 0
	if len(rest) > 0 && rest[0] == '.' {
		m, rest = digits(rest[1:])
	}
	if n+m == 0 {
		return false
	}
	if len(rest) > 0 && rest[0] == 'E' {
		rest = rest[1:]
		if len(rest) > 0 && (rest[0] == '+' || rest[0] == '-') {
			rest = rest[1:]
		}
		var e int
		e, rest = digits(rest)
		if e == 0 {
			return false
		}
	}
	return rest == ""
}

// node is a finished value with what it stands for when every shared
// reference below it is written out in full.
type node struct {
	v      any
	size   int64 // bytes, as MaxExpanded counts them
	count  int64 // values, as MaxValues counts them
	height int   // levels of containers below it
	busy   bool  // being finished: a reference to it now is a cycle
}

// finisher turns the reader's working values into the package's types.
// A container referred to many times (a memo reference, DUP) is finished
// once and the same Go value is used for each reference, as CPython's
// pickle.loads gives the same object, so the work is linear in the input;
// what each reference stands for is counted in full against MaxExpanded,
// MaxValues and MaxDepth.
type finisher struct {
	shared map[any]bool  // the containers in more than one place (decoder.shared)
	seen   map[any]*node // those finished or being finished, by containerKey
}

// tupleID identifies a tuple by its backing array: each tuple the reader
// builds has its own.
type tupleID struct {
	first *any
	n     int
}

var errTooDeep = fmt.Errorf("%w: nested too deep", ErrMalformed)

func (f *finisher) finish(v any, depth int) (node, error) {
	if depth > MaxDepth {
		return node{}, errTooDeep
	}
	var items []any
	switch x := v.(type) {
	case tuple:
		items = x
	case *list:
		items = x.items
	case *pyjson.Object:
	case global, zoneUnpickle:
		return node{}, unsupported("%s as a value", typeName(v))
	case *TZInfo:
		return node{}, unsupported("a tzinfo as a value")
	default:
		return node{v: v, size: leafSize(v), count: 1}, nil
	}
	// Only a container in more than one place can be met again (and so
	// be part of a cycle): the others need no entry.
	key := containerKey(v)
	if !f.shared[key] {
		key = nil
	}
	if key != nil {
		if n, ok := f.seen[key]; ok {
			if n.busy || depth+n.height > MaxDepth {
				return node{}, errTooDeep // a cycle is infinitely deep
			}
			return *n, nil
		}
	}
	n := &node{size: valueOverhead, count: 1, busy: true}
	if key != nil {
		if f.seen == nil {
			f.seen = make(map[any]*node)
		}
		f.seen[key] = n
	}
	add := func(c node) error {
		n.size += c.size
		n.count += c.count
		n.height = max(n.height, c.height+1)
		if n.count > MaxValues {
			return fmt.Errorf("%w: too many values", ErrMalformed)
		}
		if n.size > MaxExpanded {
			return fmt.Errorf("%w: stands for more than %d bytes with its shared references written out", ErrMalformed, MaxExpanded)
		}
		return nil
	}
	if obj, ok := v.(*pyjson.Object); ok {
		out := &pyjson.Object{}
		for k, e := range obj.All() {
			c, err := f.finish(e, depth+1)
			if err != nil {
				return node{}, err
			}
			c.size += valueOverhead + int64(len(k))
			if err := add(c); err != nil {
				return node{}, err
			}
			out.Set(k, c.v)
		}
		n.v = out
	} else {
		// a distinct backing array even when empty, so that two empty
		// lists stay two objects when written again
		out := make([]any, len(items), max(len(items), 1))
		for j, e := range items {
			c, err := f.finish(e, depth+1)
			if err != nil {
				return node{}, err
			}
			if err := add(c); err != nil {
				return node{}, err
			}
			out[j] = c.v
		}
		n.v = out
		if _, ok := v.(tuple); ok {
			n.v = Tuple(out)
		}
	}
	n.busy = false
	return *n, nil
}

// valueOverhead is what MaxExpanded counts for each value besides its
// payload: it covers the opcodes of a pickle and the punctuation, digits
// and words of JSON.
const valueOverhead = 8

// leafSize is what MaxExpanded counts for a value that holds no other.
func leafSize(v any) int64 {
	n := valueOverhead
	switch x := v.(type) {
	case string:
		n += len(x)
	case []byte:
		n += len(x)
	case *big.Int:
		n += x.BitLen()/8 + 1
	case Decimal:
		n += len(x)
	case DateTime:
		n += 16 + tzSize(x.TZ)
	case Time:
		n += 16 + tzSize(x.TZ)
	case Date, Timedelta:
		n += 16
	}
	return int64(n)
}

func tzSize(tz *TZInfo) int {
	if tz == nil {
		return 0
	}
	return 16 + len(tz.Name) + len(tz.Key)
}
