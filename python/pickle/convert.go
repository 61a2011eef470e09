package pickle

import (
	"fmt"
	"math/big"
	"time"

	"github.com/djsession/djsession/python/pyjson"
)

// DateTimeOf returns t as an aware datetime, truncated to microseconds
// (Python's resolution): with datetime.timezone.utc when t's offset is 0,
// else with datetime.timezone of t's offset at that instant.
func DateTimeOf(t time.Time) DateTime {
	_, off := t.Zone()
	tz := &TZInfo{Kind: UTC} // timezone(timedelta(0)) is timezone.utc
	if off != 0 {
		tz = &TZInfo{Kind: Fixed, Offset: time.Duration(off) * time.Second}
	}
	return DateTime{
		Year: t.Year(), Month: t.Month(), Day: t.Day(),
		Hour: t.Hour(), Minute: t.Minute(), Second: t.Second(),
		Microsecond: t.Nanosecond() / 1000, TZ: tz,
	}
}

// Time returns dt as a time.Time. A naive datetime is read as a wall time
// in naive (Django reads naive values in TIME_ZONE when USE_TZ is off);
// an aware one at its own offset: a zoneinfo or pytz static zone is
// loaded with time.LoadLocation, which fails for a zone this machine does
// not know.
func (dt DateTime) Time(naive *time.Location) (time.Time, error) {
	wall := func(loc *time.Location) time.Time {
		return time.Date(dt.Year, dt.Month, dt.Day, dt.Hour, dt.Minute, dt.Second, dt.Microsecond*1000, loc)
	}
	if dt.TZ == nil {
		if naive == nil {
			naive = time.UTC
		}
		return wall(naive), nil
	}
	switch dt.TZ.Kind {
	case UTC, PytzUTC:
		return wall(time.UTC), nil
	case Fixed, Pytz:
		name := dt.TZ.Name
		return wall(time.FixedZone(name, int(dt.TZ.Offset/time.Second))).Add(-(dt.TZ.Offset % time.Second)), nil
	}
	loc, err := time.LoadLocation(dt.TZ.Key)
	if err != nil {
		return time.Time{}, fmt.Errorf("pickle: tzinfo %q: %w", dt.TZ.Key, err)
	}
	// of two instants with this wall time (a DST change), fold 0 is the
	// earlier, fold 1 the later; time.Date may return either
	t := wall(loc)
	same := func(u time.Time) bool {
		return u.Hour() == t.Hour() && u.Minute() == t.Minute() && u.Day() == t.Day()
	}
	if dt.Fold == 0 {
		if u := t.Add(-time.Hour); same(u) {
			t = u
		}
	} else if u := t.Add(time.Hour); same(u) {
		t = u
	}
	return t, nil
}

// JSONCompatible returns v with its tuples turned into lists, as Django's
// JSONSerializer would write them, so that pyjson.Marshal can write it. A
// value JSON has no form for (bytes, datetime, date, time, timedelta,
// Decimal) gives ErrUnsupported naming it. v is not modified. A list,
// tuple or dict that v holds in several places (see Identity in the
// package documentation) is converted once and shared in the result, so
// the work is linear in the size of v, not in what it stands for;
// pyjson.Marshal then writes each place out in full, as json.dumps does.
func JSONCompatible(v any) (any, error) {
	c := jsonConverter{done: make(map[objectID]any)}
	return c.convert(v, 0)
}

type jsonConverter struct {
	done map[objectID]any
}

func (c *jsonConverter) convert(v any, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("%w: nested too deep", ErrUnsupported)
	}
	var items []any
	switch v.(type) {
	case nil, bool, int64, int, *big.Int, float64, string:
		return v, nil
	case *pyjson.Object, []any, Tuple:
	default:
		return nil, unsupported("%s in JSON", TypeName(v))
	}
	id, hasID := idOf(v)
	if hasID {
		if out, ok := c.done[id]; ok {
			return out, nil
		}
	}
	var out any
	switch x := v.(type) {
	case *pyjson.Object:
		obj := &pyjson.Object{}
		for k, e := range x.All() {
			f, err := c.convert(e, depth+1)
			if err != nil {
				return nil, err
			}
			obj.Set(k, f)
		}
		out = obj
	case []any:
		items = x
	case Tuple:
		items = x
	}
	if out == nil {
		list := make([]any, len(items), max(len(items), 1))
		for j, e := range items {
			var err error
			if list[j], err = c.convert(e, depth+1); err != nil {
				return nil, err
			}
		}
		out = list
	}
	if hasID {
		c.done[id] = out
	}
	return out, nil
}

// TypeName returns the name of the Python type a value stands for, as
// Unmarshal returns it or Marshal takes it ("dict", "list", "tuple",
// "str", "bytes", "int", "float", "bool", "NoneType", "datetime.datetime",
// "datetime.date", "datetime.time", "datetime.timedelta",
// "decimal.Decimal"); for a Go value of no Python type, its Go type.
// Package pyjson's values are named likewise, so error messages about a
// session's values can use it whichever serializer wrote them.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case *pyjson.Object:
		return "dict"
	case []any:
		return "list"
	case Tuple:
		return "tuple"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case int64, int, *big.Int:
		return "int"
	case float64:
		return "float"
	case bool:
		return "bool"
	case DateTime, time.Time:
		return "datetime.datetime"
	case Date:
		return "datetime.date"
	case Time:
		return "datetime.time"
	case Timedelta:
		return "datetime.timedelta"
	case Decimal:
		return "decimal.Decimal"
	}
	return fmt.Sprintf("%T", v)
}

// String returns dt as Python's str(datetime) does, e.g.
// "2024-05-01 12:00:00.000250+02:00"; a zone whose offset depends on the
// date (ZoneInfo, static pytz) is shown by its key in brackets.
func (dt DateTime) String() string {
	return fmt.Sprintf("%04d-%02d-%02d %s", dt.Year, int(dt.Month), dt.Day,
		Time{Hour: dt.Hour, Minute: dt.Minute, Second: dt.Second, Microsecond: dt.Microsecond, TZ: dt.TZ})
}

// String returns d as Python's str(date) does: "2024-05-01".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// String returns t as Python's str(time) does, e.g. "12:00:00+00:00".
func (t Time) String() string {
	s := fmt.Sprintf("%02d:%02d:%02d", t.Hour, t.Minute, t.Second)
	if t.Microsecond != 0 {
		s += fmt.Sprintf(".%06d", t.Microsecond)
	}
	if t.TZ == nil {
		return s
	}
	switch t.TZ.Kind {
	case UTC, PytzUTC:
		return s + "+00:00"
	case Fixed, Pytz:
		return s + formatOffset(t.TZ.Offset)
	}
	return s + "[" + t.TZ.Key + "]"
}

// formatOffset writes a UTC offset as Python does: +HH:MM[:SS[.ffffff]].
func formatOffset(d time.Duration) string {
	sign := '+'
	if d < 0 {
		sign, d = '-', -d
	}
	us := int64(d / time.Microsecond)
	s := fmt.Sprintf("%c%02d:%02d", sign, us/3600e6, us/60e6%60)
	if sec, frac := us/1e6%60, us%1e6; sec != 0 || frac != 0 {
		s += fmt.Sprintf(":%02d", sec)
		if frac != 0 {
			s += fmt.Sprintf(".%06d", frac)
		}
	}
	return s
}
