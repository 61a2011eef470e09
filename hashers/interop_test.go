package hashers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/internal/testenv"
)

// TestInteropDjango runs against every real Django release testenv finds
// (DJ_TEST_DJANGO=1): Go makes a hash with each hasher the release ships,
// at the release's default costs, and Django checks it; Django makes one and
// Go checks it; both must agree on must_update and on the session auth hash.
func TestInteropDjango(t *testing.T) {
	const script = "../testdata/hashers_interop.py"
	const secret, fallback = "interop-secret-key", "interop-fallback-key"
	for _, dj := range testenv.Djangos(t) {
		t.Run(dj.Version, func(t *testing.T) {
			var info struct {
				Django    string      `json:"django"`
				HashLen   int         `json:"argon2_hash_len"`
				Defaults  []Algorithm `json:"defaults"`
				Available []Algorithm `json:"available"`
			}
			out := dj.Run(t, script, []byte(`{"op":"info"}`+"\n"), secret, fallback)
			if err := json.Unmarshal(out, &info); err != nil {
				t.Fatalf("info: %v: %s", err, out)
			}
			o, err := Defaults(django.Release(dj.Version))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(o.PasswordHashers, info.Defaults) {
				t.Fatalf("PASSWORD_HASHERS: Go %v, Django %s %v", o.PasswordHashers, info.Django, info.Defaults)
			}
			list := slices.Clone(info.Defaults)
			for _, a := range info.Available {
				if !slices.Contains(list, a) {
					list = append(list, a)
				}
			}
			p := mustNew(t, &Options{Settings: django.Settings{Release: django.Release(dj.Version)}, PasswordHashers: list,
				Argon2: Argon2Params{HashLen: info.HashLen}})

			type request struct {
				Op       string `json:"op"`
				Password string `json:"password"`
				wrong    bool
				Encoded  string    `json:"encoded,omitempty"`
				Hasher   Algorithm `json:"hasher,omitempty"`
				Field    string    `json:"password_field,omitempty"`
			}
			var reqs []request
			first := ""
			for _, a := range info.Available {
				pws := []string{"pässwörd ✓ 密码 🔑", ""}
				switch a {
				case Crypt:
					pws = []string{"password", "päss", ""} // DES: 8 bytes
				case MD5, SHA1, UnsaltedMD5, UnsaltedSHA1:
					pws = []string{"password", "pässwörd ✓ 密码 🔑", "", "nul\x00"}
				}
				for _, pw := range pws {
					enc, err := p.MakeWith(a, pw, "")
					if err != nil {
						t.Fatalf("MakeWith(%s): %v", a, err)
					}
					if first == "" {
						first = enc
					}
					reqs = append(reqs, request{Op: "check", Password: pw, Encoded: enc},
						request{Op: "check", Password: "!" + pw, Encoded: enc, wrong: true},
						request{Op: "make", Hasher: a, Password: pw})
				}
			}
			unusable, _ := p.MakeUnusable()
			fields := []string{first, unusable, ""}
			for _, f := range fields {
				reqs = append(reqs, request{Op: "session", Field: f})
			}
			var stdin bytes.Buffer
			enc := json.NewEncoder(&stdin)
			for _, r := range reqs {
				enc.Encode(r)
			}
			out = dj.Run(t, script, stdin.Bytes(), secret, fallback)
			sc := bufio.NewScanner(bytes.NewReader(out))
			sc.Buffer(nil, 1<<20)
			for i, r := range reqs {
				if !sc.Scan() {
					t.Fatalf("Django answered %d of %d requests", i, len(reqs))
				}
				var ans struct {
					Check      any      `json:"check"`
					MustUpdate *bool    `json:"must_update"`
					Identify   string   `json:"identify"`
					Encoded    string   `json:"encoded"`
					Hash       string   `json:"hash"`
					Fallback   []string `json:"fallback"`
				}
				if err := json.Unmarshal(sc.Bytes(), &ans); err != nil {
					t.Fatal(err)
				}
				switch r.Op {
				case "check":
					// A hash Go made, checked by Django.
					if want := !r.wrong; ans.Check != want {
						t.Errorf("Django %s check_password(%q, Go's %s) = %v, want %v", info.Django, r.Password, r.Encoded, ans.Check, want)
					}
					if mu, err := p.MustUpdate(r.Encoded); ans.MustUpdate == nil || err != nil || mu != *ans.MustUpdate {
						t.Errorf("must_update(%s): Go %v (%v), Django %v", r.Encoded, mu, err, ans.MustUpdate)
					}
				case "make":
					// A hash Django made, checked by Go.
					ok, err := p.Check(r.Password, ans.Encoded)
					if !ok || err != nil {
						t.Errorf("Go Check(%q, Django's %s) = %v, %v", r.Password, ans.Encoded, ok, err)
					}
					// Under -short and -race, wrong passwords are only tried on
					// the hashes Go made (by Django, above).
					if !testing.Short() && !raceEnabled {
						if ok, err := p.Check("!"+r.Password, ans.Encoded); ok || err != nil {
							t.Errorf("Go Check(wrong, Django's %s) = %v, %v", ans.Encoded, ok, err)
						}
					}
					if a, err := p.Identify(ans.Encoded); a != r.Hasher || err != nil {
						t.Errorf("Identify(%s) = %s, %v", ans.Encoded, a, err)
					}
					if mu, err := p.MustUpdate(ans.Encoded); err != nil || mu != (r.Hasher != list[0]) {
						t.Errorf("MustUpdate(Django's default-cost %s) = %v, %v", ans.Encoded, mu, err)
					}
				case "session":
					if got := p.SessionAuthHash(secret, r.Field); got != ans.Hash {
						t.Errorf("session auth hash of %q: Go %s, Django %s", r.Field, got, ans.Hash)
					}
					for _, fh := range ans.Fallback {
						if ok, rotate := p.VerifySessionAuthHash(fh, r.Field, secret, []string{fallback}); !ok || !rotate {
							t.Errorf("Django's fallback hash: %v, %v", ok, rotate)
						}
					}
				}
			}
		})
	}
}
