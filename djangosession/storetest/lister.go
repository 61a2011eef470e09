package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
)

// RunLister checks the djangosession.Lister contract of a store that
// implements it: every saved session listed once, in ascending key
// order, with its data (DecodeRecord gives back what was saved) and its
// expiry; After resumes a listing, Prefix narrows it, a deleted session
// is not listed, breaking out of the loop stops it, and listings larger
// than the batch size come whole. o.New must return an empty store.
func RunLister(t *testing.T, o Options) {
	t.Helper()
	ctx := context.Background()
	s := o.New(t)
	l, ok := s.(djangosession.Lister)
	if !ok {
		t.Fatalf("%T does not implement djangosession.Lister", s)
	}
	const n = 23
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	want := map[string]*pyjson.Object{}
	var keys []string
	for i := 0; i < n; i++ {
		k, err := djangosession.NewKey(randReader{})
		if err != nil {
			t.Fatal(err)
		}
		d := Sample()
		d.Set("i", int64(i))
		if err := s.Save(ctx, k, d, djangosession.Expiry{Date: exp, Age: 3600}, true); err != nil {
			t.Fatalf("Save: %v", err)
		}
		want[k] = d
		keys = append(keys, k)
	}
	slices.Sort(keys)
	list := func(t *testing.T, lo *djangosession.ListOptions) []djangosession.Record {
		t.Helper()
		var out []djangosession.Record
		for r, err := range l.List(ctx, lo) {
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			out = append(out, r)
		}
		return out
	}
	keysOf := func(rs []djangosession.Record) []string {
		var ks []string
		for _, r := range rs {
			ks = append(ks, r.Key)
		}
		return ks
	}

	t.Run("All", func(t *testing.T) {
		for _, batch := range []int{0, 1, 5} {
			rs := list(t, &djangosession.ListOptions{BatchSize: batch})
			if got := keysOf(rs); !slices.Equal(got, keys) {
				t.Fatalf("batch %d: listed %d keys %v, want %d in order", batch, len(got), got, len(keys))
			}
			for _, r := range rs {
				d, err := l.DecodeRecord(r)
				if err != nil {
					t.Fatalf("DecodeRecord(%s): %v", r.Key, err)
				}
				assertSame(t, d, want[r.Key])
				if o.ExpiresByDate {
					if diff := r.Expire.Sub(exp); diff < -5*time.Second || diff > 5*time.Second {
						t.Errorf("%s: Expire %v, saved %v", r.Key, r.Expire, exp)
					}
				} else if r.Expire.IsZero() {
					t.Errorf("%s: no Expire", r.Key)
				}
			}
		}
	})
	t.Run("After", func(t *testing.T) {
		got := keysOf(list(t, &djangosession.ListOptions{After: keys[9], BatchSize: 4}))
		if !slices.Equal(got, keys[10:]) {
			t.Fatalf("After %s: %v, want %v", keys[9], got, keys[10:])
		}
	})
	t.Run("Prefix", func(t *testing.T) {
		p := keys[0][:1]
		var wantP []string
		for _, k := range keys {
			if k[:1] == p {
				wantP = append(wantP, k)
			}
		}
		if got := keysOf(list(t, &djangosession.ListOptions{Prefix: p})); !slices.Equal(got, wantP) {
			t.Fatalf("Prefix %q: %v, want %v", p, got, wantP)
		}
	})
	t.Run("Break", func(t *testing.T) {
		i := 0
		for _, err := range l.List(ctx, nil) {
			if err != nil {
				t.Fatal(err)
			}
			if i++; i == 3 {
				break
			}
		}
		if i != 3 {
			t.Fatalf("stopped after %d", i)
		}
	})
	t.Run("Deleted", func(t *testing.T) {
		if err := s.Delete(ctx, keys[0]); err != nil {
			t.Fatal(err)
		}
		if got := keysOf(list(t, nil)); slices.Contains(got, keys[0]) || len(got) != n-1 {
			t.Fatalf("after Delete(%s): %d keys listed %v", keys[0], len(got), fmt.Sprint(got))
		}
	})
}
