package zlibx

import (
	"encoding/binary"
	"math/bits"
)

// Sizes as zlib sets them for windowBits 15 and memLevel 8.
const (
	wBits      = 15
	wSize      = 1 << wBits // the sliding window
	wMask      = wSize - 1
	windowSize = 2 * wSize // the buffer holds two windows

	hashBits  = 8 + 7 // memLevel + 7
	hashSize  = 1 << hashBits
	hashMask  = hashSize - 1
	hashShift = (hashBits + minMatch - 1) / minMatch // 5: three bytes fill the hash

	minMatch     = 3
	maxMatch     = 258
	minLookahead = maxMatch + minMatch + 1 // input kept ahead of strstart when there is more
	maxDist      = wSize - minLookahead    // farthest match zlib looks at
	tooFar       = 4096                    // the lazy matcher drops 3-byte matches farther than this
	winInit      = maxMatch                // bytes zeroed past the data (zlib's high water mark)

	litBufSize = 1 << (8 + 6) // memLevel + 6: the symbol buffer
	symLimit   = litBufSize - 1
)

// deflater is the state of one compression: zlib's deflate_state for the
// parts a one-shot compress2 uses.
type deflater struct {
	src []byte // the whole input
	in  []byte // input not yet read into the window
	out []byte // output so far

	// The window. The slack past windowSize is never read by zlib's
	// algorithm; it only spares bounds checks their worst case.
	window    [windowSize + 2*maxMatch]byte
	highWater int // bytes of window ever written or zeroed

	// Hash chains: head[h] is the latest position whose three bytes hash to
	// h, prev[pos&wMask] the one before it with the same hash, 0 ending a
	// chain (so position 0 is never a match source, as in zlib).
	head [hashSize]uint16
	prev [wSize]uint16
	insH uint32 // rolling hash of the three bytes at the next position to insert

	strstart   int // start of the string to compress
	lookahead  int // valid bytes from strstart on
	blockStart int // window position where the current block began; negative once slid away
	insert     int // bytes at the end of the previous input not yet hashed

	matchStart     int
	matchLength    int
	prevMatch      int
	prevLength     int
	matchAvailable bool

	// Symbols of the current block: a literal has dist 0 and lc the byte;
	// a match has its distance and lc = length - 3.
	symDist [litBufSize]uint16
	symLC   [litBufSize]uint8
	nsym    int

	trees

	bitBuf uint64
	bitCnt uint
}

// reset is deflateInit2 and deflateReset: an empty window and hash,
// fresh trees.
func (d *deflater) reset() {
	clear(d.head[:])
	d.highWater = 0
	d.insH = 0
	d.strstart, d.lookahead, d.blockStart, d.insert = 0, 0, 0, 0
	d.matchStart, d.prevMatch = 0, 0
	d.matchLength, d.prevLength = minMatch-1, minMatch-1
	d.matchAvailable = false
	d.bitBuf, d.bitCnt = 0, 0
	d.initBlock()
}

// updateHash folds byte c into hash h: zlib's UPDATE_HASH. After three
// bytes the older ones are shifted out of the 15 bits.
func updateHash(h uint32, c byte) uint32 { return (h<<hashShift ^ uint32(c)) & hashMask }

// insertString hashes the three bytes at str, links str into its chain and
// returns the previous head of that chain (zlib's INSERT_STRING).
func (d *deflater) insertString(str int) int {
	d.insH = updateHash(d.insH, d.window[str+minMatch-1])
	h := d.head[d.insH]
	d.prev[str&wMask] = h
	d.head[d.insH] = uint16(str)
	return int(h)
}

// slideHash moves every chain entry down by a window, dropping those that
// fall off (zlib's slide_hash).
func (d *deflater) slideHash() {
	for i, m := range d.head {
		if m >= wSize {
			d.head[i] = m - wSize
		} else {
			d.head[i] = 0
		}
	}
	for i, m := range d.prev {
		if m >= wSize {
			d.prev[i] = m - wSize
		} else {
			d.prev[i] = 0
		}
	}
}

// fillWindow reads input into the window when the lookahead runs short,
// first sliding the upper window down once strstart is deep in it, as
// zlib's fill_window does; bytes that zlib's matcher may read past the data
// are zeroed the first time, tracked by the high water mark.
func (d *deflater) fillWindow() {
	for {
		more := windowSize - d.lookahead - d.strstart
		if d.strstart >= wSize+maxDist {
			// zlib copies the upper window less the free tail; the bytes
			// past that stay as they were, and its matcher may read them.
			copy(d.window[:wSize-more], d.window[wSize:windowSize-more])
			d.matchStart -= wSize
			d.strstart -= wSize
			d.blockStart -= wSize
			if d.insert > d.strstart {
				d.insert = d.strstart
			}
			d.slideHash()
			more += wSize
		}
		if len(d.in) == 0 {
			break
		}
		at := d.strstart + d.lookahead
		n := copy(d.window[at:at+more], d.in)
		d.in = d.in[n:]
		d.lookahead += n

		// Hash the bytes left over from before now that the bytes after
		// them are here.
		if d.lookahead+d.insert >= minMatch {
			str := d.strstart - d.insert
			d.insH = uint32(d.window[str])
			d.insH = updateHash(d.insH, d.window[str+1])
			for d.insert > 0 {
				d.insH = updateHash(d.insH, d.window[str+minMatch-1])
				d.prev[str&wMask] = d.head[d.insH]
				d.head[d.insH] = uint16(str)
				str++
				d.insert--
				if d.lookahead+d.insert < minMatch {
					break
				}
			}
		}
		if d.lookahead >= minLookahead || len(d.in) == 0 {
			break
		}
	}

	if d.highWater < windowSize {
		curr := d.strstart + d.lookahead
		if d.highWater < curr {
			n := min(windowSize-curr, winInit)
			clear(d.window[curr : curr+n])
			d.highWater = curr + n
		} else if d.highWater < curr+winInit {
			n := min(curr+winInit-d.highWater, windowSize-d.highWater)
			clear(d.window[d.highWater : d.highWater+n])
			d.highWater += n
		}
	}
}

// longestMatch follows the hash chain from cur and returns the length of
// the longest match for the string at strstart (at least prevLength),
// setting matchStart, with zlib's limits: at most chain candidates (a
// quarter once prevLength reaches goodLength), distance at most maxDist, stop at
// niceLength, never longer than the lookahead. Like zlib it takes the third byte
// of a candidate on trust from the hash and only checks the first two.
func (d *deflater) longestMatch(cur int) int {
	chain := maxChain
	best := d.prevLength
	nice := niceLength
	limit := 0
	if d.strstart > maxDist {
		limit = d.strstart - maxDist
	}
	w := d.window[:]
	scan := d.strstart
	if d.prevLength >= goodLength {
		chain >>= 2
	}
	if nice > d.lookahead {
		nice = d.lookahead
	}
	// Two bytes are compared at a time where zlib compares them one by
	// one (the bytes at best-1 and best, then the first two), and the rest
	// eight at a time: the outcome is the same.
	start := le16(w, scan)
	end := le16(w, scan+best-1)
	for {
		if le16(w, cur+best-1) == end && le16(w, cur) == start {
			// The match length is the offset of the first differing
			// byte from 3 on, at most maxMatch.
			n := 3
			for n < maxMatch {
				if x := le64(w, scan+n) ^ le64(w, cur+n); x != 0 {
					n += bits.TrailingZeros64(x) >> 3
					break
				}
				n += 8
			}
			n = min(n, maxMatch)
			if n > best {
				d.matchStart = cur
				best = n
				if n >= nice {
					break
				}
				end = le16(w, scan+best-1)
			}
		}
		cur = int(d.prev[cur&wMask])
		if cur <= limit {
			break
		}
		chain--
		if chain == 0 {
			break
		}
	}
	return min(best, d.lookahead)
}

func le16(b []byte, i int) uint16 { return binary.LittleEndian.Uint16(b[i:]) }
func le64(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i:]) }

// flushBlock ends the current block at strstart (zlib's FLUSH_BLOCK_ONLY):
// the block's bytes are still in the window unless it has been slid away.
func (d *deflater) flushBlock(last bool) {
	n := d.strstart - d.blockStart
	var buf []byte
	if d.blockStart >= 0 {
		buf = d.window[d.blockStart : d.blockStart+n]
	}
	d.flushTrees(buf, n, last)
	d.blockStart = d.strstart
}

// deflateSlow is zlib's deflate_slow (the lazy matcher of levels 4-9, so
// of level 6): a match is emitted only when the match found one byte later
// is not longer; 3-byte matches farther than tooFar count as none.
func (d *deflater) deflateSlow() {
	for {
		if d.lookahead < minLookahead {
			d.fillWindow()
			if d.lookahead == 0 {
				break
			}
		}
		head := 0
		if d.lookahead >= minMatch {
			head = d.insertString(d.strstart)
		}
		d.prevLength, d.prevMatch = d.matchLength, d.matchStart
		d.matchLength = minMatch - 1

		if head != 0 && d.prevLength < maxLazy && d.strstart-head <= maxDist {
			d.matchLength = d.longestMatch(head)
			if d.matchLength == minMatch && d.strstart-d.matchStart > tooFar {
				d.matchLength = minMatch - 1
			}
		}

		switch {
		case d.prevLength >= minMatch && d.matchLength <= d.prevLength:
			// The previous match wins: emit it and hash the strings
			// inside it while there are three bytes to hash.
			maxInsert := d.strstart + d.lookahead - minMatch
			flush := d.tallyMatch(d.strstart-1-d.prevMatch, d.prevLength-minMatch)
			d.lookahead -= d.prevLength - 1
			d.prevLength -= 2
			for {
				d.strstart++
				if d.strstart <= maxInsert {
					d.insertString(d.strstart)
				}
				d.prevLength--
				if d.prevLength == 0 {
					break
				}
			}
			d.matchAvailable = false
			d.matchLength = minMatch - 1
			d.strstart++
			if flush {
				d.flushBlock(false)
			}
		case d.matchAvailable:
			// No better match here: the byte before is a literal.
			if d.tallyLit(d.window[d.strstart-1]) {
				d.flushBlock(false)
			}
			d.strstart++
			d.lookahead--
		default:
			d.matchAvailable = true
			d.strstart++
			d.lookahead--
		}
	}
	if d.matchAvailable {
		d.tallyLit(d.window[d.strstart-1])
		d.matchAvailable = false
	}
	d.insert = min(d.strstart, minMatch-1)
	d.flushBlock(true)
}
