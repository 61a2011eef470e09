package mcpool

import (
	"crypto/md5"
	"encoding/binary"
	"hash/crc32"
	"math/bits"
)

// murmur3 is MurmurHash3 (x86, 32-bit) with seed 0 as pymemcache computes
// it over a Python str: each character counts as one byte, its code point
// taken modulo 256 (pymemcache masks every character but the fourth of a
// block with 0xff and keeps only the low 32 bits of its arithmetic, which
// comes to the same), and the length is the number of characters.
func murmur3(data []byte) uint32 {
	var m murmurPrefix
	return m.sum(data)
}

// murmurPrefix is MurmurHash3's state after a prefix: the hash of its
// whole blocks and the bytes left over. Rendezvous hashing hashes
// "name-" + key for every server; the name's part is done once.
type murmurPrefix struct {
	h    uint32
	pend [3]byte
	np   int
	n    int // bytes in the prefix
}

func newMurmurPrefix(p []byte) murmurPrefix {
	m := murmurPrefix{n: len(p)}
	for ; len(p) >= 4; p = p[4:] {
		m.h = murmurBlock(m.h, binary.LittleEndian.Uint32(p))
	}
	m.np = copy(m.pend[:], p)
	return m
}

// murmurBlock mixes a whole 4-byte block k into h.
func murmurBlock(h, k uint32) uint32 {
	h ^= murmurScramble(k)
	h = bits.RotateLeft32(h, 13)
	return h*5 + 0xe6546b64
}

// murmurScramble is what MurmurHash3 does to each block, the last partial
// one included, before mixing it in.
func murmurScramble(k uint32) uint32 {
	k *= 0xcc9e2d51
	k = bits.RotateLeft32(k, 15)
	return k * 0x1b873593
}

// sum returns the hash of the prefix followed by data.
func (m *murmurPrefix) sum(data []byte) uint32 {
	h, total := m.h, m.n+len(data)
	var blk [4]byte
	var tail []byte
	if m.np > 0 {
		copy(blk[:], m.pend[:m.np])
		need := 4 - m.np
		if len(data) < need {
			copy(blk[m.np:], data)
			tail = blk[:m.np+len(data)]
			data = nil
		} else {
			copy(blk[m.np:], data[:need])
			h = murmurBlock(h, binary.LittleEndian.Uint32(blk[:]))
			data = data[need:]
		}
	}
	if tail == nil {
		for ; len(data) >= 4; data = data[4:] {
			h = murmurBlock(h, binary.LittleEndian.Uint32(data))
		}
		tail = data
	}
	if len(tail) > 0 {
		h ^= murmurScramble(le32(tail))
	}
	return fmix(h ^ uint32(total))
}

func fmix(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// appendLowBytes appends the low byte of each character of s (read as
// UTF-8), the bytes pymemcache's murmur3 sees for a Python str.
func appendLowBytes(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x80 {
			b = append(b, s[i])
			continue
		}
		for _, r := range s[i:] {
			b = append(b, byte(r))
		}
		return b
	}
	return b
}

// hashFunc is a libmemcached key hash (pylibmc's "hash" behaviour). The
// values are libmemcached's memcached_hash_t.
type hashFunc int

// libmemcached hashes. Hsieh is not compiled into Debian's libmemcached
// (pylibmc refuses it there), and Custom cannot be set from Python.
const (
	// hashDefault is Bob Jenkins' one-at-a-time hash, libmemcached's
	// default ("default").
	hashDefault hashFunc = iota
	// hashMD5 is the first four bytes of the MD5 digest, little-endian.
	hashMD5
	// hashCRC is the upper half of CRC-32, masked to 15 bits.
	hashCRC
	// hashFNV1_64 is 64-bit FNV-1 truncated to 32 bits.
	hashFNV1_64
	// hashFNV1A_64 is libmemcached's "fnv1a_64": 32-bit FNV-1a with the
	// 64-bit constants truncated to 32 bits.
	hashFNV1A_64
	// hashFNV1_32 is 32-bit FNV-1.
	hashFNV1_32
	// hashFNV1A_32 is 32-bit FNV-1a.
	hashFNV1A_32
	hashHsieh
	// hashMurmur is MurmurHash2 with libmemcached's seed.
	hashMurmur
	// hashJenkins is Bob Jenkins' lookup3 hashlittle with libmemcached's
	// initial value.
	hashJenkins
)

var hashNames = map[string]hashFunc{
	"default": hashDefault, "md5": hashMD5, "crc": hashCRC,
	"fnv1_64": hashFNV1_64, "fnv1a_64": hashFNV1A_64, "fnv1_32": hashFNV1_32,
	"fnv1a_32": hashFNV1A_32, "murmur": hashMurmur, "jenkins": hashJenkins,
}

// sum hashes key as libmemcached does. libmemcached reads the key through
// a (signed) char on the platforms Debian builds for, so bytes of 0x80 and
// over enter one-at-a-time and the FNV hashes sign-extended.
func (h hashFunc) sum(key []byte) uint32 {
	switch h {
	case hashMD5:
		d := md5.Sum(key)
		return binary.LittleEndian.Uint32(d[:4])
	case hashCRC:
		return crc15(key)
	case hashFNV1_64:
		v := uint64(0xcbf29ce484222325)
		for _, c := range key {
			v *= 0x100000001b3
			v ^= uint64(int64(int8(c)))
		}
		return uint32(v)
	case hashFNV1A_64:
		v := uint32(0x84222325)
		for _, c := range key {
			v ^= signed(c)
			v *= 0x1b3
		}
		return v
	case hashFNV1_32:
		v := uint32(2166136261)
		for _, c := range key {
			v *= 16777619
			v ^= signed(c)
		}
		return v
	case hashFNV1A_32:
		v := uint32(2166136261)
		for _, c := range key {
			v ^= signed(c)
			v *= 16777619
		}
		return v
	case hashMurmur:
		return murmur2(key)
	case hashJenkins:
		return jenkins(key)
	}
	var v uint32 // one at a time
	for _, c := range key {
		v += signed(c)
		v += v << 10
		v ^= v >> 6
	}
	v += v << 3
	v ^= v >> 11
	v += v << 15
	return v
}

// crc15 is bits 16 to 30 of the CRC-32 of key.
func crc15(key []byte) uint32 { return crc32.ChecksumIEEE(key) >> 16 & 0x7fff }

// le32 reads up to 4 bytes as a little-endian word, missing high bytes
// zero.
func le32(p []byte) uint32 {
	var w uint32
	for i, x := range p {
		w |= uint32(x) << (8 * i)
	}
	return w
}

// signed is a byte read through a signed char and widened to 32 bits.
func signed(c byte) uint32 { return uint32(int32(int8(c))) }

// murmur2 is libmemcached's MurmurHash2: seed 0xdeadbeef times the length.
func murmur2(key []byte) uint32 {
	const m = 0x5bd1e995
	n := len(key)
	h := 0xdeadbeef*uint32(n) ^ uint32(n)
	for ; len(key) >= 4; key = key[4:] {
		k := binary.LittleEndian.Uint32(key)
		k *= m
		k ^= k >> 24
		k *= m
		h *= m
		h ^= k
	}
	if len(key) > 0 {
		h ^= le32(key)
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

// jenkins is lookup3's hashlittle with a=b=c=0xdeadbeef+len+13, bytes
// unsigned, as libmemcached computes it on a little-endian machine.
func jenkins(key []byte) uint32 {
	a := 0xdeadbeef + uint32(len(key)) + 13
	b, c := a, a
	for len(key) > 12 {
		a += le32(key[0:4])
		b += le32(key[4:8])
		c += le32(key[8:12])
		// mix
		a -= c
		a ^= bits.RotateLeft32(c, 4)
		c += b
		b -= a
		b ^= bits.RotateLeft32(a, 6)
		a += c
		c -= b
		c ^= bits.RotateLeft32(b, 8)
		b += a
		a -= c
		a ^= bits.RotateLeft32(c, 16)
		c += b
		b -= a
		b ^= bits.RotateLeft32(a, 19)
		a += c
		c -= b
		c ^= bits.RotateLeft32(b, 4)
		b += a
		key = key[12:]
	}
	if len(key) == 0 {
		return c
	}
	a += le32(key[:min(4, len(key))])
	if len(key) > 4 {
		b += le32(key[4:min(8, len(key))])
	}
	if len(key) > 8 {
		c += le32(key[8:])
	}
	// final
	c ^= b
	c -= bits.RotateLeft32(b, 14)
	a ^= c
	a -= bits.RotateLeft32(c, 11)
	b ^= a
	b -= bits.RotateLeft32(a, 25)
	c ^= b
	c -= bits.RotateLeft32(b, 16)
	a ^= c
	a -= bits.RotateLeft32(c, 4)
	b ^= a
	b -= bits.RotateLeft32(a, 14)
	c ^= b
	c -= bits.RotateLeft32(b, 24)
	return c
}

// cmemcacheHash is python-memcached's server hash: bits 16 to 30 of the
// CRC-32 of the key, or 1 when they are all zero.
func cmemcacheHash(key []byte) uint32 {
	if v := crc15(key); v != 0 {
		return v
	}
	return 1
}

func md5Sum(s string) [16]byte { return md5.Sum([]byte(s)) }
