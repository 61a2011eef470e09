package csrf_test

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/csrf"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/internal/testenv"
)

// vectors is testdata/http_vectors.json, made by testdata/http_gen.py with
// real Django 3.2, 4.2, 5.2 and 6.1.
type vectors struct {
	FixedTime float64 `json:"fixed_time"`
	Releases  map[string]struct {
		CSRF []struct {
			Secret, Mask, Token, Unmasked string
		} `json:"csrf"`
		Requests []struct {
			Name     string            `json:"name"`
			Method   string            `json:"method"`
			Secure   bool              `json:"secure"`
			Cookie   *string           `json:"cookie"`
			Headers  map[string]string `json:"headers"`
			Form     *string           `json:"form"`
			Settings map[string]any    `json:"settings"`
			Reason   *string           `json:"reason"`
		} `json:"csrf_requests"`
		Responses []struct {
			Name        string  `json:"name"`
			Cookie      *string `json:"cookie"`
			CookieLen   int     `json:"cookie_value_len"`
			Header      string  `json:"header"`
			Vary        string  `json:"vary"`
			TokenUnmask bool    `json:"token_unmasks_to_cookie"`
		} `json:"csrf_responses"`
	} `json:"releases"`
}

func loadVectors(t testing.TB) *vectors {
	t.Helper()
	var v vectors
	testenv.ReadJSON(t, "../../testdata/http_vectors.json", &v)
	return &v
}

func TestGoldenMasking(t *testing.T) {
	v := loadVectors(t)
	n := 0
	for rel, r := range v.Releases {
		for _, c := range r.CSRF {
			tok, err := csrf.Mask(c.Secret, c.Mask)
			if err != nil || tok != c.Token {
				t.Errorf("%s Mask(%s, %s) = %s, %v; want %s", rel, c.Secret, c.Mask, tok, err, c.Token)
			}
			sec, err := csrf.Unmask(c.Token)
			if err != nil || sec != c.Unmasked || sec != c.Secret {
				t.Errorf("%s Unmask(%s) = %s, %v; want %s", rel, c.Token, sec, err, c.Unmasked)
			}
			if !csrf.Match(c.Token, c.Secret) || !csrf.Match(c.Secret, c.Secret) {
				t.Errorf("%s Match failed for %s", rel, c.Token)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no vectors")
	}
}

func configFor(t *testing.T, settings map[string]any) *csrf.Options {
	c := &csrf.Options{}
	for k, v := range settings {
		switch k {
		case "CSRF_TRUSTED_ORIGINS":
			for _, o := range v.([]any) {
				c.TrustedOrigins = append(c.TrustedOrigins, o.(string))
			}
		case "ALLOWED_HOSTS":
			for _, o := range v.([]any) {
				c.AllowedHosts = append(c.AllowedHosts, o.(string))
			}
		case "CSRF_COOKIE_DOMAIN":
			c.CookieDomain = v.(string)
		case "SECURE_PROXY_SSL_HEADER":
			p := v.([]any)
			name := strings.ReplaceAll(strings.TrimPrefix(p[0].(string), "HTTP_"), "_", "-")
			c.ProxySSLHeader = [2]string{name, p[1].(string)}
		default:
			t.Fatalf("unknown setting %s", k)
		}
	}
	return c
}

// TestGoldenRequests replays requests through the Protector and expects
// exactly the verdict (and reason text) of Django's CsrfViewMiddleware.
// Django 3.2's checks are followed with Options.Release "3.2"; the cases
// where 3.2 itself fails with an exception (a 500) are left out.
func TestGoldenRequests(t *testing.T) {
	v := loadVectors(t)
	for rel, r := range v.Releases {
		for _, c := range r.Requests {
			if c.Reason != nil && strings.HasPrefix(*c.Reason, "EXCEPTION") {
				continue
			}
			t.Run(rel+"/"+c.Name, func(t *testing.T) {
				cfg := configFor(t, c.Settings)
				cfg.Settings.Release = django.Release(rel)
				var rejected error
				cfg.FailureHandler = func(w http.ResponseWriter, r *http.Request, err error) {
					rejected = err
					w.WriteHeader(http.StatusForbidden)
				}
				p, err := csrf.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				accepted := false
				h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { accepted = true }))
				var body string
				if c.Form != nil {
					body = "csrfmiddlewaretoken=" + *c.Form
				}
				req := httptest.NewRequest(c.Method, "http://testserver/", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if c.Secure {
					req.TLS = &tls.ConnectionState{}
				}
				for k, v := range c.Headers {
					req.Header.Set(k, v)
				}
				if c.Cookie != nil {
					req.Header.Set("Cookie", "csrftoken="+*c.Cookie)
				}
				h.ServeHTTP(httptest.NewRecorder(), req)
				switch {
				case c.Reason == nil && !accepted:
					t.Errorf("rejected (%v), Django accepts", rejected)
				case c.Reason != nil:
					var re *csrf.RejectError
					if accepted || !errors.As(rejected, &re) || !errors.Is(rejected, csrf.ErrRejected) {
						t.Fatalf("accepted=%v err=%v, Django rejects: %s", accepted, rejected, *c.Reason)
					}
					if re.Reason != *c.Reason {
						t.Errorf("reason %q\n      want %q", re.Reason, *c.Reason)
					}
				}
			})
		}
	}
}

// TestGoldenTokenCookie: after Token, the response carries the cookie
// Django's get_token makes it send, and the token unmasks to its secret.
func TestGoldenTokenCookie(t *testing.T) {
	v := loadVectors(t)
	sec := int64(v.FixedTime)
	fixed := time.Unix(sec, int64((v.FixedTime-float64(sec))*1e9))
	for rel, r := range v.Releases {
		for _, c := range r.Responses {
			t.Run(rel+"/"+c.Name, func(t *testing.T) {
				p, err := csrf.New(&csrf.Options{Settings: django.Settings{Release: django.Release(rel)}, Now: func() time.Time { return fixed }})
				if err != nil {
					t.Fatal(err)
				}
				var tok string
				h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if tok, err = csrf.Token(r); err != nil {
						t.Fatal(err)
					}
				}))
				req := httptest.NewRequest("GET", "/", nil)
				if c.Cookie != nil {
					req.Header.Set("Cookie", "csrftoken="+*c.Cookie)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				value, ok := middleware.CookieValue(http.Header{"Cookie": rec.Header().Values("Set-Cookie")}, "csrftoken")
				if !ok || len(value) != c.CookieLen {
					t.Fatalf("cookie %q, want %d characters", value, c.CookieLen)
				}
				if got := strings.Replace(rec.Header().Get("Set-Cookie"), value, "<value>", 1); got != c.Header {
					t.Errorf("Set-Cookie %q\n      want %q", got, c.Header)
				}
				if rec.Header().Get("Vary") != c.Vary {
					t.Errorf("Vary %q want %q", rec.Header().Get("Vary"), c.Vary)
				}
				secret := value
				if len(value) == csrf.TokenLength {
					secret, _ = csrf.Unmask(value)
				}
				if c.Cookie != nil && !strings.HasPrefix(c.Name, "new") {
					want := *c.Cookie
					if len(want) == csrf.TokenLength {
						want, _ = csrf.Unmask(want)
					}
					if secret != want {
						t.Errorf("secret changed: %s, want %s", secret, want)
					}
				}
				if len(tok) != csrf.TokenLength || !csrf.Match(tok, secret) {
					t.Errorf("token %q does not carry the cookie's secret", tok)
				}
			})
		}
	}
}
