package pyjson

import (
	"fmt"
	"math/big"
	"strconv"
	"unicode/utf8"
)

// Unmarshal parses data as Python's json.loads does after Django's
// JSONSerializer decodes the bytes as latin-1, and returns the value with
// the Go types listed in the package documentation. Input Python rejects
// (trailing data, control characters in strings, bad escapes, integers of
// more than MaxIntDigits digits, nesting deeper than MaxDepth) is rejected
// with an error that wraps ErrSyntax, ErrIntTooLong or ErrTooDeep.
//
// Strings without escapes share the memory of one copy of data, so a
// decoded value keeps that copy alive as long as any such string is.
func Unmarshal(data []byte) (any, error) {
	d := decoder{data: data, src: string(data)}
	d.skipSpace()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.pos != len(d.data) {
		return nil, d.syntax("extra data")
	}
	return v, nil
}

type decoder struct {
	data []byte
	src  string // data as a string: unescaped strings are slices of it
	pos  int
	buf  []byte // scratch for strings with escapes
	// the object keys seen, each text once: the first few in an array
	// searched in turn (a session has few keys), the rest in a map
	few  [16]string
	nfew int
	keys map[string]string
}

// key returns the first key seen with the text of k: CPython's scanner
// memoizes object keys for one json.loads, so equal keys are one str
// object, which pickle.dumps writes once and then refers to. Package
// pickle's Marshal does the same for one Go string, so a session read
// from JSON pickles as Django pickles it.
func (d *decoder) key(k string) string {
	for _, first := range d.few[:d.nfew] {
		if first == k {
			return first
		}
	}
	if first, ok := d.keys[k]; ok {
		return first
	}
	if d.nfew < len(d.few) {
		d.few[d.nfew] = k
		d.nfew++
		return k
	}
	if d.keys == nil {
		d.keys = make(map[string]string)
	}
	d.keys[k] = k
	return k
}

func (d *decoder) syntax(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrSyntax, what, d.pos)
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) literal(word string, v any) (any, error) {
	if len(d.data)-d.pos >= len(word) && string(d.data[d.pos:d.pos+len(word)]) == word {
		d.pos += len(word)
		return v, nil
	}
	return nil, d.syntax("expecting value")
}

func (d *decoder) value(depth int) (any, error) {
	if d.pos >= len(d.data) {
		return nil, d.syntax("expecting value")
	}
	switch c := d.data[d.pos]; {
	case c == '"':
		return d.str()
	case c == '{':
		if depth >= MaxDepth {
			return nil, ErrTooDeep
		}
		return d.object(depth + 1)
	case c == '[':
		if depth >= MaxDepth {
			return nil, ErrTooDeep
		}
		return d.array(depth + 1)
	case c == 'n':
		return d.literal("null", nil)
	case c == 't':
		return d.literal("true", true)
	case c == 'f':
		return d.literal("false", false)
	case c == 'N':
		return d.literal("NaN", nan())
	case c == 'I':
		return d.literal("Infinity", inf(1))
	case c == '-' || (c >= '0' && c <= '9'):
		if c == '-' && d.pos+1 < len(d.data) && d.data[d.pos+1] == 'I' {
			d.pos++
			return d.literal("Infinity", inf(-1))
		}
		return d.number()
	}
	return nil, d.syntax("expecting value")
}

func (d *decoder) object(depth int) (any, error) {
	d.pos++ // {
	o := &Object{}
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return o, nil
	}
	for {
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.syntax("expecting property name enclosed in double quotes")
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.syntax("expecting ':' delimiter")
		}
		d.pos++
		d.skipSpace()
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		// As dict(pairs): a repeated key keeps its first place, last value.
		if o.keys == nil {
			o.keys, o.vals = make([]string, 0, 8), make([]any, 0, 8)
		}
		o.Set(d.key(k.(string)), v)
		switch end, err := d.next('}'); {
		case err != nil:
			return nil, err
		case end:
			return o, nil
		}
	}
}

// next reads what follows an element of an array or object: a ',' before
// the next element, or close at the end.
func (d *decoder) next(close byte) (end bool, err error) {
	d.skipSpace()
	if d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
			return false, nil
		case close:
			d.pos++
			return true, nil
		}
	}
	return false, d.syntax("expecting ',' delimiter")
}

func (d *decoder) array(depth int) (any, error) {
	d.pos++ // [
	a := []any{}
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return a, nil
	}
	for {
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		switch end, err := d.next(']'); {
		case err != nil:
			return nil, err
		case end:
			return a, nil
		}
	}
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)? as CPython's
// scanner does; an integer without fraction or exponent is an int.
func (d *decoder) number() (any, error) {
	start := d.pos
	p := d.pos
	if d.data[p] == '-' {
		p++
	}
	if p >= len(d.data) || d.data[p] < '0' || d.data[p] > '9' {
		return nil, d.syntax("expecting value")
	}
	if d.data[p] == '0' {
		p++
	} else {
		for p < len(d.data) && d.data[p] >= '0' && d.data[p] <= '9' {
			p++
		}
	}
	isFloat := false
	if p+1 < len(d.data) && d.data[p] == '.' && isDigit(d.data[p+1]) {
		p += 2
		for p < len(d.data) && isDigit(d.data[p]) {
			p++
		}
		isFloat = true
	}
	if p < len(d.data) && (d.data[p] == 'e' || d.data[p] == 'E') {
		q := p + 1
		if q < len(d.data) && (d.data[q] == '-' || d.data[q] == '+') {
			q++
		}
		if q < len(d.data) && isDigit(d.data[q]) {
			for q < len(d.data) && isDigit(d.data[q]) {
				q++
			}
			p = q
			isFloat = true
		}
	}
	d.pos = p
	if !isFloat {
		// as int(str): the digits are counted before any conversion
		digits := p - start
		if d.data[start] == '-' {
			digits--
		}
		if digits > MaxIntDigits {
			return nil, ErrIntTooLong
		}
	}
	text := string(d.data[start:p])
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			// Overflow gives ±Inf as in Python; anything else is a bug in
			// the scan above and reported rather than hidden.
			if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
				return nil, d.syntax("bad number")
			}
		}
		return f, nil
	}
	if n := len(text); n < 19 || (n == 19 && text[0] == '-') {
		i, _ := strconv.ParseInt(text, 10, 64)
		return i, nil
	}
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		return i, nil
	}
	b, ok := new(big.Int).SetString(text, 10)
	if !ok {
		return nil, d.syntax("bad number")
	}
	return b, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// str scans a string starting at the opening quote. Bytes are latin-1 code
// points; escapes follow CPython's scanner, including the joining of a
// \uD8xx\uDCxx pair into one astral code point.
func (d *decoder) str() (any, error) {
	d.pos++ // "
	start := d.pos
	// Fast path: plain ASCII with no escapes.
	for p := start; p < len(d.data); p++ {
		c := d.data[p]
		if c == '"' {
			d.pos = p + 1
			return d.src[start:p], nil
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
	}
	d.buf = d.buf[:0]
	p := start
	for {
		if p >= len(d.data) {
			d.pos = start - 1
			return nil, d.syntax("unterminated string")
		}
		c := d.data[p]
		switch {
		case c == '"':
			d.pos = p + 1
			return string(d.buf), nil
		case c < 0x20:
			d.pos = p
			return nil, d.syntax("invalid control character")
		case c >= 0x80:
			d.buf = utf8.AppendRune(d.buf, rune(c)) // latin-1
			p++
		case c != '\\':
			d.buf = append(d.buf, c)
			p++
		default:
			p++
			if p >= len(d.data) {
				d.pos = start - 1
				return nil, d.syntax("unterminated string")
			}
			esc := d.data[p]
			p++
			switch esc {
			case '"', '\\', '/':
				d.buf = append(d.buf, esc)
			case 'b':
				d.buf = append(d.buf, '\b')
			case 'f':
				d.buf = append(d.buf, '\f')
			case 'n':
				d.buf = append(d.buf, '\n')
			case 'r':
				d.buf = append(d.buf, '\r')
			case 't':
				d.buf = append(d.buf, '\t')
			case 'u':
				r, ok := hex4(d.data, p)
				if !ok {
					d.pos = p - 1
					return nil, d.syntax("invalid \\uXXXX escape")
				}
				p += 4
				if r >= 0xd800 && r <= 0xdbff && p+1 < len(d.data) && d.data[p] == '\\' && d.data[p+1] == 'u' {
					r2, ok := hex4(d.data, p+2)
					if !ok {
						d.pos = p + 1
						return nil, d.syntax("invalid \\uXXXX escape")
					}
					if r2 >= 0xdc00 && r2 <= 0xdfff {
						r = 0x10000 + (r-0xd800)<<10 + (r2 - 0xdc00)
						p += 6
					}
				}
				d.buf = appendWTF8(d.buf, r)
			default:
				d.pos = p - 1
				return nil, d.syntax("invalid \\escape")
			}
		}
	}
}

func hex4(b []byte, p int) (rune, bool) {
	if p+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[p : p+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// appendWTF8 appends r in UTF-8, or a lone surrogate in its three-byte
// generalized form, which utf8.AppendRune would replace with U+FFFD.
func appendWTF8(b []byte, r rune) []byte {
	if r >= 0xd800 && r <= 0xdfff {
		return append(b, 0xed, byte(0x80|(r>>6)&0x3f), byte(0x80|r&0x3f))
	}
	return utf8.AppendRune(b, r)
}
