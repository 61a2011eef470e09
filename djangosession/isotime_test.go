package djangosession_test

import (
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
)

// TestParseISOTimeLikePython checks ParseISOTime against Python 3.11's
// datetime.fromisoformat, which Django 4.1+ reads _session_expiry with: on
// every shape datetime.isoformat writes, Go reads the same time; on any
// string Python rejects, Go rejects too. Other ISO 8601 forms Python 3.11
// also accepts (basic format, week dates, "Z"...) Go may reject: Django
// never writes them.
func TestParseISOTimeLikePython(t *testing.T) {
	v := loadVectors(t)
	accepted, subset := 0, 0
	for _, c := range v.ISOTime {
		t.Run(c.Text, func(t *testing.T) {
			got, err := djangosession.ParseISOTime(c.Text, time.UTC)
			switch {
			case c.Raises != "":
				if err == nil {
					t.Fatalf("Python rejects %q; Go read %v", c.Text, got)
				}
			case err != nil && c.DjangoShape:
				t.Fatalf("Django writes this shape; Go: %v", err)
			case err != nil:
				subset++
				t.Logf("Python reads %q as %s; Go does not (not a shape Django writes)", c.Text, c.ISO)
			default:
				accepted++
				if s := djangosession.FormatISOTime(got, c.Aware); s != c.ISO {
					t.Fatalf("Go read %s, Python %s", s, c.ISO)
				}
			}
		})
	}
	t.Logf("%d strings read as Python does, %d Python-only forms rejected", accepted, subset)
}

func TestFormatISOTime(t *testing.T) {
	ist := time.FixedZone("", 5*3600+30*60)
	odd := time.FixedZone("", -(3*3600 + 30*60 + 15))
	for _, c := range []struct {
		t     time.Time
		aware bool
		want  string
	}{
		{time.Date(2030, 1, 2, 3, 4, 5, 678901234, time.UTC), true, "2030-01-02T03:04:05.678901+00:00"},
		{time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), true, "2030-01-02T03:04:05+00:00"},
		{time.Date(2030, 1, 2, 3, 4, 5, 999, time.UTC), true, "2030-01-02T03:04:05+00:00"}, // < 1µs: dropped
		{time.Date(2030, 1, 2, 3, 4, 5, 1000, ist), true, "2030-01-02T03:04:05.000001+05:30"},
		{time.Date(2030, 1, 2, 3, 4, 5, 0, odd), true, "2030-01-02T03:04:05-03:30:15"},
		{time.Date(2030, 1, 2, 3, 4, 5, 0, ist), false, "2030-01-02T03:04:05"},
		{time.Date(999, 1, 2, 3, 4, 5, 0, time.UTC), false, "0999-01-02T03:04:05"},
	} {
		if got := djangosession.FormatISOTime(c.t, c.aware); got != c.want {
			t.Errorf("FormatISOTime(%v, %v) = %s, want %s", c.t, c.aware, got, c.want)
		}
	}
}

// TestParseISOTimeNaive: a string without offset is read in the location
// given (TIME_ZONE for USE_TZ = False).
func TestParseISOTimeNaive(t *testing.T) {
	loc := time.FixedZone("X", -6*3600)
	got, err := djangosession.ParseISOTime("2030-01-02T03:04:05", loc)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2030, 1, 2, 9, 4, 5, 0, time.UTC); !got.Equal(want) || got.Location() != loc {
		t.Fatalf("got %v, want %v in %v", got, want, loc)
	}
}
