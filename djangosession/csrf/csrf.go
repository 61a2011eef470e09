// Package csrf is Django's CsrfViewMiddleware for net/http: it accepts the
// tokens a Django site issues and issues tokens the Django site accepts.
//
// The secret lives in the csrftoken cookie (or, with UseSessions, in the
// session under "_csrftoken"); forms carry a masked copy in the
// csrfmiddlewaretoken field, scripts in the X-CSRFToken header. Unsafe
// requests must carry a token matching the secret and, as Django 4.0+ does
// it, pass the Origin check (or, for HTTPS requests without Origin, the
// strict Referer check) against the request's host and TrustedOrigins.
//
//	p, err := csrf.New(&csrf.Options{TrustedOrigins: []string{"https://*.example.com"}})
//	h := sessions.Handler(p.Handler(mux)) // with UseSessions, inside the session middleware
//	// in a handler serving a form:
//	tok, err := csrf.Token(r) // put it in <input name="csrfmiddlewaretoken">
package csrf

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/internal/commitwriter"
)

// Names Django uses.
const (
	SessionKey = "_csrftoken"          // CSRF_SESSION_KEY
	FormField  = "csrfmiddlewaretoken" // the POST field
)

// DefaultCookieAge is CSRF_COOKIE_AGE's default: 52 weeks.
const DefaultCookieAge = 31449600 * time.Second

var (
	// ErrRejected matches every rejection; the *RejectError carries
	// Django's reason text.
	ErrRejected = errors.New("csrf: request rejected")
	// ErrBadFormat is returned by Mask and Unmask for malformed input.
	ErrBadFormat = errors.New("csrf: malformed secret or token")
	// ErrNoMiddleware is returned by Token and RotateToken for a request
	// that did not pass through a Protector.
	ErrNoMiddleware = errors.New("csrf: request did not pass through the CSRF middleware")
)

// RejectError is a rejected request. Reason is Django's text, e.g.
// "CSRF cookie not set." or "Origin checking failed - https://evil does not
// match any trusted origins.".
type RejectError struct{ Reason string }

// Error returns the reason with the package prefix.
func (e *RejectError) Error() string { return "csrf: " + e.Reason }

// Is makes every RejectError match ErrRejected.
func (e *RejectError) Is(target error) bool { return target == ErrRejected }

func reject(format string, args ...any) error {
	return &RejectError{Reason: fmt.Sprintf(format, args...)}
}

// Options holds the CSRF_* settings. The zero value is Django's defaults.
type Options struct {
	// CookieName is CSRF_COOKIE_NAME; "csrftoken" when empty.
	CookieName string
	// CookieAge is CSRF_COOKIE_AGE; DefaultCookieAge when zero.
	CookieAge time.Duration
	// CookieDomain is CSRF_COOKIE_DOMAIN.
	CookieDomain string
	// CookiePath is CSRF_COOKIE_PATH; "/" when empty.
	CookiePath string
	// CookieSecure is CSRF_COOKIE_SECURE.
	CookieSecure bool
	// CookieHTTPOnly is CSRF_COOKIE_HTTPONLY (false by default).
	CookieHTTPOnly bool
	// CookieSameSite is CSRF_COOKIE_SAMESITE; "Lax" when empty.
	CookieSameSite middleware.SameSite
	// CookieMasked writes new secrets masked (64 characters), as Django
	// 4.0 and older did and CSRF_COOKIE_MASKED does on 4.1 and 4.2; only
	// needed while a Django 4.0 or older reads the same cookie.
	CookieMasked bool
	// HeaderName is the request header of CSRF_HEADER_NAME;
	// "X-CSRFToken" when empty.
	HeaderName string
	// UseSessions is CSRF_USE_SESSIONS: the secret lives in the session
	// (the handler must be inside a middleware.Middleware).
	UseSessions bool
	// SessionCookieDomain is SESSION_COOKIE_DOMAIN, which the Referer
	// check uses instead of CookieDomain with UseSessions.
	SessionCookieDomain string
	// Settings gives the Django release whose CSRF checks to follow
	// (Settings.Release; the keys are not used). Before 4.0 (3.2) there is
	// no Origin check, every token failure reads "CSRF token missing or
	// incorrect.", malformed tokens are replaced rather than reported,
	// TrustedOrigins are host patterns ("example.com", ".example.com") and
	// cookies are masked.
	Settings django.Settings
	// TrustedOrigins is CSRF_TRUSTED_ORIGINS: "https://example.com" or
	// "https://*.example.com".
	TrustedOrigins []string
	// AllowedHosts is ALLOWED_HOSTS, used where Django calls get_host():
	// "*", ".example.com" (and subdomains) or exact names. Empty accepts
	// any host (routing is the Go server's business).
	AllowedHosts []string
	// UseXForwardedHost and UseXForwardedPort are USE_X_FORWARDED_HOST
	// and USE_X_FORWARDED_PORT.
	UseXForwardedHost bool
	UseXForwardedPort bool
	// ProxySSLHeader is SECURE_PROXY_SSL_HEADER as a header name and
	// value, e.g. {"X-Forwarded-Proto", "https"}.
	ProxySSLHeader [2]string
	// Exempt, when set, exempts requests from the checks (csrf_exempt).
	Exempt func(r *http.Request) bool
	// FailureHandler writes the response for a rejected request; nil
	// means DefaultFailureHandler.
	FailureHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Rand is the source of secrets and masks; crypto/rand when nil.
	Rand io.Reader
	// Now is the clock for the cookie's expires; time.Now when nil.
	Now func() time.Time
}

// DefaultFailureHandler answers 403 with the reason, as Django's
// csrf_failure view (without its debug page).
func DefaultFailureHandler(w http.ResponseWriter, r *http.Request, err error) {
	reason := err.Error()
	var re *RejectError
	if errors.As(err, &re) {
		reason = re.Reason
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	_, _ = io.WriteString(w, "<h1>Forbidden (403)</h1><p>CSRF verification failed. Request aborted.</p><p>"+html.EscapeString(reason)+"</p>\n")
}

// Protector is the CSRF middleware. It is safe for concurrent use.
type Protector struct {
	cfg        Options
	name, path string
	header     string
	sameSite   string
	rand       io.Reader
	now        func() time.Time
	exact      []string            // trusted origins without '*'
	subdomains map[string][]string // scheme -> ".example.com"
	hosts      []string            // netlocs of all trusted origins, '*' stripped
	fail       func(http.ResponseWriter, *http.Request, error)
	legacy     bool // Django before 4.0
}

// New returns a Protector; a nil Options means Django's defaults.
func New(o *Options) (*Protector, error) {
	p := &Protector{}
	if o != nil {
		p.cfg = *o
	}
	c := &p.cfg
	if err := c.Settings.Validate(); err != nil {
		return nil, fmt.Errorf("csrf: %w", err)
	}
	p.name = cmp(c.CookieName, "csrftoken")
	if !middleware.ValidCookieName(p.name) {
		return nil, fmt.Errorf("csrf: illegal cookie name %q", p.name)
	}
	p.path = cmp(c.CookiePath, "/")
	p.header = cmp(c.HeaderName, "X-CSRFToken")
	switch strings.ToLower(string(c.CookieSameSite)) {
	case "", "lax", "strict", "none":
		p.sameSite = cmp(string(c.CookieSameSite), "Lax")
	case string(middleware.SameSiteOmit):
	default:
		return nil, fmt.Errorf("csrf: SameSite must be Lax, Strict or None, not %q", string(c.CookieSameSite))
	}
	if c.CookieAge == 0 {
		c.CookieAge = DefaultCookieAge
	}
	p.rand = c.Rand
	if p.rand == nil {
		p.rand = rand.Reader
	}
	p.now = c.Now
	if p.now == nil {
		p.now = time.Now
	}
	p.fail = c.FailureHandler
	if p.fail == nil {
		p.fail = DefaultFailureHandler
	}
	p.subdomains = map[string][]string{}
	if p.legacy = c.Settings.Release.Before(django.Django40); p.legacy {
		// Django 3.2: host patterns, matched against the Referer only.
		p.hosts = append(p.hosts, c.TrustedOrigins...)
		c.CookieMasked = true
		return p, nil
	}
	for _, o := range c.TrustedOrigins {
		scheme, netloc, _, _, _, err := urlSplit(o)
		if err != nil || scheme == "" {
			// Django's system check E001 requires a scheme.
			return nil, fmt.Errorf("csrf: trusted origin %q must start with a scheme", o)
		}
		p.hosts = append(p.hosts, strings.TrimLeft(netloc, "*"))
		if strings.Contains(o, "*") {
			p.subdomains[scheme] = append(p.subdomains[scheme], strings.TrimLeft(netloc, "*"))
		} else {
			p.exact = append(p.exact, o)
		}
	}
	return p, nil
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

type ctxKey struct{}

// state is one request's CSRF secret, as request.META["CSRF_COOKIE"].
type state struct {
	p           *Protector
	r           *http.Request
	secret      string // "" when the request has none yet
	cookieValue string // what to store: the secret, or a masked form
	needsUpdate bool
}

// Commit sets the CSRF cookie (or session value) just before the status
// line goes out, as process_response does.
func (st *state) Commit(w *commitwriter.Writer, _ int) error {
	if !st.needsUpdate {
		return nil
	}
	st.needsUpdate = false
	p := st.p
	if p.cfg.UseSessions {
		if s, err := middleware.Session(st.r); err == nil {
			if v, _ := s.Get(SessionKey); v != st.cookieValue {
				_ = s.Set(SessionKey, st.cookieValue) // an ASCII token: never refused
			}
		}
		return nil
	}
	age := int64(p.cfg.CookieAge / time.Second)
	middleware.SetCookie(w.Header(), middleware.Cookie{
		Name: p.name, Value: st.cookieValue, MaxAge: age, HasMaxAge: true,
		Expires: middleware.HTTPDate(p.now().Add(time.Duration(age) * time.Second)),
		Domain:  p.cfg.CookieDomain, Path: p.path, Secure: p.cfg.CookieSecure,
		HTTPOnly: p.cfg.CookieHTTPOnly, SameSite: p.sameSite,
	})
	middleware.PatchVary(w.Header(), "Cookie")
	return nil
}

func (st *state) newSecret() error {
	s, err := NewSecret(st.p.rand)
	if err != nil {
		return err
	}
	st.secret, st.cookieValue, st.needsUpdate = s, s, true
	if st.p.cfg.CookieMasked {
		if st.cookieValue, err = MaskRandom(s, st.p.rand); err != nil {
			return err
		}
	}
	return nil
}

// Token returns a freshly masked token for the request's secret, making the
// secret if the request has none, and marks the cookie (or session value)
// to be sent, as Django's get_token.
func Token(r *http.Request) (string, error) {
	st, ok := r.Context().Value(ctxKey{}).(*state)
	if !ok {
		return "", ErrNoMiddleware
	}
	if st.secret == "" {
		if err := st.newSecret(); err != nil {
			return "", err
		}
	}
	st.needsUpdate = true
	return MaskRandom(st.secret, st.p.rand)
}

// RotateToken gives the request a new secret, as Django's rotate_token
// (which login calls).
func RotateToken(r *http.Request) error {
	st, ok := r.Context().Value(ctxKey{}).(*state)
	if !ok {
		return ErrNoMiddleware
	}
	return st.newSecret()
}

// storedSecret is what _get_secret finds for a request.
type storedSecret struct {
	secret string // the 32-character secret ("" when none)
	stored string // the value as stored: the secret or a masked token
	reason string // Django's phrase for a malformed cookie, if any
	found  bool   // a well-formed value was found
}

// getSecret reads the request's secret as Django's _get_secret: from the
// session or the cookie, a 64-character value unmasked.
func (p *Protector) getSecret(r *http.Request) (storedSecret, error) {
	var stored string
	if p.cfg.UseSessions {
		s, err := middleware.Session(r)
		if err != nil {
			return storedSecret{}, err
		}
		v, ok := s.Get(SessionKey)
		if !ok || v == nil {
			return storedSecret{}, nil
		}
		str, isStr := v.(string)
		if !isStr {
			return storedSecret{reason: "has invalid characters"}, nil
		}
		stored = str
	} else {
		v, ok := middleware.CookieValue(r.Header, p.name)
		if !ok {
			return storedSecret{}, nil
		}
		if reason := formatReason(v); reason != "" {
			return storedSecret{reason: reason}, nil
		}
		stored = v
	}
	secret := stored
	if len(secret) == TokenLength {
		var err error
		if secret, err = Unmask(secret); err != nil {
			// A session value of the right length with bad characters.
			return storedSecret{reason: "has invalid characters"}, nil
		}
	}
	return storedSecret{secret: secret, stored: stored, found: true}, nil
}

// Handler returns next behind the CSRF checks. Requests with GET, HEAD,
// OPTIONS or TRACE pass; others need a matching token. For POST the token
// is read from the csrfmiddlewaretoken form field (which parses the form,
// as Django reads request.POST), else from the header.
func (p *Protector) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &state{p: p}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, st))
		st.r = r
		got, err := p.getSecret(r)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		switch {
		case got.reason != "":
			if err := st.newSecret(); err != nil {
				p.fail(w, r, err)
				return
			}
		case got.found:
			st.secret = got.secret
			st.cookieValue = got.secret
			if p.cfg.CookieMasked {
				// As Django 4.0 and older: keep a masked cookie as it
				// is, mask a bare secret.
				st.cookieValue = got.stored
				if len(got.stored) == SecretLength {
					if st.cookieValue, err = MaskRandom(got.secret, p.rand); err != nil {
						p.fail(w, r, err)
						return
					}
					// Django 3.2 replaces a bare secret cookie at once.
					st.needsUpdate = p.legacy && !p.cfg.UseSessions
				}
			}
		}
		rw := &commitwriter.Writer{ResponseWriter: w, Committer: st}
		if err := p.check(r, st, got.reason); err != nil {
			p.fail(rw, r, err)
			rw.Finish()
			return
		}
		next.ServeHTTP(rw, r)
		rw.Finish()
	})
}

// check is process_view.
func (p *Protector) check(r *http.Request, st *state, cookieReason string) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return nil
	}
	if p.cfg.Exempt != nil && p.cfg.Exempt(r) {
		return nil
	}
	if p.legacy {
		return p.checkLegacy(r)
	}
	if origin, ok := header(r, "Origin"); ok {
		if !p.originVerified(r, origin) {
			return reject("Origin checking failed - %s does not match any trusted origins.", origin)
		}
	} else if p.isSecure(r) {
		if err := p.checkReferer(r); err != nil {
			return err
		}
	}
	// _check_token
	if cookieReason != "" {
		return reject("CSRF cookie %s.", cookieReason)
	}
	got, err := p.getSecret(r)
	if err != nil {
		return err
	}
	if got.reason != "" {
		return reject("CSRF cookie %s.", got.reason)
	}
	if !got.found {
		return reject("CSRF cookie not set.")
	}
	secret := got.secret
	token, source := "", "POST"
	if r.Method == http.MethodPost {
		token = postValue(r)
	}
	if token == "" {
		v, ok := header(r, p.header)
		if !ok {
			return reject("CSRF token missing.")
		}
		token, source = v, fmt.Sprintf("the '%s' HTTP header", pyHeaderName(p.header))
	}
	if reason := formatReason(token); reason != "" {
		return reject("CSRF token from %s %s.", source, reason)
	}
	if !Match(token, secret) {
		return reject("CSRF token from %s incorrect.", source)
	}
	return nil
}

// pyHeaderName is how Django's HttpHeaders.parse_header_name names a
// header taken from META: "X-Csrftoken" for HTTP_X_CSRFTOKEN.
func pyHeaderName(h string) string {
	parts := strings.Split(strings.ReplaceAll(h, "_", "-"), "-")
	for i, s := range parts {
		if s != "" {
			parts[i] = strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
		}
	}
	return strings.Join(parts, "-")
}

// header returns a request header as WSGI's META holds it.
func header(r *http.Request, name string) (string, bool) {
	v := r.Header.Values(name)
	if len(v) == 0 {
		return "", false
	}
	return strings.Join(v, ","), true
}

// postValue is request.POST.get("csrfmiddlewaretoken", ""): only form
// bodies Django parses count.
func postValue(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "multipart/form-data"):
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return ""
		}
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		if err := r.ParseForm(); err != nil {
			return ""
		}
	default:
		return ""
	}
	if v := r.PostForm[FormField]; len(v) > 0 {
		return v[len(v)-1] // QueryDict.get returns the last value
	}
	return ""
}

func (p *Protector) isSecure(r *http.Request) bool {
	if h := p.cfg.ProxySSLHeader; h[0] != "" {
		if v, ok := header(r, h[0]); ok {
			first, _, _ := strings.Cut(v, ",")
			return strings.TrimSpace(first) == h[1]
		}
	}
	return r.TLS != nil
}

func (p *Protector) scheme(r *http.Request) string {
	if p.isSecure(r) {
		return "https"
	}
	return "http"
}

// getHost is request.get_host(): ok is false for a host ALLOWED_HOSTS
// refuses (DisallowedHost).
func (p *Protector) getHost(r *http.Request) (string, bool) {
	host := r.Host
	if v, ok := header(r, "X-Forwarded-Host"); ok && p.cfg.UseXForwardedHost {
		host = v
	}
	if len(p.cfg.AllowedHosts) == 0 {
		return host, true
	}
	domain := splitDomain(host)
	if domain == "" {
		return host, false
	}
	for _, pat := range p.cfg.AllowedHosts {
		if pat == "*" || isSameDomain(domain, pat) {
			return host, true
		}
	}
	return host, false
}

// splitDomain is the domain part of Django's split_domain_port: lowercased,
// without port or trailing dot; "" for an invalid host.
func splitDomain(host string) string {
	host = strings.ToLower(host)
	for _, c := range host {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("-._:[]", c)) {
			return ""
		}
	}
	if strings.HasSuffix(host, "]") {
		return host
	}
	if strings.HasPrefix(host, "[") {
		if i := strings.LastIndex(host, "]:"); i >= 0 {
			return host[:i+1]
		}
		return ""
	}
	domain, _, _ := strings.Cut(host, ":")
	return strings.TrimSuffix(domain, ".")
}

// getPort is request.get_port(): the port the server accepted the request on.
func (p *Protector) getPort(r *http.Request) string {
	if v, ok := header(r, "X-Forwarded-Port"); ok && p.cfg.UseXForwardedPort {
		return v
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, port, err := net.SplitHostPort(a.String()); err == nil {
			return port
		}
	}
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		return port
	}
	if r.TLS != nil {
		return "443"
	}
	return "80"
}

// isSameDomain is django.utils.http.is_same_domain.
func isSameDomain(host, pattern string) bool {
	if pattern == "" {
		return false
	}
	pattern = strings.ToLower(pattern)
	return pattern[0] == '.' && (strings.HasSuffix(host, pattern) || host == pattern[1:]) || pattern == host
}

func (p *Protector) originVerified(r *http.Request, origin string) bool {
	if host, ok := p.getHost(r); ok && origin == p.scheme(r)+"://"+host {
		return true
	}
	if slices.Contains(p.exact, origin) {
		return true
	}
	scheme, netloc, _, _, _, err := urlSplit(origin)
	if err != nil {
		return false
	}
	for _, h := range p.subdomains[scheme] {
		if isSameDomain(netloc, h) {
			return true
		}
	}
	return false
}

func (p *Protector) checkReferer(r *http.Request) error {
	referer, ok := header(r, "Referer")
	if !ok {
		return reject("Referer checking failed - no Referer.")
	}
	scheme, netloc, path, query, frag, err := urlSplit(referer)
	if err != nil || scheme == "" || netloc == "" {
		return reject("Referer checking failed - Referer is malformed.")
	}
	if scheme != "https" {
		return reject("Referer checking failed - Referer is insecure while host is secure.")
	}
	for _, h := range p.hosts {
		if isSameDomain(netloc, h) {
			return nil
		}
	}
	good := p.cfg.CookieDomain
	if p.cfg.UseSessions {
		good = p.cfg.SessionCookieDomain
	}
	bad := reject("Referer checking failed - %s does not match any trusted origins.", urlUnsplit(scheme, netloc, path, query, frag))
	if good == "" {
		host, ok := p.getHost(r)
		if !ok {
			return bad
		}
		good = host
	} else if port := p.getPort(r); port != "443" && port != "80" {
		good += ":" + port
	}
	if !isSameDomain(netloc, good) {
		return bad
	}
	return nil
}

// checkLegacy is Django 3.2's process_view: the Referer check for secure
// requests, then the masked tokens compared after unmasking, every token
// failure with the same reason.
func (p *Protector) checkLegacy(r *http.Request) error {
	if p.isSecure(r) {
		if err := p.checkReferer(r); err != nil {
			return err
		}
	}
	var stored string
	if p.cfg.UseSessions {
		s, err := middleware.Session(r)
		if err != nil {
			return err
		}
		v, _ := s.Get(SessionKey)
		str, ok := v.(string)
		if !ok {
			return reject("CSRF cookie not set.")
		}
		stored = str // used as it is: 3.2 expects a masked token here
	} else {
		v, ok := middleware.CookieValue(r.Header, p.name)
		if !ok {
			return reject("CSRF cookie not set.")
		}
		stored = v
	}
	bad := reject("CSRF token missing or incorrect.")
	token := ""
	if r.Method == http.MethodPost {
		token = postValue(r)
	}
	if token == "" {
		token, _ = header(r, p.header)
	}
	secret, ok := legacySecret(stored, !p.cfg.UseSessions)
	if !ok {
		return bad
	}
	got, ok := legacySecret(token, true)
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
		return bad
	}
	return nil
}

// legacySecret is the secret inside a value as Django 3.2 reads it: a
// masked 64-character token is unmasked, a bare 32-character secret is
// taken as it is when sanitize (3.2's _sanitize_token) is set; anything
// else would be replaced by a random token, which never matches.
func legacySecret(v string, sanitize bool) (string, bool) {
	if len(v) == TokenLength {
		s, err := Unmask(v)
		return s, err == nil
	}
	if sanitize && len(v) == SecretLength && validChars(v) {
		return v, true
	}
	return "", false
}

// TemplateField returns the hidden form field Django's {% csrf_token %}
// renders, with a fresh token for the request (see Token).
func TemplateField(r *http.Request) (template.HTML, error) {
	tok, err := Token(r)
	if err != nil {
		return "", err
	}
	// A token is [a-zA-Z0-9] only: nothing to escape.
	return template.HTML(`<input type="hidden" name="` + FormField + `" value="` + tok + `">`), nil
}
