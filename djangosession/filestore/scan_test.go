package filestore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/filestore"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/python/pyjson"
)

func TestLister(t *testing.T) {
	storetest.RunLister(t, storetest.Options{
		New: func(t *testing.T) djangosession.Store { return newStore(t, &filestore.Options{}) },
	})
}

// TestListerExpiry checks the Expire the file engine's rules give.
func TestListerExpiry(t *testing.T) {
	s := newStore(t, &filestore.Options{CookieAge: time.Hour})
	ctx := context.Background()
	mtime := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
	iso := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	cases := map[string]struct {
		expiry any
		want   time.Time
	}{
		"aaaaaaaaaaaaaaaa": {nil, mtime.Add(time.Hour)},
		"bbbbbbbbbbbbbbbb": {int64(300), djangosession.NoExpiry},
		"cccccccccccccccc": {int64(-1), time.Time{}},
		"dddddddddddddddd": {iso.Format("2006-01-02T15:04:05.000000Z07:00"), iso},
		"eeeeeeeeeeeeeeee": {false, mtime.Add(time.Hour)},
	}
	for k, c := range cases {
		d := &pyjson.Object{}
		if c.expiry != nil {
			d.Set(djangosession.ExpiryKey, c.expiry)
		}
		if err := s.Save(ctx, k, d, djangosession.Expiry{}, true); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(filepath.Join(s.Dir(), "sessionid"+k), mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(s.Dir(), "sessionidffffffffffffffff"), nil, 0o600) // a placeholder
	os.WriteFile(filepath.Join(s.Dir(), "sessionidgggg_out_1234"), []byte("x"), 0o600)
	n := 0
	for r, err := range s.List(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		want := djangosession.NoExpiry
		if c, ok := cases[r.Key]; ok {
			want = c.want
		}
		if !r.Expire.Equal(want) {
			t.Errorf("%s: Expire %v, want %v", r.Key, r.Expire, want)
		}
	}
	if n != len(cases)+1 {
		t.Errorf("listed %d files, want %d", n, len(cases)+1)
	}
}
