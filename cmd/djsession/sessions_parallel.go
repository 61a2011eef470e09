package main

import (
	"context"
	"runtime"
	"sync"
)

// classifyBatch is the number of rows a worker verifies and decodes at a
// time: large enough that handing batches between goroutines costs little
// beside the HMAC and JSON work, small enough to keep memory flat.
const classifyBatch = 256

// classifiedRow is a row with its verdict. The verdict's payload is
// dropped: it belongs to the worker's classifier.
type classifiedRow struct {
	r sessionRow
	v verdict
	// set by the caller's post function on the worker
	line []byte
	skip bool
}

// rowBatch is a batch of rows on its way through eachClassified.
type rowBatch struct {
	rows []sessionRow
	out  []classifiedRow
	done chan struct{}
}

// eachClassified streams the rows f selects from db, verifies and decodes
// them on one worker per CPU (each with its own classifier from
// newClassifier), runs post (when not nil) on each classified row on the
// worker, and calls fn with each batch in row order, on the calling
// goroutine. Memory is bounded by a few batches per worker, whatever the
// table's size. An error from fn or from reading stops the stream.
func eachClassified(ctx context.Context, db sessionStore, f rowFilter,
	newClassifier func() (*classifier, error), post func(*classifiedRow), fn func([]classifiedRow) error) error {
	workers := max(runtime.GOMAXPROCS(0), 1)
	cls := make([]*classifier, workers)
	for i := range cls {
		c, err := newClassifier()
		if err != nil {
			return err
		}
		cls[i] = c
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	work := make(chan *rowBatch, workers)
	ordered := make(chan *rowBatch, 2*workers)
	var wg sync.WaitGroup
	for _, cl := range cls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				b.out = make([]classifiedRow, len(b.rows))
				for i, r := range b.rows {
					v := cl.classifyRow(r)
					v.payload = nil
					b.out[i] = classifiedRow{r: r, v: v}
					if post != nil {
						post(&b.out[i])
					}
				}
				close(b.done)
			}
		}()
	}

	readErr := make(chan error, 1)
	go func() {
		defer close(ordered)
		defer close(work)
		cur := &rowBatch{done: make(chan struct{})}
		send := func() bool {
			select {
			case ordered <- cur:
			case <-ctx.Done():
				return false
			}
			select {
			case work <- cur:
			case <-ctx.Done():
				return false
			}
			cur = &rowBatch{done: make(chan struct{})}
			return true
		}
		err := db.each(ctx, f, func(r sessionRow) error {
			cur.rows = append(cur.rows, r)
			if len(cur.rows) == classifyBatch && !send() {
				return ctx.Err()
			}
			return nil
		})
		if err == nil && len(cur.rows) > 0 && !send() {
			err = ctx.Err()
		}
		readErr <- err
	}()

	var err error
	for b := range ordered {
		if err != nil {
			continue // drain so the reader can finish
		}
		select {
		case <-b.done:
		case <-ctx.Done():
			err = ctx.Err()
			continue
		}
		if err = fn(b.out); err != nil {
			cancel()
		}
	}
	rerr := <-readErr
	wg.Wait()
	if err != nil {
		return err
	}
	return rerr
}
