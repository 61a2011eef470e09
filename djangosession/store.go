package djangosession

import (
	"context"
	"time"

	"github.com/djsession/djsession/python/pyjson"
)

// Store is where a session engine keeps sessions, one implementation per
// Django engine. Every method takes a context for its I/O. Implementations
// are safe for concurrent use.
//
// A key that names no session the store can hold (one Django would not
// accept, see ValidKey, or one the engine's storage cannot represent: a
// file name over NAME_MAX, a session_key over 40 characters, a memcached
// key over 250 bytes) is no session, whoever sent it: Load returns
// ErrNotFound, Exists false, Delete nil, and Save an error matching
// ErrInvalidKey. No error text of a store carries a server path, a
// secret or the session key.
type Store interface {
	// Load returns the data stored under key. It returns ErrNotFound when
	// there is no live session with that key (never stored, deleted or
	// expired), and an error matching ErrCorrupt when the stored data cannot
	// be decoded. Other errors are I/O failures.
	Load(ctx context.Context, key string) (*pyjson.Object, error)

	// Save stores data under key until exp. With mustCreate, an existing
	// key gives ErrExists and nothing is written; without it, a key that
	// is not stored any more gives ErrVanished.
	Save(ctx context.Context, key string, data *pyjson.Object, exp Expiry, mustCreate bool) error

	// Exists reports whether a session is stored under key.
	Exists(ctx context.Context, key string) (bool, error)

	// Delete removes the session stored under key. A missing key is not
	// an error.
	Delete(ctx context.Context, key string) error
}

// Expiry tells a Store how long to keep a session: Date is the absolute
// expire_date the db engine stores, Age the number of seconds the cache
// engines use as a timeout (get_expiry_age). Session computes both the way
// Django does, so they agree.
type Expiry struct {
	Date time.Time
	Age  int64
}

// ExpiredClearer is implemented by stores that can remove expired sessions
// (Django's clear_expired and the clearsessions command).
type ExpiredClearer interface {
	// ClearExpired removes expired sessions and returns how many it removed.
	ClearExpired(ctx context.Context) (int64, error)
}

// KeylessStore is implemented by stores whose session key is the session
// itself, as the signed_cookies engine: the "key" is the signed data, made
// anew on every save.
type KeylessStore interface {
	Store
	// Sign returns the cookie value holding data.
	Sign(data *pyjson.Object) (string, error)
}

// ExpiryLoader is implemented by stores that know when a loaded session
// expires (the db store: expire_date). The cached_db engine uses it to set
// the cache timeout when it fills the cache from the database.
type ExpiryLoader interface {
	// LoadExpiry is Load that also returns the stored expiry date.
	LoadExpiry(ctx context.Context, key string) (*pyjson.Object, time.Time, error)
}
