package pickle

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
)

// gen makes random values together with the description testdata/
// pickle_peer.py builds the same Python value from.
type gen struct {
	r     *rand.Rand
	big   bool // allow values that cross a frame (64 KiB) or a batch (1000)
	nodes int
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func (g *gen) str() (string, any) {
	var s string
	switch g.r.IntN(12) {
	case 0:
		s = ""
	case 1:
		s = string(rune(g.r.IntN(256))) // one latin-1 character: shared by CPython
	case 2:
		s = string(rune(0x100 + g.r.IntN(0x2000)))
	case 3:
		s = "\U0001F600" + strings.Repeat("é", g.r.IntN(3))
	case 4:
		s = "\xed\xa0\x80x" // a lone surrogate, as WTF-8
	case 5:
		s = strings.Repeat("a", 250+g.r.IntN(10)) // around SHORT_BINUNICODE's 255 bytes
	case 6:
		if g.big {
			s = strings.Repeat("z", frameTarget-20+g.r.IntN(40))
			break
		}
		fallthrough
	default:
		var sb strings.Builder
		n := g.r.IntN(20)
		for range n {
			switch g.r.IntN(4) {
			case 0:
				sb.WriteRune(rune(0x20 + g.r.IntN(0x5f)))
			case 1:
				sb.WriteRune(rune(0xa0 + g.r.IntN(0x700)))
			case 2:
				sb.WriteRune(rune(0x10000 + g.r.IntN(0x1000)))
			default:
				sb.WriteByte(byte('a' + g.r.IntN(26)))
			}
		}
		s = sb.String()
	}
	// A Go string is one Python object wherever it appears (Marshal
	// memoizes by address); the peer makes a new str for each, so each
	// gets its own copy rather than sharing a literal's.
	s = strings.Clone(s)
	return s, map[string]any{"s": b64(s)}
}

var intEdges = func() []*big.Int {
	var out []*big.Int
	for k := 1; k <= 40; k++ {
		p := new(big.Int).Lsh(big.NewInt(1), uint(8*k-1))
		for _, d := range []int64{-1, 0, 1} {
			out = append(out, new(big.Int).Add(p, big.NewInt(d)), new(big.Int).Neg(new(big.Int).Add(p, big.NewInt(d))))
		}
	}
	for _, v := range []int64{0, 1, 255, 256, 65535, 65536, -1, -255, -256, math.MaxInt32, math.MinInt32, math.MaxInt32 + 1, math.MinInt32 - 1} {
		out = append(out, big.NewInt(v))
	}
	u := new(big.Int).SetUint64(math.MaxUint64)
	return append(out, u, new(big.Int).Neg(u), new(big.Int).Lsh(big.NewInt(1), 64))
}()

func intValue(n *big.Int) any {
	if n.IsInt64() {
		return n.Int64()
	}
	return n
}

func (g *gen) tz() (*TZInfo, any) {
	switch g.r.IntN(7) {
	case 0:
		return &TZInfo{Kind: UTC}, map[string]any{"utc": 1}
	case 1:
		us := g.r.Int64N(2*86400e6-1) - (86400e6 - 1)
		if g.r.IntN(2) == 0 {
			us -= us % 60e6 // whole minutes, as real offsets are
		}
		if us == 0 {
			us = 3600e6
		}
		tz := &TZInfo{Kind: Fixed, Offset: time.Duration(us) * time.Microsecond}
		d := map[string]any{"fixed": us, "name": nil}
		if g.r.IntN(2) == 0 {
			s, sd := g.str()
			if s != "" {
				tz.Name, d["name"] = s, sd
			}
		}
		return tz, d
	case 2:
		k := []string{"Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC"}[g.r.IntN(4)]
		return &TZInfo{Kind: ZoneInfo, Key: k}, map[string]any{"zi": k}
	case 3:
		return &TZInfo{Kind: PytzUTC}, map[string]any{"pytzutc": 1}
	case 4:
		k := []string{"EST", "Etc/GMT+5", "MST"}[g.r.IntN(3)]
		return &TZInfo{Kind: PytzStatic, Key: k}, map[string]any{"pytzs": k}
	default:
		z := [][4]any{
			{"Europe/Paris", 3600, 0, "CET"}, {"Europe/Paris", 7200, 3600, "CEST"},
			{"America/New_York", -18000, 0, "EST"}, {"America/New_York", -14400, 3600, "EDT"},
			{"Europe/Paris", 540, 0, "LMT"},
		}[g.r.IntN(5)]
		tz := &TZInfo{Kind: Pytz, Key: z[0].(string), Offset: time.Duration(z[1].(int)) * time.Second,
			DST: time.Duration(z[2].(int)) * time.Second, Name: z[3].(string)}
		return tz, map[string]any{"pytz": z[0], "off": z[1], "dst": z[2], "name": z[3]}
	}
}

func (g *gen) dateParts() (int, time.Month, int) {
	y := 1 + g.r.IntN(9999)
	if g.r.IntN(3) == 0 {
		y = []int{1, 9999, 1970, 2000, 2024}[g.r.IntN(5)]
	}
	m := time.Month(1 + g.r.IntN(12))
	return y, m, 1 + g.r.IntN(daysIn(y, m))
}

func (g *gen) leaf() (any, any) {
	switch g.r.IntN(16) {
	case 0:
		return nil, nil
	case 1:
		b := g.r.IntN(2) == 0
		return b, b
	case 2, 3:
		n := intEdges[g.r.IntN(len(intEdges))]
		if g.r.IntN(3) == 0 {
			n = big.NewInt(g.r.Int64N(1<<40) - 1<<39)
		}
		return intValue(n), map[string]any{"i": n.String()}
	case 4:
		bits := []uint64{0, 1 << 63, math.Float64bits(math.Inf(1)), math.Float64bits(math.Inf(-1)),
			0x7ff8000000000000, 1, math.Float64bits(1.5), g.r.Uint64()}[g.r.IntN(8)]
		f := math.Float64frombits(bits)
		if math.IsNaN(f) {
			bits, f = 0x7ff8000000000000, math.Float64frombits(0x7ff8000000000000)
		}
		return f, map[string]any{"f": fmt.Sprintf("%016x", bits)}
	case 5, 6:
		return g.str()
	case 7:
		var b []byte
		switch g.r.IntN(5) {
		case 0:
			b = []byte{}
		case 1:
			b = []byte{byte(g.r.IntN(256))}
		case 2:
			if g.big {
				b = bytes.Repeat([]byte{0xfe}, frameTarget+g.r.IntN(3)-1)
				break
			}
			fallthrough
		default:
			b = make([]byte, []int{2, 10, 255, 256, 300}[g.r.IntN(5)])
			for i := range b {
				b[i] = byte(g.r.IntN(256))
			}
		}
		return b, map[string]any{"b": base64.StdEncoding.EncodeToString(b)}
	case 8, 9:
		y, m, d := g.dateParts()
		dt := DateTime{Year: y, Month: m, Day: d, Hour: g.r.IntN(24), Minute: g.r.IntN(60), Second: g.r.IntN(60),
			Microsecond: g.r.IntN(1e6), Fold: g.r.IntN(2)}
		desc := map[string]any{"dt": []int{y, int(m), d, dt.Hour, dt.Minute, dt.Second, dt.Microsecond, dt.Fold}}
		if g.r.IntN(3) > 0 {
			dt.TZ, desc["tz"] = g.tz()
		}
		return dt, desc
	case 10:
		y, m, d := g.dateParts()
		return Date{y, m, d}, map[string]any{"date": []int{y, int(m), d}}
	case 11:
		t := Time{Hour: g.r.IntN(24), Minute: g.r.IntN(60), Second: g.r.IntN(60), Microsecond: g.r.IntN(1e6), Fold: g.r.IntN(2)}
		desc := map[string]any{"time": []int{t.Hour, t.Minute, t.Second, t.Microsecond, t.Fold}}
		if g.r.IntN(2) == 0 {
			t.TZ, desc["tz"] = g.tz()
		}
		return t, desc
	case 12:
		td := Timedelta{g.r.Int64N(2*999999999+1) - 999999999, g.r.Int64N(86400), g.r.Int64N(1e6)}
		if g.r.IntN(2) == 0 {
			td.Days = g.r.Int64N(1000) - 500
		}
		return td, map[string]any{"td": []int64{td.Days, td.Seconds, td.Microseconds}}
	default:
		s := []string{"0", "1", "-0", "1.50", "-1.50E+3", "1E+2", "NaN", "-Infinity", "sNaN12", "0.000001",
			"12345678901234567890.123456789", "9", "-9"}[g.r.IntN(13)]
		return Decimal(s), map[string]any{"dec": s}
	}
}

func (g *gen) value(depth int) (any, any) {
	g.nodes++
	if depth >= 4 || g.nodes > 300 || g.r.IntN(3) == 0 {
		return g.leaf()
	}
	n := g.r.IntN(6)
	if g.big && g.r.IntN(4) == 0 {
		n = []int{999, 1000, 1001, 2000, 2001, 3500}[g.r.IntN(6)]
	}
	items := func() ([]any, []any) {
		if n > 10 {
			defer func(b bool) { g.big = b }(g.big)
			g.big = false // no 64 KiB strings in a batch of 1000
		}
		vs, ds := make([]any, n), make([]any, n)
		for i := range n {
			if n > 10 {
				vs[i], ds[i] = g.leaf()
			} else {
				vs[i], ds[i] = g.value(depth + 1)
			}
		}
		return vs, ds
	}
	switch g.r.IntN(3) {
	case 0:
		vs, ds := items()
		return vs, map[string]any{"l": ds}
	case 1:
		if n > 10 {
			n = g.r.IntN(6)
		}
		vs, ds := items()
		return Tuple(vs), map[string]any{"t": ds}
	default:
		obj := &pyjson.Object{}
		var pairs []any
		if n > 10 {
			defer func(b bool) { g.big = b }(g.big)
			g.big = false
		}
		for i := 0; obj.Len() < n; i++ {
			k, kd := g.str()
			if i > 3*n+5 || obj.Has(k) {
				k = "k" + strconv.Itoa(obj.Len()) + k
				kd = map[string]any{"s": b64(k)}
				if obj.Has(k) {
					continue
				}
			}
			var v, vd any
			if n > 10 {
				v, vd = g.leaf()
			} else {
				v, vd = g.value(depth + 1)
			}
			obj.Set(k, v)
			pairs = append(pairs, []any{kd, vd})
		}
		if pairs == nil {
			pairs = []any{}
		}
		return obj, map[string]any{"d": pairs}
	}
}

// peer runs testdata/pickle_peer.py for a whole test.
type peer struct {
	cmd *exec.Cmd
	in  *bufio.Writer
	out *bufio.Scanner
}

func startPeer(t *testing.T) *peer {
	t.Helper()
	dj := testenv.Django32(t)
	cmd := exec.Command(dj.Python, "testdata/pickle_peer.py")
	cmd.Env = dj.Env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	w, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	r, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.Close()
		if t.Failed() {
			r.Close() // the peer may be blocked writing a reply no one reads
		}
		if err := cmd.Wait(); err != nil && !t.Failed() {
			t.Errorf("peer: %v\n%s", err, stderr.String())
		}
	})
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 64<<20)
	return &peer{cmd: cmd, in: bufio.NewWriter(w), out: sc}
}

type peerReply struct {
	Py    map[string]string `json:"py"`
	Loads map[string]string `json:"loads"`
}

func (p *peer) ask(t *testing.T, desc any, goPickles map[string]string) peerReply {
	t.Helper()
	b, err := json.Marshal(map[string]any{"v": desc, "go": goPickles})
	if err != nil {
		t.Fatal(err)
	}
	p.in.Write(append(b, '\n'))
	if err := p.in.Flush(); err != nil {
		t.Fatal(err)
	}
	if !p.out.Scan() {
		t.Fatalf("peer ended: %v", p.out.Err())
	}
	var rep peerReply
	if err := json.Unmarshal(p.out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestPython checks, against CPython 3.11 through testdata/pickle_peer.py,
// random values: Go's MarshalProtocol gives pickle.dumps's exact bytes for
// protocols 2 to 5, pickle.loads reads Go's bytes back to the same value,
// and Unmarshal reads Python's bytes back to the Go value.
func TestPython(t *testing.T) {
	p := startPeer(t)
	n := 1500
	if testing.Short() {
		n = 200
	}
	counts := map[string]int{}
	for i := range n {
		g := &gen{r: rand.New(rand.NewPCG(uint64(i), 7)), big: i%25 == 0}
		v, desc := g.value(0)
		goP := map[string]string{}
		for proto := 2; proto <= 5; proto++ {
			b, err := MarshalProtocol(v, proto)
			if err != nil {
				t.Fatalf("value %d: MarshalProtocol %d: %v", i, proto, err)
			}
			goP[strconv.Itoa(proto)] = hex.EncodeToString(b)
		}
		rep := p.ask(t, desc, goP)
		for proto := 2; proto <= 5; proto++ {
			ps := strconv.Itoa(proto)
			if why := rep.Loads[ps]; why != "" {
				t.Errorf("value %d protocol %d: Python reads Go's pickle as another value: %s", i, proto, why)
			}
			if rep.Py[ps] != goP[ps] {
				t.Errorf("value %d protocol %d: Go's bytes differ from pickle.dumps\n go %s\n py %s", i, proto, clip(goP[ps]), clip(rep.Py[ps]))
			} else {
				counts["same bytes"]++
			}
			pb, _ := hex.DecodeString(rep.Py[ps])
			got, err := Unmarshal(pb)
			if err != nil {
				t.Errorf("value %d protocol %d: Unmarshal of Python's pickle: %v", i, proto, err)
			} else if why := diff(foldFor(v, proto), got, "v"); why != "" {
				t.Errorf("value %d protocol %d: Unmarshal of Python's pickle: %s", i, proto, why)
			} else {
				counts["read back"]++
			}
			if len(pb) > frameTarget {
				counts["over 64 KiB"]++
			}
		}
		if t.Failed() && i > 20 {
			t.FailNow()
		}
	}
	t.Logf("%d values x 4 protocols: %v", n, counts)
}

func clip(s string) string {
	if len(s) > 400 {
		return s[:400] + "..."
	}
	return s
}

// diff says how want and got differ (float bits, big and small ints
// alike), or "".
func diff(want, got any, path string) string {
	switch w := want.(type) {
	case *big.Int:
		g, ok := got.(*big.Int)
		if !ok || g.Cmp(w) != 0 {
			return fmt.Sprintf("%s: %v vs %#v", path, w, got)
		}
		return ""
	case float64:
		g, ok := got.(float64)
		if !ok || math.Float64bits(g) != math.Float64bits(w) {
			return fmt.Sprintf("%s: %v vs %#v", path, w, got)
		}
		return ""
	case []byte:
		g, ok := got.([]byte)
		if !ok || !bytes.Equal(g, w) {
			return fmt.Sprintf("%s: %q vs %#v", path, w, got)
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: list of %d vs %T", path, len(w), got)
		}
		for i := range w {
			if s := diff(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); s != "" {
				return s
			}
		}
		return ""
	case Tuple:
		g, ok := got.(Tuple)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: tuple of %d vs %T", path, len(w), got)
		}
		return diff([]any(w), []any(g), path)
	case *pyjson.Object:
		g, ok := got.(*pyjson.Object)
		if !ok || g.Len() != w.Len() {
			return fmt.Sprintf("%s: dict of %d vs %T", path, w.Len(), got)
		}
		gk := g.Keys()
		i := 0
		for k, v := range w.All() {
			if gk[i] != k {
				return fmt.Sprintf("%s: key %q vs %q", path, k, gk[i])
			}
			gv, _ := g.Get(k)
			if s := diff(v, gv, fmt.Sprintf("%s[%q]", path, k)); s != "" {
				return s
			}
			i++
		}
		return ""
	case DateTime:
		g, ok := got.(DateTime)
		if !ok || !sameTZ(w.TZ, g.TZ) {
			return fmt.Sprintf("%s: %+v vs %#v", path, w, got)
		}
		w.TZ, g.TZ = nil, nil
		if w != g {
			return fmt.Sprintf("%s: %+v vs %+v", path, w, g)
		}
		return ""
	case Time:
		g, ok := got.(Time)
		if !ok || !sameTZ(w.TZ, g.TZ) {
			return fmt.Sprintf("%s: %+v vs %#v", path, w, got)
		}
		w.TZ, g.TZ = nil, nil
		if w != g {
			return fmt.Sprintf("%s: %+v vs %+v", path, w, g)
		}
		return ""
	}
	if want != got {
		return fmt.Sprintf("%s: %#v vs %#v", path, want, got)
	}
	return ""
}

func sameTZ(a, b *TZInfo) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// foldFor returns v as protocol proto carries it: protocols 2 and 3 drop
// the fold of datetime and time.
func foldFor(v any, proto int) any {
	if proto >= 4 {
		return v
	}
	switch x := v.(type) {
	case DateTime:
		x.Fold = 0
		return x
	case Time:
		x.Fold = 0
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = foldFor(e, proto)
		}
		return out
	case Tuple:
		return Tuple(foldFor([]any(x), proto).([]any))
	case *pyjson.Object:
		out := &pyjson.Object{}
		for k, e := range x.All() {
			out.Set(k, foldFor(e, proto))
		}
		return out
	}
	return v
}
