package pyjson

import (
	"fmt"
	"math/big"
	"strconv"
)

// AppendInt appends the decimal text of n, as Python's str(int) and
// json.dumps write it, or returns dst unchanged and an error matching
// ErrIntTooLong when n has more than MaxIntDigits digits (the sign not
// counted), which CPython refuses to convert. The refusal is decided from
// n's bit length before any conversion, so its cost does not grow with n;
// a conversion that goes ahead handles at most about MaxIntDigits digits.
// (Turning an integer into decimal text takes time quadratic in its size:
// a 4 MB integer, which an unsigned cached pickle can hold, takes seconds.)
// n must not be nil.
func AppendInt(dst []byte, n *big.Int) ([]byte, error) {
	if n.IsInt64() {
		return strconv.AppendInt(dst, n.Int64(), 10), nil
	}
	if minDigits(n.BitLen()) > MaxIntDigits {
		return dst, ErrIntTooLong
	}
	start := len(dst)
	dst = n.Append(dst, 10)
	digits := len(dst) - start
	if n.Sign() < 0 {
		digits--
	}
	if digits > MaxIntDigits {
		return dst[:start], ErrIntTooLong
	}
	return dst, nil
}

// FormatInt returns n's decimal text, as str(n) gives it, when n has at
// most MaxIntDigits digits, and otherwise a short stand-in that no number
// is, such as "<int of 33554432 bits, over 4300 digits>" (or "<negative
// int of ...>"), so that a program showing stored data to a person (a
// listing of sessions whose user id is an integer) does so at a bounded
// cost for any n. n must not be nil.
func FormatInt(n *big.Int) string {
	b, err := AppendInt(nil, n)
	if err == nil {
		return string(b)
	}
	sign := ""
	if n.Sign() < 0 {
		sign = "negative "
	}
	return fmt.Sprintf("<%sint of %d bits, over %d digits>", sign, n.BitLen(), MaxIntDigits)
}

// minDigits returns a lower bound on the decimal digits of an integer of
// bits bits (at least 2^(bits-1)): floor((bits-1) * log10(2)) + 1, with
// log10(2) rounded down so that the bound never exceeds the truth.
func minDigits(bits int) uint64 {
	if bits <= 1 {
		return 1
	}
	const num, den = 30102999, 100000000 // just under log10(2) = 0.30102999566...
	b := uint64(bits - 1)
	return b/den*num + b%den*num/den + 1
}
