package hostiletest

import (
	"strings"
	"testing"
)

var sink []byte

func TestAllocated(t *testing.T) {
	if n := Allocated(func() { sink = make([]byte, 1<<20) }); n < 1<<20 {
		t.Errorf("Allocated(1 MiB) = %d", n)
	}
	if n := Allocated(func() {}); n > 1<<10 {
		t.Errorf("Allocated(nothing) = %d", n)
	}
}

// recorder is a testing.TB that records Errorf.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
}

func TestBoundCheck(t *testing.T) {
	b := Bound{Base: 1 << 10, PerByte: 2}
	if got := b.Of(100); got != 1<<10+200 {
		t.Errorf("Of(100) = %d", got)
	}
	r := &recorder{TB: t}
	b.Check(r, "small", make([]byte, 4), func() {})
	if len(r.errors) != 0 {
		t.Errorf("a call within the bound was reported: %v", r.errors)
	}
	b.Check(r, "big", make([]byte, 4), func() { sink = make([]byte, 1<<20) })
	if len(r.errors) != 1 {
		t.Errorf("a call over the bound was not reported once: %v", r.errors)
	}
}

func TestRunFiles(t *testing.T) {
	var names []string
	var oks int
	Run(t, Files(t, "json"), func(t *testing.T, c Case) {
		names = append(names, c.Name)
		if c.OK != strings.HasPrefix(c.Name, "ok-") {
			t.Errorf("%s: OK = %v", c.Name, c.OK)
		}
		if c.OK {
			oks++
		}
	}, map[string][]byte{"ok-generated": []byte("1")})
	if len(names) < 2 || oks == 0 {
		t.Fatalf("Run saw %d inputs, %d ok-*", len(names), oks)
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Errorf("not in name order: %q before %q", names[i-1], names[i])
		}
	}
}

func TestMemoLaugh(t *testing.T) {
	p := MemoLaugh(10, 3)
	if !strings.HasPrefix(string(p), "\x80\x04}") || !strings.HasSuffix(string(p), "eu.") || strings.Count(string(p), "j\x03\x00\x00\x00") != 2 {
		t.Errorf("MemoLaugh(10, 3) = %q", p)
	}
}
