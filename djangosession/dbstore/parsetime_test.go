package dbstore

import (
	"testing"
	"time"
)

// TestParseText: every text form of expire_date a driver returns is read,
// whichever layout textLayout tries first, and the usual form costs no
// failed parse.
func TestParseText(t *testing.T) {
	s := &Store{loc: time.UTC}
	want := time.Date(2026, 12, 3, 13, 4, 5, 123456000, time.UTC)
	for _, v := range []string{
		"2026-12-03 13:04:05.123456",
		"2026-12-03T13:04:05.123456",
		"2026-12-03 13:04:05.123456+00:00",
		"2026-12-03T13:04:05.123456Z",
		"2026-12-03T14:04:05.123456+01:00",
		"2026-12-03 11:04:05.123456-02:00",
	} {
		got, err := s.parseText(v)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseText(%q) = %v, %v; want %v", v, got, err, want)
		}
	}
	if _, err := s.parseText("2026-12-03 13:04:05Z"); err == nil {
		t.Error("a space-separated time with Z was read (no layout of Django's writes it)")
	}
	if _, err := s.parseText("yesterday"); err == nil {
		t.Error("parseText accepted text that is not a datetime")
	}
	if n := testing.AllocsPerRun(100, func() { s.parseText("2026-12-03 13:04:05.123456") }); n != 0 {
		t.Errorf("parsing Django's SQLite form allocates %.0f times", n)
	}
}
