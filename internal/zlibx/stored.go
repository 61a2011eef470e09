package zlibx

// Level 0 writes stored blocks only, but where zlib cuts them depends on the
// output space the caller gives each deflate call: zlib copies input
// straight to the output in blocks as large as that space allows, and
// otherwise gathers input in its window and pending buffer. So level 0 is
// reproduced together with CPython 3.11's zlib.compress loop, which starts
// with a 32 KiB output block and, each time deflate fills the space, adds a
// block of the next size in its table and calls deflate again.

const (
	maxStored      = 65535          // longest stored block
	pendingBufSize = litBufSize * 4 // zlib's pending buffer (64 KiB at memLevel 8)
	storedHeader   = 5              // block header bytes when no bits are pending
)

// cpythonBlocks are the sizes of the output blocks CPython's zlib.compress
// allocates in turn (the last repeats).
var cpythonBlocks = [...]int{32 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 8 << 20, 16 << 20, 16 << 20,
	32 << 20, 32 << 20, 32 << 20, 32 << 20, 64 << 20, 64 << 20, 128 << 20, 128 << 20, 256 << 20}

// storedSim is the output side of a level 0 compression: zlib's pending
// buffer and the space left in the caller's current output block.
type storedSim struct {
	pend   []byte // zlib's pending bytes, not yet in the output
	avail  int    // zlib's avail_out
	blocks int    // output blocks handed to zlib so far
	pos    int    // input bytes read so far (for next_in - n)
}

// flushPending moves as much of the pending bytes to the output as fits.
func (d *deflater) flushPending(s *storedSim) {
	n := min(len(s.pend), s.avail)
	d.out = append(d.out, s.pend[:n]...)
	s.avail -= n
	s.pend = s.pend[:copy(s.pend, s.pend[n:])]
}

// storedHead appends a stored block header for n bytes to the pending
// buffer (zlib's _tr_stored_block; no bits are ever pending at level 0, so
// the three header bits fill one byte).
func storedHead(p []byte, n int, last bool) []byte {
	b := byte(0)
	if last {
		b = 1
	}
	return append(p, b, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
}

// deflateStored runs level 0 as CPython's zlib.compress drives it. The
// header bytes are already in d.out.
func (d *deflater) deflateStored() {
	s := &storedSim{pend: d.pendBuf[:0], avail: cpythonBlocks[0] - len(d.out), blocks: 1}
	defer func() { d.pendBuf = s.pend[:0] }()
	finished, trailer := false, false
	for {
		// One deflate(Z_FINISH) call.
		called := true
		if len(s.pend) > 0 {
			d.flushPending(s)
			if s.avail == 0 {
				called = false
			}
		}
		if called {
			if !finished {
				done, last := d.storedStep(s)
				if last {
					finished = true
				}
				if !done {
					if s.avail != 0 {
						// CPython calls deflate again only when it
						// filled the output; zlib does not stop
						// short like this with Z_FINISH.
						return
					}
					called = false
				}
			}
		}
		if called {
			if !trailer {
				// The Adler-32 trailer goes through the pending buffer
				// like the rest; placeholders stand for it here, and
				// compress appends the real bytes.
				trailer = true
				s.pend = append(s.pend, 0, 0, 0, 0)
				d.flushPending(s)
			}
			if len(s.pend) == 0 {
				d.out = d.out[:len(d.out)-4]
				return
			}
		}
		// deflate filled the output: CPython adds a block.
		i := min(s.blocks, len(cpythonBlocks)-1)
		s.avail = cpythonBlocks[i]
		s.blocks++
	}
}

// storedStep is zlib's deflate_stored with Z_FINISH: it reports whether it
// finished (the last block fully written to the output) and whether the
// last block has been made (perhaps still pending).
func (d *deflater) storedStep(s *storedSim) (done, lastMade bool) {
	minBlock := min(pendingBufSize-storedHeader, wSize)
	last := false
	used := len(d.in)

	// Copy blocks straight from the window and the input to the output,
	// as long as the output space allows blocks of minBlock or more, or
	// all that is left.
	for {
		n := maxStored
		if s.avail < storedHeader {
			break
		}
		have := s.avail - storedHeader
		left := d.strstart - d.blockStart
		n = min(n, left+len(d.in), have)
		if n < minBlock && n != left+len(d.in) {
			break
		}
		last = n == left+len(d.in)
		s.pend = storedHead(s.pend, n, last)
		d.flushPending(s)
		if left > 0 {
			l := min(left, n)
			d.out = append(d.out, d.window[d.blockStart:d.blockStart+l]...)
			s.avail -= l
			d.blockStart += l
			n -= l
		}
		if n > 0 {
			d.out = append(d.out, d.in[:n]...)
			d.in = d.in[n:]
			s.pos += n
			s.avail -= n
		}
		if last {
			break
		}
	}

	// Keep the last window of what went straight through as history.
	used -= len(d.in)
	if used > 0 {
		if used >= wSize {
			copy(d.window[:wSize], d.src[s.pos-wSize:s.pos])
			d.strstart = wSize
		} else {
			if windowSize-d.strstart <= used {
				d.strstart -= wSize
				copy(d.window[:d.strstart], d.window[wSize:wSize+d.strstart])
			}
			copy(d.window[d.strstart:], d.src[s.pos-used:s.pos])
			d.strstart += used
		}
		d.blockStart = d.strstart
	}
	if last {
		return true, true
	}

	// Read what input fits into the window, sliding it if the block
	// start allows.
	have := windowSize - d.strstart
	if len(d.in) > have && d.blockStart >= wSize {
		d.blockStart -= wSize
		d.strstart -= wSize
		copy(d.window[:d.strstart], d.window[wSize:wSize+d.strstart])
		have += wSize
	}
	have = min(have, len(d.in))
	if have > 0 {
		copy(d.window[d.strstart:], d.in[:have])
		d.in = d.in[have:]
		s.pos += have
		d.strstart += have
	}

	// Write a block from the window to the pending buffer if there is a
	// worthy amount, or all that is left fits.
	have = min(pendingBufSize-storedHeader, maxStored)
	minBlock = min(have, wSize)
	left := d.strstart - d.blockStart
	if left >= minBlock || (len(d.in) == 0 && left <= have) {
		n := min(left, have)
		last = len(d.in) == 0 && n == left
		s.pend = storedHead(s.pend, n, last)
		s.pend = append(s.pend, d.window[d.blockStart:d.blockStart+n]...)
		d.blockStart += n
		d.flushPending(s)
	}
	return false, last
}
