package pyjson

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/djsession/djsession/internal/testenv"
)

// TestDifferentialCPython compares the codec with CPython's json module
// (the C scanner and encoder of the Python that runs Django, 3.11), through
// Django's JSONSerializer (latin-1 bytes in and out):
//
//   - thousands of random JSON texts, valid and not, written loosely
//     (whitespace, escapes in any case, exponents, duplicate keys, raw
//     latin-1 bytes, big integers, surrogates): Python loads and dumps each
//     one; Go must reject exactly what Python rejects and otherwise give
//     Python's bytes from Unmarshal then Marshal;
//   - values made by Python's random and written by json.dumps: Go's
//     Unmarshal then Marshal must give the same bytes back;
//   - random Go values: what Marshal writes, Python must read and write
//     back unchanged.
//
// Run with DJ_TEST_DJANGO=1. The seed is logged; DJ_SEED replays one.
func TestDifferentialCPython(t *testing.T) {
	dj := testenv.Django32(t)
	seed := uint64(rand.Int64())
	if s := testenvSeed(); s != 0 {
		seed = s
	}
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	var texts [][]byte
	for range 3000 {
		texts = append(texts, []byte(genText(r, 0)))
	}
	for _, s := range invalidTexts {
		texts = append(texts, []byte(s))
	}
	// The hostile corpus, but for nesting (MaxDepth is where Go stops;
	// Python's recursion limit depends on its stack).
	for name, b := range hostileFiles(t) {
		if !strings.HasPrefix(name, "deep-") {
			texts = append(texts, b)
		}
	}
	// Mutants of valid texts: one byte deleted, duplicated or replaced.
	for i := range 1500 {
		b := []byte(genText(r, 0))
		if len(b) == 0 {
			continue
		}
		p := r.IntN(len(b))
		switch i % 3 {
		case 0:
			b = append(b[:p:p], b[p+1:]...)
		case 1:
			b = append(b[:p+1:p+1], b[p:]...)
		default:
			b[p] = ",]}:\"\\.-eE0 \x01\xe9["[r.IntN(15)]
		}
		texts = append(texts, b)
	}
	var goVals [][]byte
	for range 1500 {
		b, err := Marshal(genGo(r, 0))
		if errors.Is(err, ErrIntTooLong) {
			continue // Python refuses to write such an int too
		}
		if err != nil {
			t.Fatal(err)
		}
		goVals = append(goVals, b)
	}

	var stdin bytes.Buffer
	enc := json.NewEncoder(&stdin)
	for _, x := range append(append([][]byte{}, texts...), goVals...) {
		enc.Encode(map[string]any{"op": "json", "b64": base64.StdEncoding.EncodeToString(x)})
	}
	enc.Encode(map[string]any{"op": "gen", "seed": seed % (1 << 53), "count": 3000})
	out := dj.Run(t, "../../testdata/signing_interop.py", stdin.Bytes())
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	next := func() map[string]any {
		if !sc.Scan() {
			t.Fatal("Python answered too few requests")
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	accepted, rejected := 0, 0
	for _, x := range texts {
		ans := next()
		v, err := Unmarshal(x)
		if ans["ok"] != true {
			rejected++
			if err == nil {
				t.Errorf("Python rejects %q (%v); Go accepts it", x, ans["error"])
			}
			continue
		}
		accepted++
		want, _ := base64.StdEncoding.DecodeString(ans["b64"].(string))
		if err != nil {
			t.Errorf("Python reads %q as %s; Go: %v", x, want, err)
			continue
		}
		if got, err := Marshal(v); err != nil || !bytes.Equal(got, want) {
			t.Errorf("text %q: Go %s (%v), Python %s", x, got, err, want)
		}
	}
	for _, x := range goVals {
		ans := next()
		want, _ := base64.StdEncoding.DecodeString(fmt.Sprint(ans["b64"]))
		if ans["ok"] != true || !bytes.Equal(x, want) {
			t.Errorf("Go wrote %s; Python reads and writes %s (%v)", x, want, ans["error"])
		}
	}
	gen := next()["texts_b64"].([]any)
	for _, s := range gen {
		x, _ := base64.StdEncoding.DecodeString(s.(string))
		v, err := Unmarshal(x)
		if err != nil {
			t.Errorf("Python wrote %s; Go: %v", x, err)
			continue
		}
		if got, err := Marshal(v); err != nil || !bytes.Equal(got, x) {
			t.Errorf("Python wrote %s; Go writes %s (%v)", x, got, err)
		}
	}
	t.Logf("%d texts accepted and %d rejected by both, %d Go values, %d Python values", accepted, rejected, len(goVals), len(gen))
	if accepted < 2000 || rejected < 300 {
		t.Errorf("too few of one kind: %d accepted, %d rejected", accepted, rejected)
	}
}

func testenvSeed() uint64 {
	s, _ := strconv.ParseUint(strings.TrimSpace(getenv("DJ_SEED")), 10, 64)
	return s
}

// invalidTexts must be rejected by both sides (the test checks Python
// agrees).
var invalidTexts = []string{
	"", " ", "[1,]", `{"a":1,}`, "[,1]", "01", "-01", "1.", ".5", "-", "+1", "1e", "1e+", "1E-",
	"0x1", "1_000", "'a'", `"\x"`, `"\u12"`, `"\uZZZZ"`, `"\ud800\uZZZZ"`, "\"a\x01\"", "\"\x1f\"",
	"nan", "inf", "-NaN", "-Inf", "Infinity1", "tru", "nul", "True", "None", "[", "{", "]", "}",
	`{"a"}`, `{"a":}`, `{a:1}`, `{1:1}`, "1 2", "[1 2]", "\x00", "\x0b1", "\x0c1", "[1]x",
	"\xef\xbb\xbf1", `"abc`, `"\`, `"\u`, `["a",]`, "[--1]", "1.e5", "1.5e", "[1e999e]",
	"9" + strings.Repeat("9", 4300), "-" + strings.Repeat("1", 4301),
	strings.Repeat("[", 2000) + strings.Repeat("]", 2000),
}

// genText writes a random JSON text the way a lax writer might.
func genText(r *rand.Rand, depth int) string {
	ws := func() string {
		if r.IntN(4) > 0 {
			return ""
		}
		return []string{" ", "\t", "\n", "\r\n", "  "}[r.IntN(5)]
	}
	k := r.IntN(10)
	if depth >= 4 {
		k = r.IntN(6)
	}
	switch k {
	case 0:
		return ws() + []string{"null", "true", "false", "NaN", "Infinity", "-Infinity"}[r.IntN(6)] + ws()
	case 1:
		return ws() + genInt(r) + ws()
	case 2:
		return ws() + genFloatText(r) + ws()
	case 3, 4, 5:
		return ws() + genStringText(r) + ws()
	case 6, 7:
		var b strings.Builder
		b.WriteString(ws() + "{" + ws())
		n := r.IntN(6)
		keys := []string{}
		for i := range n {
			if i > 0 {
				b.WriteString("," + ws())
			}
			key := genStringText(r)
			if len(keys) > 0 && r.IntN(5) == 0 {
				key = keys[r.IntN(len(keys))] // duplicate key
			}
			keys = append(keys, key)
			b.WriteString(key + ws() + ":" + genText(r, depth+1))
		}
		b.WriteString(ws() + "}" + ws())
		return b.String()
	default:
		var b strings.Builder
		b.WriteString(ws() + "[" + ws())
		for i := range r.IntN(6) {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(genText(r, depth+1))
		}
		b.WriteString("]" + ws())
		return b.String()
	}
}

func genInt(r *rand.Rand) string {
	sign := []string{"", "-"}[r.IntN(2)]
	switch r.IntN(6) {
	case 0:
		return sign + "0"
	case 1:
		return sign + strconv.FormatUint(r.Uint64(), 10)
	case 2:
		return strconv.FormatInt(math.MaxInt64-int64(r.IntN(3)), 10)
	case 3:
		return "-" + strconv.FormatUint(1<<63+uint64(r.IntN(3))-1, 10)
	case 4:
		n := []int{19, 20, 40, 300, 4299, 4300, 4301}[r.IntN(7)]
		d := make([]byte, n)
		for i := range d {
			d[i] = byte('0' + r.IntN(10))
		}
		d[0] = byte('1' + r.IntN(9))
		return sign + string(d)
	}
	return sign + strconv.Itoa(r.IntN(1000))
}

func genFloatText(r *rand.Rand) string {
	sign := []string{"", "-"}[r.IntN(2)]
	switch r.IntN(7) {
	case 0:
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			f = 1.5
		}
		return strconv.FormatFloat(f, []byte("eEfg")[r.IntN(4)], -1, 64)
	case 1:
		return sign + []string{"1e16", "1E16", "1e+16", "9999999999999998.0", "1e15", "0.0001", "1e-4",
			"1e-5", "0.00001", "1E-05", "9.999999999999999e-05", "1.0000000000000002e16", "5e-324",
			"2e-324", "1e-400", "1e400", "1.7976931348623157e308", "1.7976931348623159e308", "0.0", "0e0",
			"0E+0", "1e0000000000000000000001", "1e-99999999999999999999"}[r.IntN(23)]
	case 2:
		return sign + strconv.Itoa(r.IntN(1e6)) + "." + strconv.Itoa(r.IntN(1e6))
	case 3:
		return sign + strconv.Itoa(r.IntN(10)) + "." + strings.Repeat(strconv.Itoa(r.IntN(10)), r.IntN(40)+1) + "e" + strconv.Itoa(r.IntN(600)-300)
	case 4:
		return sign + strconv.Itoa(r.IntN(100)) + []string{"e", "E", "e+", "e-", "E-"}[r.IntN(5)] + strconv.Itoa(r.IntN(30))
	case 5:
		return strconv.FormatFloat(float64(r.Int64N(1<<53))*math.Pow(10, float64(r.IntN(40)-20)), 'g', -1, 64)
	}
	return strconv.FormatFloat(r.NormFloat64()*math.Pow(10, float64(r.IntN(30)-15)), 'f', -1, 64)
}

func genStringText(r *rand.Rand) string {
	var b strings.Builder
	b.WriteByte('"')
	for range r.IntN(10) {
		switch r.IntN(10) {
		case 0:
			b.WriteString([]string{`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`}[r.IntN(8)])
		case 1:
			fmt.Fprintf(&b, []string{`\u%04x`, `\u%04X`}[r.IntN(2)], r.IntN(0x10000))
		case 2:
			hi, lo := 0xd800+r.IntN(0x400), 0xdc00+r.IntN(0x400)
			switch r.IntN(4) {
			case 0:
				fmt.Fprintf(&b, `\u%04x\u%04x`, hi, lo)
			case 1:
				fmt.Fprintf(&b, `\u%04x`, hi)
			case 2:
				fmt.Fprintf(&b, `\u%04x\u%04x`, lo, hi)
			default:
				fmt.Fprintf(&b, `\u%04x\u%04x`, hi, hi)
			}
		case 3:
			b.WriteByte(byte(0x80 + r.IntN(0x80))) // latin-1
		case 4:
			b.WriteByte(0x7f)
		default:
			b.WriteByte(byte(0x20 + r.IntN(0x5f)))
		}
	}
	// A raw '"' or '\\' from the printable range may end the string early
	// or start an escape: such texts are mostly invalid, and both sides
	// must agree on them too.
	return b.String() + `"`
}

// genGo makes a random Go value of the types Marshal takes.
func genGo(r *rand.Rand, depth int) any {
	k := r.IntN(16)
	if depth >= 4 {
		k = r.IntN(12)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return r.Int64() >> r.IntN(64)
	case 3:
		return r.Uint64()
	case 4:
		return []any{int8(r.Int()), int16(r.Int()), int32(r.Int()), uint8(r.Int()), uint16(r.Int()), uint32(r.Int())}[r.IntN(6)]
	case 5:
		f := math.Float64frombits(r.Uint64())
		return f
	case 6:
		return float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(20)-10)))
	case 7:
		x := new(big.Int).Lsh(big.NewInt(r.Int64()), uint(r.IntN(300)))
		return x
	case 8:
		return json.Number(genInt(r))
	case 9, 10, 11:
		return genGoString(r)
	case 12, 13:
		o := NewObject()
		for range r.IntN(6) {
			o.Set(genGoString(r), genGo(r, depth+1))
		}
		return o
	case 14:
		m := map[string]any{}
		for range r.IntN(4) {
			m[genGoString(r)] = genGo(r, depth+1)
		}
		return m
	}
	a := make([]any, r.IntN(5))
	for i := range a {
		a[i] = genGo(r, depth+1)
	}
	return a
}

func genGoString(r *rand.Rand) string {
	var b []byte
	for range r.IntN(10) {
		switch r.IntN(6) {
		case 0:
			b = utf8.AppendRune(b, rune(r.IntN(0x80)))
		case 1:
			b = utf8.AppendRune(b, rune(0x10000+r.IntN(0x100000)))
		case 2:
			// a lone surrogate, in WTF-8
			s := 0xd800 + r.IntN(0x800)
			b = append(b, 0xed, byte(0x80|(s>>6)&0x3f), byte(0x80|s&0x3f))
		default:
			c := rune(0x80 + r.IntN(0xd800-0x80))
			b = utf8.AppendRune(b, c)
		}
	}
	return string(b)
}
