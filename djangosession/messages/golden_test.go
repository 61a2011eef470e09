package messages_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/internal/testenv"
)

const vectorsFile = "testdata/messages_vectors.json"

// vector is one request Django answered: Go must answer it the same way.
type vector struct {
	Name    string  `json:"name"`
	Request request `json:"request"`
	Result  result  `json:"result"`
}

type vectorFile struct {
	Comment  string `json:"comment"`
	Releases []struct {
		Release string   `json:"release"`
		Django  string   `json:"django"`
		Vectors []vector `json:"vectors"`
	} `json:"releases"`
}

// TestGoldenRegenerate rewrites testdata/messages_vectors.json from real
// Django when DJ_GOLDEN_UPDATE=1.
func TestGoldenRegenerate(t *testing.T) {
	if os.Getenv("DJ_GOLDEN_UPDATE") != "1" {
		t.Skip("set DJ_GOLDEN_UPDATE=1 to regenerate the vectors from real Django")
	}
	var f vectorFile
	f.Comment = "Made by real Django with testdata/messages_interop.py (go test -run TestGoldenRegenerate with DJ_GOLDEN_UPDATE=1 DJ_TEST_DJANGO=1); SECRET_KEY " + testKey + ". Each vector is a request and Django's answer; \"legacy\" cookies are the 3.0 and 3.1 forms Django 3.2 still reads."
	for _, dj := range testenv.Djangos(t) {
		ver := dj.Run(t, script, []byte(`{"secret_key":"`+testKey+`"}`+"\n"+`{"op":"version","now":0}`+"\n"))
		var v struct{ Django string }
		if err := json.Unmarshal(ver, &v); err != nil {
			t.Fatal(err)
		}
		var names []string
		var writes []request
		for _, s := range []string{"cookie", "session", "fallback"} {
			for _, set := range sets {
				if s == "session" && set.name == "big" {
					continue
				}
				names = append(names, s+"/"+set.name)
				writes = append(writes, request{Now: t0, Storage: s, Add: set.adds()})
			}
		}
		wres := runDjango(t, dj, writes)
		var reads []request
		for i, w := range writes {
			reads = append(reads, request{Now: t0 + 10, Storage: w.Storage, Cookies: jar(nil, wres[i]), Read: true,
				AddAfter: []add{{25, "after", "", false}}})
		}
		if dj.Version == "3.2" {
			leg := dj.Run(t, script, []byte(`{"secret_key":"`+testKey+`"}`+"\n"+`{"op":"legacy","now":1700000000.25,"add":[[20,"Hello","",false],[25,"<b>ok</b>","t1 t2",true]]}`+"\n"))
			var l struct{ V30, V31 string }
			if err := json.Unmarshal(leg, &l); err != nil {
				t.Fatal(err)
			}
			for _, v := range []string{l.V30, l.V31} {
				reads = append(reads, request{Now: t0 + 10, Storage: "fallback", Cookies: map[string]string{"messages": v}, Read: true})
			}
		}
		// A cookie with a bad signature: CookieStorage deletes it,
		// FallbackStorage leaves it.
		for _, s := range []string{"cookie", "fallback"} {
			reads = append(reads, request{Now: t0 + 10, Storage: s, Cookies: map[string]string{"messages": "bad:value"}, Read: true})
		}
		rres := runDjango(t, dj, reads)
		rel := struct {
			Release string   `json:"release"`
			Django  string   `json:"django"`
			Vectors []vector `json:"vectors"`
		}{Release: dj.Version, Django: v.Django}
		for i, w := range writes {
			rel.Vectors = append(rel.Vectors, vector{names[i] + "/write", w, wres[i]}, vector{names[i] + "/read", reads[i], rres[i]})
		}
		for i := len(writes); i < len(reads); i++ {
			name := "bad/" + reads[i].Storage
			if strings.HasPrefix(reads[i].Cookies["messages"], "81c318b9eeea36c40c4d09b02802831fd5452ccf$") {
				name = "legacy/3.0"
			} else if strings.HasPrefix(reads[i].Cookies["messages"], "[[") {
				name = "legacy/3.1"
			}
			rel.Vectors = append(rel.Vectors, vector{name, reads[i], rres[i]})
		}
		f.Releases = append(f.Releases, rel)
	}
	// One vector per line, so that a diff shows what changed.
	var b []byte
	b = fmt.Appendf(b, "{\"comment\": %q,\n\"releases\": [\n", f.Comment)
	for i, rel := range f.Releases {
		b = fmt.Appendf(b, "{\"release\": %q, \"django\": %q, \"vectors\": [\n", rel.Release, rel.Django)
		for j, v := range rel.Vectors {
			vb, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, vb...)
			if j < len(rel.Vectors)-1 {
				b = append(b, ',')
			}
			b = append(b, '\n')
		}
		b = append(b, "]}"...)
		if i < len(f.Releases)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	b = append(b, "]}\n"...)
	if err := os.WriteFile(vectorsFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGolden replays every request real Django answered (in
// testdata/messages_vectors.json) through Go: the same messages read, the
// same messages cookie and session value set, byte for byte.
func TestGolden(t *testing.T) {
	b, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Releases) != len(testenv.AllVersions) {
		t.Fatalf("vectors for %d releases, want %d", len(f.Releases), len(testenv.AllVersions))
	}
	for _, rel := range f.Releases {
		for _, v := range rel.Vectors {
			t.Run(rel.Release+"/"+v.Name, func(t *testing.T) {
				req := v.Request
				if c, ok := req.Cookies["messages"]; ok {
					// As a browser sends what SimpleCookie set.
					req.Cookies = map[string]string{"messages": middleware.QuoteCookieValue(c)}
					for k, c := range v.Request.Cookies {
						if k != "messages" {
							req.Cookies[k] = c
						}
					}
				}
				got := runGo(t, django.Release(rel.Release), req)
				want := v.Result
				if v.Request.Read && !reflect.DeepEqual(got.Messages, want.Messages) {
					t.Errorf("messages:\n got  %v\n want %v", got.Messages, want.Messages)
				}
				if v.Request.Read && len(want.Messages) == 0 && !strings.HasPrefix(v.Name, "bad/") {
					t.Errorf("vector without messages read")
				}
				for _, name := range []string{"messages", "sessionid"} {
					if got.SetCookie[name] != want.SetCookie[name] {
						t.Errorf("Set-Cookie %s:\n got  %q\n want %q", name, got.SetCookie[name], want.SetCookie[name])
					}
				}
				if !reflect.DeepEqual(got.Session, want.Session) {
					t.Errorf("session:\n got  %v\n want %v", got.Session, want.Session)
				}
			})
		}
	}
}
