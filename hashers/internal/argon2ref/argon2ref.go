// Package argon2ref is a portable Argon2 (RFC 9106) for what
// golang.org/x/crypto/argon2 does not offer and Django still reads:
// argon2d, version 16 (0x10, Argon2 1.0, which overwrites blocks instead of
// XOR-ing them in later passes, written by argon2-cffi for a hash without
// "v="), any other version number libargon2 accepts (computed as 19), and
// more than 255 lanes. It follows libargon2's reference implementation.
// Use x/crypto/argon2 for argon2i and argon2id version 19: package hashers
// sends only the rest here.
//
// It is checked against x/crypto/argon2 where both compute, and against
// hashes made by argon2-cffi (Django's argon2 library).
package argon2ref

import (
	"encoding/binary"
	"math/bits"

	"golang.org/x/crypto/blake2b"
)

// Argon2 types (the "variety" of the PHC string), as libargon2 numbers them.
const (
	TypeD  = 0 // argon2d
	TypeI  = 1 // argon2i
	TypeID = 2 // argon2id
)

// Versions of Argon2.
const (
	Version10 = 0x10 // Argon2 1.0 (16)
	Version13 = 0x13 // Argon2 1.3 (19), RFC 9106
)

const (
	argon2SyncPoints = 4
	argon2BlockWords = 128 // 1024-byte blocks of 64-bit words
	argon2AddrInBlk  = argon2BlockWords
)

type argon2Block [argon2BlockWords]uint64

// Key derives a keyLen-byte key from password and salt with Argon2 of type
// typ (TypeD, TypeI or TypeID) and version (Version10 means Argon2 1.0,
// any other value is mixed into the hash and computed as 1.3), t passes
// over m KiB of memory in lanes lanes, without secret or associated data.
// The caller must have checked the parameters as libargon2 does: t ≥ 1,
// 1 ≤ lanes ≤ 2^24−1, m ≥ 8·lanes, keyLen ≥ 4; and bounded them, since
// Key allocates m KiB.
func Key(typ, version uint32, password, salt []byte, t, m, lanes, keyLen uint32) []byte {
	h0 := argon2H0(typ, version, password, salt, t, m, lanes, keyLen)

	memory := m
	if memory < 2*argon2SyncPoints*lanes {
		memory = 2 * argon2SyncPoints * lanes
	}
	segLen := memory / (lanes * argon2SyncPoints)
	memory = segLen * lanes * argon2SyncPoints
	laneLen := segLen * argon2SyncPoints

	B := make([]argon2Block, memory)
	var in [72]byte
	copy(in[:], h0[:])
	var buf [1024]byte
	for lane := uint32(0); lane < lanes; lane++ {
		for j := uint32(0); j < 2; j++ {
			binary.LittleEndian.PutUint32(in[64:], j)
			binary.LittleEndian.PutUint32(in[68:], lane)
			blake2bLong(buf[:], in[:])
			for k := range B[lane*laneLen+j] {
				B[lane*laneLen+j][k] = binary.LittleEndian.Uint64(buf[8*k:])
			}
		}
	}

	a := argon2Instance{B: B, typ: typ, version: version, passes: t, memory: memory,
		lanes: lanes, laneLen: laneLen, segLen: segLen}
	for pass := uint32(0); pass < t; pass++ {
		for slice := uint32(0); slice < argon2SyncPoints; slice++ {
			for lane := uint32(0); lane < lanes; lane++ {
				a.fillSegment(pass, slice, lane)
			}
		}
	}

	final := B[laneLen-1]
	for lane := uint32(1); lane < lanes; lane++ {
		last := &B[lane*laneLen+laneLen-1]
		for k := range final {
			final[k] ^= last[k]
		}
	}
	for k, w := range final {
		binary.LittleEndian.PutUint64(buf[8*k:], w)
	}
	out := make([]byte, keyLen)
	blake2bLong(out, buf[:])
	return out
}

// argon2H0 is the 64-byte pre-hash of all inputs (no secret, no data).
func argon2H0(typ, version uint32, password, salt []byte, t, m, lanes, keyLen uint32) [64]byte {
	h, _ := blake2b.New512(nil)
	var w [4]byte
	put := func(v uint32) {
		binary.LittleEndian.PutUint32(w[:], v)
		h.Write(w[:])
	}
	put(lanes)
	put(keyLen)
	put(m)
	put(t)
	put(version)
	put(typ)
	put(uint32(len(password)))
	h.Write(password)
	put(uint32(len(salt)))
	h.Write(salt)
	put(0) // secret
	put(0) // associated data
	var out [64]byte
	h.Sum(out[:0])
	return out
}

// blake2bLong is Argon2's variable-length hash H'.
func blake2bLong(out, in []byte) {
	var n [4]byte
	binary.LittleEndian.PutUint32(n[:], uint32(len(out)))
	if len(out) <= blake2b.Size {
		h, _ := blake2b.New(len(out), nil)
		h.Write(n[:])
		h.Write(in)
		h.Sum(out[:0])
		return
	}
	h, _ := blake2b.New512(nil)
	h.Write(n[:])
	h.Write(in)
	var v [blake2b.Size]byte
	h.Sum(v[:0])
	copy(out, v[:32])
	out = out[32:]
	for len(out) > blake2b.Size {
		v = blake2b.Sum512(v[:])
		copy(out, v[:32])
		out = out[32:]
	}
	h, _ = blake2b.New(len(out), nil)
	h.Write(v[:])
	h.Sum(out[:0])
}

type argon2Instance struct {
	B                                                    []argon2Block
	typ, version, passes, memory, lanes, laneLen, segLen uint32
}

func (a *argon2Instance) fillSegment(pass, slice, lane uint32) {
	independent := a.typ == TypeI || (a.typ == TypeID && pass == 0 && slice < argon2SyncPoints/2)
	var addr, input, zero argon2Block
	if independent {
		input[0] = uint64(pass)
		input[1] = uint64(lane)
		input[2] = uint64(slice)
		input[3] = uint64(a.memory)
		input[4] = uint64(a.passes)
		input[5] = uint64(a.typ)
	}
	nextAddresses := func() {
		input[6]++
		argon2Fill(&addr, &zero, &input, false)
		argon2Fill(&addr, &zero, &addr, false)
	}
	start := uint32(0)
	if pass == 0 && slice == 0 {
		start = 2
		if independent {
			nextAddresses()
		}
	}
	cur := lane*a.laneLen + slice*a.segLen + start
	prev := cur - 1
	if cur%a.laneLen == 0 {
		prev = cur + a.laneLen - 1
	}
	for i := start; i < a.segLen; i, cur, prev = i+1, cur+1, prev+1 {
		if cur%a.laneLen == 1 {
			prev = cur - 1
		}
		var rnd uint64
		if independent {
			if i%argon2AddrInBlk == 0 {
				nextAddresses()
			}
			rnd = addr[i%argon2AddrInBlk]
		} else {
			rnd = a.B[prev][0]
		}
		refLane := uint32(rnd>>32) % a.lanes
		if pass == 0 && slice == 0 {
			refLane = lane
		}
		ref := refLane*a.laneLen + a.indexAlpha(pass, slice, i, uint32(rnd), refLane == lane)
		xor := pass != 0 && a.version != Version10
		argon2Fill(&a.B[cur], &a.B[prev], &a.B[ref], xor)
	}
}

// indexAlpha maps the low 32 bits of the pseudo-random value to a block of
// the reference lane.
func (a *argon2Instance) indexAlpha(pass, slice, index, rnd uint32, sameLane bool) uint32 {
	var area uint32
	switch {
	case pass == 0 && slice == 0:
		area = index - 1
	case pass == 0 && sameLane:
		area = slice*a.segLen + index - 1
	case pass == 0:
		area = slice * a.segLen
		if index == 0 {
			area--
		}
	case sameLane:
		area = a.laneLen - a.segLen + index - 1
	default:
		area = a.laneLen - a.segLen
		if index == 0 {
			area--
		}
	}
	x := uint64(rnd)
	x = x * x >> 32
	rel := uint64(area) - 1 - (uint64(area) * x >> 32)
	startPos := uint64(0)
	if pass != 0 && slice != argon2SyncPoints-1 {
		startPos = uint64(slice+1) * uint64(a.segLen)
	}
	return uint32((startPos + rel) % uint64(a.laneLen))
}

// argon2Fill is the compression function G: next = P(prev ⊕ ref) ⊕ prev ⊕
// ref, XOR-ed over the old contents of next when xor is set.
func argon2Fill(next, prev, ref *argon2Block, xor bool) {
	var r, tmp argon2Block
	for k := range r {
		r[k] = ref[k] ^ prev[k]
	}
	tmp = r
	if xor {
		for k := range tmp {
			tmp[k] ^= next[k]
		}
	}
	for i := 0; i < 8; i++ {
		v := r[16*i : 16*i+16 : 16*i+16]
		blamkaRound(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
			&v[8], &v[9], &v[10], &v[11], &v[12], &v[13], &v[14], &v[15])
	}
	for i := 0; i < 8; i++ {
		b := 2 * i
		blamkaRound(&r[b], &r[b+1], &r[b+16], &r[b+17], &r[b+32], &r[b+33], &r[b+48], &r[b+49],
			&r[b+64], &r[b+65], &r[b+80], &r[b+81], &r[b+96], &r[b+97], &r[b+112], &r[b+113])
	}
	for k := range next {
		next[k] = tmp[k] ^ r[k]
	}
}

func blamkaRound(v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15 *uint64) {
	blamkaG(v0, v4, v8, v12)
	blamkaG(v1, v5, v9, v13)
	blamkaG(v2, v6, v10, v14)
	blamkaG(v3, v7, v11, v15)
	blamkaG(v0, v5, v10, v15)
	blamkaG(v1, v6, v11, v12)
	blamkaG(v2, v7, v8, v13)
	blamkaG(v3, v4, v9, v14)
}

func blamkaG(a, b, c, d *uint64) {
	fBlaMka := func(x, y uint64) uint64 { return x + y + 2*uint64(uint32(x))*uint64(uint32(y)) }
	*a = fBlaMka(*a, *b)
	*d = bits.RotateLeft64(*d^*a, -32)
	*c = fBlaMka(*c, *d)
	*b = bits.RotateLeft64(*b^*c, -24)
	*a = fBlaMka(*a, *b)
	*d = bits.RotateLeft64(*d^*a, -16)
	*c = fBlaMka(*c, *d)
	*b = bits.RotateLeft64(*b^*c, -63)
}
