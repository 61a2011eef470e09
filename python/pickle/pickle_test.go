package pickle

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/python/pyjson"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// vectors were written by CPython 3.11's pickle.dumps(value, protocol);
// the value is given as Python source.
var vectors = []struct {
	python string
	proto  int
	hex    string
	want   any
}{
	{"[datetime(2020,1,2,3,4,5,6), datetime(2020,1,2,3,4,5,6,tzinfo=timezone.utc)]", 4,
		"8004956e000000000000005d94288c086461746574696d65948c086461746574696d65949394430a07e4010203040500000694859452946803430a07e401020304050000069468018c0874696d657a6f6e6594939468018c0974696d6564656c74619493944b004b004b00879452948594529486945294652e",
		[]any{DateTime{Year: 2020, Month: 1, Day: 2, Hour: 3, Minute: 4, Second: 5, Microsecond: 6},
			DateTime{Year: 2020, Month: 1, Day: 2, Hour: 3, Minute: 4, Second: 5, Microsecond: 6, TZ: &TZInfo{Kind: UTC}}}},
	{"[b'ab', b'', b'a', 'a']", 2,
		"80025d710028635f636f646563730a656e636f64650a710158020000006162710258060000006c6174696e317103867104527105635f5f6275696c74696e5f5f0a62797465730a71062952710768015801000000617108680386710952710a580100000061710b652e",
		nil}, // the literal 'a' is not the one-character singleton: read only
	{"[date(2020,1,2), Decimal('1.50'), (1,2), b'ab', b'a']", 5,
		"80059554000000000000005d94288c086461746574696d65948c0464617465949394430407e4010294859452948c07646563696d616c948c07446563696d616c9493948c04312e353094859452944b014b028694430261629443016194652e",
		[]any{Date{2020, 1, 2}, Decimal("1.50"), Tuple{int64(1), int64(2)}, []byte("ab"), []byte("a")}},
	{"datetime(2020,1,2,tzinfo=ZoneInfo('Europe/Paris'))", 4,
		"8004957e000000000000008c086461746574696d65948c086461746574696d65949394430a07e40102000000000000948c086275696c74696e73948c07676574617474729493948c087a6f6e65696e666f948c085a6f6e65496e666f9493948c095f756e7069636b6c6594869452948c0c4575726f70652f5061726973944b0186945294869452942e",
		DateTime{Year: 2020, Month: 1, Day: 2, TZ: &TZInfo{Kind: ZoneInfo, Key: "Europe/Paris"}}},
	{"datetime(2020,1,2,tzinfo=pytz.utc)", 2,
		"8002636461746574696d650a6461746574696d650a7100635f636f646563730a656e636f64650a7101580b00000007c3a40102000000000000710258060000006c6174696e317103867104527105637079747a0a5f5554430a7106295271078671085271092e",
		DateTime{Year: 2020, Month: 1, Day: 2, TZ: &TZInfo{Kind: PytzUTC}}},
	{"pytz.timezone('Europe/Paris').localize(datetime(2020,1,2))", 4,
		"80049557000000000000008c086461746574696d65948c086461746574696d65949394430a07e40102000000000000948c047079747a948c025f70949394288c0c4575726f70652f5061726973944d100e4b008c034345549474945294869452942e",
		DateTime{Year: 2020, Month: 1, Day: 2, TZ: &TZInfo{Kind: Pytz, Key: "Europe/Paris", Offset: time.Hour, Name: "CET"}}},
	{"timedelta(1,2,3)", 4,
		"80049524000000000000008c086461746574696d65948c0974696d6564656c74619493944b014b024b03879452942e",
		Timedelta{1, 2, 3}},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		p := mustHex(v.hex)
		got, err := Unmarshal(p)
		if err != nil {
			t.Errorf("%s: %v", v.python, err)
			continue
		}
		if v.want == nil {
			continue
		}
		if why := diff(v.want, got, "v"); why != "" {
			t.Errorf("%s: %s", v.python, why)
		}
		b, err := MarshalProtocol(v.want, v.proto)
		if err != nil || !bytes.Equal(b, p) {
			t.Errorf("%s: MarshalProtocol(%d) = %x, %v; want %s", v.python, v.proto, b, err, v.hex)
		}
	}
}

func TestBatches(t *testing.T) {
	// a dict of exactly 1000 items ends with an empty MARK SETITEMS, as
	// CPython's batch loop writes it; a list of 1000 does not
	obj := &pyjson.Object{}
	list := make([]any, 1000)
	for i := range 1000 {
		obj.Set(strings.Repeat("k", 2)+string(rune('0'+i%10))+string(rune(0x100+i)), int64(i))
		list[i] = int64(i)
	}
	b, _ := Marshal(obj)
	if !bytes.HasSuffix(b, []byte("u(u.")) {
		t.Errorf("dict of 1000 ends %q", b[len(b)-6:])
	}
	b, _ = Marshal(list)
	if !bytes.HasSuffix(b, []byte("\x03e.")) || bytes.HasSuffix(b, []byte("(e.")) {
		t.Errorf("list of 1000 ends %q", b[len(b)-6:])
	}
}

func TestRejects(t *testing.T) {
	deep := "\x80\x04" + strings.Repeat("]", MaxDepth+2) + strings.Repeat("a", MaxDepth+1) + "."
	// a list holding 2 references to a list holding 2 references ... : 2^40 values
	laughs := "\x80\x04]\x94"
	for i := 0; i < 40; i++ {
		laughs += "0]\x94(h" + string(rune(i)) + "h" + string(rune(i)) + "e"
	}
	laughs += "."
	for _, c := range []struct {
		name, p string
		want    error
		text    string
	}{
		{"os.system", "\x80\x04\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R.", ErrUnsupported, "global os.system"},
		{"GLOBAL builtins.eval", "\x80\x02c__builtin__\neval\n)R.", ErrUnsupported, "__builtin__.eval"},
		{"getattr on another class", "\x80\x04\x8c\x08builtins\x8c\x07getattr\x93\x8c\x08datetime\x8c\x08datetime\x93\x8c\x03now\x86R)R.", ErrUnsupported, "builtins.getattr"},
		{"datetime from ints", "\x80\x04\x8c\x08datetime\x8c\x08datetime\x93K\x01K\x01K\x01\x87R.", ErrUnsupported, "datetime.datetime(int, int, int)"},
		{"datetime with day 0", "\x80\x04\x8c\x08datetime\x8c\x08datetime\x93C\x0a\x07\xe4\x01\x00\x00\x00\x00\x00\x00\x00\x85R.", ErrMalformed, "out of range"},
		{"class as a value", "\x80\x04\x8c\x08datetime\x8c\x04date\x93.", ErrUnsupported, "as a value"},
		{"NEWOBJ", "\x80\x04\x8c\x08datetime\x8c\x04date\x93)\x81.", ErrUnsupported, "NEWOBJ"},
		{"set", "\x80\x04\x8f(K\x01\x90.", ErrUnsupported, "set"},
		{"int key", "\x80\x04}K\x01K\x02s.", ErrUnsupported, "key of type int"},
		{"bytearray", "\x80\x05\x96\x00\x00\x00\x00\x00\x00\x00\x00.", ErrUnsupported, "bytearray"},
		{"protocol 6", "\x80\x06N.", ErrUnsupported, "protocol 6"},
		{"decimal garbage", "\x80\x04\x8c\x07decimal\x8c\x07Decimal\x93\x8c\x03abc\x85R.", ErrMalformed, "not a decimal"},
		{"latin-1 overflow", "\x80\x02c_codecs\nencode\nX\x02\x00\x00\x00\xc4\x80X\x06\x00\x00\x00latin1\x86R.", ErrMalformed, "beyond latin-1"},
		{"truncated", "\x80\x04\x8c\x05ab", ErrMalformed, "truncated"},
		{"unknown memo", "\x80\x04h\x05.", ErrMalformed, "unknown memo"},
		{"no STOP", "\x80\x04N", ErrMalformed, "no STOP"},
		{"invalid UTF-8", "\x80\x04\x8c\x01\xff.", ErrMalformed, "UTF-8"},
		{"huge length", "\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7f.", ErrMalformed, "beyond the data"},
		{"recursive list", "\x80\x04]\x94h\x00a.", ErrMalformed, "too deep"},
		{"deep", deep, ErrMalformed, "too deep"},
		{"memo laughs", laughs, ErrMalformed, "too many values"},
	} {
		_, err := Unmarshal([]byte(c.p))
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: %v; want %v with %q", c.name, err, c.want, c.text)
		}
	}
}

func TestMarshalRejects(t *testing.T) {
	for _, v := range []any{
		map[string]any{}, struct{}{}, uint(1), "\xff", DateTime{Year: 2020, Month: 2, Day: 30},
		Timedelta{Seconds: 86400}, Decimal("1,5"), (*big.Int)(nil),
		DateTime{Year: 2020, Month: 1, Day: 1, TZ: &TZInfo{Kind: Fixed, Offset: 25 * time.Hour}},
	} {
		if _, err := Marshal(v); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Marshal(%#v) = %v, want ErrUnsupported", v, err)
		}
	}
	if _, err := MarshalProtocol(nil, 1); !errors.Is(err, ErrUnsupported) {
		t.Errorf("protocol 1: %v", err)
	}
}

func TestTimeConversion(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip(err)
	}
	in := time.Date(2024, 7, 1, 12, 30, 0, 123456789, paris)
	dt := DateTimeOf(in)
	if dt.TZ.Kind != Fixed || dt.TZ.Offset != 2*time.Hour || dt.Microsecond != 123456 {
		t.Fatalf("DateTimeOf = %+v %+v", dt, dt.TZ)
	}
	back, err := dt.Time(nil)
	if err != nil || !back.Equal(in.Truncate(time.Microsecond)) {
		t.Errorf("Time() = %v, %v", back, err)
	}
	if got := DateTimeOf(in.UTC()).String(); got != "2024-07-01 10:30:00.123456+00:00" {
		t.Errorf("String() = %q", got)
	}
	zi := DateTime{Year: 2024, Month: 10, Day: 27, Hour: 2, Minute: 30, Fold: 1, TZ: &TZInfo{Kind: ZoneInfo, Key: "Europe/Paris"}}
	if tm, err := zi.Time(nil); err != nil || tm.UTC().Hour() != 1 {
		t.Errorf("fold=1 in Paris: %v %v", tm.UTC(), err)
	}
	zi.Fold = 0
	if tm, err := zi.Time(nil); err != nil || tm.UTC().Hour() != 0 {
		t.Errorf("fold=0 in Paris: %v %v", tm.UTC(), err)
	}
}

func TestJSONCompatible(t *testing.T) {
	obj := &pyjson.Object{}
	obj.Set("t", Tuple{int64(1), "a"})
	j, err := JSONCompatible(obj)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pyjson.Marshal(j)
	if string(b) != `{"t":[1,"a"]}` {
		t.Errorf("%s", b)
	}
	obj.Set("d", Date{2020, 1, 1})
	if _, err := JSONCompatible(obj); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "datetime.date") {
		t.Errorf("%v", err)
	}
}

// FuzzUnmarshal: no panic on any input, and whatever reads writes back
// and reads again to the same value.
func FuzzUnmarshal(f *testing.F) {
	for _, v := range vectors {
		f.Add(mustHex(v.hex))
	}
	for seed := range uint64(40) {
		v, _ := RandomValue(seed, false)
		for proto := 2; proto <= 5; proto++ {
			if b, err := MarshalProtocol(v, proto); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("\x80\x04}\x94(\x8c\x01a\x94]\x94h\x02h\x02e\x8c\x01b\x94h\x02u."))
	for _, b := range hostileFiles(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		v, err := Unmarshal(p)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("%q: error %v is neither ErrMalformed nor ErrUnsupported", p, err)
			}
			return
		}
		for proto := 2; proto <= 5; proto++ {
			w, err := MarshalProtocol(v, proto)
			if err != nil {
				t.Fatalf("%q: read %#v, cannot write it (protocol %d): %v", p, v, proto, err)
			}
			again, err := Unmarshal(w)
			if err != nil {
				t.Fatalf("%q: rewritten as %q, which does not read: %v", p, w, err)
			}
			if why := diff(foldFor(v, proto), again, "v"); why != "" {
				t.Fatalf("%q: round trip at protocol %d: %s", p, proto, why)
			}
		}
	})
}

// TestTypeName: the values Unmarshal returns are named as Python names
// their types, whatever the serializer.
func TestTypeName(t *testing.T) {
	// pickle.dumps(({}, [], (1,), b"x", None, True, 1.5), 5)
	v, err := Unmarshal([]byte("\x80\x05\x95\x1b\x00\x00\x00\x00\x00\x00\x00(}\x94]\x94K\x01\x85\x94C\x01x\x94N\x88G?\xf8\x00\x00\x00\x00\x00\x00t\x94."))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range v.(Tuple) {
		got = append(got, TypeName(x))
	}
	want := "dict list tuple bytes NoneType bool float"
	if strings.Join(got, " ") != want {
		t.Errorf("TypeName = %v, want %s", got, want)
	}
	for v, want := range map[any]string{Decimal("1.5"): "decimal.Decimal", Date{Year: 2024, Month: 1, Day: 1}: "datetime.date", Timedelta{}: "datetime.timedelta", struct{}{}: "struct {}"} {
		if got := TypeName(v); got != want {
			t.Errorf("TypeName(%#v) = %q, want %q", v, got, want)
		}
	}
}
