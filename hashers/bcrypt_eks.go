package hashers

//go:generate go run gen_blowfish_pi.go

// EksBlowfish, the expensive key schedule under bcrypt, on its own state
// rather than x/crypto/blowfish's: the key and salt are turned into the 18
// words they XOR into the P-array once, not 2^cost times, and the round
// function is arranged so that the XOR with P[i] is off the chain of
// dependent S-box lookups (the expansion is one long chain of encryptions,
// so its latency is its cost). As in every Blowfish, the S-box lookups
// depend on the data; bcrypt's cost comes from that.

// eksBlowfish is the Blowfish state: P-array and S-boxes.
type eksBlowfish struct {
	p              [18]uint32
	s0, s1, s2, s3 [256]uint32
}

// blowfishWords returns the 18 big-endian words of b repeated cyclically
// (b is not empty).
func blowfishWords(b []byte) (w [18]uint32) {
	j := 0
	for i := range w {
		for range 4 {
			w[i] = w[i]<<8 | uint32(b[j])
			if j++; j == len(b) {
				j = 0
			}
		}
	}
	return w
}

// encrypt is one Blowfish encryption of the block (l, r).
func (c *eksBlowfish) encrypt(l, r uint32) (uint32, uint32) {
	p, s0, s1, s2, s3 := &c.p, &c.s0, &c.s1, &c.s2, &c.s3
	l ^= p[0]
	r = r ^ p[1] ^ (((s0[l>>24] + s1[byte(l>>16)]) ^ s2[byte(l>>8)]) + s3[byte(l)])
	l = l ^ p[2] ^ (((s0[r>>24] + s1[byte(r>>16)]) ^ s2[byte(r>>8)]) + s3[byte(r)])
	r = r ^ p[3] ^ (((s0[l>>24] + s1[byte(l>>16)]) ^ s2[byte(l>>8)]) + s3[byte(l)])
	l = l ^ p[4] ^ (((s0[r>>24] + s1[byte(r>>16)]) ^ s2[byte(r>>8)]) + s3[byte(r)])
	r = r ^ p[5] ^ (((s0[l>>24] + s1[byte(l>>16)]) ^ s2[byte(l>>8)]) + s3[byte(l)])
	l = l ^ p[6] ^ (((s0[r>>24] + s1[byte(r>>16)]) ^ s2[byte(r>>8)]) + s3[byte(r)])
	r = r ^ p[7] ^ (((s0[l>>24] + s1[byte(l>>16)]) ^ s2[byte(l>>8)]) + s3[byte(l)])
	l = l ^ p[8] ^ (((s0[r>>24] + s1[byte(r>>16)]) ^ s2[byte(r>>8)]) + s3[byte(r)])
	r = r ^ p[9] ^ (((s0[l>>24] + s1[byte(l>>16)]) ^ s2[byte(l>>8)]) + s3[byte(l)])
	l = l ^ p[10] ^ (((s0[r>>24] + s1[byte(r>>16)]) ^ s2[byte(r>>8)]) + s3[byte(r)])
	r = r ^ p[11] ^ (((s0[l>>24] + s1[byte(l>>16)]) ^ s2[byte(l>>8)]) + s3[byte(l)])
	l = l ^ p[12] ^ (((s0[r>>24] + s1[byte(r>>16)]) ^ s2[byte(r>>8)]) + s3[byte(r)])
	r = r ^ p[13] ^ (((s0[l>>24] + s1[byte(l>>16)]) ^ s2[byte(l>>8)]) + s3[byte(l)])
	l = l ^ p[14] ^ (((s0[r>>24] + s1[byte(r>>16)]) ^ s2[byte(r>>8)]) + s3[byte(r)])
	r = r ^ p[15] ^ (((s0[l>>24] + s1[byte(l>>16)]) ^ s2[byte(l>>8)]) + s3[byte(l)])
	l = l ^ p[16] ^ (((s0[r>>24] + s1[byte(r>>16)]) ^ s2[byte(r>>8)]) + s3[byte(r)])
	return r ^ p[17], l
}

// expand is ExpandKey with a zero salt: P ^= w, then the state is
// re-encrypted from a zero block.
func (c *eksBlowfish) expand(w *[18]uint32) {
	for i := range c.p {
		c.p[i] ^= w[i]
	}
	var l, r uint32
	for i := 0; i < 18; i += 2 {
		l, r = c.encrypt(l, r)
		c.p[i], c.p[i+1] = l, r
	}
	for _, s := range []*[256]uint32{&c.s0, &c.s1, &c.s2, &c.s3} {
		for i := 0; i < 256; i += 2 {
			l, r = c.encrypt(l, r)
			s[i], s[i+1] = l, r
		}
	}
}

// expandSalted is ExpandKey with the salt's words: P ^= w, then each block
// is XORed with the next two salt words before it is encrypted.
func (c *eksBlowfish) expandSalted(w, salt *[18]uint32) {
	for i := range c.p {
		c.p[i] ^= w[i]
	}
	var l, r uint32
	k := 0
	next := func() {
		l ^= salt[k]
		r ^= salt[k+1]
		k = (k + 2) % 4 // a 16-byte salt repeats every four words
	}
	for i := 0; i < 18; i += 2 {
		next()
		l, r = c.encrypt(l, r)
		c.p[i], c.p[i+1] = l, r
	}
	for _, s := range []*[256]uint32{&c.s0, &c.s1, &c.s2, &c.s3} {
		for i := 0; i < 256; i += 2 {
			next()
			l, r = c.encrypt(l, r)
			s[i], s[i+1] = l, r
		}
	}
}

// eksBlowfishRaw is bcrypt's EksBlowfish on ckey (the key with its
// terminating NUL, 1 to 73 bytes) and a 16-byte salt: the salted setup,
// 2^cost rounds of expansion with the key then the salt, then
// "OrpheanBeholderScryDoubt" encrypted 64 times. It returns the 24 bytes.
func eksBlowfishRaw(ckey, salt []byte, cost int) [24]byte {
	var c eksBlowfish
	copy(c.p[:], blowfishPi[:18])
	copy(c.s0[:], blowfishPi[18:])
	copy(c.s1[:], blowfishPi[18+256:])
	copy(c.s2[:], blowfishPi[18+512:])
	copy(c.s3[:], blowfishPi[18+768:])
	kw, sw := blowfishWords(ckey), blowfishWords(salt)
	c.expandSalted(&kw, &sw)
	for i := uint64(0); i < 1<<uint(cost); i++ {
		c.expand(&kw)
		c.expand(&sw)
	}
	data := blowfishWords(bcryptMagic[:])
	for i := 0; i < 6; i += 2 {
		for range 64 {
			data[i], data[i+1] = c.encrypt(data[i], data[i+1])
		}
	}
	var out [24]byte
	for i, w := range data[:6] {
		out[4*i], out[4*i+1], out[4*i+2], out[4*i+3] = byte(w>>24), byte(w>>16), byte(w>>8), byte(w)
	}
	c = eksBlowfish{}
	clear(kw[:])
	return out
}
