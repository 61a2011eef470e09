package pickle

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"

	"github.com/djsession/djsession/signing/pyjson"
)

// appendValue writes v as pickle protocol 4, as Python's pickle.dumps
// writes plain data (without the memo, which loads does not need): dict,
// list, str, int, float, bool and None.
func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("%w: nested too deep", ErrUnsupported)
	}
	switch x := v.(type) {
	case nil:
		return append(b, 'N'), nil
	case bool:
		if x {
			return append(b, 0x88), nil
		}
		return append(b, 0x89), nil
	case string:
		if len(x) < 256 {
			b = append(b, 0x8c, byte(len(x)))
		} else {
			b = append(b, 'X')
			b = binary.LittleEndian.AppendUint32(b, uint32(len(x)))
		}
		return append(b, x...), nil
	case int:
		return appendInt(b, big.NewInt(int64(x))), nil
	case int64:
		return appendInt(b, big.NewInt(x)), nil
	case *big.Int:
		return appendInt(b, x), nil
	case float64:
		b = append(b, 'G')
		return binary.BigEndian.AppendUint64(b, math.Float64bits(x)), nil
	case []any:
		b = append(b, ']')
		if len(x) == 0 {
			return b, nil
		}
		b = append(b, '(')
		for _, e := range x {
			var err error
			if b, err = appendValue(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, 'e'), nil
	case *pyjson.Object:
		b = append(b, '}')
		if x.Len() == 0 {
			return b, nil
		}
		b = append(b, '(')
		for k, e := range x.All() {
			var err error
			if b, err = appendValue(b, k, depth+1); err != nil {
				return nil, err
			}
			if b, err = appendValue(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, 'u'), nil
	}
	return nil, fmt.Errorf("%w: cannot write a %T", ErrUnsupported, v)
}

// appendInt writes n with the shortest opcode Python uses.
func appendInt(b []byte, n *big.Int) []byte {
	if n.IsInt64() {
		v := n.Int64()
		switch {
		case v >= 0 && v < 1<<8:
			return append(b, 'K', byte(v))
		case v >= 0 && v < 1<<16:
			b = append(b, 'M')
			return binary.LittleEndian.AppendUint16(b, uint16(v))
		case v >= math.MinInt32 && v <= math.MaxInt32:
			b = append(b, 'J')
			return binary.LittleEndian.AppendUint32(b, uint32(int32(v)))
		}
	}
	// LONG1/LONG4: little-endian two's complement, as short as it goes
	nbytes := n.BitLen()/8 + 1
	tc := new(big.Int).Set(n)
	if n.Sign() < 0 {
		tc.Add(tc, new(big.Int).Lsh(big.NewInt(1), uint(8*nbytes)))
	}
	be := tc.FillBytes(make([]byte, nbytes))
	// drop a redundant sign byte, as Python's encode_long does
	if len(be) > 1 && (be[0] == 0 && be[1]&0x80 == 0 || be[0] == 0xff && be[1]&0x80 != 0) {
		be = be[1:]
	}
	if len(be) < 256 {
		b = append(b, 0x8a, byte(len(be)))
	} else {
		b = append(b, 0x8b)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(be)))
	}
	for i := len(be) - 1; i >= 0; i-- {
		b = append(b, be[i])
	}
	return b
}

// Marshal returns v pickled with protocol 4: dict (*pyjson.Object), list
// ([]any), str, int (int, int64, *big.Int), float64, bool and nil, the
// values a JSON session holds. Python's pickle.loads reads it back to the
// same value.
func Marshal(v any) ([]byte, error) {
	b, err := appendValue([]byte{0x80, 4}, v, 0)
	if err != nil {
		return nil, err
	}
	return append(b, '.'), nil
}
