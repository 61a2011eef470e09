package hashers

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/binary"
	"math/bits"

	"golang.org/x/crypto/scrypt"
)

// scryptKey is scrypt (RFC 7914) with a 64-byte key, as hashlib.scrypt
// computes it for Django. Within OpenSSL's 32 MiB (all that Django can
// use) it runs its own ROMix, which XORs V_j into X while mixing instead of
// in a separate pass and works on fixed-size blocks; other parameters go to
// x/crypto/scrypt, for its result or its error.
func scryptKey(password, salt []byte, n, r, p int) ([]byte, error) {
	if n < 2 || n&(n-1) != 0 || r < 1 || p < 1 || n > scryptMaxMem || r > scryptMaxMem || p > scryptMaxMem ||
		128*uint64(r)*uint64(n+2)+128*uint64(r)*uint64(p) > scryptMaxMem {
		return scrypt.Key(password, salt, n, r, p, scryptKeyLen)
	}
	b, err := pbkdf2.Key(sha256.New, string(password), salt, 1, p*128*r)
	if err != nil {
		return nil, err
	}
	xyz := make([]uint32, 96*r)
	v := make([]uint32, 32*n*r)
	for i := range p {
		scryptSMix(b[i*128*r:(i+1)*128*r], r, n, v, xyz)
	}
	return pbkdf2.Key(sha256.New, string(password), b, 1, scryptKeyLen)
}

// scryptBlock is one 64-byte Salsa20 block as little-endian words.
type scryptBlock = [16]uint32

// scryptSalsa sets *t = Salsa20/8(*t ^ *a ^ *b) and copies it to *out.
func scryptSalsa(t, a, b, out *[16]uint32) {
	w0, w1, w2, w3 := t[0]^a[0]^b[0], t[1]^a[1]^b[1], t[2]^a[2]^b[2], t[3]^a[3]^b[3]
	w4, w5, w6, w7 := t[4]^a[4]^b[4], t[5]^a[5]^b[5], t[6]^a[6]^b[6], t[7]^a[7]^b[7]
	w8, w9, w10, w11 := t[8]^a[8]^b[8], t[9]^a[9]^b[9], t[10]^a[10]^b[10], t[11]^a[11]^b[11]
	w12, w13, w14, w15 := t[12]^a[12]^b[12], t[13]^a[13]^b[13], t[14]^a[14]^b[14], t[15]^a[15]^b[15]
	x0, x1, x2, x3, x4, x5, x6, x7 := w0, w1, w2, w3, w4, w5, w6, w7
	x8, x9, x10, x11, x12, x13, x14, x15 := w8, w9, w10, w11, w12, w13, w14, w15
	for i := 0; i < 8; i += 2 {
		x4 ^= bits.RotateLeft32(x0+x12, 7)
		x8 ^= bits.RotateLeft32(x4+x0, 9)
		x12 ^= bits.RotateLeft32(x8+x4, 13)
		x0 ^= bits.RotateLeft32(x12+x8, 18)
		x9 ^= bits.RotateLeft32(x5+x1, 7)
		x13 ^= bits.RotateLeft32(x9+x5, 9)
		x1 ^= bits.RotateLeft32(x13+x9, 13)
		x5 ^= bits.RotateLeft32(x1+x13, 18)
		x14 ^= bits.RotateLeft32(x10+x6, 7)
		x2 ^= bits.RotateLeft32(x14+x10, 9)
		x6 ^= bits.RotateLeft32(x2+x14, 13)
		x10 ^= bits.RotateLeft32(x6+x2, 18)
		x3 ^= bits.RotateLeft32(x15+x11, 7)
		x7 ^= bits.RotateLeft32(x3+x15, 9)
		x11 ^= bits.RotateLeft32(x7+x3, 13)
		x15 ^= bits.RotateLeft32(x11+x7, 18)
		x1 ^= bits.RotateLeft32(x0+x3, 7)
		x2 ^= bits.RotateLeft32(x1+x0, 9)
		x3 ^= bits.RotateLeft32(x2+x1, 13)
		x0 ^= bits.RotateLeft32(x3+x2, 18)
		x6 ^= bits.RotateLeft32(x5+x4, 7)
		x7 ^= bits.RotateLeft32(x6+x5, 9)
		x4 ^= bits.RotateLeft32(x7+x6, 13)
		x5 ^= bits.RotateLeft32(x4+x7, 18)
		x11 ^= bits.RotateLeft32(x10+x9, 7)
		x8 ^= bits.RotateLeft32(x11+x10, 9)
		x9 ^= bits.RotateLeft32(x8+x11, 13)
		x10 ^= bits.RotateLeft32(x9+x8, 18)
		x12 ^= bits.RotateLeft32(x15+x14, 7)
		x13 ^= bits.RotateLeft32(x12+x15, 9)
		x14 ^= bits.RotateLeft32(x13+x12, 13)
		x15 ^= bits.RotateLeft32(x14+x13, 18)
	}
	t[0], t[1], t[2], t[3] = x0+w0, x1+w1, x2+w2, x3+w3
	t[4], t[5], t[6], t[7] = x4+w4, x5+w5, x6+w6, x7+w7
	t[8], t[9], t[10], t[11] = x8+w8, x9+w9, x10+w10, x11+w11
	t[12], t[13], t[14], t[15] = x12+w12, x13+w13, x14+w14, x15+w15
	*out = *t
}

// scryptMix sets y = BlockMix(x ^ v) over 2r blocks: the even outputs
// go to the first half of y, the odd ones to the second.
func scryptMix(x, v, y []uint32, r int) {
	last := (2*r - 1) * 16
	t, vl := *(*scryptBlock)(x[last:]), (*scryptBlock)(v[last:])
	for k := range t {
		t[k] ^= vl[k]
	}
	for i := 0; i < 2*r; i += 2 {
		scryptSalsa(&t, (*scryptBlock)(x[i*16:]), (*scryptBlock)(v[i*16:]), (*scryptBlock)(y[i*8:]))
		scryptSalsa(&t, (*scryptBlock)(x[i*16+16:]), (*scryptBlock)(v[i*16+16:]), (*scryptBlock)(y[i*8+r*16:]))
	}
}

// scryptSMix is ROMix on b (128r bytes) with V in v (32·n·r words) and
// X, Y and a zero block in xyz (96r words).
func scryptSMix(b []byte, r, n int, v, xyz []uint32) {
	R := 32 * r
	x, y, z := xyz[:R], xyz[R:2*R], xyz[2*R:3*R]
	for i := range x {
		x[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	for i := 0; i < n; i += 2 {
		copy(v[i*R:(i+1)*R], x)
		scryptMix(x, z, y, r)
		copy(v[(i+1)*R:(i+2)*R], y)
		scryptMix(y, z, x, r)
	}
	for i := 0; i < n; i += 2 {
		j := int(x[R-16]) & (n - 1)
		scryptMix(x, v[j*R:(j+1)*R], y, r)
		j = int(y[R-16]) & (n - 1)
		scryptMix(y, v[j*R:(j+1)*R], x, r)
	}
	for i, w := range x {
		binary.LittleEndian.PutUint32(b[4*i:], w)
	}
}
