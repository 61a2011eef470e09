package messages_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/messages"
	"github.com/djsession/djsession/djangosession/middleware"
)

func TestNewRefuses(t *testing.T) {
	for name, o := range map[string]*messages.Options{
		"nil":      nil,
		"no key":   {},
		"storage":  {Settings: django.Settings{SecretKey: "k"}, Storage: 7},
		"samesite": {Settings: django.Settings{SecretKey: "k"}, Cookie: &middleware.Options{CookieSameSite: "sometimes"}},
		"release":  {Settings: django.Settings{SecretKey: "k", Release: "2.2"}},
	} {
		if _, err := messages.New(o); !errors.Is(err, messages.ErrInvalidConfig) {
			t.Errorf("%s: got %v, want ErrInvalidConfig", name, err)
		}
	}
}

func TestNoMiddleware(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if err := messages.Add(r, messages.Info, "x", ""); !errors.Is(err, messages.ErrNoMiddleware) {
		t.Errorf("Add: %v", err)
	}
	if _, err := messages.Messages(r); !errors.Is(err, messages.ErrNoMiddleware) {
		t.Errorf("Messages: %v", err)
	}
}

// TestLevelsAndTags: MESSAGE_LEVEL, set_level, MESSAGE_TAGS and the empty
// message, as BaseStorage.add and Message.tags.
func TestLevelsAndTags(t *testing.T) {
	tests := []struct {
		name  string
		o     messages.Options
		set   messages.Level // SetLevel before adding, when not 0
		add   []messages.Level
		texts []string
		want  []string // Tags() of what is read
	}{
		{"default level drops debug", messages.Options{}, 0,
			[]messages.Level{messages.Debug, messages.Info, messages.Error}, []string{"d", "i", "e"}, []string{"info", "error"}},
		{"MESSAGE_LEVEL debug", messages.Options{Level: messages.Debug}, 0,
			[]messages.Level{messages.Debug}, []string{"d"}, []string{"debug"}},
		{"set_level", messages.Options{}, messages.Warning,
			[]messages.Level{messages.Info, messages.Warning}, []string{"i", "w"}, []string{"warning"}},
		{"empty message", messages.Options{}, 0,
			[]messages.Level{messages.Info, messages.Info}, []string{"", "x"}, []string{"info"}},
		{"MESSAGE_TAGS", messages.Options{Tags: map[messages.Level]string{messages.Error: "danger", 35: "custom"}}, 0,
			[]messages.Level{messages.Error, 35, 36}, []string{"e", "c", "n"}, []string{"danger", "custom", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Settings.SecretKey = "k"
			tt.o.Storage = messages.CookieStorage
			s, err := messages.New(&tt.o)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.set != 0 {
					_ = messages.SetLevel(r, tt.set)
				}
				for i, l := range tt.add {
					if err := messages.Add(r, l, tt.texts[i], ""); err != nil {
						t.Fatal(err)
					}
				}
				ms, err := messages.Messages(r)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range ms {
					got = append(got, m.Tags())
				}
			})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// TestSessionStorageNeedsSession: without the session middleware,
// SessionStorage fails (Django raises ImproperlyConfigured) and the
// response becomes a 500.
func TestSessionStorageNeedsSession(t *testing.T) {
	s, err := messages.New(&messages.Options{Settings: django.Settings{SecretKey: "k"}, Storage: messages.SessionStorage})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = messages.Add(r, messages.Info, "x", "")
		_, _ = w.Write([]byte("body"))
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusInternalServerError || rec.Body.String() == "body" {
		t.Errorf("got %d %q, want the 500 page", rec.Code, rec.Body.String())
	}
}
