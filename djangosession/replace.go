package djangosession

import (
	"context"
	"errors"
)

// ErrChanged is returned by RecordWriter.CompareAndSwap when the stored
// value of the key is no longer the one the caller read: another writer
// (Django, a concurrent request) changed or deleted the session since.
// Nothing was written.
var ErrChanged = errors.New("djangosession: session changed since it was read")

// RecordWriter is implemented by stores that can write a session record
// as it is stored, already encoded, the way a Lister lists it: a tool
// that re-signs, converts or copies sessions (rekey, convert, copy)
// writes through it without decoding and re-encoding them.
//
// The record's Data is the stored value exactly (session_data for the db
// and file engines, the cache value and its Flags for the cache engines);
// the store writes it byte for byte and does not check that it decodes.
// The key must be one the store can hold (see Store): any other gives an
// error matching ErrInvalidKey and writes nothing.
//
// Expire is when the session expires, as a Lister reports it. Each store
// keeps it in its own form: expire_date for the db engine, the file's
// mtime (Expire less SESSION_COOKIE_AGE) for the file engine, the time
// to live for the cache engines. A zero Expire given to CompareAndSwap
// keeps the expiry the session has.
type RecordWriter interface {
	// CompareAndSwap writes r.Data (and r.Expire, unless zero) under
	// r.Key only if the value stored there is still old, byte for byte,
	// expired or not. It returns ErrChanged, and writes nothing, when the
	// stored value differs or the key is gone: no write made meanwhile
	// by someone else is lost.
	CompareAndSwap(ctx context.Context, old []byte, r Record) error

	// PutRecord writes r under r.Key. Without overwrite, a key the store
	// still holds (expired or not) gives ErrExists and nothing is
	// written; with it, the stored value is replaced. r.Expire must not
	// be zero.
	PutRecord(ctx context.Context, r Record, overwrite bool) error
}

// RecordBatcher is implemented by record writers that can commit many
// writes at once: dbstore runs them in one transaction, which on SQLite
// saves a file sync per write. WriteRecords (the function) uses it when
// a store has it.
type RecordBatcher interface {
	RecordWriter

	// WriteRecords calls fn with a RecordWriter whose writes are
	// committed together when fn returns nil, and rolled back when it
	// returns an error or ctx ends. Each write through w keeps its own
	// contract: ErrChanged and ErrExists leave the other writes in place.
	// When the database rolls the batch back on its own (a MySQL
	// deadlock) fn is called again, on a new batch: it must start afresh
	// on each call.
	WriteRecords(ctx context.Context, fn func(w RecordWriter) error) error
}

// WriteRecords calls fn with w's batch when w is a RecordBatcher, and
// with w itself otherwise, whose writes then each take effect at once.
func WriteRecords(ctx context.Context, w RecordWriter, fn func(w RecordWriter) error) error {
	if b, ok := w.(RecordBatcher); ok {
		return b.WriteRecords(ctx, fn)
	}
	return fn(w)
}
