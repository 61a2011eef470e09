package pyjson

import (
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/hostiletest"
)

// maxBigIntCheckAlloc bounds what refusing an integer of too many digits
// may allocate: the refusal is decided from the bit length, so nothing in
// proportion to the integer (the 4 MB integer of issue 13 item 7 took
// 16.7 s and hundreds of MB to turn into text first).
const maxBigIntCheckAlloc = 64 << 10

// TestMarshalHugeInt is issue 13 item 7: a 4 MB integer (as a pickle's
// LONG4 gives it, with no signature in a cache) is refused with
// ErrIntTooLong before any conversion to text.
func TestMarshalHugeInt(t *testing.T) {
	n := new(big.Int).Lsh(big.NewInt(1), 4<<23) // 2^(32 Mi): 4 MB, about 10.1 million digits
	n.Sub(n, big.NewInt(12345))
	var err error
	a := hostiletest.Allocated(func() { _, err = Marshal([]any{n}) })
	if !errors.Is(err, ErrIntTooLong) {
		t.Fatalf("Marshal of a 4 MB integer: %v; want ErrIntTooLong", err)
	}
	if a > maxBigIntCheckAlloc {
		t.Errorf("Marshal of a 4 MB integer allocated %d bytes; want at most %d", a, maxBigIntCheckAlloc)
	}
}

// TestMarshalIntDigitsEdge: the limit is CPython's exactly, counted in
// digits without the sign: 4300 digits are written, 4301 refused, at each
// bit length near the edge.
func TestMarshalIntDigitsEdge(t *testing.T) {
	ten := big.NewInt(10)
	edge := new(big.Int).Exp(ten, big.NewInt(MaxIntDigits), nil) // 10^4300: 4301 digits
	for _, c := range []struct {
		n    *big.Int
		fits bool
	}{
		{new(big.Int).Sub(edge, big.NewInt(1)), true}, // 4300 nines
		{edge, false}, // 1 and 4300 zeros
		{new(big.Int).Neg(new(big.Int).Sub(edge, big.NewInt(1))), true},     // -999...9
		{new(big.Int).Neg(edge), false},                                     // -1000...0
		{new(big.Int).Lsh(big.NewInt(1), uint(edge.BitLen()-1)), true},      // 2^14284: 4300 digits
		{new(big.Int).Lsh(big.NewInt(1), uint(edge.BitLen())), false},       // 2^14285: 4301 digits
		{new(big.Int).Exp(ten, big.NewInt(MaxIntDigits-1), nil), true},      // 10^4299
		{new(big.Int).Sub(new(big.Int).Lsh(edge, 1), big.NewInt(1)), false}, // 2*10^4300-1
	} {
		b, err := Marshal(c.n)
		digits := len(strings.TrimPrefix(c.n.String(), "-"))
		if c.fits != (digits <= MaxIntDigits) {
			t.Fatalf("bad case: %d digits", digits)
		}
		switch {
		case c.fits && (err != nil || string(b) != c.n.String()):
			t.Errorf("%d digits: %v, %.20s...", digits, err, b)
		case !c.fits && !errors.Is(err, ErrIntTooLong):
			t.Errorf("%d digits: %v; want ErrIntTooLong", digits, err)
		}
	}
}

// TestMinDigits: the bound the refusal rests on never exceeds the digits
// of the smallest integer of each bit length, and is tight (within one)
// at the sizes the limit is about.
func TestMinDigits(t *testing.T) {
	p := big.NewInt(1) // 2^(bits-1)
	for bits := 1; bits <= 20000; bits++ {
		digits := uint64(len(p.String()))
		if got := minDigits(bits); got > digits || got+1 < digits {
			t.Fatalf("minDigits(%d) = %d; 2^%d has %d digits", bits, got, bits-1, digits)
		}
		p.Lsh(p, 1)
	}
	if got := minDigits(1 << 40); got < 330_000_000_000 {
		t.Errorf("minDigits(2^40) = %d", got)
	}
}

func TestAppendIntFormatInt(t *testing.T) {
	huge := new(big.Int).Lsh(big.NewInt(1), 8_388_608) // a 2.5-million-digit integer
	for _, c := range []struct {
		n    *big.Int
		want string
		err  error
	}{
		{big.NewInt(-42), "-42", nil},
		{new(big.Int).Lsh(big.NewInt(1), 64), "18446744073709551616", nil},
		{huge, "<int of 8388609 bits, over 4300 digits>", ErrIntTooLong},
		{new(big.Int).Neg(huge), "<negative int of 8388609 bits, over 4300 digits>", ErrIntTooLong},
	} {
		b, err := AppendInt([]byte("x="), c.n)
		if !errors.Is(err, c.err) || (err == nil && string(b) != "x="+c.want) || (err != nil && string(b) != "x=") {
			t.Errorf("AppendInt: %q, %v", b, err)
		}
		var s string
		if a := hostiletest.Allocated(func() { s = FormatInt(c.n) }); a > maxBigIntCheckAlloc {
			t.Errorf("FormatInt allocated %d bytes", a)
		}
		if s != c.want {
			t.Errorf("FormatInt = %q, want %q", s, c.want)
		}
	}
}

// TestUnmarshalHugeInt: a JSON integer of a million digits is refused as
// json.loads refuses it (ValueError: more than 4300 digits), from its
// length, without a copy of its text or a conversion. (Before: 3 MB
// allocated, the text copied twice.)
func TestUnmarshalHugeInt(t *testing.T) {
	text := []byte("[-" + strings.Repeat("7", 1_000_000) + "]")
	var err error
	a := hostiletest.Allocated(func() { _, err = Unmarshal(text) })
	if !errors.Is(err, ErrIntTooLong) {
		t.Fatalf("Unmarshal of a million-digit integer: %v; want ErrIntTooLong", err)
	}
	// Unmarshal makes one copy of its input, which its strings share.
	if limit := uint64(len(text)) + maxBigIntCheckAlloc; a > limit {
		t.Errorf("Unmarshal of a million-digit integer allocated %d bytes; want at most %d", a, limit)
	}
}
