package memstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/memstore"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/python/pyjson"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Options{
		New:           func(*testing.T) djangosession.Store { return memstore.New(nil) },
		ExpiresByDate: true,
	})
}

// clock is a fake clock the tests step.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestExpiry(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		exp  djangosession.Expiry
		life time.Duration // 0: never expires
	}{
		{"date", djangosession.Expiry{Date: start.Add(time.Hour), Age: 60}, time.Hour}, // Date wins
		{"age", djangosession.Expiry{Age: 300}, 300 * time.Second},
		{"zero", djangosession.Expiry{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{t: start}
			s := memstore.New(&memstore.Options{Now: c.now})
			if err := s.Save(ctx, "k1234567890", storetest.Sample(), tc.exp, true); err != nil {
				t.Fatal(err)
			}
			step := tc.life
			if step == 0 {
				step = 10000 * time.Hour
			}
			c.add(step - time.Second)
			if _, err := s.Load(ctx, "k1234567890"); err != nil {
				t.Fatalf("Load a second before expiry: %v", err)
			}
			c.add(time.Second)
			_, err := s.Load(ctx, "k1234567890")
			ok, _ := s.Exists(ctx, "k1234567890")
			n, cerr := s.ClearExpired(ctx)
			if cerr != nil {
				t.Fatal(cerr)
			}
			if tc.life == 0 {
				if err != nil || !ok || n != 0 || s.Len() != 1 {
					t.Fatalf("never-expiring session: Load %v, Exists %v, cleared %d, Len %d", err, ok, n, s.Len())
				}
				return
			}
			if !errors.Is(err, djangosession.ErrNotFound) || ok {
				t.Fatalf("at expiry: Load %v, Exists %v; want ErrNotFound, false", err, ok)
			}
			if n != 1 || s.Len() != 0 {
				t.Fatalf("ClearExpired removed %d, Len %d; want 1, 0", n, s.Len())
			}
		})
	}
}

func TestExpiredIsNone(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	s := memstore.New(&memstore.Options{Now: c.now})
	if err := s.Save(ctx, "k1234567890", storetest.Sample(), djangosession.Expiry{Age: 60}, true); err != nil {
		t.Fatal(err)
	}
	c.add(time.Minute)
	if err := s.Save(ctx, "k1234567890", storetest.Sample(), djangosession.Expiry{Age: 60}, false); !errors.Is(err, djangosession.ErrVanished) {
		t.Fatalf("update of an expired session: %v, want ErrVanished", err)
	}
	if err := s.Save(ctx, "k1234567890", storetest.Sample(), djangosession.Expiry{Age: 60}, true); err != nil {
		t.Fatalf("create over an expired session: %v", err)
	}
}

func TestCopies(t *testing.T) {
	ctx := context.Background()
	s := memstore.New(nil)
	d := pyjson.NewObject()
	d.Set("a", int64(1))
	if err := s.Save(ctx, "k1234567890", d, djangosession.Expiry{}, true); err != nil {
		t.Fatal(err)
	}
	d.Set("a", int64(2)) // after Save: not stored
	got, err := s.Load(ctx, "k1234567890")
	if err != nil {
		t.Fatal(err)
	}
	got.Set("a", int64(3)) // on a loaded copy: not stored
	again, _ := s.Load(ctx, "k1234567890")
	if v, _ := again.Get("a"); v != int64(1) {
		t.Fatalf("stored a = %v, want 1", v)
	}
}

func TestSaves(t *testing.T) {
	ctx := context.Background()
	s := memstore.New(nil)
	d := storetest.Sample()
	steps := []struct {
		mustCreate bool
		wantErr    error
		saves      int
	}{
		{true, nil, 1},
		{true, djangosession.ErrExists, 1},
		{false, nil, 2},
	}
	for i, st := range steps {
		if err := s.Save(ctx, "k1234567890", d, djangosession.Expiry{}, st.mustCreate); !errors.Is(err, st.wantErr) {
			t.Fatalf("step %d: Save = %v, want %v", i, err, st.wantErr)
		}
		if got := s.Saves(); got != st.saves {
			t.Fatalf("step %d: Saves = %d, want %d", i, got, st.saves)
		}
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := memstore.New(nil)
	if err := s.Save(ctx, "k1234567890", storetest.Sample(), djangosession.Expiry{}, true); !errors.Is(err, context.Canceled) {
		t.Errorf("Save: %v", err)
	}
	if _, err := s.Exists(ctx, "k1234567890"); !errors.Is(err, context.Canceled) {
		t.Errorf("Exists: %v", err)
	}
	if err := s.Delete(ctx, "k1234567890"); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete: %v", err)
	}
	if _, err := s.ClearExpired(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("ClearExpired: %v", err)
	}
	if s.Saves() != 0 {
		t.Error("a canceled Save was counted")
	}
}

func TestRecords(t *testing.T) {
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: "memstore-records-test-key"}})
	if err != nil {
		t.Fatal(err)
	}
	o := storetest.Options{
		New:           func(*testing.T) djangosession.Store { return memstore.New(&memstore.Options{Codec: codec}) },
		ExpiresByDate: true,
		Secrets:       []string{"memstore-records-test-key"},
	}
	t.Run("Lister", func(t *testing.T) { storetest.RunLister(t, o) })
	t.Run("RecordWriter", func(t *testing.T) { storetest.RunReplace(t, o) })
	t.Run("NoCodec", func(t *testing.T) {
		s := memstore.New(nil)
		err := s.PutRecord(context.Background(), djangosession.Record{Key: "k1234567890", Data: []byte("x"), Expire: time.Now().Add(time.Hour)}, false)
		if !errors.Is(err, memstore.ErrNoCodec) {
			t.Fatalf("PutRecord without a codec: %v", err)
		}
	})
}
