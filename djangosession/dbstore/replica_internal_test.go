package dbstore

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestRecentWrites(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	r := recentWrites{window: 5 * time.Second}
	r.add("a", t0)
	r.add("b", t0.Add(4*time.Second))
	for _, tc := range []struct {
		key  string
		at   time.Duration
		want bool
	}{
		{"a", 0, true},
		{"a", 4999 * time.Millisecond, true},
		{"a", 5 * time.Second, false},
		{"b", 8 * time.Second, true}, // written in the previous generation
		{"b", 9 * time.Second, false},
		{"c", 0, false},
	} {
		if got := r.has(tc.key, t0.Add(tc.at)); got != tc.want {
			t.Errorf("has(%s) at +%v = %v, want %v", tc.key, tc.at, got, tc.want)
		}
	}
	// Memory holds at most two windows of writes.
	for i := range 10000 {
		r.add(fmt.Sprint(i), t0.Add(time.Duration(i)*10*time.Millisecond))
	}
	if n := len(r.cur) + len(r.prev); n > 1000 {
		t.Errorf("%d keys remembered, want at most two windows' (1000)", n)
	}
	off := recentWrites{window: -1}
	off.add("a", t0)
	if off.has("a", t0) {
		t.Error("a negative window remembers writes")
	}
}

type sqlStateErr string

func (e sqlStateErr) Error() string    { return "ERROR (SQLSTATE " + string(e) + ")" }
func (e sqlStateErr) SQLState() string { return string(e) }

func TestPoolerErr(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{sqlStateErr("26000"), true},
		{sqlStateErr("42P05"), true},
		{fmt.Errorf("wrapped: %w", sqlStateErr("08P01")), true},
		{sqlStateErr("23505"), false},
		{errors.New("plain"), false},
	} {
		err := poolerErr(tc.err)
		if got := errors.Is(err, ErrPooler); got != tc.want {
			t.Errorf("%v: errors.Is(ErrPooler) = %v, want %v", tc.err, got, tc.want)
		}
		if !errors.Is(err, tc.err) {
			t.Errorf("%v: the driver's error is no longer matched", tc.err)
		}
	}
}
