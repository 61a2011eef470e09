package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"unicode/utf8"

	"github.com/djsession/djsession/signing/pyjson"
)

// This file reads the pickles Django's PickleSerializer wrote for session
// dicts (pickle.dumps with protocol 2 to 5), so the sessions commands can
// show them and convert them to JSON. It reads only plain data: dict, list,
// tuple (read as a list, as Django's JSON serializer writes a tuple), str,
// int, float, bool and None. Anything else (datetime, set, bytes, model
// instances: any class reference) is reported as unsupported, never run:
// the reader has no GLOBAL/REDUCE machinery at all. Every length is bounded
// before use. To be replaced by the djangosession/pickle package once it
// exists.

var (
	errPickleMalformed = errors.New("malformed pickle")
	// errPickleUnsupported is returned for pickled values that have no
	// JSON equivalent (class instances, bytes, sets).
	errPickleUnsupported = errors.New("pickled value has no JSON equivalent")
)

const (
	maxPickleStack = 1 << 16
	maxPickleMemo  = 1 << 16
	maxPickleDepth = 200
	// maxPickleNodes bounds the values visited when building the result:
	// memo references can share one value many times over.
	maxPickleNodes = 1 << 20
)

// pickleTuple marks a tuple while it is on the stack (a list once built).
type pickleTuple []any

// pickleList is a list while it is being built: a pointer, so memo
// references see later appends.
type pickleList struct{ items []any }

// readSessionPickle reads a pickled dict of plain values.
func readSessionPickle(p []byte) (*pyjson.Object, error) {
	v, err := readPickle(p)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(*pyjson.Object)
	if !ok {
		return nil, fmt.Errorf("%w: not a dict", errPickleMalformed)
	}
	return obj, nil
}

func readPickle(p []byte) (any, error) {
	var stack []any
	var marks []int
	var memo []any
	i := 0
	bad := func(what string) error { return fmt.Errorf("%w: %s at byte %d", errPickleMalformed, what, i) }
	unsupported := func(what string) error { return fmt.Errorf("%w: %s", errPickleUnsupported, what) }
	need := func(n int) ([]byte, error) {
		if n < 0 || n > len(p)-i {
			return nil, bad("truncated")
		}
		b := p[i : i+n]
		i += n
		return b, nil
	}
	push := func(v any) error {
		if len(stack) >= maxPickleStack {
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
			budget := maxPickleNodes
			return finishPickle(stack[0], 0, &budget)
		case '}':
			err = push(&pyjson.Object{})
		case ']':
			err = push(&pickleList{})
		case ')':
			err = push(pickleTuple{})
		case '(':
			if len(marks) >= maxPickleStack {
				return nil, bad("too many marks")
			}
			marks = append(marks, len(stack))
		case 0x94: // MEMOIZE
			if len(stack) == 0 || len(memo) >= maxPickleMemo {
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
				if len(stack) == 0 || idx > maxPickleMemo {
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
					err = push(pickleLong(b))
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
				l, ok := stack[len(stack)-1].(*pickleList)
				if !ok {
					return nil, bad("APPEND to a non-list")
				}
				if len(l.items)+len(items) > maxPickleStack*16 {
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
				err = push(pickleTuple(items))
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

// pickleLong reads a little-endian two's complement integer.
func pickleLong(b []byte) any {
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
		return fmt.Errorf("%w: SETITEMS to a non-dict", errPickleMalformed)
	}
	if len(items)%2 != 0 {
		return fmt.Errorf("%w: odd SETITEMS", errPickleMalformed)
	}
	for j := 0; j < len(items); j += 2 {
		k, ok := items[j].(string)
		if !ok {
			return fmt.Errorf("%w: a dict key that is not a str", errPickleUnsupported)
		}
		obj.Set(k, items[j+1])
	}
	return nil
}

// finishPickle turns tuples and lists into []any, bounding the depth and
// the number of values visited.
func finishPickle(v any, depth int, budget *int) (any, error) {
	if depth > maxPickleDepth {
		return nil, fmt.Errorf("%w: nested too deep", errPickleMalformed)
	}
	if *budget--; *budget < 0 {
		return nil, fmt.Errorf("%w: too many values", errPickleMalformed)
	}
	var items []any
	switch x := v.(type) {
	case pickleTuple:
		items = x
	case *pickleList:
		items = x.items
	case *pyjson.Object:
		out := &pyjson.Object{}
		for k, e := range x.All() {
			f, err := finishPickle(e, depth+1, budget)
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
		if out[j], err = finishPickle(e, depth+1, budget); err != nil {
			return nil, err
		}
	}
	return out, nil
}
