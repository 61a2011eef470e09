package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/internal/commitwriter"
)

var (
	// ErrNoMiddleware is returned by Session for a request that did not
	// pass through a Middleware.
	ErrNoMiddleware = errors.New("middleware: request did not pass through the session middleware")

	// ErrSessionInterrupted is Django's SessionInterrupted: the session was
	// deleted (by a logout in a concurrent request, say) before this
	// request could save it. It wraps djangosession.ErrVanished; the
	// default error handler answers it with 400 Bad Request.
	ErrSessionInterrupted = errors.New("middleware: the request's session was deleted before the request completed")

	// ErrInvalidConfig is returned by New for settings Django would refuse.
	ErrInvalidConfig = errors.New("middleware: invalid configuration")
)

// Options holds the SESSION_* settings of Django's SessionMiddleware. The
// zero value is Django's defaults. SESSION_COOKIE_AGE and
// SESSION_EXPIRE_AT_BROWSER_CLOSE belong to the Engine's
// djangosession.Options, as does the Django release whose rules to follow.
type Options struct {
	// CookieName is SESSION_COOKIE_NAME; "sessionid" when empty.
	CookieName string
	// CookieDomain is SESSION_COOKIE_DOMAIN; none when empty.
	CookieDomain string
	// CookiePath is SESSION_COOKIE_PATH; "/" when empty.
	CookiePath string
	// CookieSecure is SESSION_COOKIE_SECURE.
	CookieSecure bool
	// CookieScriptable is SESSION_COOKIE_HTTPONLY = False: the cookie is
	// sent without HttpOnly. Django's default (false here) sets HttpOnly.
	CookieScriptable bool
	// CookieSameSite is SESSION_COOKIE_SAMESITE; "Lax" when empty.
	CookieSameSite SameSite
	// SaveEveryRequest is SESSION_SAVE_EVERY_REQUEST.
	SaveEveryRequest bool
	// ErrorHandler writes the response when the session cannot be saved:
	// err matches ErrSessionInterrupted (Django answers 400) or is a
	// storage error (Django answers 500). Nil means DefaultErrorHandler.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
}

// DefaultErrorHandler answers ErrSessionInterrupted with Django's default
// 400 page and any other error with its default 500 page.
func DefaultErrorHandler(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if errors.Is(err, ErrSessionInterrupted) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("<h1>Bad Request (400)</h1>"))
		return
	}
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte("<h1>Server Error (500)</h1>"))
}

// Middleware is Django's SessionMiddleware for net/http. It is safe for
// concurrent use.
type Middleware struct {
	engine   *djangosession.Engine
	cfg      Options
	name     string
	path     string
	httpOnly bool
	sameSite string
	release  django.Release
	now      func() time.Time
	errh     func(http.ResponseWriter, *http.Request, error)
}

// New returns a Middleware opening sessions with engine. A nil Options means
// Django's defaults. It returns an error matching ErrInvalidConfig for a
// cookie name Python's SimpleCookie refuses, or a SameSite value other than
// Lax, Strict or None. (An engine of an unknown release cannot be built:
// djangosession.NewEngine refuses it.)
func New(engine *djangosession.Engine, o *Options) (*Middleware, error) {
	if engine == nil {
		return nil, fmt.Errorf("%w: nil engine", ErrInvalidConfig)
	}
	m := &Middleware{engine: engine}
	if o != nil {
		m.cfg = *o
	}
	m.name = m.cfg.CookieName
	if m.name == "" {
		m.name = "sessionid"
	}
	if !ValidCookieName(m.name) {
		return nil, fmt.Errorf("%w: illegal cookie name %q", ErrInvalidConfig, m.name)
	}
	m.path = m.cfg.CookiePath
	if m.path == "" {
		m.path = "/"
	}
	if !m.cfg.CookieSameSite.valid() {
		return nil, fmt.Errorf("%w: SameSite must be Lax, Strict or None, not %q", ErrInvalidConfig, string(m.cfg.CookieSameSite))
	}
	m.sameSite = m.cfg.CookieSameSite.attr()
	m.httpOnly = !m.cfg.CookieScriptable
	ec := engine.Options()
	m.release = ec.Settings.Release
	m.now = ec.Now
	if m.now == nil {
		m.now = time.Now
	}
	m.errh = m.cfg.ErrorHandler
	if m.errh == nil {
		m.errh = DefaultErrorHandler
	}
	return m, nil
}

// Engine returns the engine sessions are opened with.
func (m *Middleware) Engine() *djangosession.Engine { return m.engine }

// CookieName returns the session cookie's name.
func (m *Middleware) CookieName() string { return m.name }

type ctxKey struct{}

// sessionContext is the request's context carrying its session state, as
// context.WithValue(parent, ctxKey{}, st) would, without an allocation of
// its own: it lives in the request. Cancellation, deadlines and
// other values are the parent's.
type sessionContext struct {
	context.Context
	st *state
}

// Value returns the session state for ctxKey and asks the parent
// otherwise.
func (c *sessionContext) Value(key any) any {
	if _, ok := key.(ctxKey); ok {
		return c.st
	}
	return c.Context.Value(key)
}

// String describes the context as context.WithValue's does.
func (c *sessionContext) String() string {
	return fmt.Sprintf("%v.WithValue(middleware session)", c.Context)
}

// state is one request's session, loaded on first use.
type state struct {
	m         *Middleware
	cookie    string
	hasCookie bool

	mu      sync.Mutex
	sess    *djangosession.Session
	loadErr error
	loaded  bool
}

func (st *state) load(ctx context.Context) (*djangosession.Session, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.loadLocked(ctx)
}

func (st *state) loadLocked(ctx context.Context) (*djangosession.Session, error) {
	if !st.loaded {
		key := st.cookie
		if !djangosession.ValidKey(key) {
			// Django's session_key setter drops keys shorter than 8
			// characters, for every engine.
			key = ""
		}
		st.sess, st.loadErr = st.m.engine.Open(ctx, key)
		st.loaded = st.loadErr == nil
	}
	return st.sess, st.loadErr
}

// Session returns the request's session, loading it from the store on the
// first call (as Django's lazy request.session). Storage failures are
// returned; the call may be repeated. The Session is not safe for
// concurrent use: a handler that shares it between goroutines must
// serialize access itself.
func Session(r *http.Request) (*djangosession.Session, error) {
	st, ok := r.Context().Value(ctxKey{}).(*state)
	if !ok {
		return nil, ErrNoMiddleware
	}
	return st.load(r.Context())
}

// FromRequest returns the Middleware a request passed through.
func FromRequest(r *http.Request) (*Middleware, bool) {
	st, ok := r.Context().Value(ctxKey{}).(*state)
	if !ok {
		return nil, false
	}
	return st.m, true
}

// Handler returns next wrapped in the session middleware. The response
// headers (Set-Cookie, Vary) are decided and the session saved just before
// the response's status line is written: by the first WriteHeader, Write,
// Flush or ReadFrom, or when next returns having written nothing. Changes
// to the session after that are not saved.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// One allocation holds the writer and the request's session state.
		q := &request{}
		q.w.ResponseWriter, q.w.Committer = w, q
		if len(w.Header()) > 0 {
			// Headers set by outer handlers survive an error response.
			q.outer = w.Header().Clone()
		}
		st := &q.state
		st.m = m
		st.cookie, st.hasCookie = CookieValue(r.Header, m.name)
		q.ctx = sessionContext{Context: r.Context(), st: st}
		q.r = r.WithContext(&q.ctx)
		next.ServeHTTP(&q.w, q.r)
		q.w.Finish()
	})
}

// request is one request's response writer and session state.
type request struct {
	w     commitwriter.Writer
	state state
	ctx   sessionContext // the request's context: parent + &state
	outer http.Header    // headers present before the middleware ran
	r     *http.Request
}

// Commit commits the session just before the status line goes out. A
// commit that fails replaces the response with the error handler's.
func (q *request) Commit(w *commitwriter.Writer, status int) error {
	err := q.state.commit(q.r.Context(), w.Header(), status)
	if err == nil {
		return nil
	}
	// Django replaces the response: drop what the handler set.
	h := w.Header()
	clear(h)
	for k, v := range q.outer {
		h[k] = v
	}
	q.state.m.errh(w.ResponseWriter, q.r, err)
	return err
}

// commit does what SessionMiddleware.process_response does for a response
// with the given status: it saves the session when needed and sets the
// cookie and Vary headers.
func (st *state) commit(ctx context.Context, h http.Header, status int) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.m
	var accessed, modified, empty bool
	if st.loaded && (st.sess.Accessed() || st.sess.Modified()) {
		accessed, modified, empty = st.sess.Accessed(), st.sess.Modified(), st.sess.IsEmpty()
	} else {
		// Not used: Django would not have loaded the session, and its
		// is_empty is true only without a usable key.
		empty = !djangosession.ValidKey(st.cookie)
	}
	if st.hasCookie && empty {
		SetCookie(h, Cookie{
			Name: m.name, Value: "", MaxAge: 0, HasMaxAge: true,
			Expires: DeletedExpires, Domain: m.cfg.CookieDomain, Path: m.path,
			Secure:   hasSecurePrefix(m.name) || strings.EqualFold(m.sameSite, "none"),
			SameSite: m.sameSite,
		})
		PatchVary(h, "Cookie")
		return nil
	}
	vary := accessed
	if (modified || m.cfg.SaveEveryRequest) && !empty {
		sess, err := st.loadLocked(ctx)
		if err != nil {
			return err
		}
		c := Cookie{
			Name: m.name, Domain: m.cfg.CookieDomain, Path: m.path,
			Secure: m.cfg.CookieSecure, HTTPOnly: m.httpOnly, SameSite: m.sameSite,
		}
		var expiresAt time.Time
		if !sess.ExpireAtBrowserClose() {
			c.MaxAge, c.HasMaxAge = sess.ExpiryAge(), true
			expiresAt = m.now().Add(time.Duration(c.MaxAge) * time.Second)
			if expiresAt.IsZero() { // format would leave it out
				c.Expires = HTTPDate(expiresAt)
			}
		}
		if m.saves(status) {
			if err := sess.Save(ctx); err != nil {
				if errors.Is(err, djangosession.ErrVanished) {
					return fmt.Errorf("%w: %w", ErrSessionInterrupted, err)
				}
				return err
			}
			c.Value = sess.Key()
			setCookie(h, &c, expiresAt)
			if !m.release.Before(django.Django52) {
				vary = true
			}
		}
	}
	if vary {
		PatchVary(h, "Cookie")
	}
	return nil
}

// saves reports whether a response with status lets the session be saved:
// below 500 from Django 4.2, anything but 500 before.
func (m *Middleware) saves(status int) bool {
	if m.release.Before(django.Django42) {
		return status != http.StatusInternalServerError
	}
	return status < 500
}

func hasSecurePrefix(name string) bool {
	return len(name) >= 9 && name[:9] == "__Secure-" || len(name) >= 7 && name[:7] == "__Host-"
}
