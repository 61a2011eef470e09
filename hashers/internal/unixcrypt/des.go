// Package unixcrypt computes the crypt(3) methods that Django's
// CryptPasswordHasher (Django 4.2 and earlier; removed in 5.0) may find in
// a stored value, without cgo, as libxcrypt computes them for Python's
// crypt module: traditional DES ("descrypt") and bigcrypt, md5crypt
// ("$1$") and SHA-crypt ("$5$", "$6$"). bcrypt ("$2b$") is not here: it is
// x/crypto's Blowfish, as package hashers computes it for its bcrypt
// hashers.
//
// Package hashers parses and bounds a stored value (rounds, lengths)
// before it calls this package.
package unixcrypt

import (
	"math/bits"
	"sync"
)

// Traditional DES-based crypt(3) ("descrypt") and its bigcrypt extension, as
// libxcrypt computes them: the first 8 bytes of the password, each shifted
// left one bit, are the DES key; a 12-bit salt swaps bits of the E
// expansion; an all-zero block is encrypted 25 times. The DES tables are the
// FIPS 46-3 ones, written MSB-first, 1-indexed; the test checks this DES
// against crypto/des.

// Alphabet is crypt(3)'s base64 alphabet, in order of value.
const Alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Index returns the value of a crypt(3) base64 character, or -1.
func Index(c byte) int {
	switch {
	case c == '.':
		return 0
	case c == '/':
		return 1
	case '0' <= c && c <= '9':
		return int(c-'0') + 2
	case 'A' <= c && c <= 'Z':
		return int(c-'A') + 12
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 38
	}
	return -1
}

var (
	desIP = [64]byte{
		58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4,
		62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
		57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3,
		61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7}
	desFP = [64]byte{
		40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31,
		38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29,
		36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27,
		34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25}
	desE = [48]byte{
		32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9,
		8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17,
		16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25,
		24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1}
	desP = [32]byte{
		16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10,
		2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25}
	desPC1 = [56]byte{
		57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18,
		10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
		63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22,
		14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4}
	desPC2 = [48]byte{
		14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10,
		23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
		41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48,
		44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32}
	desShifts = [16]byte{1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1}
	desS      = [8][64]byte{
		{14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7,
			0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
			4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0,
			15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13},
		{15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10,
			3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
			0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15,
			13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9},
		{10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8,
			13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
			13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7,
			1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12},
		{7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15,
			13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
			10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4,
			3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14},
		{2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9,
			14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
			4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14,
			11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3},
		{12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11,
			10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
			9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6,
			4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13},
		{4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1,
			13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
			1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2,
			6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12},
		{13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7,
			1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
			7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8,
			2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11},
	}
)

// permute builds a len(table)-bit value whose bit i (MSB first) is bit
// table[i] (1-indexed, MSB first) of the inBits-bit value in.
func permute(in uint64, inBits int, table []byte) uint64 {
	var out uint64
	for _, pos := range table {
		out = out<<1 | (in>>(inBits-int(pos)))&1
	}
	return out
}

// desSubkeys is the DES key schedule of a 64-bit key.
func desSubkeys(key uint64) [16]uint64 {
	cd := permute(key, 64, desPC1[:])
	c, d := cd>>28, cd&(1<<28-1)
	var ks [16]uint64
	for i, s := range desShifts {
		c = (c<<s | c>>(28-s)) & (1<<28 - 1)
		d = (d<<s | d>>(28-s)) & (1<<28 - 1)
		ks[i] = permute(c<<28|d, 56, desPC2[:])
	}
	return ks
}

// desEncrypt encrypts one block; saltMask is 48 bits of E output where a
// set bit i (counted from the MSB of the left 24) is swapped with bit i of
// the right 24. A zero mask is standard DES.
func desEncrypt(block uint64, ks *[16]uint64, saltMask uint64) uint64 {
	lr := permute(block, 64, desIP[:])
	l, r := uint32(lr>>32), uint32(lr)
	for i := 0; i < 16; i++ {
		e := permute(uint64(r), 32, desE[:])
		if saltMask != 0 {
			f := (e>>24 ^ e) & saltMask
			e ^= f | f<<24
		}
		e ^= ks[i]
		var s uint64
		for j := 0; j < 8; j++ {
			six := (e >> (42 - 6*j)) & 0x3f
			row := (six>>4)&2 | six&1
			col := (six >> 1) & 0xf
			s = s<<4 | uint64(desS[j][row*16+col])
		}
		l, r = r, l^uint32(permute(s, 32, desP[:]))
	}
	return permute(uint64(r)<<32|uint64(l), 64, desFP[:])
}

// desSP combines each S-box with the P permutation: desSP[i][x] is P of
// S-box i's output for the 6-bit input x, in place. Built once, read-only.
var desSP = sync.OnceValue(func() *[8][64]uint32 {
	var sp [8][64]uint32
	for i := range sp {
		for x := uint64(0); x < 64; x++ {
			row := (x>>4)&2 | x&1
			col := (x >> 1) & 0xf
			v := uint64(desS[i][row*16+col]) << (28 - 4*i)
			sp[i][x] = uint32(permute(v, 32, desP[:]))
		}
	}
	return &sp
})

// desCrypt25 is desEncrypt applied 25 times to a zero block, with the
// initial and final permutations (which cancel between encryptions) done
// once and the round function table-driven.
func desCrypt25(ks *[16]uint64, saltMask uint64) uint64 {
	sp := desSP()
	var l, r uint32 // IP of the zero block
	for it := 0; it < 25; it++ {
		for i := 0; i < 16; i++ {
			// E: group j is R bits 4j … 4j+5 (1-indexed, cyclic).
			var e uint64
			for j := 0; j < 8; j++ {
				e = e<<6 | uint64(bits.RotateLeft32(r, 4*j-1)>>26)
			}
			f := (e>>24 ^ e) & saltMask
			e ^= f | f<<24
			e ^= ks[i]
			l, r = r, l^(sp[0][e>>42&63]|sp[1][e>>36&63]|sp[2][e>>30&63]|sp[3][e>>24&63]|
				sp[4][e>>18&63]|sp[5][e>>12&63]|sp[6][e>>6&63]|sp[7][e&63])
		}
		l, r = r, l
	}
	return permute(uint64(l)<<32|uint64(r), 64, desFP[:])
}

// desSaltMask turns the two salt characters into the swap mask: salt bit i
// (the first character holds bits 0–5) swaps E bits i+1 and i+25.
func desSaltMask(c0, c1 byte) (uint64, bool) {
	a, b := Index(c0), Index(c1)
	if a < 0 || b < 0 {
		return 0, false
	}
	salt := uint64(a) | uint64(b)<<6
	var mask uint64
	for i := 0; i < 12; i++ {
		if salt>>i&1 == 1 {
			mask |= 1 << (23 - i)
		}
	}
	return mask, true
}

// desCryptBlock returns the 11 characters of one descrypt block: 25 DES
// encryptions of zero with the key made from up to 8 password bytes.
func desCryptBlock(pw []byte, mask uint64) string {
	var key uint64
	for i := 0; i < 8; i++ {
		key <<= 8
		if i < len(pw) {
			key |= uint64(pw[i]<<1) & 0xff
		}
	}
	ks := desSubkeys(key)
	b := desCrypt25(&ks, mask)
	// 64 bits and two zero bits, 6 at a time from the top.
	out := make([]byte, 11)
	for i := 0; i < 10; i++ {
		out[i] = Alphabet[(b>>(58-6*i))&0x3f]
	}
	out[10] = Alphabet[(b&0xf)<<2]
	return string(out)
}

// DES is crypt(password, setting) for a DES setting (2 salt characters
// first). With a setting of 13 characters or fewer it is descrypt, which
// reads the first 8 bytes of the password, 7 bits of each; longer,
// libxcrypt's bigcrypt: one 11-character block per 8 bytes of password (at
// most 16 blocks), each salted with the first two characters of the block
// before. It returns false for a salt outside the alphabet.
func DES(pw []byte, setting string) (string, bool) {
	if len(setting) < 2 {
		return "", false
	}
	mask, ok := desSaltMask(setting[0], setting[1])
	if !ok {
		return "", false
	}
	if len(setting) <= 13 {
		return setting[:2] + desCryptBlock(pw, mask), true
	}
	out := setting[:2]
	if len(pw) > 128 {
		pw = pw[:128]
	}
	for {
		chunk := pw
		if len(chunk) > 8 {
			chunk = chunk[:8]
		}
		block := desCryptBlock(chunk, mask)
		out += block
		pw = pw[len(chunk):]
		if len(pw) == 0 {
			break
		}
		mask, _ = desSaltMask(block[0], block[1])
	}
	return out, true
}
