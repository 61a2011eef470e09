package auth

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// DefaultLoginURL is Django's LOGIN_URL default.
const DefaultLoginURL = "/accounts/login/"

// RedirectFieldName is the query parameter login_required adds for the page
// to come back to.
const RedirectFieldName = "next"

type cacheKey struct{}

// userCache holds the request's user once resolved, as request.user.
type userCache struct {
	done bool
	user User
	ok   bool
}

// Handler returns next with the logged-in user resolved at most once per
// request (on the first UserFromRequest), as Django's
// AuthenticationMiddleware makes request.user lazy. It must run inside the
// session middleware. Without it UserFromRequest still works, resolving the
// user on every call.
func (a *Auth) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), cacheKey{}, &userCache{})))
	})
}

func cacheOf(r *http.Request) *userCache {
	c, _ := r.Context().Value(cacheKey{}).(*userCache)
	return c
}

// RequireLogin returns next behind Django's login_required: an anonymous
// request is redirected (302) to loginURL ("" means DefaultLoginURL) with
// the page's path in the "next" parameter, encoded as Django encodes it.
// Storage errors are answered with 500.
func (a *Auth) RequireLogin(loginURL string, next http.Handler) http.Handler {
	if loginURL == "" {
		loginURL = DefaultLoginURL
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, ok, err := a.UserFromRequest(r)
		if err != nil {
			http.Error(w, "session unavailable", http.StatusInternalServerError)
			return
		}
		if !ok {
			w.Header().Set("Location", LoginRedirect(r, loginURL))
			w.WriteHeader(http.StatusFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// LoginRedirect returns the Location Django's login_required sends an
// anonymous request to: loginURL with next set to the request's full path
// (or its absolute URL when loginURL is on another scheme or host), the
// query encoded as QueryDict.urlencode(safe="/").
func LoginRedirect(r *http.Request, loginURL string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	next := pyQuote(r.URL.Path, "/:@&+$,-_.!~*'()")
	if r.URL.RawQuery != "" {
		next += "?" + pyQuote(r.URL.RawQuery, "/#%[]=:;$&()+,!?*@'~")
	}
	lu, err := url.Parse(loginURL)
	if err != nil {
		return loginURL
	}
	if (lu.Scheme != "" && lu.Scheme != scheme) || (lu.Host != "" && lu.Host != r.Host) {
		next = scheme + "://" + r.Host + next
	}
	var pairs []string
	replaced := false
	for p := range strings.SplitSeq(lu.RawQuery, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		k, _ = url.QueryUnescape(k)
		v, _ = url.QueryUnescape(v)
		if k == RedirectFieldName {
			if replaced {
				continue
			}
			v, replaced = next, true
		}
		pairs = append(pairs, pyQuote(k, "/")+"="+pyQuote(v, "/"))
	}
	if !replaced {
		pairs = append(pairs, RedirectFieldName+"="+pyQuote(next, "/"))
	}
	lu.RawQuery = strings.Join(pairs, "&")
	lu.ForceQuery = false
	return lu.String()
}

// pyQuote is Python's urllib.parse.quote(s, safe): letters, digits, "_.-~"
// and the safe characters stay, every other byte of the UTF-8 text is
// written as %XX.
func pyQuote(s, safe string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("_.-~", c) >= 0 || c < 0x80 && strings.IndexByte(safe, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
