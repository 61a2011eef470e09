package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
)

// RunReplace checks the djangosession.RecordWriter contract of a store
// that implements it and djangosession.Lister: CompareAndSwap writes when
// the stored value is the one read, keeping or setting the expiry, and
// gives ErrChanged (writing nothing) when it is not or the key is gone;
// PutRecord inserts when absent, gives ErrExists without overwrite, and
// replaces with it; a hostile key is refused with ErrInvalidKey exactly
// when Save refuses it, and no error text carries the key or a path; of
// concurrent swaps from one value, and of concurrent puts of one new key,
// exactly one succeeds. What is written is checked as the Lister lists
// it, byte for byte, and as Load decodes it. o.New must return an empty
// store.
//
// For a djangosession.RecordBatcher it runs the cases again with every
// write in a batch of its own ("Batch"), and checks that a batch commits
// its writes together or, when fn fails, none ("BatchRollback").
func RunReplace(t *testing.T, o Options) {
	t.Helper()
	ctx := context.Background()
	if _, ok := o.New(t).(djangosession.RecordBatcher); ok {
		t.Run("Batch", func(t *testing.T) {
			bo := o
			bo.New = func(t *testing.T) djangosession.Store {
				s := o.New(t)
				return batched{s, s.(djangosession.Lister), s.(djangosession.RecordBatcher)}
			}
			RunReplace(t, bo)
		})
		t.Run("BatchRollback", func(t *testing.T) { runBatchRollback(t, o) })
	}
	newKey := func(t *testing.T) string {
		t.Helper()
		k, err := djangosession.NewKey(randReader{})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	hour := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	twoHours := hour.Add(time.Hour)
	open := func(t *testing.T) (djangosession.Store, djangosession.RecordWriter, djangosession.Lister) {
		t.Helper()
		s := o.New(t)
		w, ok := s.(djangosession.RecordWriter)
		if !ok {
			t.Fatalf("%T does not implement djangosession.RecordWriter", s)
		}
		l, ok := s.(djangosession.Lister)
		if !ok {
			t.Fatalf("%T does not implement djangosession.Lister", s)
		}
		return s, w, l
	}
	// record returns what the store lists under key; found is false when
	// it lists nothing there.
	record := func(t *testing.T, l djangosession.Lister, key string) (djangosession.Record, bool) {
		t.Helper()
		for r, err := range l.List(ctx, &djangosession.ListOptions{Prefix: key}) {
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if r.Key == key {
				return r, true
			}
		}
		return djangosession.Record{}, false
	}
	// saved saves data under a new key and returns the record listed.
	saved := func(t *testing.T, s djangosession.Store, l djangosession.Lister, data *pyjson.Object) djangosession.Record {
		t.Helper()
		k := newKey(t)
		if err := s.Save(ctx, k, data, djangosession.Expiry{Date: hour, Age: 3600}, true); err != nil {
			t.Fatalf("Save: %v", err)
		}
		r, ok := record(t, l, k)
		if !ok {
			t.Fatalf("saved session %s not listed", k)
		}
		return r
	}
	numbered := func(i int) *pyjson.Object {
		d := Sample()
		d.Set("n", int64(i))
		return d
	}
	// holds checks that key holds data (as listed and as loaded) and, when
	// exp is not zero, expires then.
	holds := func(t *testing.T, s djangosession.Store, l djangosession.Lister, key string, data []byte, want *pyjson.Object, exp time.Time) {
		t.Helper()
		r, ok := record(t, l, key)
		if !ok {
			t.Fatalf("%s not listed", key)
		}
		if !bytes.Equal(r.Data, data) {
			t.Fatalf("%s holds %.60q, want %.60q", key, r.Data, data)
		}
		if d := r.Expire.Sub(exp); !exp.IsZero() && (d < -5*time.Second || d > 5*time.Second) {
			t.Errorf("%s expires %v, want %v", key, r.Expire, exp)
		}
		got, err := s.Load(ctx, key)
		if err != nil {
			t.Fatalf("Load(%s): %v", key, err)
		}
		assertSame(t, got, want)
	}

	// keep is the Expire that keeps r's expiry: zero, or r's own where
	// the store cannot keep one.
	keep := func(r djangosession.Record) time.Time {
		if o.NoKeepExpiry {
			return r.Expire
		}
		return time.Time{}
	}

	t.Run("SwapUnchanged", func(t *testing.T) {
		s, w, l := open(t)
		r := saved(t, s, l, numbered(1))
		donor := saved(t, s, l, numbered(2))
		if o.NoKeepExpiry {
			err := w.CompareAndSwap(ctx, r.Data, djangosession.Record{Key: r.Key, Data: donor.Data, Flags: donor.Flags})
			if err == nil || errors.Is(err, djangosession.ErrChanged) {
				t.Fatalf("CompareAndSwap keeping the expiry: %v, want a refusal", err)
			}
			holds(t, s, l, r.Key, r.Data, numbered(1), r.Expire)
		}
		if err := w.CompareAndSwap(ctx, r.Data, djangosession.Record{Key: r.Key, Data: donor.Data, Flags: donor.Flags, Expire: keep(r)}); err != nil {
			t.Fatalf("CompareAndSwap of an unchanged session: %v", err)
		}
		holds(t, s, l, r.Key, donor.Data, numbered(2), r.Expire) // expiry kept
		if err := w.CompareAndSwap(ctx, donor.Data, djangosession.Record{Key: r.Key, Data: r.Data, Flags: r.Flags, Expire: twoHours}); err != nil {
			t.Fatalf("CompareAndSwap with an expiry: %v", err)
		}
		holds(t, s, l, r.Key, r.Data, numbered(1), twoHours)
	})

	t.Run("SwapSameValue", func(t *testing.T) {
		// writing back the value read (MySQL counts no changed row)
		s, w, l := open(t)
		r := saved(t, s, l, numbered(1))
		if err := w.CompareAndSwap(ctx, r.Data, r); err != nil {
			t.Fatalf("CompareAndSwap to the same value and expiry: %v", err)
		}
		if err := w.CompareAndSwap(ctx, r.Data, djangosession.Record{Key: r.Key, Data: r.Data, Flags: r.Flags, Expire: keep(r)}); err != nil {
			t.Fatalf("CompareAndSwap to the same value: %v", err)
		}
		holds(t, s, l, r.Key, r.Data, numbered(1), r.Expire)
	})

	t.Run("SwapChanged", func(t *testing.T) {
		s, w, l := open(t)
		r := saved(t, s, l, numbered(1))
		donor := saved(t, s, l, numbered(2))
		// the application saves meanwhile
		if err := s.Save(ctx, r.Key, numbered(3), djangosession.Expiry{Date: hour, Age: 3600}, false); err != nil {
			t.Fatal(err)
		}
		now, _ := record(t, l, r.Key)
		err := w.CompareAndSwap(ctx, r.Data, djangosession.Record{Key: r.Key, Data: donor.Data, Flags: donor.Flags, Expire: twoHours})
		if !errors.Is(err, djangosession.ErrChanged) {
			t.Fatalf("CompareAndSwap of a changed session: %v, want ErrChanged", err)
		}
		holds(t, s, l, r.Key, now.Data, numbered(3), now.Expire)
	})

	t.Run("SwapDeleted", func(t *testing.T) {
		s, w, l := open(t)
		r := saved(t, s, l, numbered(1))
		if err := s.Delete(ctx, r.Key); err != nil {
			t.Fatal(err)
		}
		for _, exp := range []time.Time{keep(r), twoHours} {
			err := w.CompareAndSwap(ctx, r.Data, djangosession.Record{Key: r.Key, Data: r.Data, Flags: r.Flags, Expire: exp})
			if !errors.Is(err, djangosession.ErrChanged) {
				t.Fatalf("CompareAndSwap of a deleted session: %v, want ErrChanged", err)
			}
			if ok, err := s.Exists(ctx, r.Key); ok || err != nil {
				t.Fatalf("a failed CompareAndSwap stored the session: %v %v", ok, err)
			}
		}
	})

	t.Run("Put", func(t *testing.T) {
		s, w, l := open(t)
		donor := saved(t, s, l, numbered(1))
		other := saved(t, s, l, numbered(2))
		k := newKey(t)
		if err := w.PutRecord(ctx, djangosession.Record{Key: k, Data: donor.Data, Flags: donor.Flags, Expire: twoHours}, false); err != nil {
			t.Fatalf("PutRecord of a new key: %v", err)
		}
		holds(t, s, l, k, donor.Data, numbered(1), twoHours)
		err := w.PutRecord(ctx, djangosession.Record{Key: k, Data: other.Data, Flags: other.Flags, Expire: hour}, false)
		if !errors.Is(err, djangosession.ErrExists) {
			t.Fatalf("PutRecord of a taken key: %v, want ErrExists", err)
		}
		holds(t, s, l, k, donor.Data, numbered(1), twoHours)
		if err := w.PutRecord(ctx, djangosession.Record{Key: k, Data: other.Data, Flags: other.Flags, Expire: hour}, true); err != nil {
			t.Fatalf("PutRecord overwriting: %v", err)
		}
		holds(t, s, l, k, other.Data, numbered(2), hour)
		k2 := newKey(t)
		if err := w.PutRecord(ctx, djangosession.Record{Key: k2, Data: other.Data, Flags: other.Flags, Expire: hour}, true); err != nil {
			t.Fatalf("PutRecord overwriting a missing key: %v", err)
		}
		holds(t, s, l, k2, other.Data, numbered(2), hour)
		k3 := newKey(t)
		if err := w.PutRecord(ctx, djangosession.Record{Key: k3, Data: other.Data, Flags: other.Flags}, true); err == nil {
			t.Fatal("PutRecord without an expiry succeeded")
		}
		if ok, _ := s.Exists(ctx, k3); ok {
			t.Fatal("PutRecord without an expiry stored the session")
		}
	})

	t.Run("HostileKeys", func(t *testing.T) {
		s, w, l := open(t)
		donor := saved(t, s, l, numbered(1))
		forbidden := append(append([]string(nil), o.Secrets...), os.TempDir())
		for name, raw := range Corpus(t, "keys") {
			key := string(raw)
			t.Run(name, func(t *testing.T) {
				check := func(what string, err error) {
					t.Helper()
					if err == nil {
						return
					}
					for _, f := range append(forbidden, key) {
						if len(f) >= 8 && strings.Contains(err.Error(), f) {
							t.Errorf("%s: error text carries %.40q: %q", what, f, err)
						}
					}
				}
				rec := djangosession.Record{Key: key, Data: donor.Data, Flags: donor.Flags, Expire: hour}
				err := w.CompareAndSwap(ctx, donor.Data, rec)
				check("CompareAndSwap", err)
				if !errors.Is(err, djangosession.ErrInvalidKey) && !errors.Is(err, djangosession.ErrChanged) {
					t.Errorf("CompareAndSwap of an absent hostile key: %v, want ErrInvalidKey or ErrChanged", err)
				}
				putErr := w.PutRecord(ctx, rec, false)
				check("PutRecord", putErr)
				saveErr := s.Save(ctx, key, numbered(1), djangosession.Expiry{Date: hour, Age: 3600}, true)
				switch {
				case putErr != nil && !errors.Is(putErr, djangosession.ErrInvalidKey):
					t.Errorf("PutRecord: %v, want nil or ErrInvalidKey", putErr)
				case putErr != nil && !errors.Is(saveErr, djangosession.ErrInvalidKey):
					t.Errorf("PutRecord refused a key Save takes (%v): %v", saveErr, putErr)
				case putErr == nil && !errors.Is(saveErr, djangosession.ErrExists):
					t.Errorf("PutRecord took a key Save refuses: Save after PutRecord: %v", saveErr)
				}
				if putErr != nil {
					if ok, err := s.Exists(ctx, key); ok || err != nil {
						t.Errorf("a refused PutRecord stored the session: %v %v", ok, err)
					}
					return
				}
				if err := s.Delete(ctx, key); err != nil {
					t.Error(err)
				}
			})
		}
	})

	t.Run("ConcurrentSwaps", func(t *testing.T) {
		s, w, l := open(t)
		n := o.Concurrency
		if n == 0 {
			n = 8
		}
		r := saved(t, s, l, numbered(-1))
		donors := make([]djangosession.Record, n)
		for i := range donors {
			donors[i] = saved(t, s, l, numbered(i))
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = w.CompareAndSwap(ctx, r.Data, djangosession.Record{Key: r.Key, Data: donors[i].Data, Flags: donors[i].Flags, Expire: keep(r)})
			}()
		}
		wg.Wait()
		winner := oneWinner(t, errs, djangosession.ErrChanged)
		if winner >= 0 {
			holds(t, s, l, r.Key, donors[winner].Data, numbered(winner), r.Expire)
		}
	})

	t.Run("ConcurrentPuts", func(t *testing.T) {
		s, w, l := open(t)
		n := o.Concurrency
		if n == 0 {
			n = 8
		}
		donors := make([]djangosession.Record, n)
		for i := range donors {
			donors[i] = saved(t, s, l, numbered(i))
		}
		k := newKey(t)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = w.PutRecord(ctx, djangosession.Record{Key: k, Data: donors[i].Data, Flags: donors[i].Flags, Expire: twoHours}, false)
			}()
		}
		wg.Wait()
		winner := oneWinner(t, errs, djangosession.ErrExists)
		if winner >= 0 {
			holds(t, s, l, k, donors[winner].Data, numbered(winner), twoHours)
		}
	})
}

// oneWinner checks that exactly one of errs is nil and the others match
// lost, and returns the winner's index (-1 after a failure).
func oneWinner(t *testing.T, errs []error, lost error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("calls %d and %d both succeeded", winner, i)
			return -1
		case err == nil:
			winner = i
		case !errors.Is(err, lost):
			t.Errorf("call %d: %v, want nil or %v", i, err, lost)
			return -1
		}
	}
	if winner < 0 {
		t.Errorf("none of %d calls succeeded", len(errs))
	}
	return winner
}

// batched is a store whose RecordWriter methods each run in a batch of
// their own.
type batched struct {
	djangosession.Store
	djangosession.Lister
	b djangosession.RecordBatcher
}

func (s batched) CompareAndSwap(ctx context.Context, old []byte, r djangosession.Record) error {
	return s.b.WriteRecords(ctx, func(w djangosession.RecordWriter) error { return w.CompareAndSwap(ctx, old, r) })
}

func (s batched) PutRecord(ctx context.Context, r djangosession.Record, overwrite bool) error {
	return s.b.WriteRecords(ctx, func(w djangosession.RecordWriter) error { return w.PutRecord(ctx, r, overwrite) })
}

// runBatchRollback checks that a batch's writes, a lost swap among them,
// are committed together, and that none is when fn fails.
func runBatchRollback(t *testing.T, o Options) {
	ctx := context.Background()
	s := o.New(t)
	b := s.(djangosession.RecordBatcher)
	l := s.(djangosession.Lister)
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	var keys [3]string
	for i := range keys {
		k, err := djangosession.NewKey(randReader{})
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
	}
	d := Sample()
	if err := s.Save(ctx, keys[0], d, djangosession.Expiry{Date: exp, Age: 3600}, true); err != nil {
		t.Fatal(err)
	}
	var r0 djangosession.Record
	for r, err := range l.List(ctx, &djangosession.ListOptions{Prefix: keys[0]}) {
		if err != nil {
			t.Fatal(err)
		}
		r0 = r
	}
	aborted := errors.New("aborted")
	err := b.WriteRecords(ctx, func(w djangosession.RecordWriter) error {
		if err := w.PutRecord(ctx, djangosession.Record{Key: keys[1], Data: r0.Data, Flags: r0.Flags, Expire: exp}, false); err != nil {
			return err
		}
		if err := w.CompareAndSwap(ctx, r0.Data, djangosession.Record{Key: keys[0], Data: r0.Data[:len(r0.Data)-1], Flags: r0.Flags}); err != nil {
			return err
		}
		return aborted
	})
	if !errors.Is(err, aborted) {
		t.Fatalf("WriteRecords: %v, want fn's error", err)
	}
	if ok, err := s.Exists(ctx, keys[1]); ok || err != nil {
		t.Fatalf("a put of a failed batch was committed: %v %v", ok, err)
	}
	if got, err := s.Load(ctx, keys[0]); err != nil {
		t.Fatalf("a swap of a failed batch was committed: Load: %v", err)
	} else {
		assertSame(t, got, d)
	}

	err = b.WriteRecords(ctx, func(w djangosession.RecordWriter) error {
		for _, k := range keys[1:] {
			if err := w.PutRecord(ctx, djangosession.Record{Key: k, Data: r0.Data, Flags: r0.Flags, Expire: exp}, false); err != nil {
				return err
			}
		}
		if err := w.CompareAndSwap(ctx, []byte("not what is stored"), djangosession.Record{Key: keys[0], Data: r0.Data}); !errors.Is(err, djangosession.ErrChanged) {
			return fmt.Errorf("a lost swap in a batch: %v, want ErrChanged", err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("WriteRecords: %v", err)
	}
	for _, k := range keys[1:] {
		got, err := s.Load(ctx, k)
		if err != nil {
			t.Fatalf("a put of a committed batch: Load: %v", err)
		}
		assertSame(t, got, d)
	}
}
