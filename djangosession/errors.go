package djangosession

import "errors"

var (
	// ErrNotFound is returned by a Store when no live session has the key
	// (missing or expired). A Session opened on such a key starts empty
	// and gets a new key when saved, as in Django.
	ErrNotFound = errors.New("djangosession: session not found")

	// ErrCorrupt is returned when stored session data cannot be decoded:
	// a bad signature (wrong SECRET_KEY, tampering; this error also matches
	// signing.ErrBadSignature) or a malformed payload. Django logs
	// "Session data corrupted" and treats the session as empty; Session
	// does the same, keeping the key.
	ErrCorrupt = errors.New("djangosession: session data corrupted")

	// ErrExists is returned by Store.Save with mustCreate when the key is
	// taken (Django's CreateError). Session.Create then tries another key.
	ErrExists = errors.New("djangosession: session key exists")

	// ErrVanished is returned by Store.Save without mustCreate when the
	// session was deleted meanwhile, e.g. by a logout in a concurrent
	// request (Django's UpdateError, answered with SessionInterrupted).
	ErrVanished = errors.New("djangosession: session was deleted before it could be saved")

	// ErrInvalidKey is returned by Store.Save for a session key the store
	// cannot hold (see Store); the other methods treat such a key as no
	// session.
	ErrInvalidKey = errors.New("djangosession: invalid session key")

	// ErrNotDict is returned when session data decodes to something other
	// than a dict.
	ErrNotDict = errors.New("djangosession: session data is not a dict")

	// ErrCreateFailed is returned when no unused key was found after
	// MaxCreateAttempts tries.
	ErrCreateFailed = errors.New("djangosession: unable to create a new session key")

	// ErrInvalidConfig is returned by NewEngine for a nil Store or an
	// Options field with a value Django would not accept.
	ErrInvalidConfig = errors.New("djangosession: invalid configuration")
)
