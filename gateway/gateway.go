package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/djangosession/csrf"
	"github.com/djsession/djsession/djangosession/middleware"
)

// DefaultMaxFormBytes bounds the form body read for a CSRF check in proxy
// mode: Django's DATA_UPLOAD_MAX_MEMORY_SIZE.
const DefaultMaxFormBytes = 2621440

// Options configure a Gateway. Sessions, Auth and Identities are required.
type Options struct {
	// Sessions is the session middleware: the store, SESSION_COOKIE_NAME
	// and SESSION_SAVE_EVERY_REQUEST.
	Sessions *middleware.Middleware
	// DjangoSessions is the session middleware for requests proxy mode
	// sends to Django, which saves its sessions itself: the same store and
	// cookie settings without SaveEveryRequest, so the gateway never
	// writes a session back over what Django just wrote. Nil means
	// Sessions.
	DjangoSessions *middleware.Middleware
	// Auth checks the login in the session (session auth hash, fallback
	// keys, backends).
	Auth *auth.Auth
	// Identities reads users, groups and permissions
	// (*auth.SQLIdentities).
	Identities auth.Identities
	// Rules is the route table; paths no rule matches are open to all
	// (identity headers are still set for a logged-in user).
	Rules []Rule
	// LoginURL is LOGIN_URL; auth.DefaultLoginURL when empty.
	LoginURL string
	// Django is the base URL of the Django site, where proxy mode sends
	// every path no rule with an Upstream matches.
	Django string
	// CSRF configures the checks of rules with CSRF set (CSRF_* settings);
	// nil means Django's defaults.
	CSRF *csrf.Options
	// MaxFormBytes bounds a form body read for a CSRF check;
	// DefaultMaxFormBytes when zero.
	MaxFormBytes int64
	// AssertionKey, when set, makes the gateway add a signed identity
	// assertion (HeaderAssertion). Use a key of its own, not SECRET_KEY:
	// every upstream that verifies assertions holds it.
	AssertionKey string
	// CacheTTL is how long a user's identity and permissions are reused
	// (a change made in Django's admin is in force after at most this
	// long); zero reads them on every request. The session (unless its
	// store is a SessionCache) and the auth hash are always read.
	CacheTTL time.Duration
	// Observe, when set, is called once per judged request with the
	// verdict, for logs and metrics.
	Observe func(r *http.Request, v Verdict)
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Verdict is the gateway's answer to one request.
type Verdict struct {
	// Status is 200 (allowed), 302 or 401 (login needed), 403 (denied)
	// or 500 (the store or database failed).
	Status int
	// UserID is the logged-in user's id, "" when anonymous.
	UserID string
	// Rule is the prefix of the matched rule, "" when none.
	Rule string
	// Reason says why a request was refused ("login", "staff",
	// "csrf", ...); "" when allowed.
	Reason string
	// Err is the failure behind a 500.
	Err error
}

// Gateway judges requests by Django's sessions, auth and rules. It is safe
// for concurrent use.
type Gateway struct {
	o       Options
	routes  routes
	csrf    *csrf.Protector
	signer  *signer
	cache   *cache
	now     func() time.Time
	django  *httputil.ReverseProxy
	proxies map[*Rule]*httputil.ReverseProxy
}

// New returns a Gateway.
func New(o *Options) (*Gateway, error) {
	if o == nil || o.Sessions == nil || o.Auth == nil || o.Identities == nil {
		return nil, errors.New("gateway: Sessions, Auth and Identities are required")
	}
	g := &Gateway{o: *o, now: o.Now}
	if g.now == nil {
		g.now = time.Now
	}
	if g.o.LoginURL == "" {
		g.o.LoginURL = auth.DefaultLoginURL
	}
	if g.o.MaxFormBytes <= 0 {
		g.o.MaxFormBytes = DefaultMaxFormBytes
	}
	var err error
	if g.routes, err = newRoutes(o.Rules); err != nil {
		return nil, err
	}
	var cc csrf.Options
	if o.CSRF != nil {
		cc = *o.CSRF
	}
	cc.FailureHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		if f, ok := w.(*csrfOutcome); ok {
			f.err = err
		}
	}
	if g.csrf, err = csrf.New(&cc); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	if o.AssertionKey != "" {
		if g.signer, err = newSigner(o.AssertionKey, g.now); err != nil {
			return nil, err
		}
	}
	if o.CacheTTL > 0 {
		g.cache = newCache(o.CacheTTL, g.now)
	}
	if o.Django != "" {
		if g.django, err = g.newProxy(o.Django); err != nil {
			return nil, err
		}
	}
	g.proxies = map[*Rule]*httputil.ReverseProxy{}
	for _, r := range g.routes {
		if r.Upstream != "" {
			if g.proxies[r], err = g.newProxy(r.Upstream); err != nil {
				return nil, err
			}
		}
	}
	return g, nil
}

type verdictKey struct{}

// judged is what the proxy's Rewrite needs of the verdict.
type judged struct {
	user      *auth.Identity
	assertion string
}

func (g *Gateway) newProxy(base string) (*httputil.ReverseProxy, error) {
	target, err := url.Parse(base)
	if err != nil || target.Scheme == "" || target.Host == "" {
		return nil, errors.New("gateway: upstream must be an absolute URL")
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
			pr.Out.Host = pr.In.Host
			StripIdentity(pr.Out.Header)
			if j, ok := pr.In.Context().Value(verdictKey{}).(*judged); ok && j.user != nil {
				setIdentity(pr.Out.Header, j.user, j.assertion)
			}
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "upstream unavailable", http.StatusBadGateway)
		},
	}, nil
}

// cleanPath is the path a request is matched on: percent-decoded, dot
// segments and repeated slashes removed, as nginx normalizes $uri, so a
// path that looks public to the gateway is the path the proxy routes.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// judge decides r (whose URL, method and host are those of the original
// request) and returns the verdict and, when allowed, the user.
func (g *Gateway) judge(r *http.Request) (Verdict, *auth.Identity) {
	rule := g.routes.match(cleanPath(r.URL.Path))
	v := Verdict{Status: http.StatusOK}
	if rule != nil {
		v.Rule = rule.Prefix
	}
	u, ok, err := g.o.Auth.UserFromRequest(r)
	if err != nil {
		return Verdict{Status: http.StatusInternalServerError, Rule: v.Rule, Reason: "session", Err: err}, nil
	}
	var ident *auth.Identity
	var perms auth.Permissions
	if ok {
		needPerms := rule != nil && len(rule.Perms) > 0
		id, p, err := g.identity(r.Context(), u.ID, needPerms)
		switch {
		case errors.Is(err, auth.ErrNoUser):
		case err != nil:
			return Verdict{Status: http.StatusInternalServerError, Rule: v.Rule, Reason: "identity", Err: err}, nil
		case id.IsActive:
			ident, perms = &id, p
			v.UserID = id.ID
		}
	}
	if rule == nil {
		return v, ident
	}
	if rule.needsUser() {
		if ident == nil {
			v.Status, v.Reason = http.StatusUnauthorized, "login"
			return v, nil
		}
		if !rule.allows(ident, perms) {
			v.Status, v.Reason = http.StatusForbidden, "rule"
			return v, ident
		}
	}
	if rule.CSRF {
		if err := g.checkCSRF(r); err != nil {
			v.Status, v.Reason, v.Err = http.StatusForbidden, "csrf", err
			return v, ident
		}
	}
	return v, ident
}

// identity returns the user's identity (and permissions when perms is
// set), from the cache when it is fresh.
func (g *Gateway) identity(ctx context.Context, id string, perms bool) (auth.Identity, auth.Permissions, error) {
	if g.cache != nil {
		if e, ok := g.cache.get(id); ok && (!perms || e.havePerms) {
			return e.ident, e.perms, nil
		}
	}
	u, err := g.o.Identities.Identity(ctx, id)
	if err != nil {
		return auth.Identity{}, auth.Permissions{}, err
	}
	var p auth.Permissions
	if perms {
		if p, err = g.o.Identities.PermissionsOf(ctx, u); err != nil {
			return auth.Identity{}, auth.Permissions{}, err
		}
	}
	if g.cache != nil {
		g.cache.put(id, entry{ident: u, perms: p, havePerms: perms}, time.Time{})
	}
	return u, p, nil
}

// csrfOutcome is the response writer the CSRF check runs against: it
// records a rejection and drops the rest (the cookie the check may set is
// Django's business).
type csrfOutcome struct {
	h      http.Header
	err    error
	passed bool
}

func (c *csrfOutcome) Header() http.Header {
	if c.h == nil {
		c.h = http.Header{}
	}
	return c.h
}
func (c *csrfOutcome) Write(b []byte) (int, error) { return len(b), nil }
func (c *csrfOutcome) WriteHeader(int)             {}

var errCSRFNotRun = errors.New("gateway: CSRF check refused the request")

func (g *Gateway) checkCSRF(r *http.Request) error {
	out := &csrfOutcome{}
	g.csrf.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { out.passed = true })).ServeHTTP(out, r)
	if out.passed {
		return nil
	}
	if out.err != nil {
		return out.err
	}
	return errCSRFNotRun
}

// refuse writes the answer to a refused request. login is 302 to
// LOGIN_URL (or 401 with the same Location when status401 is set or the
// rule is an API rule).
func (g *Gateway) refuse(w http.ResponseWriter, r *http.Request, v Verdict, api bool) {
	switch v.Status {
	case http.StatusUnauthorized:
		w.Header().Set("Location", auth.LoginRedirect(r, g.o.LoginURL))
		if api {
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusFound)
	case http.StatusForbidden:
		http.Error(w, "forbidden", http.StatusForbidden)
	default:
		http.Error(w, "gateway error", http.StatusInternalServerError)
	}
}

func (g *Gateway) observe(r *http.Request, v Verdict) {
	if g.o.Observe != nil {
		g.o.Observe(r, v)
	}
}

func (g *Gateway) assertion(u *auth.Identity) (string, error) {
	if g.signer == nil || u == nil {
		return "", nil
	}
	return g.signer.sign(u)
}

// ForwardAuth returns the handler a reverse proxy asks before serving a
// request (nginx auth_request, Caddy forward_auth, Traefik ForwardAuth,
// Envoy ext_authz in HTTP mode). The original request is read from
// X-Original-URI and X-Original-Method (nginx, as docs/gateway.md
// configures it), else X-Forwarded-Uri and X-Forwarded-Method (Caddy,
// Traefik), else the request's own method and path (Envoy, which sends the
// original method and path, prefixed by path_prefix: mount the handler
// with http.StripPrefix). Its host is X-Forwarded-Host or Host.
//
// Allowed: 200 with the identity headers (present but empty for an
// anonymous request to an open path). Login needed: 302 to
// LOGIN_URL?next=... (401 on API rules, or whenever the query has
// login=401, for nginx, whose auth_request takes only 2xx, 401 and 403;
// the 401 carries the login URL in Location). Denied: 403. These
// endpoints must be reachable by the proxy only: they trust the
// X-Forwarded-* headers.
func (g *Gateway) ForwardAuth() http.Handler {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		orig, err := originalRequest(r)
		if err != nil {
			http.Error(w, "bad original request", http.StatusBadRequest)
			return
		}
		v, u := g.judge(orig)
		a, err := g.assertion(u)
		if err != nil && v.Status == http.StatusOK {
			v = Verdict{Status: http.StatusInternalServerError, Rule: v.Rule, Reason: "assertion", Err: err}
		}
		g.observe(orig, v)
		if v.Status != http.StatusOK {
			api := r.URL.Query().Get("login") == "401"
			if rule := g.routes.match(cleanPath(orig.URL.Path)); rule != nil && rule.API {
				api = true
			}
			g.refuse(w, orig, v, api)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if u != nil {
			setIdentity(w.Header(), u, a)
		} else {
			// Empty values: a proxy that copies these headers onto the
			// request (Caddy's copy_headers, nginx's proxy_set_header
			// from $upstream_http_...) then overwrites or drops the
			// client's copies.
			for _, h := range IdentityHeaders {
				w.Header()[h] = []string{""}
			}
		}
		w.WriteHeader(http.StatusOK)
	})
	return g.o.Sessions.Handler(g.o.Auth.Handler(g.withMemo(h)))
}

// withMemo gives a request whose user's identity is not cached an
// auth.WithUserMemo context, so that the user's row and groups are read
// once, with the password check. When the identity cache holds the user,
// the password check reads only the password (a cheaper query), and the
// identity comes from the cache. It runs inside the session middleware.
func (g *Gateway) withMemo(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.cached(r) {
			r = r.WithContext(auth.WithUserMemo(r.Context()))
		}
		h.ServeHTTP(w, r)
	})
}

// cached reports whether the identity cache holds a fresh entry for the
// user named by r's session. Django's login stores the id as a string; any
// other form is read through the memo.
func (g *Gateway) cached(r *http.Request) bool {
	if g.cache == nil {
		return false
	}
	s, err := middleware.Session(r)
	if err != nil {
		return false // the session is loaded again, and the error answered, by judge
	}
	v, _ := s.Get(auth.SessionKey)
	id, ok := v.(string)
	if !ok {
		return false
	}
	_, ok = g.cache.get(id)
	return ok
}

// originalRequest rebuilds the request the proxy is asking about, sharing
// r's context (the session), headers (cookies, Origin, Referer, CSRF
// token; shared, not copied: r is not used again) and an empty body.
func originalRequest(r *http.Request) (*http.Request, error) {
	o := r.WithContext(r.Context())
	o.Body = http.NoBody
	o.ContentLength = 0
	u := *r.URL
	o.URL = &u
	uri := r.Header.Get("X-Original-URI")
	if uri == "" {
		uri = r.Header.Get("X-Forwarded-Uri")
	}
	if uri != "" {
		u, err := url.ParseRequestURI(uri)
		if err != nil {
			return nil, err
		}
		o.URL, o.RequestURI = u, uri
	}
	if m := r.Header.Get("X-Original-Method"); m != "" {
		o.Method = m
	} else if m := r.Header.Get("X-Forwarded-Method"); m != "" {
		o.Method = m
	}
	if h := r.Header.Get("X-Forwarded-Host"); h != "" {
		o.Host = h
	}
	o.URL.Host, o.URL.Scheme = "", ""
	return o, nil
}

// Proxy returns the gateway as the reverse proxy: each request is judged,
// then sent with the identity headers (inbound copies stripped) to the
// Upstream of its rule, or to Options.Django. Refused requests get the
// answers ForwardAuth gives. Requests no rule matches go to Django
// untouched but for the stripped headers (Django judges them itself);
// requests a rule sends to Django are judged with DjangoSessions.
func (g *Gateway) Proxy() http.Handler {
	judged := g.withMemo(http.HandlerFunc(g.serveProxy))
	upstream := g.o.Sessions.Handler(g.o.Auth.Handler(judged))
	dj := upstream
	if g.o.DjangoSessions != nil {
		dj = g.o.DjangoSessions.Handler(g.o.Auth.Handler(judged))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		StripIdentity(r.Header)
		rule := g.routes.match(cleanPath(r.URL.Path))
		switch {
		case rule == nil && g.django != nil:
			g.django.ServeHTTP(w, r)
		case rule != nil && rule.Upstream == "":
			dj.ServeHTTP(w, r)
		default:
			upstream.ServeHTTP(w, r)
		}
	})
}

func (g *Gateway) serveProxy(w http.ResponseWriter, r *http.Request) {
	rule := g.routes.match(cleanPath(r.URL.Path))
	if rule != nil && rule.CSRF {
		if err := g.bufferForm(r); err != nil {
			g.observe(r, Verdict{Status: http.StatusRequestEntityTooLarge, Rule: rule.Prefix, Reason: "form too large"})
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
	}
	body := r.Body
	v, u := g.judge(r)
	a, err := g.assertion(u)
	if err != nil && v.Status == http.StatusOK {
		v = Verdict{Status: http.StatusInternalServerError, Rule: v.Rule, Reason: "assertion", Err: err}
	}
	g.observe(r, v)
	if v.Status != http.StatusOK {
		g.refuse(w, r, v, rule != nil && rule.API)
		return
	}
	if rb, ok := body.(*replayBody); ok {
		r.Body = rb.again()
	}
	p := g.django
	if rule != nil && g.proxies[rule] != nil {
		p = g.proxies[rule]
	}
	if p == nil {
		http.Error(w, "no upstream", http.StatusBadGateway)
		return
	}
	p.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), verdictKey{}, &judged{user: u, assertion: a})))
}

// replayBody is a form body read once for the CSRF check and sent again
// to the upstream.
type replayBody struct {
	*bytes.Reader
	b []byte
}

func (*replayBody) Close() error { return nil }

func (rb *replayBody) again() io.ReadCloser {
	return &replayBody{Reader: bytes.NewReader(rb.b), b: rb.b}
}

// bufferForm reads a form body (bounded by MaxFormBytes) so that the CSRF
// check can parse it and the upstream still receives it.
func (g *Gateway) bufferForm(r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" && ct != "multipart/form-data" || r.Body == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, g.o.MaxFormBytes+1))
	if err != nil {
		return err
	}
	if int64(len(b)) > g.o.MaxFormBytes {
		return errors.New("gateway: form too large")
	}
	_ = r.Body.Close()
	r.Body = &replayBody{Reader: bytes.NewReader(b), b: b}
	return nil
}
