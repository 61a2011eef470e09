package djangosession

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// errISOTime is returned for a string datetime.fromisoformat rejects.
var errISOTime = errors.New("djangosession: not an ISO 8601 datetime")

// isoformat writes t as Python's datetime.isoformat() does for what
// timezone.now() + timedelta gives: aware with its UTC offset (+00:00,
// never Z) when USE_TZ, naive in TIME_ZONE otherwise; microseconds only
// when non-zero (truncated from nanoseconds).
func (s *Session) isoformat(t time.Time) string {
	if s.engine.cfg.NaiveTime {
		return FormatISOTime(t.In(s.engine.cfg.location()), false)
	}
	return FormatISOTime(t, true)
}

// FormatISOTime writes t as Python's datetime.isoformat(): with its UTC
// offset when aware, without when naive.
func FormatISOTime(t time.Time, aware bool) string {
	b := make([]byte, 0, 32)
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		b = append(b, '.')
		b = append(b, fmt.Sprintf("%06d", us)...)
	}
	if aware {
		_, off := t.Zone()
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		b = append(b, sign)
		b = append(b, fmt.Sprintf("%02d:%02d", off/3600, off/60%60)...)
		if off%60 != 0 {
			b = append(b, fmt.Sprintf(":%02d", off%60)...)
		}
	}
	return string(b)
}

// ParseISOTime parses what Python 3.11's datetime.fromisoformat accepts in
// the shapes Django writes: YYYY-MM-DD[(T| )HH[:MM[:SS[.f{1,6}]]]] with an
// optional Z or ±HH:MM[:SS] offset. A naive value is read in loc.
func ParseISOTime(s string, loc *time.Location) (time.Time, error) {
	bad := func() (time.Time, error) { return time.Time{}, fmt.Errorf("%w: %q", errISOTime, s) }
	num := func(p string) (int, bool) {
		if p == "" {
			return 0, false
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return 0, false
			}
		}
		n, err := strconv.Atoi(p)
		return n, err == nil
	}
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return bad()
	}
	y, ok1 := num(s[0:4])
	mo, ok2 := num(s[5:7])
	d, ok3 := num(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return bad()
	}
	var h, mi, sec, ns int
	rest := s[10:]
	offset, hasOffset := 0, false
	if rest != "" {
		if rest[0] != 'T' && rest[0] != ' ' {
			return bad()
		}
		rest = rest[1:]
		// split off the offset
		tpart := rest
		for i := 0; i < len(rest); i++ {
			if rest[i] == '+' || rest[i] == '-' || rest[i] == 'Z' {
				tpart = rest[:i]
				o := rest[i:]
				hasOffset = true
				if o == "Z" {
					break
				}
				sign := 1
				if o[0] == '-' {
					sign = -1
				}
				o = o[1:]
				if len(o) < 5 || o[2] != ':' {
					return bad()
				}
				oh, ok := num(o[0:2])
				om, ok2 := num(o[3:5])
				if !ok || !ok2 {
					return bad()
				}
				offset = oh*3600 + om*60
				if len(o) > 5 {
					if len(o) < 8 || o[5] != ':' {
						return bad()
					}
					os, ok := num(o[6:8])
					if !ok || len(o) != 8 {
						return bad()
					}
					offset += os
				}
				offset *= sign
				break
			}
		}
		var ok bool
		if len(tpart) < 2 {
			return bad()
		}
		if h, ok = num(tpart[0:2]); !ok {
			return bad()
		}
		tpart = tpart[2:]
		if len(tpart) >= 3 && tpart[0] == ':' {
			if mi, ok = num(tpart[1:3]); !ok {
				return bad()
			}
			tpart = tpart[3:]
			if len(tpart) >= 3 && tpart[0] == ':' {
				if sec, ok = num(tpart[1:3]); !ok {
					return bad()
				}
				tpart = tpart[3:]
				if len(tpart) > 0 {
					if tpart[0] != '.' && tpart[0] != ',' {
						return bad()
					}
					frac := tpart[1:]
					if len(frac) == 0 || len(frac) > 6 {
						return bad()
					}
					f, ok := num(frac)
					if !ok {
						return bad()
					}
					for range 9 - len(frac) {
						f *= 10
					}
					ns = f
					tpart = ""
				}
			}
		}
		if tpart != "" {
			return bad()
		}
	}
	// Python: years 1-9999; an offset strictly within a day.
	if y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 ||
		offset >= 86400 || offset <= -86400 {
		return bad()
	}
	zone := loc
	if hasOffset {
		zone = time.FixedZone("", offset)
		if offset == 0 {
			zone = time.UTC
		}
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ns, zone)
	if t.Day() != d {
		return bad() // e.g. February 30
	}
	return t, nil
}
