package unixcrypt

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strconv"
	"strings"
)

// md5crypt ("$1$", Poul-Henning Kamp's) and SHA-crypt ("$5$", "$6$",
// Ulrich Drepper's specification), as libxcrypt computes them for Python's
// crypt module.

// cryptB64 appends n characters of w, least significant 6 bits first.
func cryptB64(dst []byte, w uint32, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, Alphabet[w&0x3f])
		w >>= 6
	}
	return dst
}

// Salt returns the salt of a setting after its method prefix: up to the
// next "$", at most max characters (8 for md5crypt, 16 for SHA-crypt).
func Salt(rest string, max int) string {
	if i := strings.IndexByte(rest, '$'); i >= 0 {
		rest = rest[:i]
	}
	if len(rest) > max {
		rest = rest[:max]
	}
	return rest
}

// MD5 is crypt(password, setting) for an md5crypt setting ("$1$", a salt
// of up to 8 characters).
func MD5(pw []byte, setting string) string {
	salt := []byte(Salt(strings.TrimPrefix(setting, "$1$"), 8))
	alt := md5.New()
	alt.Write(pw)
	alt.Write(salt)
	alt.Write(pw)
	altSum := alt.Sum(nil)

	h := md5.New()
	h.Write(pw)
	h.Write([]byte("$1$"))
	h.Write(salt)
	for n := len(pw); n > 0; n -= 16 {
		h.Write(altSum[:min(n, 16)])
	}
	for n := len(pw); n != 0; n >>= 1 {
		if n&1 != 0 {
			h.Write([]byte{0})
		} else {
			h.Write(pw[:1])
		}
	}
	f := stretch(h, h.Sum(nil), pw, salt, 1000)
	out := append([]byte("$1$"), salt...)
	out = append(out, '$')
	for _, g := range [5][3]int{{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}} {
		out = cryptB64Bytes(out, f, g)
	}
	out = cryptB64(out, uint32(f[11]), 2)
	return string(out)
}

// SHASetting is a parsed SHA-crypt setting, "$5$[rounds=N$]salt" or
// "$6$…".
type SHASetting struct {
	Is512  bool   // "$6$", SHA-512; else "$5$", SHA-256
	Rounds int    // 5000 unless given
	Custom bool   // "rounds=" given: written back into the output
	Salt   string // up to 16 characters
}

const (
	shaCryptDefaultRounds = 5000
	shaCryptMinRounds     = 1000
	shaCryptMaxRounds     = 999_999_999
)

// ParseSHASetting parses a SHA-crypt setting as libxcrypt does; false
// where libxcrypt fails (a "rounds=" value that is not a canonical decimal
// in [1000, 999999999]).
func ParseSHASetting(setting string) (SHASetting, bool) {
	var s SHASetting
	var rest string
	switch {
	case strings.HasPrefix(setting, "$5$"):
		rest = setting[3:]
	case strings.HasPrefix(setting, "$6$"):
		s.Is512, rest = true, setting[3:]
	default:
		return s, false
	}
	s.Rounds = shaCryptDefaultRounds
	if after, ok := strings.CutPrefix(rest, "rounds="); ok {
		num, tail, ok := strings.Cut(after, "$")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || strconv.Itoa(n) != num || n < shaCryptMinRounds || n > shaCryptMaxRounds {
			return s, false
		}
		s.Rounds, s.Custom, rest = n, true, tail
	}
	s.Salt = Salt(rest, 16)
	return s, true
}

// SHA is crypt(password, setting) for a parsed SHA-crypt setting. It
// costs s.Rounds hashes: bound them before calling.
func SHA(pw []byte, s SHASetting) string {
	newHash, size := sha256.New, sha256.Size
	if s.Is512 {
		newHash, size = sha512.New, sha512.Size
	}
	salt := []byte(s.Salt)
	h := newHash()
	h.Write(pw)
	h.Write(salt)
	h.Write(pw)
	b := h.Sum(nil)

	h.Reset()
	h.Write(pw)
	h.Write(salt)
	n := len(pw)
	for ; n > size; n -= size {
		h.Write(b)
	}
	h.Write(b[:n])
	for n = len(pw); n > 0; n >>= 1 {
		if n&1 != 0 {
			h.Write(b)
		} else {
			h.Write(pw)
		}
	}
	a := h.Sum(nil)

	h.Reset()
	for i := 0; i < len(pw); i++ {
		h.Write(pw)
	}
	p := repeatTo(h.Sum(nil), len(pw))

	h.Reset()
	for i := 0; i < 16+int(a[0]); i++ {
		h.Write(salt)
	}
	ss := repeatTo(h.Sum(nil), len(salt))

	c := stretch(h, a, p, ss, s.Rounds)

	out := []byte("$5$")
	if s.Is512 {
		out = []byte("$6$")
	}
	if s.Custom {
		out = append(out, "rounds="+strconv.Itoa(s.Rounds)+"$"...)
	}
	out = append(out, salt...)
	out = append(out, '$')
	return string(shaCryptEncode(out, c, s.Is512))
}

// stretch is the loop md5crypt and SHA-crypt share (Drepper kept
// md5crypt's): n rounds, each hashing the previous digest c and p, c first
// in even rounds and last in odd ones, with salt s added in rounds not
// divisible by 3 and p again in rounds not divisible by 7.
func stretch(h hash.Hash, c, p, s []byte, n int) []byte {
	for i := range n {
		h.Reset()
		if i&1 != 0 {
			h.Write(p)
		} else {
			h.Write(c)
		}
		if i%3 != 0 {
			h.Write(s)
		}
		if i%7 != 0 {
			h.Write(p)
		}
		if i&1 != 0 {
			h.Write(c)
		} else {
			h.Write(p)
		}
		c = h.Sum(c[:0])
	}
	return c
}

// cryptB64Bytes appends the 4 characters of digest bytes g[0], g[1], g[2],
// taken as one 24-bit word, g[0] its high byte.
func cryptB64Bytes(dst, c []byte, g [3]int) []byte {
	return cryptB64(dst, uint32(c[g[0]])<<16|uint32(c[g[1]])<<8|uint32(c[g[2]]), 4)
}

func repeatTo(sum []byte, n int) []byte {
	out := make([]byte, n)
	for i := 0; i < n; i += len(sum) {
		copy(out[i:], sum)
	}
	return out
}

func shaCryptEncode(out, c []byte, is512 bool) []byte {
	if !is512 {
		for _, g := range [10][3]int{{0, 10, 20}, {21, 1, 11}, {12, 22, 2}, {3, 13, 23}, {24, 4, 14},
			{15, 25, 5}, {6, 16, 26}, {27, 7, 17}, {18, 28, 8}, {9, 19, 29}} {
			out = cryptB64Bytes(out, c, g)
		}
		return cryptB64(out, uint32(c[31])<<8|uint32(c[30]), 3)
	}
	for i := 0; i < 21; i++ {
		// (0,21,42), (22,43,1), (44,2,23), (3,24,45), …: each triple starts
		// one position further along a rotation of the three thirds.
		a, b, d := i, i+21, i+42
		switch i % 3 {
		case 1:
			a, b, d = i+21, i+42, i
		case 2:
			a, b, d = i+42, i, i+21
		}
		out = cryptB64Bytes(out, c, [3]int{a, b, d})
	}
	return cryptB64(out, uint32(c[63]), 2)
}
