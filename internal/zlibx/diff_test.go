package zlibx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/djsession/djsession/internal/testenv"
)

// diffCase is one input for the differential test.
type diffCase struct {
	name string
	data []byte
}

// sessionJSON makes a JSON object like the sessions Django signs: auth
// keys, tokens, timestamps, numbers and nested carts, of about size bytes.
func sessionJSON(r *rand.Rand, size int) []byte {
	b := []byte(`{"_auth_user_id":"` + strconv.Itoa(r.IntN(1e6)) +
		`","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","_auth_user_hash":"`)
	for range 64 {
		b = append(b, "0123456789abcdef"[r.IntN(16)])
	}
	b = append(b, '"')
	keys := []string{"cart", "visits", "django_language", "last_seen", "flags", "history", "_csrftoken", "wizard", "msg"}
	for i := 0; len(b) < size; i++ {
		b = fmt.Appendf(b, `,"%s_%d":`, keys[r.IntN(len(keys))], i)
		switch r.IntN(5) {
		case 0:
			b = strconv.AppendInt(b, r.Int64N(1<<40), 10)
		case 1:
			b = fmt.Appendf(b, `"2026-%02d-%02dT%02d:%02d:%02d.%06d+00:00"`, 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1e6))
		case 2:
			b = append(b, `{"items":[`...)
			for j := range r.IntN(6) {
				if j > 0 {
					b = append(b, ',')
				}
				b = fmt.Appendf(b, `{"sku":"%c-%d","qty":%d,"price":%d.%02d}`, 'A'+r.IntN(26), r.IntN(1000), 1+r.IntN(9), r.IntN(500), r.IntN(100))
			}
			b = append(b, `],"coupon":null}`...)
		case 3:
			b = append(b, '"')
			for range 8 + r.IntN(40) {
				b = append(b, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\\u00e9"[r.IntN(68)])
			}
			b = append(b, '"')
		default:
			b = append(b, []string{"true", "false", "null", "[]", "{}"}[r.IntN(5)]...)
		}
	}
	return append(b, '}')
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// diffCases builds the inputs: sessions of 0 to 200 KB, random bytes
// (stored blocks), runs, periodic data, skewed byte frequencies (Huffman
// lengths past the limit), inputs around the symbol buffer (16383 symbols)
// and the window (32 KiB, 64 KiB) boundaries, all byte values.
func diffCases() []diffCase {
	r := rand.New(rand.NewPCG(1, 2))
	var cs []diffCase
	add := func(name string, data []byte) {
		cs = append(cs, diffCase{fmt.Sprintf("%s/len%d", name, len(data)), data})
	}

	for n := range 300 {
		add("tiny", randomBytes(r, n%40))
		add("smallsession", sessionJSON(r, n*3))
	}
	for range 600 {
		add("session", sessionJSON(r, r.IntN(4000)))
	}
	for range 150 {
		add("bigsession", sessionJSON(r, r.IntN(200_000)))
	}
	for range 100 {
		add("random", randomBytes(r, r.IntN(100_000)))
	}
	for _, n := range []int{16381, 16382, 16383, 16384, 16385, 32766, 32767, 32768, 32769, 49149} {
		add("symbuf", randomBytes(r, n))
		add("symbuftext", sessionJSON(r, n*3))
	}
	for _, n := range []int{32506, 32767, 32768, 32769, 65273, 65274, 65275, 65535, 65536, 65537, 65536 + 258, 65536 + 262, 98304, 131072, 131072 + 300} {
		add("window", sessionJSON(r, n)[:n])
		add("windowrand", randomBytes(r, n))
		add("windowrun", bytes.Repeat([]byte{byte(r.IntN(256))}, n))
	}
	for range 80 {
		// long runs with rare changes
		n := r.IntN(300_000)
		b := make([]byte, n)
		c := byte(r.IntN(256))
		for i := range b {
			if r.IntN(5000) == 0 {
				c = byte(r.IntN(256))
			}
			b[i] = c
		}
		add("runs", b)
	}
	for range 120 {
		// periodic data with mutations
		p := 1 + r.IntN(400)
		pat := randomBytes(r, p)
		n := r.IntN(150_000)
		b := make([]byte, n)
		for i := range b {
			b[i] = pat[i%p]
			if r.IntN(300) == 0 {
				b[i] = byte(r.IntN(256))
			}
		}
		add("cycle", b)
	}
	for range 60 {
		// skewed frequencies (Fibonacci-like weights over up to 30 symbols)
		n := 1000 + r.IntN(100_000)
		b := make([]byte, n)
		for i := range b {
			k := 0
			for k < 29 && r.IntN(1000) < 618 {
				k++
			}
			b[i] = byte(k * (1 + r.IntN(2)))
		}
		add("skew", b)
	}
	allBytes := make([]byte, 256)
	for i := range allBytes {
		allBytes[i] = byte(i)
	}
	add("allbytes", allBytes)
	add("allbytes4k", bytes.Repeat(allBytes, 16))
	perm := r.Perm(256)
	pb := make([]byte, 0, 256*300)
	for range 300 {
		for _, p := range perm {
			pb = append(pb, byte(p))
		}
	}
	add("allbytesperm", pb)
	return cs
}

// TestDifferential compresses thousands of inputs here and with CPython's
// zlib.compress (testdata/zlib_peer.py) and demands identical bytes.
func TestDifferential(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dj := testenv.Django32(t)
	cs := diffCases()
	if raceEnabled {
		// The race detector slows compression about tenfold: keep the
		// inputs up to 64 KiB (still a thousand, every kind).
		small := cs[:0]
		for _, c := range cs {
			if len(c.data) <= 64<<10 {
				small = append(small, c)
			}
		}
		cs = small
	}
	var in bytes.Buffer
	total := 0
	for _, c := range cs {
		in.Write(binary.BigEndian.AppendUint32(nil, uint32(len(c.data))))
		in.Write(c.data)
		total += len(c.data)
	}
	out := dj.Run(t, "testdata/zlib_peer.py", in.Bytes(), "serve")
	same, diff := 0, 0
	for _, c := range cs {
		if len(out) < 4 {
			t.Fatal("peer output short")
		}
		n := binary.BigEndian.Uint32(out)
		want := out[4 : 4+n]
		out = out[4+n:]
		got := Compress(c.data)
		if bytes.Equal(got, want) {
			same++
			continue
		}
		diff++
		if diff <= 20 {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Errorf("%s: %d bytes, zlib %d; first difference at byte %d", c.name, len(got), len(want), i)
		}
	}
	t.Logf("%d inputs (%d MB): %d identical, %d differ", len(cs), total>>20, same, diff)
}
