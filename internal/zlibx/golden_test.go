package zlibx

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"testing"

	"github.com/djsession/djsession/internal/testenv"
)

// goldenFile is testdata/zlib_vectors.json, written by
// "python3 testdata/zlib_peer.py golden" under CPython 3.11 and zlib 1.2.13.
type goldenFile struct {
	Python  string `json:"python"`
	Zlib    string `json:"zlib"`
	Vectors []struct {
		Kind      string `json:"kind"`
		Seed      uint64 `json:"seed"`
		Size      int    `json:"size"`
		Level     int    `json:"level"`
		InSHA256  string `json:"in_sha256"`
		OutLen    int    `json:"out_len"`
		OutSHA256 string `json:"out_sha256"`
		OutB64    string `json:"out_b64"`
	} `json:"vectors"`
}

// lcg is zlib_peer.py's Rand: a 64-bit LCG whose draws are the top 32 bits.
type lcg uint64

func newLCG(seed uint64) *lcg {
	r := lcg(seed*0x9E3779B97F4A7C15 + 1)
	return &r
}

func (r *lcg) next() uint64 {
	*r = *r*6364136223846793005 + 1442695040888963407
	return uint64(*r) >> 32
}

func (r *lcg) below(n uint64) uint64 { return r.next() % n }

var goldenWords = []string{"_auth_user_id", "_auth_user_backend", "django.contrib.auth.backends.ModelBackend",
	"_auth_user_hash", "_session_expiry", "cart", "items", "sku", "qty", "price",
	"true", "false", "null", "fr", "en-us", "last_seen", "2026-11-23T01:17:58.123456+00:00"}

// genInput rebuilds zlib_peer.py's gen(kind, seed, size).
func genInput(kind string, seed uint64, size int) ([]byte, error) {
	r := newLCG(seed)
	out := make([]byte, 0, size)
	switch kind {
	case "random":
		for len(out) < size {
			out = append(out, byte(r.next()))
		}
	case "text":
		nw := uint64(len(goldenWords))
		for len(out) < size {
			switch r.below(6) {
			case 0:
				out = append(out, '"')
				out = append(out, goldenWords[r.below(nw)]...)
				out = append(out, '"', ':')
			case 1:
				out = strconv.AppendUint(out, r.below(100000), 10)
				out = append(out, ',')
			case 2:
				out = append(out, '"')
				for n := r.below(5) + 1; n > 0; n-- {
					out = fmt.Appendf(out, "%08x", r.next())
				}
				out = append(out, '"', ',')
			case 3:
				if r.below(2) != 0 {
					out = append(out, '{')
				} else {
					out = append(out, '}')
				}
			case 4:
				out = append(out, '[')
				for i, n := uint64(0), r.below(12); i < n; i++ {
					if i > 0 {
						out = append(out, ',')
					}
					out = strconv.AppendUint(out, r.below(50), 10)
				}
				out = append(out, ']', ',')
			default:
				out = append(out, goldenWords[r.below(nw)]...)
				out = append(out, ',')
			}
		}
		out = out[:size]
	case "runs":
		for len(out) < size {
			c := byte(97 + r.below(4))
			for n := 1 + r.below(600); n > 0; n-- {
				out = append(out, c)
			}
		}
		out = out[:size]
	case "skew":
		fib := []uint64{1, 1}
		for len(fib) < 28 {
			fib = append(fib, fib[len(fib)-1]+fib[len(fib)-2])
		}
		var total uint64
		for _, f := range fib {
			total += f
		}
		for len(out) < size {
			x := r.below(total)
			i := 0
			for x >= fib[i] {
				x -= fib[i]
				i++
			}
			out = append(out, byte(i))
		}
	case "cycle":
		p := int(1 + r.below(300))
		pat := make([]byte, p)
		for i := range pat {
			pat[i] = byte(r.next())
		}
		for i := range size {
			b := pat[i%p]
			if r.below(500) == 0 {
				b = byte(r.next())
			}
			out = append(out, b)
		}
	case "bytes":
		for i := range size {
			out = append(out, byte(i))
		}
	default:
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	return out, nil
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestGolden compresses the vector inputs and compares the output with
// what CPython's zlib.compress wrote, without needing Python.
func TestGolden(t *testing.T) {
	var g goldenFile
	testenv.ReadJSON(t, "testdata/zlib_vectors.json", &g)
	if g.Zlib != "1.2.13" || len(g.Vectors) < 100 {
		t.Fatalf("vectors from zlib %q, %d vectors", g.Zlib, len(g.Vectors))
	}
	for _, v := range g.Vectors {
		name := fmt.Sprintf("%s/%d/seed%d/level%d", v.Kind, v.Size, v.Seed, v.Level)
		in, err := genInput(v.Kind, v.Seed, v.Size)
		if err != nil {
			t.Fatal(err)
		}
		if hexSHA(in) != v.InSHA256 {
			t.Fatalf("%s: genInput differs from zlib_peer.py's gen", name)
		}
		if v.Level != 6 {
			t.Fatalf("%s: zlibx writes level 6 only", name)
		}
		out := Compress(in)
		if v.OutB64 != "" {
			want, _ := base64.StdEncoding.DecodeString(v.OutB64)
			if !bytes.Equal(out, want) {
				t.Errorf("%s: got %x, zlib %x", name, out, want)
			}
			continue
		}
		if len(out) != v.OutLen || hexSHA(out) != v.OutSHA256 {
			t.Errorf("%s: got %d bytes (sha256 %.12s), zlib %d bytes (%.12s)", name, len(out), hexSHA(out), v.OutLen, v.OutSHA256)
		}
	}
}
