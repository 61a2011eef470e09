package dbstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/python/pyjson"
)

const workers = 32

// clock orders the events of a concurrent run: a tick taken before a call
// starts and one taken after it returns bracket the moment the database
// applied it, so "B started after A returned" is B.start > A.end.
type clock struct{ n atomic.Int64 }

func (c *clock) tick() int64 { return c.n.Add(1) }

type opKind int

const (
	opCreate opKind = iota
	opUpdate
	opDelete
	opLoad
)

func (k opKind) String() string {
	return [...]string{"create", "update", "delete", "load"}[k]
}

// op is one finished call on a key: for writes, id names the data written
// (unique in the run); for loads, the id that was read ("" when none).
type op struct {
	kind       opKind
	key, id    string
	start, end int64
	err        error
}

// history collects the ops of a run.
type history struct {
	mu  sync.Mutex
	ops []op
}

func (h *history) add(o op) {
	h.mu.Lock()
	h.ops = append(h.ops, o)
	h.mu.Unlock()
}

// payload is what writer id stores: the id plus a typical session's keys,
// so every write has a distinct, recognisable value of realistic size.
func payload(id string) *pyjson.Object {
	o := pyjson.NewObject()
	o.Set("id", id)
	o.Set("_auth_user_id", "42")
	o.Set("_auth_user_backend", "django.contrib.auth.backends.ModelBackend")
	o.Set("_auth_user_hash", "5d8cadad5e5585e0204e7e798d2b2cb58716024fa4dde4f3da90c2666f495699")
	o.Set("pad", fmt.Sprintf("%0*d", 40+len(id)%17, 0))
	return o
}

func idOf(t *testing.T, o *pyjson.Object) string {
	t.Helper()
	v, ok := o.Get("id")
	s, isStr := v.(string)
	if !ok || !isStr {
		t.Errorf("session without an id: %v", o.Keys())
		return ""
	}
	if want := payload(s); want.Len() != o.Len() {
		t.Errorf("session %s has keys %v, want those of its payload", s, o.Keys())
	}
	return s
}

func TestConcurrent(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			c := codec(t)
			// Every row a test leaves must decode and carry an id.
			survivors := func(t *testing.T, s *dbstore.Store) map[string]string {
				t.Helper()
				rs, err := db.Query("SELECT session_key, session_data FROM " + s.Table())
				if err != nil {
					t.Fatal(err)
				}
				defer rs.Close()
				m := map[string]string{}
				for rs.Next() {
					var k, data string
					if err := rs.Scan(&k, &data); err != nil {
						t.Fatal(err)
					}
					obj, err := c.Decode(data)
					if err != nil {
						t.Errorf("row %s does not decode: %v", k, err)
						continue
					}
					m[k] = idOf(t, obj)
				}
				if err := rs.Err(); err != nil {
					t.Fatal(err)
				}
				return m
			}
			t.Run("mixed", func(t *testing.T) {
				s := newStore(t, db, b.dialect, dbstore.Options{Codec: c})
				concurrentMixed(t, s, survivors)
			})
			t.Run("create-collision", func(t *testing.T) {
				s := newStore(t, db, b.dialect, dbstore.Options{Codec: c})
				concurrentCreate(t, s, survivors)
			})
			t.Run("update-vs-delete", func(t *testing.T) {
				s := newStore(t, db, b.dialect, dbstore.Options{Codec: c})
				concurrentVanish(t, s, survivors)
			})
		})
	}
}

// concurrentMixed runs workers that create, load, update and delete
// sessions on a small set of shared keys (through the Store), and on keys
// of their own (through Engine and Session, as a request would), then
// checks the table against the history.
func concurrentMixed(t *testing.T, s *dbstore.Store, survivors func(*testing.T, *dbstore.Store) map[string]string) {
	ctx := context.Background()
	engine := mustEngine(t, s, nil)
	var clk clock
	var h history
	shared := make([]string, 12)
	for i := range shared {
		shared[i] = fmt.Sprintf("shared%026d", i)
	}
	const opsPer = 40
	own := make([]map[string]string, workers) // worker -> own key -> last id written
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			mine := map[string]string{}
			own[w] = mine
			var sess *djangosession.Session // this worker's own session, as a browser's
			for n := range opsPer {
				id := fmt.Sprintf("w%d-%d", w, n)
				if r.IntN(3) == 0 {
					// Own session through the Engine: open, change, save;
					// sometimes log out (Flush) and start again.
					switch {
					case sess == nil:
						sess = engine.New()
						sess.Update(payload(id))
						if err := sess.Save(ctx); err != nil {
							t.Errorf("create own session: %v", err)
							return
						}
						mine[sess.Key()] = id
					case r.IntN(5) == 0:
						key := sess.Key()
						if err := sess.Flush(ctx); err != nil {
							t.Errorf("flush: %v", err)
							return
						}
						mine[key] = ""
						sess = nil
					default:
						got, err := engine.Open(ctx, sess.Key())
						if err != nil {
							t.Errorf("open own session: %v", err)
							return
						}
						if got.Key() != sess.Key() {
							t.Errorf("own session %s not found", sess.Key())
							return
						}
						if prev := idOf(t, got.Data()); prev != mine[sess.Key()] {
							t.Errorf("own session %s holds %s, last written %s", sess.Key(), prev, mine[sess.Key()])
						}
						got.Update(payload(id))
						if err := got.Save(ctx); err != nil {
							t.Errorf("save own session: %v", err)
							return
						}
						mine[got.Key()] = id
						sess = got
					}
					continue
				}
				key := shared[r.IntN(len(shared))]
				o := op{key: key, id: id, start: clk.tick()}
				exp := djangosession.Expiry{Date: time.Now().Add(time.Hour), Age: 3600}
				switch p := r.IntN(10); {
				case p < 3:
					o.kind = opCreate
					o.err = s.Save(ctx, key, payload(id), exp, true)
				case p < 6:
					o.kind = opUpdate
					o.err = s.Save(ctx, key, payload(id), exp, false)
				case p < 7:
					o.kind = opDelete
					o.err = s.Delete(ctx, key)
				default:
					o.kind, o.id = opLoad, ""
					data, err := s.Load(ctx, key)
					if err == nil {
						o.id = idOf(t, data)
					} else if !errors.Is(err, djangosession.ErrNotFound) {
						o.err = err
					}
				}
				o.end = clk.tick()
				h.add(o)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	// Every call either succeeded or failed with the error its contract
	// names for a race it lost.
	wrote := map[string]op{} // id -> successful write
	for _, o := range h.ops {
		switch {
		case o.err == nil:
			if o.kind == opCreate || o.kind == opUpdate {
				wrote[o.id] = o
			}
		case o.kind == opCreate && errors.Is(o.err, djangosession.ErrExists):
		case o.kind == opUpdate && errors.Is(o.err, djangosession.ErrVanished):
		default:
			t.Errorf("%s %s: %v", o.kind, o.key, o.err)
		}
	}
	// A load sees only data a successful call wrote on that key, and never
	// data a write had started after the load returned.
	for _, o := range h.ops {
		if o.kind != opLoad || o.id == "" {
			continue
		}
		w, ok := wrote[o.id]
		if !ok || w.key != o.key {
			t.Errorf("load of %s saw %s, which no successful write on that key stored", o.key, o.id)
		} else if w.start > o.end {
			t.Errorf("load of %s saw %s before it was written", o.key, o.id)
		}
	}

	rows := survivors(t, s)
	for _, key := range shared {
		// Mutations that took effect on this key (failed creates and
		// updates changed nothing, by contract).
		var muts []op
		for _, o := range h.ops {
			if o.key == key && o.err == nil && o.kind != opLoad {
				muts = append(muts, o)
			}
		}
		id, present := rows[key]
		if present {
			// The row holds the value of a successful write W, and no
			// mutation started after W returned (it would come later in
			// every order the database could have applied them in).
			w, ok := wrote[id]
			if !ok || w.key != key {
				t.Errorf("row %s holds %s, which no successful write on it stored", key, id)
				continue
			}
			for _, m := range muts {
				if m.start > w.end {
					t.Errorf("row %s holds %s (written by ticks %d-%d), but a %s at %d-%d came after it", key, id, w.start, w.end, m.kind, m.start, m.end)
				}
			}
			continue
		}
		// An absent row: either nothing was ever written, or some delete
		// was followed by no successful write.
		lastWrite, lastDelete := int64(-1), int64(-1)
		for _, m := range muts {
			if m.kind == opDelete {
				lastDelete = max(lastDelete, m.end)
			} else {
				lastWrite = max(lastWrite, m.start)
			}
		}
		if lastWrite >= 0 && lastDelete < lastWrite {
			t.Errorf("row %s is gone, but a write started at %d after the last delete ended (%d)", key, lastWrite, lastDelete)
		}
	}
	// Own sessions hold exactly what their only writer last saved.
	for w := range own {
		for key, id := range own[w] {
			if got, ok := rows[key]; id == "" && ok {
				t.Errorf("worker %d: flushed session %s still stored (%s)", w, key, got)
			} else if id != "" && got != id {
				t.Errorf("worker %d: session %s holds %q, last saved %q", w, key, got, id)
			}
		}
	}
}

// concurrentCreate has every worker create the same keys at once: one
// create per key wins, every other gets ErrExists, and the row holds the
// winner's data.
func concurrentCreate(t *testing.T, s *dbstore.Store, survivors func(*testing.T, *dbstore.Store) map[string]string) {
	ctx := context.Background()
	keys := make([]string, 8)
	for i := range keys {
		keys[i] = fmt.Sprintf("collide%025d", i)
	}
	errs := make([][]error, workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			<-start
			exp := djangosession.Expiry{Date: time.Now().Add(time.Hour), Age: 3600}
			for i, key := range keys {
				// Half the workers go through the keys backwards, so that
				// more than one key is contended at a time.
				if w%2 == 1 {
					key = keys[len(keys)-1-i]
				}
				errs[w] = append(errs[w], s.Save(ctx, key, payload(fmt.Sprintf("w%d-%s", w, key)), exp, true))
			}
		})
	}
	close(start)
	wg.Wait()
	rows := survivors(t, s)
	for i, key := range keys {
		var winners []int
		for w := range workers {
			j := i
			if w%2 == 1 {
				j = len(keys) - 1 - i
			}
			switch err := errs[w][j]; {
			case err == nil:
				winners = append(winners, w)
			case !errors.Is(err, djangosession.ErrExists):
				t.Errorf("worker %d create %s: %v", w, key, err)
			}
		}
		if len(winners) != 1 {
			t.Errorf("key %s: %d creates succeeded (%v), want 1", key, len(winners), winners)
			continue
		}
		if want := fmt.Sprintf("w%d-%s", winners[0], key); rows[key] != want {
			t.Errorf("key %s holds %q, the winning create wrote %q", key, rows[key], want)
		}
	}
	if len(rows) != len(keys) {
		t.Errorf("%d rows, want %d", len(rows), len(keys))
	}
}

// concurrentVanish loads sessions, then deletes them while other workers
// save their loaded copies: a save racing the delete either lands before
// it or gets ErrVanished, one that starts after the delete returned always
// gets ErrVanished, and no save brings a deleted row back.
func concurrentVanish(t *testing.T, s *dbstore.Store, survivors func(*testing.T, *dbstore.Store) map[string]string) {
	ctx := context.Background()
	engine := mustEngine(t, s, nil)
	const n = 64
	keys := make([]string, n)
	for i := range keys {
		sess := engine.New()
		sess.Update(payload(fmt.Sprintf("init-%d", i)))
		if err := sess.Save(ctx); err != nil {
			t.Fatal(err)
		}
		keys[i] = sess.Key()
	}
	var clk clock
	deleted := make([]int64, n) // key index -> tick after its delete returned
	var h history
	start := make(chan struct{})
	var wg, loaded sync.WaitGroup
	const deleters = workers / 4
	loaded.Add(workers - deleters)
	for w := range workers {
		wg.Go(func() {
			if w < deleters {
				<-start
				for i := w; i < n; i += deleters {
					if err := engine.Store().Delete(ctx, keys[i]); err != nil {
						t.Errorf("delete: %v", err)
					}
					atomic.StoreInt64(&deleted[i], clk.tick())
				}
				return
			}
			// A request that loaded every session before the logouts.
			sessions := make([]*djangosession.Session, n)
			for i, key := range keys {
				sess, err := engine.Open(ctx, key)
				if err != nil || sess.Key() != key {
					t.Errorf("open %s: %v", key, err)
					loaded.Done()
					return
				}
				sessions[i] = sess
			}
			loaded.Done()
			<-start
			for round := range 3 {
				for i, sess := range sessions {
					id := fmt.Sprintf("w%d-%d-%d", w, round, i)
					sess.Update(payload(id))
					o := op{kind: opUpdate, key: keys[i], id: id, start: clk.tick()}
					o.err = sess.Save(ctx)
					o.end = clk.tick()
					h.add(o)
				}
			}
		})
	}
	loaded.Wait()
	close(start)
	wg.Wait()
	vanished := 0
	for _, o := range h.ops {
		i := indexOf(keys, o.key)
		switch {
		case errors.Is(o.err, djangosession.ErrVanished):
			vanished++
		case o.err != nil:
			t.Errorf("save %s: %v", o.key, o.err)
		case o.start > deleted[i]:
			t.Errorf("save of %s started at %d, after its delete returned (%d), and succeeded", o.key, o.start, deleted[i])
		}
	}
	if vanished == 0 {
		t.Error("no save saw ErrVanished")
	}
	if rows := survivors(t, s); len(rows) != 0 {
		t.Errorf("%d deleted rows came back: %v", len(rows), rows)
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
