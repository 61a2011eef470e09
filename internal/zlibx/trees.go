package zlibx

import "iter"

// Deflate's alphabets and zlib's tree bookkeeping (trees.c).
const (
	lengthCodes = 29
	literals    = 256
	endBlock    = 256
	lCodes      = literals + 1 + lengthCodes // 286
	dCodes      = 30
	blCodes     = 19
	heapSize    = 2*lCodes + 1
	maxBits     = 15
	maxBLBits   = 7

	rep3to6     = 16 // repeat the previous length 3-6 times (2 extra bits)
	repz3to10   = 17 // repeat a zero length 3-10 times (3 extra bits)
	repz11to138 = 18 // repeat a zero length 11-138 times (7 extra bits)
)

var (
	extraLBits  = [lengthCodes]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	extraDBits  = [dCodes]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	extraBLBits = [blCodes]uint8{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7}
	// blOrder is the order in which code length code lengths are sent.
	blOrder = [blCodes]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// node is one entry of a Huffman tree: a symbol (below the alphabet size)
// or an internal node. zlib overlays freq with code and dad with len; they
// are kept apart here, which changes nothing since each is read only in its
// phase.
type node struct {
	freq, code uint16
	dad, len   uint16
}

// staticDesc describes one of the three trees: its fixed-code counterpart
// (for the cost of a static block), extra bits and size.
type staticDesc struct {
	stree     []node // nil for the bit length tree
	extra     []uint8
	extraBase int
	elems     int
	maxLength int
}

// Read-only tables computed once, as zlib's tr_static_init does.
var (
	staticLTree [lCodes + 2]node
	staticDTree [dCodes]node
	lengthCode  [maxMatch - minMatch + 1]uint8 // match length - 3 to length code
	baseLength  [lengthCodes]uint8
	distCode    [512]uint8 // see dCode
	baseDist    [dCodes]uint16

	lDesc  = staticDesc{staticLTree[:], extraLBits[:], literals + 1, lCodes, maxBits}
	dDesc  = staticDesc{staticDTree[:], extraDBits[:], 0, dCodes, maxBits}
	blDesc = staticDesc{nil, extraBLBits[:], 0, blCodes, maxBLBits}
)

func init() {
	length := 0
	for code := 0; code < lengthCodes-1; code++ {
		baseLength[code] = uint8(length)
		for n := 0; n < 1<<extraLBits[code]; n++ {
			lengthCode[length] = uint8(code)
			length++
		}
	}
	// Length 258 could be code 284 with 5 extra bits; zlib sends it as
	// code 285, which needs none.
	lengthCode[length-1] = lengthCodes - 1

	dist := 0
	for code := 0; code < 16; code++ {
		baseDist[code] = uint16(dist)
		for n := 0; n < 1<<extraDBits[code]; n++ {
			distCode[dist] = uint8(code)
			dist++
		}
	}
	dist >>= 7
	for code := 16; code < dCodes; code++ {
		baseDist[code] = uint16(dist << 7)
		for n := 0; n < 1<<(extraDBits[code]-7); n++ {
			distCode[256+dist] = uint8(code)
			dist++
		}
	}

	var count [maxBits + 1]uint16
	for n := range staticLTree {
		l := uint16(8)
		switch {
		case n >= 144 && n <= 255:
			l = 9
		case n >= 256 && n <= 279:
			l = 7
		}
		staticLTree[n].len = l
		count[l]++
	}
	genCodes(staticLTree[:], lCodes+1, &count)
	for n := range staticDTree {
		staticDTree[n].len = 5
		staticDTree[n].code = reverseBits(uint16(n), 5)
	}
}

// dCode maps a match distance minus one to its distance code.
func dCode(dist int) int {
	if dist < 256 {
		return int(distCode[dist])
	}
	return int(distCode[256+dist>>7])
}

func reverseBits(code uint16, n uint16) uint16 {
	var r uint16
	for ; n > 0; n-- {
		r = r<<1 | code&1
		code >>= 1
	}
	return r
}

// trees is the per-block Huffman state.
type trees struct {
	dynL [heapSize]node
	dynD [2*dCodes + 1]node
	bl   [2*blCodes + 1]node

	lMax, dMax int // largest code with a nonzero frequency

	heap    [2*lCodes + 1]int // heap[0] unused; heap[heapMax:] nodes by frequency
	heapLen int
	heapMax int
	depth   [2*lCodes + 1]uint8
	key     [2*lCodes + 1]uint32 // frequency and depth, see setKey
	blCount [maxBits + 1]uint16

	optLen    int // bits of the block with the dynamic trees
	staticLen int // bits of the block with the fixed trees
}

// initBlock clears the frequencies for a new block.
func (d *deflater) initBlock() {
	for n := range lCodes {
		d.dynL[n].freq = 0
	}
	for n := range dCodes {
		d.dynD[n].freq = 0
	}
	for n := range blCodes {
		d.bl[n].freq = 0
	}
	d.dynL[endBlock].freq = 1
	d.optLen, d.staticLen = 0, 0
	d.nsym = 0
}

// tallyLit records a literal and reports whether the symbol buffer is full.
func (d *deflater) tallyLit(c byte) bool {
	d.symDist[d.nsym] = 0
	d.symLC[d.nsym] = c
	d.nsym++
	d.dynL[c].freq++
	return d.nsym == symLimit
}

// tallyMatch records a match (dist >= 1, lc = length - 3) and reports
// whether the symbol buffer is full.
func (d *deflater) tallyMatch(dist, lc int) bool {
	d.symDist[d.nsym] = uint16(dist)
	d.symLC[d.nsym] = uint8(lc)
	d.nsym++
	d.dynL[int(lengthCode[lc])+literals+1].freq++
	d.dynD[dCode(dist-1)].freq++
	return d.nsym == symLimit
}

// setKey records node n's frequency and depth as one number, so that
// comparing keys orders nodes by frequency, then by depth: zlib's
// tie-break that keeps the trees shallow.
func (d *deflater) setKey(n int, freq uint16, depth uint8) {
	d.depth[n] = depth
	d.key[n] = uint32(freq)<<8 | uint32(depth)
}

// smaller reports whether node n goes before node m in the heap.
func (d *deflater) smaller(n, m int) bool { return d.key[n] <= d.key[m] }

// downHeap sifts heap[k] down to its place.
func (d *deflater) downHeap(k int) {
	v := d.heap[k]
	j := k << 1
	for j <= d.heapLen {
		if j < d.heapLen && d.smaller(d.heap[j+1], d.heap[j]) {
			j++
		}
		if d.smaller(v, d.heap[j]) {
			break
		}
		d.heap[k] = d.heap[j]
		k = j
		j <<= 1
	}
	d.heap[k] = v
}

// buildTree builds the Huffman tree for t's frequencies as zlib does,
// setting lengths and codes and adding the block's cost to optLen and
// staticLen; it returns the largest code with a nonzero frequency.
func (d *deflater) buildTree(t []node, sd *staticDesc) int {
	d.heapLen = 0
	d.heapMax = heapSize
	maxCode := -1
	for n := range sd.elems {
		if t[n].freq != 0 {
			d.heapLen++
			d.heap[d.heapLen] = n
			maxCode = n
			d.setKey(n, t[n].freq, 0)
		} else {
			t[n].len = 0
		}
	}
	// Deflate wants at least two codes of nonzero length: zlib adds
	// symbols of frequency 1 (the next ones after a small max code, else
	// symbol 0) and does not count them in the cost.
	for d.heapLen < 2 {
		n := 0
		if maxCode < 2 {
			maxCode++
			n = maxCode
		}
		d.heapLen++
		d.heap[d.heapLen] = n
		t[n].freq = 1
		d.setKey(n, 1, 0)
		d.optLen--
		if sd.stree != nil {
			d.staticLen -= int(sd.stree[n].len)
		}
	}

	for n := d.heapLen / 2; n >= 1; n-- {
		d.downHeap(n)
	}

	next := sd.elems
	for {
		n := d.heap[1]
		d.heap[1] = d.heap[d.heapLen]
		d.heapLen--
		d.downHeap(1)
		m := d.heap[1]

		d.heapMax--
		d.heap[d.heapMax] = n
		d.heapMax--
		d.heap[d.heapMax] = m

		t[next].freq = t[n].freq + t[m].freq
		d.setKey(next, t[next].freq, max(d.depth[n], d.depth[m])+1)
		t[n].dad, t[m].dad = uint16(next), uint16(next)
		d.heap[1] = next
		next++
		d.downHeap(1)
		if d.heapLen < 2 {
			break
		}
	}
	d.heapMax--
	d.heap[d.heapMax] = d.heap[1]

	d.genBitLen(t, maxCode, sd)
	genCodes(t, maxCode, &d.blCount)
	return maxCode
}

// genBitLen sets code lengths from the tree, clamping them at the maximum
// with zlib's repair of the counts, and adds the costs.
func (d *deflater) genBitLen(t []node, maxCode int, sd *staticDesc) {
	d.blCount = [maxBits + 1]uint16{}
	t[d.heap[d.heapMax]].len = 0 // the root
	overflow := 0
	h := d.heapMax + 1
	for ; h < heapSize; h++ {
		n := d.heap[h]
		bits := int(t[t[n].dad].len) + 1
		if bits > sd.maxLength {
			bits = sd.maxLength
			overflow++ // counted for internal nodes too, as zlib does
		}
		t[n].len = uint16(bits)
		if n > maxCode {
			continue // internal node
		}
		d.blCount[bits]++
		xbits := 0
		if n >= sd.extraBase {
			xbits = int(sd.extra[n-sd.extraBase])
		}
		f := int(t[n].freq)
		d.optLen += f * (bits + xbits)
		if sd.stree != nil {
			d.staticLen += f * (int(sd.stree[n].len) + xbits)
		}
	}
	if overflow == 0 {
		return
	}
	// Move leaves down from the deepest non-full level until the counts
	// describe a complete code within the limit.
	for {
		bits := sd.maxLength - 1
		for d.blCount[bits] == 0 {
			bits--
		}
		d.blCount[bits]--
		d.blCount[bits+1] += 2
		d.blCount[sd.maxLength]--
		overflow -= 2
		if overflow <= 0 {
			break
		}
	}
	// Hand the lengths out again to the leaves, the least frequent ones
	// (at the end of the heap) taking the longest.
	h = heapSize
	for bits := sd.maxLength; bits != 0; bits-- {
		for n := d.blCount[bits]; n != 0; {
			h--
			m := d.heap[h]
			if m > maxCode {
				continue
			}
			if int(t[m].len) != bits {
				d.optLen += (bits - int(t[m].len)) * int(t[m].freq)
				t[m].len = uint16(bits)
			}
			n--
		}
	}
}

// genCodes gives the symbols 0..maxCode canonical codes (bit-reversed for
// sending) from their lengths.
func genCodes(t []node, maxCode int, count *[maxBits + 1]uint16) {
	var next [maxBits + 1]uint16
	code := uint32(0)
	for bits := 1; bits <= maxBits; bits++ {
		code = (code + uint32(count[bits-1])) << 1
		next[bits] = uint16(code)
	}
	for n := 0; n <= maxCode; n++ {
		l := t[n].len
		if l == 0 {
			continue
		}
		t[n].code = reverseBits(next[l], l)
		next[l]++
	}
}

// lengthRun is a run of equal code lengths as zlib sends them: len, count
// times; prev, the length of the run before (-1 for none); short when the
// run is too short for a repeat code and goes out one length at a time.
type lengthRun struct {
	len, count, prev int
	short            bool
}

// lengthRuns yields the runs in which zlib sends t's lengths up to maxCode
// (runs of zeros up to 138, of other lengths up to 7, or 6 after a run of
// the same length), for scanTree to count and sendTree to send.
// t[maxCode+1].len must be the guard scanTree sets.
func lengthRuns(t []node, maxCode int) iter.Seq[lengthRun] {
	return func(yield func(lengthRun) bool) {
		prevLen := -1
		nextLen := int(t[0].len)
		count := 0
		maxCount, minCount := 7, 4
		if nextLen == 0 {
			maxCount, minCount = 138, 3
		}
		for n := 0; n <= maxCode; n++ {
			curLen := nextLen
			nextLen = int(t[n+1].len)
			count++
			if count < maxCount && curLen == nextLen {
				continue
			}
			if !yield(lengthRun{len: curLen, count: count, prev: prevLen, short: count < minCount}) {
				return
			}
			count = 0
			prevLen = curLen
			switch {
			case nextLen == 0:
				maxCount, minCount = 138, 3
			case curLen == nextLen:
				maxCount, minCount = 6, 3
			default:
				maxCount, minCount = 7, 4
			}
		}
	}
}

// scanTree counts, in the bit length tree, the codes that will send t's
// lengths (runs of equal lengths become repeat codes).
func (d *deflater) scanTree(t []node, maxCode int) {
	t[maxCode+1].len = 0xffff // guard
	for r := range lengthRuns(t, maxCode) {
		switch {
		case r.short:
			d.bl[r.len].freq += uint16(r.count)
		case r.len != 0:
			if r.len != r.prev {
				d.bl[r.len].freq++
			}
			d.bl[rep3to6].freq++
		case r.count <= 10:
			d.bl[repz3to10].freq++
		default:
			d.bl[repz11to138].freq++
		}
	}
}

// sendTree sends t's lengths with the bit length codes, in the same runs
// scanTree counted.
func (d *deflater) sendTree(t []node, maxCode int) {
	for r := range lengthRuns(t, maxCode) {
		switch {
		case r.short:
			for range r.count {
				d.sendCode(r.len, d.bl[:])
			}
		case r.len != 0:
			count := r.count
			if r.len != r.prev {
				d.sendCode(r.len, d.bl[:])
				count--
			}
			d.sendCode(rep3to6, d.bl[:])
			d.sendBits(uint32(count-3), 2)
		case r.count <= 10:
			d.sendCode(repz3to10, d.bl[:])
			d.sendBits(uint32(r.count-3), 3)
		default:
			d.sendCode(repz11to138, d.bl[:])
			d.sendBits(uint32(r.count-11), 7)
		}
	}
}

// buildBLTree builds the bit length tree and returns the index in blOrder
// of the last length to send (at least 3: four are always sent).
func (d *deflater) buildBLTree() int {
	d.scanTree(d.dynL[:], d.lMax)
	d.scanTree(d.dynD[:], d.dMax)
	d.buildTree(d.bl[:], &blDesc)
	maxIndex := blCodes - 1
	for ; maxIndex >= 3; maxIndex-- {
		if d.bl[blOrder[maxIndex]].len != 0 {
			break
		}
	}
	d.optLen += 3*(maxIndex+1) + 5 + 5 + 4
	return maxIndex
}

// flushTrees writes the current block (zlib's _tr_flush_block): stored when
// its bytes are at hand and that is no longer than the compressed forms,
// else with the fixed codes when they are no longer than the dynamic ones,
// else with dynamic trees.
func (d *deflater) flushTrees(buf []byte, storedLen int, last bool) {
	lastBit := uint32(0)
	if last {
		lastBit = 1
	}
	d.lMax = d.buildTree(d.dynL[:], &lDesc)
	d.dMax = d.buildTree(d.dynD[:], &dDesc)
	maxIndex := d.buildBLTree()
	optLenB := (d.optLen + 3 + 7) >> 3
	staticLenB := (d.staticLen + 3 + 7) >> 3
	if staticLenB <= optLenB {
		optLenB = staticLenB
	}

	switch {
	case storedLen+4 <= optLenB && buf != nil:
		d.storedBlock(buf, lastBit)
	case staticLenB == optLenB:
		d.sendBits(1<<1+lastBit, 3)
		d.compressBlock(staticLTree[:], staticDTree[:])
	default:
		d.sendBits(2<<1+lastBit, 3)
		d.sendAllTrees(d.lMax+1, d.dMax+1, maxIndex+1)
		d.compressBlock(d.dynL[:], d.dynD[:])
	}
	d.initBlock()
	if last {
		d.windup()
	}
}

// storedBlock writes buf as a stored block (zlib's _tr_stored_block).
func (d *deflater) storedBlock(buf []byte, lastBit uint32) {
	d.sendBits(lastBit, 3)
	d.windup()
	n := uint16(len(buf))
	d.out = append(d.out, byte(n), byte(n>>8), byte(^n), byte(^n>>8))
	d.out = append(d.out, buf...)
}

// sendAllTrees sends the header of a dynamic block: the counts, the bit
// length code lengths and the two trees.
func (d *deflater) sendAllTrees(lcodes, dcodes, blcodes int) {
	d.sendBits(uint32(lcodes-257), 5)
	d.sendBits(uint32(dcodes-1), 5)
	d.sendBits(uint32(blcodes-4), 4)
	for rank := range blcodes {
		d.sendBits(uint32(d.bl[blOrder[rank]].len), 3)
	}
	d.sendTree(d.dynL[:], lcodes-1)
	d.sendTree(d.dynD[:], dcodes-1)
}

// compressBlock sends the block's symbols with the given trees.
func (d *deflater) compressBlock(lt, dt []node) {
	for i := range d.nsym {
		dist := int(d.symDist[i])
		lc := int(d.symLC[i])
		if dist == 0 {
			d.sendCode(lc, lt)
			continue
		}
		code := int(lengthCode[lc])
		d.sendCode(code+literals+1, lt)
		if extra := extraLBits[code]; extra != 0 {
			d.sendBits(uint32(lc-int(baseLength[code])), uint(extra))
		}
		dist--
		code = dCode(dist)
		d.sendCode(code, dt)
		if extra := extraDBits[code]; extra != 0 {
			d.sendBits(uint32(dist-int(baseDist[code])), uint(extra))
		}
	}
	d.sendCode(endBlock, lt)
}

func (d *deflater) sendCode(c int, t []node) { d.sendBits(uint32(t[c].code), uint(t[c].len)) }

// sendBits appends the n low bits of v to the stream, least significant
// bit first as deflate packs them.
func (d *deflater) sendBits(v uint32, n uint) {
	d.bitBuf |= uint64(v) << d.bitCnt
	d.bitCnt += n
	if d.bitCnt >= 32 {
		b := d.bitBuf
		d.out = append(d.out, byte(b), byte(b>>8), byte(b>>16), byte(b>>24))
		d.bitBuf >>= 32
		d.bitCnt -= 32
	}
}

// windup flushes the pending bits up to a byte boundary.
func (d *deflater) windup() {
	for n := (d.bitCnt + 7) / 8; n > 0; n-- {
		d.out = append(d.out, byte(d.bitBuf))
		d.bitBuf >>= 8
	}
	d.bitBuf, d.bitCnt = 0, 0
}
