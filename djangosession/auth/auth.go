// Package auth reads and writes the login Django's django.contrib.auth keeps
// in the session, so a Go handler sees the same logged-in user as the Django
// site and can log users in and out the way Django does.
//
// A user is logged in when the session holds _auth_user_id and
// _auth_user_backend (a backend listed in Options.Backends) and
// _auth_user_hash matches the session auth hash of the user's current
// password hash: an HMAC of the password field keyed by SECRET_KEY. Changing
// the password in Django therefore logs the user out everywhere, Go
// included. Password hashes come from a Users implementation; SQLUsers
// reads Django's auth_user table.
//
// With package middleware, use UserFromRequest, LoginRequest and
// LogoutRequest (Handler caches the user per request, as request.user;
// RequireLogin is login_required); the Auth methods User, Login, Logout
// and UpdateSessionAuthHash work on any *djangosession.Session:
//
//	// settings is the project's django.Settings (SECRET_KEY, release)
//	a, err := auth.New(&auth.SQLUsers{DB: db, Dialect: django.PostgreSQL},
//		&auth.Options{Settings: settings, RotateCSRF: csrf.RotateToken})
//	h := sessions.Handler(protect.Handler(a.Handler(mux)))
//	mux.Handle("GET /account", a.RequireLogin("", accountPage))
package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/hashers"
)

// Session keys django.contrib.auth writes.
const (
	SessionKey        = "_auth_user_id"
	BackendSessionKey = "_auth_user_backend"
	HashSessionKey    = "_auth_user_hash"
)

// ModelBackend is Django's default authentication backend, the only entry
// of AUTHENTICATION_BACKENDS by default.
const ModelBackend = "django.contrib.auth.backends.ModelBackend"

var (
	// ErrNoUser is returned by Users when no user has the id, or the
	// backend would not authenticate it (an inactive user for
	// ModelBackend). Such a session is anonymous.
	ErrNoUser = errors.New("auth: no such user")

	// ErrBackendRequired is returned by Login when several backends are
	// configured and none was given (Django raises ValueError).
	ErrBackendRequired = errors.New("auth: several backends configured: a backend must be given")

	// ErrNoSecretKey is returned by New without a SECRET_KEY.
	ErrNoSecretKey = errors.New("auth: SECRET_KEY is empty")
)

// Users gives the password hash of a user, so any user table works.
type Users interface {
	// PasswordHash returns the stored password field (e.g.
	// "pbkdf2_sha256$..."), of the user whose primary key, written as
	// Django's value_to_string writes it, is id. It returns ErrNoUser
	// when there is no such user or the user may not log in.
	PasswordHash(ctx context.Context, id string) (string, error)
}

// LastLoginUpdater is implemented by Users that record last_login, which
// Django updates on every login (the update_last_login receiver).
type LastLoginUpdater interface {
	UpdateLastLogin(ctx context.Context, id string, t time.Time) error
}

// Options holds the settings auth follows.
type Options struct {
	// Settings gives SECRET_KEY (required), which keys the session auth
	// hash; SECRET_KEY_FALLBACKS (Django 4.1+: a stored hash made with one
	// of them is accepted, and replaced by the current one on a new session
	// key, as Django 4.1.8+ does); the release, whose rules to follow (3.2
	// also accepts the legacy SHA-1 hash, 4.0 neither that nor fallbacks,
	// 4.1 and later, as 4.1.8+, the fallbacks); and
	// DEFAULT_HASHING_ALGORITHM of Django 3.1-3.2 ("sha1" makes the
	// session auth hash SHA-1, as Django then writes and checks it; later
	// releases have no such setting and refuse "sha1").
	Settings django.Settings
	// Backends is AUTHENTICATION_BACKENDS; [ModelBackend] when empty.
	Backends []string
	// Now is the clock for last_login; time.Now when nil.
	Now func() time.Time
	// RotateCSRF, when set, is called by LoginRequest after a login, as
	// Django's login calls rotate_token: set it to csrf.RotateToken.
	RotateCSRF func(r *http.Request) error
}

// Auth reads and writes logins in sessions. It is safe for concurrent use.
type Auth struct {
	users     Users
	cfg       Options
	policy    *hashers.Policy // the session auth hash: hashers' one
	fallbacks []string
	backends  []string
}

// New returns an Auth reading password hashes from users. The session auth
// hash is package hashers' (Policy.SessionAuthHash and
// VerifySessionAuthHash) for the Release and DefaultHashingAlgorithm of
// o.Settings; o.Settings.SecretKey is required.
func New(users Users, o *Options) (*Auth, error) {
	if o == nil || o.Settings.SecretKey == "" {
		return nil, ErrNoSecretKey
	}
	if users == nil {
		return nil, errors.New("auth: nil Users")
	}
	a := &Auth{users: users, cfg: *o, fallbacks: slices.Clone(o.Settings.SecretKeyFallbacks)}
	var err error
	a.policy, err = hashers.New(&hashers.Options{Settings: o.Settings})
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	a.backends = o.Backends
	if len(a.backends) == 0 {
		a.backends = []string{ModelBackend}
	}
	return a, nil
}

// SessionAuthHash returns get_session_auth_hash() for a user whose password
// field is passwordHash, under SECRET_KEY: the hex HMAC-SHA256 (HMAC-SHA1
// with Django 3.2's DEFAULT_HASHING_ALGORITHM = 'sha1').
func (a *Auth) SessionAuthHash(passwordHash string) string {
	return a.policy.SessionAuthHash(a.cfg.Settings.SecretKey, passwordHash)
}

// User is the logged-in user of a session.
type User struct {
	ID      string // the primary key, as stored in _auth_user_id
	Backend string // the dotted path stored in _auth_user_backend
}

// User returns the user logged in to s, as Django's get_user: ok is false
// for an anonymous session. A stored hash that matches neither the current
// password hash nor (4.1+) a fallback key flushes the session, as Django
// does; one that matches a fallback key moves the session to a new key
// with the current hash. Only storage errors are returned.
func (a *Auth) User(ctx context.Context, s *djangosession.Session) (User, bool, error) {
	rawID, ok := s.Get(SessionKey)
	if !ok {
		return User{}, false, nil
	}
	rawBackend, ok := s.Get(BackendSessionKey)
	if !ok {
		return User{}, false, nil
	}
	id, ok := idString(rawID)
	backend, isStr := rawBackend.(string)
	if !ok || !isStr || !slices.Contains(a.backends, backend) {
		return User{}, false, nil
	}
	pw, err := a.users.PasswordHash(ctx, id)
	if errors.Is(err, ErrNoUser) {
		return User{}, false, nil
	}
	if err != nil {
		return User{}, false, err
	}
	stored, _ := s.Get(HashSessionKey)
	storedHash, _ := stored.(string)
	valid, rotate := a.policy.VerifySessionAuthHash(storedHash, pw, a.cfg.Settings.SecretKey, a.fallbacks)
	if rotate {
		if err := s.CycleKey(ctx); err != nil {
			return User{}, false, err
		}
		if err := s.Set(HashSessionKey, a.SessionAuthHash(pw)); err != nil {
			return User{}, false, err
		}
	}
	if valid {
		return User{ID: id, Backend: backend}, true, nil
	}
	if err := s.Flush(ctx); err != nil {
		return User{}, false, err
	}
	return User{}, false, nil
}

// Login logs the user with primary key id in to s, as Django's login: a
// session holding a different user (or a stale hash) is flushed, an
// anonymous one moves to a new key keeping its data, then the user's id,
// backend and session auth hash are stored. backend "" means the only
// configured backend. With CSRF protection, also rotate the CSRF token (as
// LoginRequest does).
func (a *Auth) Login(ctx context.Context, s *djangosession.Session, id, backend string) error {
	pw, err := a.users.PasswordHash(ctx, id)
	if err != nil {
		return err
	}
	if backend == "" {
		if len(a.backends) != 1 {
			return ErrBackendRequired
		}
		backend = a.backends[0]
	}
	hash := a.SessionAuthHash(pw)
	if s.Has(SessionKey) {
		raw, _ := s.Get(SessionKey)
		storedID, _ := idString(raw)
		var storedHash string
		if v, ok := s.Get(HashSessionKey); ok {
			storedHash, _ = v.(string)
		}
		if storedID != id || !equal(storedHash, hash) {
			if err := s.Flush(ctx); err != nil {
				return err
			}
		}
	} else if err := s.CycleKey(ctx); err != nil {
		return err
	}
	for _, kv := range [...][2]string{{SessionKey, id}, {BackendSessionKey, backend}, {HashSessionKey, hash}} {
		if err := s.Set(kv[0], kv[1]); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if u, ok := a.users.(LastLoginUpdater); ok {
		now := time.Now
		if a.cfg.Now != nil {
			now = a.cfg.Now
		}
		if err := u.UpdateLastLogin(ctx, id, now()); err != nil {
			return err
		}
	}
	return nil
}

// Logout flushes s, as Django's logout.
func (a *Auth) Logout(ctx context.Context, s *djangosession.Session) error {
	return s.Flush(ctx)
}

// UpdateSessionAuthHash keeps the user logged in to s after a password
// change, as Django's update_session_auth_hash: a new session key and the
// hash of the new password field.
func (a *Auth) UpdateSessionAuthHash(ctx context.Context, s *djangosession.Session, newPasswordHash string) error {
	if err := s.CycleKey(ctx); err != nil {
		return err
	}
	return s.Set(HashSessionKey, a.SessionAuthHash(newPasswordHash))
}

// equal is constant_time_compare.
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// idString returns a stored user id as a string: login writes a string,
// and Django's pk.to_python also reads integers.
func idString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, v != ""
	case int64:
		return strconv.FormatInt(v, 10), true
	case int:
		return strconv.Itoa(v), true
	case *big.Int:
		return v.String(), true
	}
	return "", false
}
