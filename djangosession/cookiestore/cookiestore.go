// Package cookiestore is Django's signed_cookies session engine
// (django.contrib.sessions.backends.signed_cookies): the session lives in
// the cookie itself. The cookie value, which Django calls the session key,
// is signing.dumps(session, compress=True, salt=Salt) under the plain
// SECRET_KEY, made anew on every save.
//
// Store implements djangosession.KeylessStore: a djangosession.Engine on
// it loads the session from the cookie value and, on Session.Save, signs
// the data into a new value (Session.Key) for the response's cookie.
//
// The first call is New with the project's settings; the Store goes to
// djangosession.NewEngine like any other:
//
//	store, err := cookiestore.New(&cookiestore.Options{Settings: settings})
//	engine, err := djangosession.NewEngine(store, &djangosession.Options{Settings: settings})
//
// A cookie is accepted for SESSION_COOKIE_AGE after it was signed, whatever
// expiry the session set for itself (set_expiry changes only the cookie's
// own Max-Age; Django ticket #19201). Nothing is stored on the server, so
// a cookie cannot be revoked before that: Exists is always false, Delete
// and ClearExpired do nothing, as in Django.
package cookiestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
	"github.com/djsession/djsession/signing"
)

// Salt is the salt Django signs session cookies with. The session key salt
// of the other engines (djangosession.KeySalt) is not used.
const Salt = "django.contrib.sessions.backends.signed_cookies"

// Options configure a Store. The zero value of every field except
// Settings.SecretKey means Django's default.
type Options struct {
	// Settings gives SECRET_KEY (required), which signs new cookies, and
	// SECRET_KEY_FALLBACKS (Django 4.1+), under which cookies are still
	// accepted. Its Release is not used: LegacySHA1 and Algorithm say how
	// to sign and check.
	Settings django.Settings
	// CookieAge is SESSION_COOKIE_AGE (whole seconds), the oldest signature
	// Load accepts; djangosession.DefaultCookieAge when zero.
	CookieAge time.Duration
	// Serializer is SESSION_SERIALIZER; JSON when nil.
	Serializer signing.Serializer
	// Algorithm signs new cookies; SHA-256, Django's default since 3.1,
	// when empty. signing.SHA1 signs as Django 3.1-3.2 with
	// DEFAULT_HASHING_ALGORITHM = 'sha1'.
	Algorithm signing.Algorithm
	// LegacySHA1 also accepts cookies signed with SHA-1, as Django 3.1 and
	// 3.2 do. Django 4.0 and later reject them.
	LegacySHA1 bool
	// MaxDecompressedSize bounds a compressed cookie once inflated;
	// signing.DefaultMaxDecompressedSize when zero.
	MaxDecompressedSize int64
	// Now is the clock, for the signing timestamp and the age check;
	// time.Now when nil.
	Now func() time.Time
}

// Store is the signed_cookies engine. It is safe for concurrent use.
type Store struct {
	signer *signing.TimestampSigner
	maxAge time.Duration
}

var (
	_ djangosession.KeylessStore   = (*Store)(nil)
	_ djangosession.ExpiredClearer = (*Store)(nil)
)

// New returns a Store. Keys are derived here, once.
func New(o *Options) (*Store, error) {
	if o == nil || o.Settings.SecretKey == "" {
		return nil, fmt.Errorf("cookiestore: %w", signing.ErrNoKey)
	}
	if err := o.Settings.Validate(); err != nil {
		return nil, fmt.Errorf("cookiestore: %w", err)
	}
	t, err := signing.NewTimestampSigner(&signing.Options{
		Key:                 o.Settings.SecretKey,
		FallbackKeys:        o.Settings.SecretKeyFallbacks,
		Salt:                Salt,
		Algorithm:           o.Algorithm,
		LegacySHA1:          o.LegacySHA1,
		Serializer:          o.Serializer,
		MaxDecompressedSize: o.MaxDecompressedSize,
		Now:                 o.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("cookiestore: %w", err)
	}
	age := o.CookieAge.Truncate(time.Second)
	if age == 0 {
		age = djangosession.DefaultCookieAge
	}
	return &Store{signer: t, maxAge: age}, nil
}

// Sign returns the cookie value holding data, as Django's save: compressed
// when that is shorter, timestamped now. Compressed values come from Go's
// zlib and differ from the bytes CPython would write (Django reads both);
// uncompressed ones are identical to Django's.
func (s *Store) Sign(data *pyjson.Object) (string, error) {
	if data == nil {
		data = &pyjson.Object{}
	}
	v, err := s.signer.SignObject(data, true)
	if err != nil {
		return "", fmt.Errorf("cookiestore: %w", err)
	}
	return v, nil
}

// Load returns the session held in the cookie value key. A signature older
// than CookieAge gives an error matching djangosession.ErrNotFound (and
// signing.ErrSignatureExpired); a bad signature, a payload that cannot be
// decoded or one that is not a dict gives an error matching
// djangosession.ErrCorrupt. Django answers all of these with an empty
// session whose cookie is replaced on the response, which is what
// djangosession.Engine.Open does with them.
func (s *Store) Load(ctx context.Context, key string) (*pyjson.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, err := s.signer.UnsignObjectMaxAge(key, s.maxAge)
	switch {
	case errors.Is(err, signing.ErrSignatureExpired):
		return nil, fmt.Errorf("cookiestore: %w", errors.Join(djangosession.ErrNotFound, err))
	case err != nil:
		return nil, fmt.Errorf("cookiestore: %w", errors.Join(djangosession.ErrCorrupt, err))
	}
	obj, ok := v.(*pyjson.Object)
	if !ok {
		// Django would keep the non-dict value and fail later; a session
		// must be a dict.
		return nil, fmt.Errorf("cookiestore: %w", errors.Join(djangosession.ErrCorrupt, djangosession.ErrNotDict))
	}
	return obj, nil
}

// Save does nothing and returns nil: the session is stored by sending the
// value Sign returns as the cookie, which Session.Save does. Django's
// create never collides, because Exists is always false.
func (s *Store) Save(ctx context.Context, key string, data *pyjson.Object, exp djangosession.Expiry, mustCreate bool) error {
	return ctx.Err()
}

// Exists is always false, as in Django: a cookie store holds nothing.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	return false, ctx.Err()
}

// Delete does nothing: there is nothing on the server to remove. A
// Session's Flush empties the session and drops the key, so the response
// clears the cookie.
func (s *Store) Delete(ctx context.Context, key string) error {
	return ctx.Err()
}

// ClearExpired does nothing and reports 0, as Django's clear_expired for
// this engine: expired cookies are rejected by Load.
func (s *Store) ClearExpired(ctx context.Context) (int64, error) {
	return 0, ctx.Err()
}
