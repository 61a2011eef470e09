package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/python/pyjson"
	"github.com/djsession/djsession/signing"
)

// Identity headers the gateway sets on allowed requests. Values are
// percent-encoded UTF-8 (decodeURIComponent, urllib.parse.unquote);
// booleans are "true" or "false"; groups are comma-separated, each
// percent-encoded. In proxy mode an anonymous request carries none of
// them; ForwardAuth answers an anonymous one with all of them empty.
const (
	HeaderPrefix      = "X-Django-"
	HeaderUserID      = "X-Django-User-Id"
	HeaderUsername    = "X-Django-Username"
	HeaderEmail       = "X-Django-Email"
	HeaderIsStaff     = "X-Django-Is-Staff"
	HeaderIsSuperuser = "X-Django-Is-Superuser"
	HeaderGroups      = "X-Django-Groups"
	// HeaderAssertion carries the signed identity assertion.
	HeaderAssertion = "X-Django-Identity"
)

// IdentityHeaders lists the headers the gateway sets, in order.
var IdentityHeaders = []string{HeaderUserID, HeaderUsername, HeaderEmail, HeaderIsStaff, HeaderIsSuperuser, HeaderGroups, HeaderAssertion}

// AssertionSalt is the signing salt of identity assertions, so that no other
// value signed with the same key passes for one.
const AssertionSalt = "djsession.gateway.identity"

// DefaultAssertionMaxAge is how old an assertion Verifier accepts by
// default.
const DefaultAssertionMaxAge = 30 * time.Second

// ErrBadAssertion is returned by Verifier.Verify for a missing, forged,
// malformed or stale assertion; a stale one also matches
// signing.ErrSignatureExpired.
var ErrBadAssertion = errors.New("gateway: bad identity assertion")

// StripIdentity removes every header starting with HeaderPrefix from h,
// whatever its case: a client may not speak for the gateway.
func StripIdentity(h http.Header) {
	for k := range h {
		if len(k) >= len(HeaderPrefix) && strings.EqualFold(k[:len(HeaderPrefix)], HeaderPrefix) {
			delete(h, k)
		}
	}
}

func escape(s string) string { return url.PathEscape(s) }

// setIdentity writes u's identity headers (and the assertion, when
// assertion is not empty) into h.
func setIdentity(h http.Header, u *auth.Identity, assertion string) {
	h.Set(HeaderUserID, escape(u.ID))
	h.Set(HeaderUsername, escape(u.Username))
	h.Set(HeaderEmail, escape(u.Email))
	h.Set(HeaderIsStaff, strconv.FormatBool(u.IsStaff))
	h.Set(HeaderIsSuperuser, strconv.FormatBool(u.IsSuperuser))
	g := make([]string, len(u.Groups))
	for i, n := range u.Groups {
		g[i] = escape(n)
	}
	h.Set(HeaderGroups, strings.Join(g, ","))
	if assertion != "" {
		h.Set(HeaderAssertion, assertion)
	}
}

// Assertion is what a signed identity assertion states.
type Assertion struct {
	ID          string   `json:"id"`
	Username    string   `json:"username"`
	Email       string   `json:"email"`
	IsStaff     bool     `json:"is_staff"`
	IsSuperuser bool     `json:"is_superuser"`
	Groups      []string `json:"groups"`
	// Issued is when the gateway signed it (whole seconds); not in the JSON.
	Issued time.Time `json:"-"`
}

// signer makes assertions: Django's signing.dumps format with
// AssertionSalt, so that signing.loads(value, key=K, salt=AssertionSalt,
// max_age=30) reads them in Django. The timestamp has whole seconds, so
// an identity signed again within the same second gets the same value:
// those of the current second are kept (a page's many subrequests sign
// once).
type signer struct {
	ts  *signing.TimestampSigner
	now func() time.Time

	mu   sync.Mutex
	sec  int64                     // the second of the values in done
	done map[string]signedIdentity // by user id
}

type signedIdentity struct {
	u     auth.Identity
	value string
}

func newSigner(key string, now func() time.Time) (*signer, error) {
	ts, err := signing.NewTimestampSigner(&signing.Options{Key: key, Salt: AssertionSalt, Now: now})
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &signer{ts: ts, now: now, done: map[string]signedIdentity{}}, nil
}

// sameAssertion reports whether a and b state the same assertion.
func sameAssertion(a, b *auth.Identity) bool {
	return a.ID == b.ID && a.Username == b.Username && a.Email == b.Email && a.IsStaff == b.IsStaff &&
		a.IsSuperuser == b.IsSuperuser && slices.Equal(a.Groups, b.Groups)
}

func (s *signer) sign(u *auth.Identity) (string, error) {
	sec := s.now().Unix()
	s.mu.Lock()
	if d, ok := s.done[u.ID]; ok && s.sec == sec && sameAssertion(&d.u, u) {
		s.mu.Unlock()
		return d.value, nil
	}
	s.mu.Unlock()
	v, err := s.signNow(u)
	if err != nil {
		return "", err
	}
	// Kept only if the clock is still in sec after signing, so that the
	// second Sign read (between the two reads) is sec.
	if s.now().Unix() != sec {
		return v, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sec != s.sec {
		if sec < s.sec {
			return v, nil
		}
		s.sec = sec
		clear(s.done)
	}
	if len(s.done) < maxCacheEntries {
		s.done[u.ID] = signedIdentity{u: cloneIdentity(u), value: v}
	}
	return v, nil
}

func cloneIdentity(u *auth.Identity) auth.Identity {
	c := *u
	c.Groups = slices.Clone(u.Groups)
	return c
}

// signNow signs u's assertion at the signer's current time.
func (s *signer) signNow(u *auth.Identity) (string, error) {
	// As Django's JSONSerializer writes it: ASCII only, since Django reads
	// the payload as latin-1.
	groups := make([]any, len(u.Groups))
	for i, g := range u.Groups {
		groups[i] = g
	}
	o := pyjson.NewObject()
	o.Set("id", u.ID)
	o.Set("username", u.Username)
	o.Set("email", u.Email)
	o.Set("is_staff", u.IsStaff)
	o.Set("is_superuser", u.IsSuperuser)
	o.Set("groups", groups)
	b, err := pyjson.Marshal(o)
	if err != nil {
		return "", fmt.Errorf("gateway: %w", err)
	}
	return s.ts.Sign(signing.B64Encode(b)), nil
}

// Verifier checks identity assertions in a Go upstream. It is safe for
// concurrent use.
type Verifier struct {
	ts     *signing.TimestampSigner
	maxAge time.Duration
}

// VerifierOptions configure a Verifier.
type VerifierOptions struct {
	// FallbackKeys are older assertion keys still accepted (key rotation).
	FallbackKeys []string
	// MaxAge is the oldest assertion accepted; DefaultAssertionMaxAge
	// when zero.
	MaxAge time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// NewVerifier returns a Verifier for assertions signed with key; nil
// options mean the defaults.
func NewVerifier(key string, o *VerifierOptions) (*Verifier, error) {
	if o == nil {
		o = &VerifierOptions{}
	}
	ts, err := signing.NewTimestampSigner(&signing.Options{Key: key, FallbackKeys: o.FallbackKeys, Salt: AssertionSalt, Now: o.Now})
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	v := &Verifier{ts: ts, maxAge: o.MaxAge}
	if v.maxAge <= 0 {
		v.maxAge = DefaultAssertionMaxAge
	}
	return v, nil
}

// maxAssertion bounds the assertion read, before any signature work.
const maxAssertion = 16 << 10

// Verify checks the assertion value (the HeaderAssertion header) and
// returns what it states. Every failure matches ErrBadAssertion.
func (v *Verifier) Verify(value string) (Assertion, error) {
	if value == "" || len(value) > maxAssertion {
		return Assertion{}, ErrBadAssertion
	}
	payload, err := v.ts.UnsignMaxAge(value, v.maxAge)
	if err != nil {
		return Assertion{}, fmt.Errorf("%w: %w", ErrBadAssertion, err)
	}
	_, issued, _ := v.ts.UnsignTime(value)
	b, err := signing.B64Decode(payload)
	if err != nil {
		return Assertion{}, fmt.Errorf("%w: %w", ErrBadAssertion, err)
	}
	var a Assertion
	if err := json.Unmarshal(b, &a); err != nil || a.ID == "" {
		return Assertion{}, fmt.Errorf("%w: malformed payload", ErrBadAssertion)
	}
	a.Issued = issued
	return a, nil
}

// VerifyRequest verifies r's HeaderAssertion.
func (v *Verifier) VerifyRequest(r *http.Request) (Assertion, error) {
	return v.Verify(r.Header.Get(HeaderAssertion))
}
