package auth

import (
	"net/http"

	"github.com/djsession/djsession/djangosession/middleware"
)

// UserFromRequest returns the user logged in to the request's session (see
// User). The request must have passed through a middleware.Middleware.
func (a *Auth) UserFromRequest(r *http.Request) (User, bool, error) {
	c := cacheOf(r)
	if c != nil && c.done {
		return c.user, c.ok, nil
	}
	s, err := middleware.Session(r)
	if err != nil {
		return User{}, false, err
	}
	u, ok, err := a.User(r.Context(), s)
	if err == nil && c != nil {
		*c = userCache{done: true, user: u, ok: ok}
	}
	return u, ok, err
}

// LoginRequest logs the user in to the request's session (see Login) and,
// as Django's login calls rotate_token, gives the request a new CSRF
// secret when RotateCSRF is set.
func (a *Auth) LoginRequest(r *http.Request, id, backend string) error {
	s, err := middleware.Session(r)
	if err != nil {
		return err
	}
	if err := a.Login(r.Context(), s, id, backend); err != nil {
		return err
	}
	if c := cacheOf(r); c != nil {
		*c = userCache{}
	}
	if a.cfg.RotateCSRF != nil {
		return a.cfg.RotateCSRF(r)
	}
	return nil
}

// LogoutRequest flushes the request's session, as Django's logout.
func (a *Auth) LogoutRequest(r *http.Request) error {
	s, err := middleware.Session(r)
	if err != nil {
		return err
	}
	if c := cacheOf(r); c != nil {
		*c = userCache{done: true}
	}
	return a.Logout(r.Context(), s)
}
