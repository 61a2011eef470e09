package pickle

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"unicode/utf8"

	"github.com/djsession/djsession/signing/pyjson"
)

const (
	maxStack = 1 << 16
	maxMemo  = 1 << 16
	maxDepth = 200
	// maxNodes bounds the values visited when building the result:
	// memo references can share one value many times over.
	maxNodes = 1 << 20
)

// tuple marks a tuple while it is on the stack (a list once built).
type tuple []any

// list is a list while it is being built: a pointer, so memo
// references see later appends.
type list struct{ items []any }

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
// the Go types of package pyjson (see the package documentation). It never
// imports or calls anything the pickle names.
func Unmarshal(p []byte) (any, error) {
	var stack []any
	var marks []int
	var memo []any
	i := 0
	bad := func(what string) error { return fmt.Errorf("%w: %s at byte %d", ErrMalformed, what, i) }
	unsupported := func(what string) error { return fmt.Errorf("%w: %s", ErrUnsupported, what) }
	need := func(n int) ([]byte, error) {
		if n < 0 || n > len(p)-i {
			return nil, bad("truncated")
		}
		b := p[i : i+n]
		i += n
		return b, nil
	}
	push := func(v any) error {
		if len(stack) >= maxStack {
			return bad("stack too deep")
		}
		stack = append(stack, v)
		return nil
	}
	pop := func() (any, error) {
		if len(stack) == 0 || (len(marks) > 0 && len(stack) <= marks[len(marks)-1]) {
			return nil, bad("stack underflow")
		}
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return v, nil
	}
	popMark := func() ([]any, error) {
		if len(marks) == 0 {
			return nil, bad("no mark")
		}
		m := marks[len(marks)-1]
		marks = marks[:len(marks)-1]
		items := append([]any(nil), stack[m:]...)
		stack = stack[:m]
		return items, nil
	}
	str := func(n int) error {
		b, err := need(n)
		if err != nil {
			return err
		}
		if !utf8.Valid(b) {
			return bad("invalid UTF-8") // Python's surrogatepass aside
		}
		return push(string(b))
	}
	length := func(size int) (int, error) {
		b, err := need(size)
		if err != nil {
			return 0, err
		}
		var n uint64
		switch size {
		case 1:
			n = uint64(b[0])
		case 4:
			n = uint64(binary.LittleEndian.Uint32(b))
		case 8:
			n = binary.LittleEndian.Uint64(b)
		}
		if n > uint64(len(p)) {
			return 0, bad("length beyond the data")
		}
		return int(n), nil
	}
	for i < len(p) {
		op := p[i]
		i++
		var err error
		switch op {
		case 0x80: // PROTO
			_, err = need(1)
		case 0x95: // FRAME
			_, err = need(8)
		case '.': // STOP
			if len(stack) != 1 || len(marks) != 0 {
				return nil, bad("STOP with a bad stack")
			}
			budget := maxNodes
			return finish(stack[0], 0, &budget)
		case '}':
			err = push(&pyjson.Object{})
		case ']':
			err = push(&list{})
		case ')':
			err = push(tuple{})
		case '(':
			if len(marks) >= maxStack {
				return nil, bad("too many marks")
			}
			marks = append(marks, len(stack))
		case 0x94: // MEMOIZE
			if len(stack) == 0 || len(memo) >= maxMemo {
				return nil, bad("MEMOIZE")
			}
			memo = append(memo, stack[len(stack)-1])
		case 'q', 'r': // BINPUT, LONG_BINPUT
			n := 1
			if op == 'r' {
				n = 4
			}
			var idx int
			if idx, err = length(n); err == nil {
				if len(stack) == 0 || idx > maxMemo {
					return nil, bad("PUT")
				}
				for len(memo) <= idx {
					memo = append(memo, nil)
				}
				memo[idx] = stack[len(stack)-1]
			}
		case 'h', 'j': // BINGET, LONG_BINGET
			n := 1
			if op == 'j' {
				n = 4
			}
			var idx int
			if idx, err = length(n); err == nil {
				if idx >= len(memo) || memo[idx] == nil {
					return nil, bad("GET of an unknown memo")
				}
				// a shared reference: JSON has none, so the value is copied
				err = push(memo[idx])
			}
		case 0x8c, 'X', 0x8d: // SHORT_BINUNICODE, BINUNICODE, BINUNICODE8
			size := map[byte]int{0x8c: 1, 'X': 4, 0x8d: 8}[op]
			var n int
			if n, err = length(size); err == nil {
				err = str(n)
			}
		case 'K':
			var b []byte
			if b, err = need(1); err == nil {
				err = push(int64(b[0]))
			}
		case 'M':
			var b []byte
			if b, err = need(2); err == nil {
				err = push(int64(binary.LittleEndian.Uint16(b)))
			}
		case 'J':
			var b []byte
			if b, err = need(4); err == nil {
				err = push(int64(int32(binary.LittleEndian.Uint32(b))))
			}
		case 0x8a, 0x8b: // LONG1, LONG4
			size := 1
			if op == 0x8b {
				size = 4
			}
			var n int
			if n, err = length(size); err == nil {
				var b []byte
				if b, err = need(n); err == nil {
					err = push(readLong(b))
				}
			}
		case 'G':
			var b []byte
			if b, err = need(8); err == nil {
				err = push(math.Float64frombits(binary.BigEndian.Uint64(b)))
			}
		case 'N':
			err = push(nil)
		case 0x88:
			err = push(true)
		case 0x89:
			err = push(false)
		case 's': // SETITEM
			var k, v, d any
			if v, err = pop(); err == nil {
				if k, err = pop(); err == nil {
					if len(stack) == 0 {
						return nil, bad("SETITEM without a dict")
					}
					d = stack[len(stack)-1]
					err = setItems(d, []any{k, v})
				}
			}
		case 'u': // SETITEMS
			var items []any
			if items, err = popMark(); err == nil {
				if len(stack) == 0 {
					return nil, bad("SETITEMS without a dict")
				}
				err = setItems(stack[len(stack)-1], items)
			}
		case 'a', 'e': // APPEND, APPENDS
			var items []any
			if op == 'a' {
				var v any
				if v, err = pop(); err == nil {
					items = []any{v}
				}
			} else {
				items, err = popMark()
			}
			if err == nil {
				if len(stack) == 0 {
					return nil, bad("APPEND without a list")
				}
				l, ok := stack[len(stack)-1].(*list)
				if !ok {
					return nil, bad("APPEND to a non-list")
				}
				if len(l.items)+len(items) > maxStack*16 {
					return nil, bad("list too long")
				}
				l.items = append(l.items, items...)
			}
		case 't', 0x85, 0x86, 0x87: // TUPLE, TUPLE1-3
			var items []any
			if op == 't' {
				items, err = popMark()
			} else {
				n := int(op - 0x84)
				if len(stack) < n || (len(marks) > 0 && len(stack)-n < marks[len(marks)-1]) {
					return nil, bad("TUPLE underflow")
				}
				items = append([]any(nil), stack[len(stack)-n:]...)
				stack = stack[:len(stack)-n]
			}
			if err == nil {
				err = push(tuple(items))
			}
		case 'C', 'B', 0x8e, 0x96:
			return nil, unsupported("bytes")
		case 0x8f, 0x90, 0x91:
			return nil, unsupported("set")
		case 'c', 0x93, 'R', 0x81, 0x92, 'b', 'i', 'o':
			return nil, unsupported("a class instance (datetime, Decimal, a model ...)")
		default:
			return nil, bad(fmt.Sprintf("opcode 0x%02x", op))
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, bad("no STOP")
}

// readLong reads a little-endian two's complement integer.
func readLong(b []byte) any {
	if len(b) == 0 {
		return int64(0)
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

func setItems(d any, items []any) error {
	obj, ok := d.(*pyjson.Object)
	if !ok {
		return fmt.Errorf("%w: SETITEMS to a non-dict", ErrMalformed)
	}
	if len(items)%2 != 0 {
		return fmt.Errorf("%w: odd SETITEMS", ErrMalformed)
	}
	for j := 0; j < len(items); j += 2 {
		k, ok := items[j].(string)
		if !ok {
			return fmt.Errorf("%w: a dict key that is not a str", ErrUnsupported)
		}
		obj.Set(k, items[j+1])
	}
	return nil
}

// finish turns tuples and lists into []any, bounding the depth and
// the number of values visited.
func finish(v any, depth int, budget *int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: nested too deep", ErrMalformed)
	}
	if *budget--; *budget < 0 {
		return nil, fmt.Errorf("%w: too many values", ErrMalformed)
	}
	var items []any
	switch x := v.(type) {
	case tuple:
		items = x
	case *list:
		items = x.items
	case *pyjson.Object:
		out := &pyjson.Object{}
		for k, e := range x.All() {
			f, err := finish(e, depth+1, budget)
			if err != nil {
				return nil, err
			}
			out.Set(k, f)
		}
		return out, nil
	default:
		return v, nil
	}
	out := make([]any, len(items))
	for j, e := range items {
		var err error
		if out[j], err = finish(e, depth+1, budget); err != nil {
			return nil, err
		}
	}
	return out, nil
}
