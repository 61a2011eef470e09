package messages

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/signing"
)

// Storage names one of Django's message storages (MESSAGE_STORAGE).
type Storage int

const (
	// FallbackStorage is Django's default: the cookie first, then the
	// session for what does not fit.
	FallbackStorage Storage = iota
	// CookieStorage keeps messages in the signed "messages" cookie only;
	// what does not fit is dropped, oldest first.
	CookieStorage
	// SessionStorage keeps messages under the "_messages" session key.
	SessionStorage
)

// ErrInvalidConfig is returned by New for settings Django would refuse.
var ErrInvalidConfig = errors.New("messages: invalid configuration")

// ErrNoMiddleware is returned by Add and Messages for a request that did
// not pass through Store.Handler.
var ErrNoMiddleware = errors.New("messages: request did not pass through the messages middleware")

// Options are the settings of Django's messages framework. The zero value
// of every field except Settings.SecretKey means Django's default.
type Options struct {
	// Settings gives SECRET_KEY (required), SECRET_KEY_FALLBACKS (Django
	// 4.1+: cookies signed with them are still read) and the Django
	// release whose formats to write (every format that release reads is
	// read).
	Settings django.Settings
	// Storage is MESSAGE_STORAGE; FallbackStorage when zero.
	Storage Storage
	// Level is MESSAGE_LEVEL, the lowest level recorded; Info when zero.
	Level Level
	// Tags is MESSAGE_TAGS, merged over DefaultTags.
	Tags map[Level]string
	// Cookie holds the SESSION_COOKIE_DOMAIN, _SECURE, _HTTPONLY and
	// _SAMESITE settings the messages cookie is set with; nil means
	// Django's defaults. Its other fields are not used.
	Cookie *middleware.Options
	// Now is the clock the cookie is signed with; time.Now when nil.
	Now func() time.Time
}

// Store is Django's MessageMiddleware and default_storage for net/http.
// It is safe for concurrent use.
type Store struct {
	codec    codec
	storage  Storage
	level    Level
	domain   string
	secure   bool
	httpOnly bool
	sameSite string
}

// New returns a Store. It returns an error matching ErrInvalidConfig when
// Settings.SecretKey is empty or a setting is out of range.
func New(o *Options) (*Store, error) {
	if o == nil || o.Settings.SecretKey == "" {
		return nil, fmt.Errorf("%w: no secret key", ErrInvalidConfig)
	}
	if err := o.Settings.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	rel := o.Settings.Release
	if o.Storage < FallbackStorage || o.Storage > SessionStorage {
		return nil, fmt.Errorf("%w: unknown storage %d", ErrInvalidConfig, o.Storage)
	}
	s := &Store{storage: o.Storage, level: o.Level}
	if s.level == 0 {
		s.level = Info
	}
	tags := make(map[Level]string, len(DefaultTags)+len(o.Tags))
	for l, t := range DefaultTags {
		tags[l] = t
	}
	for l, t := range o.Tags {
		tags[l] = t
	}
	so := &signing.Options{
		Key:        cookieKeyPrefix + o.Settings.SecretKey,
		Salt:       KeySalt,
		Serializer: rawSerializer{},
		Now:        o.Now,
		// Django 3.1-3.2 also accept SHA-1 signatures.
		LegacySHA1: rel.Before(django.Django40),
	}
	if !rel.Before(django.Django41) {
		for _, k := range o.Settings.SecretKeyFallbacks {
			so.FallbackKeys = append(so.FallbackKeys, cookieKeyPrefix+k)
		}
	}
	signer, err := signing.NewTimestampSigner(so)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	s.codec = codec{rel: rel, signer: signer, secret: o.Settings.SecretKey, tags: tags}
	var c middleware.Options
	if o.Cookie != nil {
		c = *o.Cookie
	}
	s.domain, s.secure, s.httpOnly = c.CookieDomain, c.CookieSecure, !c.CookieScriptable
	switch c.CookieSameSite {
	case "":
		s.sameSite = string(middleware.SameSiteLax)
	case middleware.SameSiteOmit:
	default:
		switch strings.ToLower(string(c.CookieSameSite)) {
		case "lax", "strict", "none":
		default:
			return nil, fmt.Errorf("%w: SameSite must be Lax, Strict or None, not %q", ErrInvalidConfig, string(c.CookieSameSite))
		}
		s.sameSite = string(c.CookieSameSite)
	}
	return s, nil
}

// EncodeCookie returns the "messages" cookie value Django would set for
// msgs, with the NotFinished sentinel at the end when notFinished. It does
// not apply the size limit.
func (s *Store) EncodeCookie(msgs []Message, notFinished bool) (string, error) {
	return s.codec.encodeCookie(msgs, notFinished)
}

// DecodeCookie reads a "messages" cookie value. allRetrieved is false when
// the value ended with the NotFinished sentinel (the rest of the messages
// are in the session). A value whose signature is wrong gives an error
// matching signing.ErrBadSignature; validly signed content that is not a
// list of messages gives one matching ErrMalformed or signing.ErrMalformed.
func (s *Store) DecodeCookie(value string) (msgs []Message, allRetrieved bool, err error) {
	return s.codec.decodeCookie(value)
}

// state is one request's storage, as a BaseStorage instance.
type state struct {
	s      *Store
	r      *http.Request
	ctx    context.Context
	level  Level
	queued []Message
	loaded []Message
	isLoad bool
	used   bool
	added  bool
	// usedTiers is FallbackStorage._used_storages: cookie, session.
	usedTiers [2]bool
}

const (
	tierCookie = iota
	tierSession
)

// tierGet is one storage's _get: msgs is nil for Django's None (the
// storage was not used).
func (st *state) tierGet(tier int) (msgs []Message, none, allRetrieved bool, err error) {
	if tier == tierCookie {
		v, ok := middleware.CookieValue(st.r.Header, CookieName)
		if !ok || v == "" {
			return nil, true, true, nil
		}
		msgs, allRetrieved, err := st.s.codec.decodeCookie(v)
		if err != nil {
			// Django marks the data used, so that a plain CookieStorage
			// deletes the cookie.
			if st.s.storage == CookieStorage {
				st.used = true
			}
			return nil, true, true, nil
		}
		return msgs, false, allRetrieved, nil
	}
	sess, err := middleware.Session(st.r)
	if err != nil {
		return nil, false, false, fmt.Errorf("messages: %w", err)
	}
	v, ok := sess.Get(SessionKey)
	if !ok || v == nil {
		return nil, true, true, nil
	}
	str, isStr := v.(string)
	if !isStr {
		return nil, false, false, fmt.Errorf("%w: session value is a %T, not a string", ErrMalformed, v)
	}
	if str == "" {
		return nil, false, true, nil
	}
	msgs, _, err = decodeList([]byte(str), st.s.codec.tags)
	return msgs, false, true, err
}

// get is the storage's _get.
func (st *state) get() ([]Message, error) {
	switch st.s.storage {
	case CookieStorage:
		msgs, _, _, err := st.tierGet(tierCookie)
		return msgs, err
	case SessionStorage:
		msgs, _, _, err := st.tierGet(tierSession)
		return msgs, err
	}
	var all []Message
	for tier := tierCookie; tier <= tierSession; tier++ {
		msgs, none, allRetrieved, err := st.tierGet(tier)
		if err != nil {
			return nil, err
		}
		if none {
			break
		}
		if len(msgs) > 0 {
			st.usedTiers[tier] = true
		}
		all = append(all, msgs...)
		if allRetrieved {
			break
		}
	}
	return all, nil
}

// loadedMessages is _loaded_messages.
func (st *state) loadedMessages() ([]Message, error) {
	if !st.isLoad {
		msgs, err := st.get()
		if err != nil {
			return nil, err
		}
		st.loaded, st.isLoad = msgs, true
	}
	return st.loaded, nil
}

// update is BaseStorage.update, run just before the response's status
// line: it stores what was not shown.
func (st *state) update(h http.Header) error {
	var msgs []Message
	switch {
	case st.used:
		msgs = st.queued
	case st.added:
		loaded, err := st.loadedMessages()
		if err != nil {
			return err
		}
		msgs = append(append([]Message(nil), loaded...), st.queued...)
	default:
		return nil
	}
	switch st.s.storage {
	case CookieStorage:
		_, err := st.storeCookie(msgs, h, true)
		return err
	case SessionStorage:
		return st.storeSession(msgs)
	}
	// FallbackStorage._store: what the cookie cannot hold goes to the
	// session; a storage that held messages is emptied.
	for tier := tierCookie; tier <= tierSession; tier++ {
		var err error
		switch {
		case len(msgs) > 0 && tier == tierCookie:
			msgs, err = st.storeCookie(msgs, h, false)
		case len(msgs) > 0:
			err = st.storeSession(msgs)
			msgs = nil
		case st.usedTiers[tier]:
			if tier == tierCookie {
				_, err = st.storeCookie(nil, h, true)
			} else {
				err = st.storeSession(nil)
			}
			st.usedTiers[tier] = false
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// storeSession is SessionStorage._store.
func (st *state) storeSession(msgs []Message) error {
	sess, err := middleware.Session(st.r)
	if err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	if len(msgs) == 0 {
		sess.Pop(SessionKey)
		return nil
	}
	v, err := st.s.codec.encodeSession(msgs)
	if err != nil {
		return err
	}
	sess.Set(SessionKey, v)
	return nil
}

// storeCookie is CookieStorage._store: it sets (or deletes) the cookie and
// returns the messages that did not fit. removeOldest drops the oldest
// messages (plain CookieStorage); otherwise the newest go back to the
// caller (FallbackStorage).
func (st *state) storeCookie(msgs []Message, h http.Header, removeOldest bool) ([]Message, error) {
	c := &st.s.codec
	var unstored []Message
	value := ""
	var err error
	if len(msgs) > 0 {
		if value, err = c.encodeCookie(msgs, false); err != nil {
			return nil, err
		}
	}
	tooLarge := func(v string) bool { return len(middleware.QuoteCookieValue(v)) > MaxCookieSize }
	if value != "" && tooLarge(value) {
		if c.rel.Before("5.0") {
			// Up to 4.2: drop one message at a time, re-encoding with
			// the sentinel, until the value fits.
			for value != "" && tooLarge(value) {
				if removeOldest {
					unstored = append(unstored, msgs[0])
					msgs = msgs[1:]
				} else {
					unstored = append([]Message{msgs[len(msgs)-1]}, unstored...)
					msgs = msgs[:len(msgs)-1]
				}
				if value, err = c.encodeCookie(msgs, true); err != nil {
					return nil, err
				}
			}
		} else {
			// 5.0+: binary search for the most messages that fit with
			// the sentinel.
			var fnErr error
			fits := func(part []Message) bool {
				v, err := c.encodeCookie(part, true)
				if err != nil {
					fnErr = err
					return false
				}
				return !tooLarge(v)
			}
			lo, hi := 0, len(msgs)
			if removeOldest {
				for lo < hi { // bisect_keep_right
					mid := (lo + hi) / 2
					if !fits(msgs[mid:]) {
						lo = mid + 1
					} else {
						hi = mid
					}
				}
				unstored, msgs = msgs[:lo], msgs[lo:]
			} else {
				for lo < hi { // bisect_keep_left
					mid := (lo + hi) / 2
					if !fits(msgs[:mid+1]) {
						hi = mid
					} else {
						lo = mid + 1
					}
				}
				unstored, msgs = msgs[lo:], msgs[:lo]
			}
			if fnErr != nil {
				return nil, fnErr
			}
			if value, err = c.encodeCookie(msgs, true); err != nil {
				return nil, err
			}
		}
	}
	if value != "" {
		middleware.SetCookie(h, middleware.Cookie{
			Name: CookieName, Value: value, Domain: st.s.domain, Path: "/",
			Secure: st.s.secure, HTTPOnly: st.s.httpOnly, SameSite: st.s.sameSite,
		})
	} else {
		middleware.SetCookie(h, middleware.Cookie{
			Name: CookieName, Value: "", MaxAge: 0, HasMaxAge: true,
			Expires: middleware.DeletedExpires, Domain: st.s.domain, Path: "/",
			Secure:   strings.EqualFold(st.s.sameSite, "none"),
			SameSite: st.s.sameSite,
		})
	}
	return unstored, nil
}
