package djangosession

import (
	"context"
	"iter"
	"time"

	"github.com/djsession/djsession/python/pyjson"
)

// Record is one stored session as a Lister returns it: the key, the value
// exactly as stored, and when the store stops serving it.
type Record struct {
	// Key is the session key.
	Key string
	// Data is the stored value: the session_data text for the db and file
	// engines (signed, decoded by a Codec), the cache value for the cache
	// engines (a pickle, or the backend's encoding of one).
	Data []byte
	// Flags are the memcached client flags of a cache value.
	Flags uint32
	// Expire is when the session expires: expire_date, the end of a cache
	// entry's time to live, or the file engine's expiry. NoExpiry when it
	// has none.
	Expire time.Time
}

// NoExpiry is the Expire of a record that never expires (a cache entry
// without a time to live, a file engine session with an integer expiry).
var NoExpiry = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// ListOptions select the records a Lister returns. The zero value lists
// every session.
type ListOptions struct {
	// After skips the keys up to and including this one (resume a listing
	// from its last key).
	After string
	// Prefix keeps only the keys starting with it.
	Prefix string
	// BatchSize is how many records the store fetches per round trip; the
	// store's default when zero.
	BatchSize int
}

// Lister is implemented by stores that can enumerate their sessions: a
// tool's ls, stats, clear-expired, rekey and copy use it. Records come in
// ascending key order, so a listing can resume After its last key; a
// session written or removed during the listing may or may not appear.
// Expired records that the store still holds are listed.
type Lister interface {
	// List returns the stored sessions. It stops at the first error, which
	// it yields with a zero Record; breaking out of the loop stops it.
	List(ctx context.Context, o *ListOptions) iter.Seq2[Record, error]
	// DecodeRecord decodes a record's data as Load would decode it.
	DecodeRecord(r Record) (*pyjson.Object, error)
}
