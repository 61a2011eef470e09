package middleware_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/memstore"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
)

// vectors is testdata/http_vectors.json, written by testdata/http_gen.py
// running real Django 3.2, 4.2, 5.2 and 6.1.
type vectors struct {
	FixedTime   float64 `json:"fixed_time"`
	SecretKey   string  `json:"secret_key"`
	FallbackKey string  `json:"fallback_key"`
	Releases    map[string]struct {
		Django  string `json:"django"`
		Session []struct {
			Variant   string         `json:"variant"`
			Action    string         `json:"action"`
			Cookie    string         `json:"cookie"`
			Status    int            `json:"status"`
			Settings  map[string]any `json:"settings"`
			SetCookie []string       `json:"set_cookie"`
			Vary      *string        `json:"vary"`
			Stored    map[string]any `json:"stored"`
		} `json:"session"`
		Cookies []struct {
			Label  string         `json:"label"`
			Kwargs map[string]any `json:"kwargs"`
			Header string         `json:"header"`
		} `json:"cookies"`
	} `json:"releases"`
}

func loadVectors(t testing.TB) *vectors {
	t.Helper()
	var v vectors
	testenv.ReadJSON(t, "../../testdata/http_vectors.json", &v)
	if len(v.Releases) == 0 {
		t.Fatal("no releases in vectors")
	}
	return &v
}

const existingKey = "existing0key0existing0key0000001"

// configFor maps the Django settings of a vector onto the two Configs.
func configFor(t *testing.T, settings map[string]any) (djangosession.Options, middleware.Options) {
	var ec djangosession.Options
	var mc middleware.Options
	for k, v := range settings {
		switch k {
		case "SESSION_COOKIE_NAME":
			mc.CookieName = v.(string)
		case "SESSION_COOKIE_DOMAIN":
			mc.CookieDomain = v.(string)
		case "SESSION_COOKIE_PATH":
			mc.CookiePath = v.(string)
		case "SESSION_COOKIE_SECURE":
			mc.CookieSecure = v.(bool)
		case "SESSION_COOKIE_HTTPONLY":
			mc.CookieScriptable = !v.(bool)
		case "SESSION_COOKIE_SAMESITE":
			if s, ok := v.(string); ok {
				mc.CookieSameSite = middleware.SameSite(s)
			} else {
				mc.CookieSameSite = middleware.SameSiteOmit
			}
		case "SESSION_COOKIE_AGE":
			ec.CookieAge = time.Duration(v.(float64)) * time.Second
		case "SESSION_EXPIRE_AT_BROWSER_CLOSE":
			ec.ExpireAtBrowserClose = v.(bool)
		case "SESSION_SAVE_EVERY_REQUEST":
			mc.SaveEveryRequest = v.(bool)
		default:
			t.Fatalf("unknown setting %s", k)
		}
	}
	return ec, mc
}

func TestGoldenSessionMiddleware(t *testing.T) {
	v := loadVectors(t)
	sec := int64(v.FixedTime)
	fixed := time.Unix(sec, int64((v.FixedTime-float64(sec))*1e9))
	for rel, r := range v.Releases {
		for _, c := range r.Session {
			name := strings.Join([]string{rel, c.Variant, c.Action, c.Cookie, http.StatusText(c.Status)}, "/")
			t.Run(name, func(t *testing.T) {
				ec, mc := configFor(t, c.Settings)
				ec.Settings.Release = django.Release(rel)
				ec.Now = func() time.Time { return fixed }
				store := memstore.New(&memstore.Options{Now: ec.Now})
				existing := pyjson.NewObject()
				existing.Set("a", int64(1))
				if err := store.Save(t.Context(), existingKey, existing, djangosession.Expiry{}, true); err != nil {
					t.Fatal(err)
				}
				mw, err := middleware.New(mustEngine(t, store, &ec), &mc)
				if err != nil {
					t.Fatal(err)
				}
				var sess *djangosession.Session
				h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					s, err := middleware.Session(r)
					if err != nil {
						t.Fatal(err)
					}
					sess = s
					switch c.Action {
					case "get":
						s.Get("a")
					case "set":
						s.Set("b", "x")
					case "flush":
						if err := s.Flush(r.Context()); err != nil {
							t.Fatal(err)
						}
					case "expiry0":
						s.SetExpiry(0)
					case "expiry300":
						s.SetExpiry(300)
					case "delete_missing":
						s.Pop("nope")
					}
					w.WriteHeader(c.Status)
					_, _ = w.Write([]byte("ok"))
				}))
				req := httptest.NewRequest("GET", "/", nil)
				name := mw.CookieName()
				switch c.Cookie {
				case "valid":
					req.Header.Set("Cookie", name+"="+existingKey)
				case "short":
					req.Header.Set("Cookie", name+"=abc")
				case "unknown":
					req.Header.Set("Cookie", name+"="+strings.Repeat("k", 32))
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != c.Status {
					t.Fatalf("status %d, want %d", rec.Code, c.Status)
				}
				got := rec.Header().Values("Set-Cookie")
				for i := range got {
					got[i] = strings.ReplaceAll(got[i], existingKey, "<existing>")
					if k := sess.Key(); k != "" && k != existingKey {
						got[i] = strings.ReplaceAll(got[i], k, "<new>")
					}
				}
				if len(got) == 0 {
					got = nil
				}
				want := c.SetCookie
				if len(want) == 0 {
					want = nil
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("Set-Cookie:\n got %q\nwant %q", got, want)
				}
				gotVary := rec.Header().Values("Vary")
				switch {
				case c.Vary == nil && len(gotVary) != 0:
					t.Errorf("Vary %q, want none", gotVary)
				case c.Vary != nil && (len(gotVary) != 1 || gotVary[0] != *c.Vary):
					t.Errorf("Vary %q, want %q", gotVary, *c.Vary)
				}
				var stored map[string]any
				if k := sess.Key(); k != "" {
					if d, err := store.Load(t.Context(), k); err == nil {
						b, err := pyjson.Marshal(d)
						if err != nil {
							t.Fatal(err)
						}
						if err := json.Unmarshal(b, &stored); err != nil {
							t.Fatal(err)
						}
					}
				}
				if !reflect.DeepEqual(stored, c.Stored) {
					t.Errorf("stored %v, want %v", stored, c.Stored)
				}
			})
		}
	}
}

func TestGoldenCookieSerialization(t *testing.T) {
	v := loadVectors(t)
	for rel, r := range v.Releases {
		for _, c := range r.Cookies {
			t.Run(rel+"/"+c.Label, func(t *testing.T) {
				k := c.Kwargs
				ck := middleware.Cookie{Name: "n", Path: "/"}
				if k["delete"] == true {
					ck = middleware.Cookie{Name: k["name"].(string), HasMaxAge: true, Expires: middleware.DeletedExpires,
						Path: "/", SameSite: "Lax", Secure: true}
				}
				if s, ok := k["value"].(string); ok {
					ck.Value = s
				}
				if n, ok := k["max_age"].(float64); ok {
					ck.MaxAge, ck.HasMaxAge = int64(n), true
				}
				if s, ok := k["expires"].(string); ok {
					ck.Expires = s
				}
				if s, ok := k["path"].(string); ok {
					ck.Path = s
				}
				if s, ok := k["domain"].(string); ok {
					ck.Domain = s
				}
				ck.Secure = ck.Secure || k["secure"] == true
				ck.HTTPOnly = k["httponly"] == true
				if s, ok := k["samesite"].(string); ok {
					ck.SameSite = s
				}
				if got := ck.String(); got != c.Header {
					t.Errorf("got  %q\nwant %q", got, c.Header)
				}
			})
		}
	}
}
