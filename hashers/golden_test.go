package hashers

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/djsession/djsession/django"
)

// The golden vectors of testdata/hashers.json, made by real Django 3.2.25,
// 4.2.28, 5.2.18 and 6.1.1 with testdata/hashers_gen.py.

type goldenFile struct {
	Generator   string                   `json:"generator"`
	SecretKey   string                   `json:"secret_key"`
	FallbackKey string                   `json:"fallback_key"`
	Releases    map[string]goldenRelease `json:"releases"`
}

type goldenRelease struct {
	Django      string         `json:"django"`
	Argon2CFFI  string         `json:"argon2_cffi"`
	Bcrypt      string         `json:"bcrypt"`
	Defaults    goldenDefaults `json:"defaults"`
	Vectors     []goldenVector `json:"vectors"`
	Unusable    []string       `json:"unusable"`
	SessionAuth []goldenAuth   `json:"session_auth"`
}

type goldenDefaults struct {
	PasswordHashers  []Algorithm `json:"password_hashers"`
	Available        []Algorithm `json:"available"`
	PBKDF2Iterations int         `json:"pbkdf2_iterations"`
	Argon2           struct {
		TimeCost    int `json:"time_cost"`
		MemoryCost  int `json:"memory_cost"`
		Parallelism int `json:"parallelism"`
		HashLen     int `json:"hash_len"`
	} `json:"argon2"`
	BCryptRounds int `json:"bcrypt_rounds"`
	Scrypt       *struct {
		WorkFactor  int `json:"work_factor"`
		BlockSize   int `json:"block_size"`
		Parallelism int `json:"parallelism"`
	} `json:"scrypt"`
	SaltLength int `json:"salt_length"`
}

type goldenVector struct {
	Release    string          `json:"release"`
	Label      string          `json:"label"`
	MadeBy     string          `json:"made_by"`
	Password   string          `json:"password"`
	Encoded    string          `json:"encoded"`
	Algorithm  string          `json:"algorithm"`
	Check      json.RawMessage `json:"check"`
	CheckWrong json.RawMessage `json:"check_wrong"`
	Usable     bool            `json:"usable"`
	MustUpdate json.RawMessage `json:"must_update"`
	Decoded    json.RawMessage `json:"decoded"`
	Also       []struct {
		Password string          `json:"password"`
		Check    json.RawMessage `json:"check"`
	} `json:"also"`
	ExpectGo string `json:"expect_go"`
	// A make_password call Django refused.
	Make   string `json:"make"`
	Salt   string `json:"salt"`
	Hasher string `json:"hasher"`
}

type goldenAuth struct {
	Release        string   `json:"release"`
	Password       string   `json:"password"`
	Hash           string   `json:"hash"`
	FallbackHashes []string `json:"fallback_hashes"`
	Legacy         string   `json:"legacy_sha1_hash"`
	SHA1Setting    string   `json:"default_hashing_algorithm_sha1_hash"`
}

var golden = sync.OnceValues(func() (*goldenFile, error) {
	b, err := os.ReadFile("../testdata/hashers.json")
	if err != nil {
		return nil, err
	}
	var g goldenFile
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, err
	}
	return &g, nil
})

func loadGolden(t testing.TB) *goldenFile {
	t.Helper()
	g, err := golden()
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Releases) != 4 {
		t.Fatalf("testdata/hashers.json has releases %v, want 3.2, 4.2, 5.2 and 6.1", keys(g.Releases))
	}
	return g
}

func keys[M ~map[string]V, V any](m M) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// djangoBool decodes a Django answer: true, false, or "error:<class>"
// (returned as ok=false).
func djangoBool(raw json.RawMessage) (answer, isBool bool) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, true
	}
	return false, false
}

// goldenPolicy is the policy the generator ran Django with: the release's
// PASSWORD_HASHERS, then every other hasher it has, and argon2-cffi's hash
// length.
func goldenPolicy(t testing.TB, rel string, r goldenRelease) *Policy {
	t.Helper()
	list := slices.Clone(r.Defaults.PasswordHashers)
	for _, a := range r.Defaults.Available {
		if !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	p, err := New(&Options{Settings: django.Settings{Release: django.Release(rel)}, PasswordHashers: list,
		Argon2: Argon2Params{HashLen: r.Defaults.Argon2.HashLen}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var expectErr = map[string]error{
	"malformed":   ErrMalformed,
	"parameters":  ErrParameters,
	"unsupported": ErrUnsupported,
	"unusable":    ErrUnusablePassword,
	"unknown":     ErrUnknownAlgorithm,
}

// costly reports vectors at Django's full default cost, whose second check
// (with a wrong password) and re-make are skipped under -short and -race
// (the cheaper vectors cover the same code).
func costly(v goldenVector) bool {
	return strings.Contains(v.Label, "default") || strings.HasSuffix(v.Label, " 11")
}

func TestGoldenDefaults(t *testing.T) {
	g := loadGolden(t)
	for rel, r := range g.Releases {
		t.Run(rel, func(t *testing.T) {
			if !strings.HasPrefix(r.Django, rel+".") {
				t.Fatalf("release %s was made by Django %s", rel, r.Django)
			}
			o, err := Defaults(django.Release(rel))
			if err != nil {
				t.Fatal(err)
			}
			d := r.Defaults
			if !slices.Equal(o.PasswordHashers, d.PasswordHashers) {
				t.Errorf("PasswordHashers = %v, Django %s: %v", o.PasswordHashers, r.Django, d.PasswordHashers)
			}
			rr, _ := lookupRelease(django.Release(rel))
			if !slices.Equal(rr.available, d.Available) {
				t.Errorf("available hashers = %v, Django %s: %v", rr.available, r.Django, d.Available)
			}
			if o.PBKDF2Iterations != d.PBKDF2Iterations || o.BCryptRounds != d.BCryptRounds {
				t.Errorf("iterations, rounds = %d, %d; Django: %d, %d", o.PBKDF2Iterations, o.BCryptRounds, d.PBKDF2Iterations, d.BCryptRounds)
			}
			a := o.Argon2
			if a.TimeCost != d.Argon2.TimeCost || a.MemoryCost != d.Argon2.MemoryCost || a.Parallelism != d.Argon2.Parallelism {
				t.Errorf("argon2 = %+v, Django: %+v", a, d.Argon2)
			}
			// The hash length is argon2-cffi's: 16 here (21.1.0), 32 in the
			// policy (argon2-cffi >= 21.2.0).
			if d.Argon2.HashLen != 16 && d.Argon2.HashLen != 32 {
				t.Errorf("argon2-cffi %s hash length %d", r.Argon2CFFI, d.Argon2.HashLen)
			}
			if d.Scrypt != nil {
				if s := o.Scrypt; s.WorkFactor != d.Scrypt.WorkFactor || s.BlockSize != d.Scrypt.BlockSize || s.Parallelism != d.Scrypt.Parallelism {
					t.Errorf("scrypt = %+v, Django: %+v", s, *d.Scrypt)
				}
			}
			if d.SaltLength != saltLength {
				t.Errorf("salt length %d, Django %d", saltLength, d.SaltLength)
			}
		})
	}
}

func TestGoldenCheck(t *testing.T) {
	g := loadGolden(t)
	for _, rel := range keys(g.Releases) {
		r := g.Releases[rel]
		p := goldenPolicy(t, rel, r)
		// Wrong passwords against hashes below the release's cost make
		// Check spend the difference (harden_runtime); the answers do not
		// depend on it, so further checks use a policy with the lowest
		// costs (hardening itself is tested in TestHardenRuntime).
		cheap := goldenPolicy(t, rel, r)
		cheap.pbkdf2, cheap.bcrypt = 1, 4
		t.Run(rel, func(t *testing.T) {
			for _, v := range r.Vectors {
				t.Run(v.Label, func(t *testing.T) {
					t.Parallel()
					if v.Make != "" {
						// Django refused to make it (a NUL byte for bcrypt or crypt).
						_, err := p.MakeWith(Algorithm(v.Hasher), v.Password, v.Salt)
						if !errors.Is(err, ErrInvalidPassword) {
							t.Fatalf("MakeWith(%s) = %v; Django raised %s", v.Hasher, err, v.Make)
						}
						return
					}
					if raceEnabled && costly(v) {
						t.Skip("full-cost vector: checked in the run without -race")
					}
					checkGoldenVector(t, p, cheap, v)
				})
			}
		})
	}
}

func checkGoldenVector(t *testing.T, p, cheap *Policy, v goldenVector) {
	django, isBool := djangoBool(v.Check)
	if want := v.ExpectGo; want != "" {
		if django && want != "unsupported" {
			t.Fatalf("vector says Django accepts it but Go must fail with %s", want)
		}
		// The error does not depend on the costs; the cheap policy spares
		// the dummy hash at the release's cost.
		ok, err := cheap.Check(v.Password, v.Encoded)
		if ok || !errors.Is(err, expectErr[want]) {
			t.Fatalf("Check = %v, %v; want error %v (Django: %s)", ok, err, expectErr[want], v.Check)
		}
		return
	}
	if !isBool {
		t.Fatalf("Django raised %s for a vector without expect_go", v.Check)
	}
	ok, err := p.Check(v.Password, v.Encoded)
	if err != nil || ok != django {
		t.Fatalf("Check(password) = %v, %v; Django: %v", ok, err, django)
	}
	if IsUsable(v.Encoded) != v.Usable {
		t.Errorf("IsUsable = %v; Django: %v", !v.Usable, v.Usable)
	}
	if a, err := p.Identify(v.Encoded); err != nil || string(a) != v.Algorithm {
		t.Errorf("Identify = %q, %v; Django: %q", a, err, v.Algorithm)
	}
	if mu, isBool := djangoBool(v.MustUpdate); isBool {
		if got, err := p.MustUpdate(v.Encoded); err != nil || got != mu {
			t.Errorf("MustUpdate = %v, %v; Django: %v", got, err, mu)
		}
	}
	if len(v.CheckWrong) > 0 && !((testing.Short() || raceEnabled) && costly(v)) {
		want, _ := djangoBool(v.CheckWrong)
		if ok, err := cheap.Check("wrong password", v.Encoded); err != nil || ok != want {
			t.Errorf("Check(wrong) = %v, %v; Django: %v", ok, err, want)
		}
	}
	for _, a := range v.Also {
		want, isBool := djangoBool(a.Check)
		if !isBool {
			t.Fatalf("Django raised %s for another password", a.Check)
		}
		if ok, err := cheap.Check(a.Password, v.Encoded); err != nil || ok != want {
			t.Errorf("Check(%d-byte password) = %v, %v; Django: %v", len(a.Password), ok, err, want)
		}
	}
	checkGoldenDecoded(t, v)
	if !((testing.Short() || raceEnabled) && costly(v)) {
		checkRemake(t, p, v)
	}
}

// checkGoldenDecoded compares Decode with the hasher's decode().
func checkGoldenDecoded(t *testing.T, v goldenVector) {
	var dj map[string]any
	if err := json.Unmarshal(v.Decoded, &dj); err != nil {
		t.Fatalf("Django's decode failed: %s", v.Decoded)
	}
	d, err := Decode(v.Encoded)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	got := map[string]any{"algorithm": string(d.Algorithm), "hash": d.Hash, "salt": d.Salt}
	switch d.Algorithm {
	case PBKDF2SHA256, PBKDF2SHA1:
		got["iterations"] = d.Iterations
	case Argon2:
		got["memory_cost"], got["time_cost"], got["parallelism"] = d.MemoryCost, d.TimeCost, d.Parallelism
		got["variety"], got["version"] = d.Variety, d.Version
		if !strings.Contains(v.Encoded, "$v=") {
			// argon2-cffi's extract_parameters reports 18 for a hash
			// without "v="; libargon2 computes it as version 16.
			if d.Version != 16 {
				t.Errorf("version = %d, want 16", d.Version)
			}
			got["version"] = 18
		}
	case BCrypt, BCryptSHA256:
		got["algostr"], got["work_factor"], got["checksum"] = d.Algostr, d.WorkFactor, d.Hash
		delete(got, "hash")
	case Scrypt:
		got["work_factor"], got["block_size"], got["parallelism"] = d.WorkFactor, d.BlockSize, d.Parallelism
	case UnsaltedMD5, UnsaltedSHA1:
		got["salt"] = nil
	}
	gj, _ := json.Marshal(got)
	var gm map[string]any
	_ = json.Unmarshal(gj, &gm)
	dj2, _ := json.Marshal(dj)
	gj2, _ := json.Marshal(gm)
	if string(dj2) != string(gj2) {
		t.Errorf("Decode:\n got %s\nwant %s", gj2, dj2)
	}
}

// checkRemake makes the same hash again with MakeWith, from the salt and
// parameters Django used, and wants the same bytes.
func checkRemake(t *testing.T, p *Policy, v goldenVector) {
	if !strings.HasPrefix(v.MadeBy, "make_password") && !strings.HasPrefix(v.MadeBy, "encode") {
		return
	}
	if strings.Contains(v.MadeBy, "md5$$ prefixed") {
		return
	}
	d, err := Decode(v.Encoded)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Settings: django.Settings{Release: p.Release()}, PasswordHashers: []Algorithm{d.Algorithm}}
	salt := d.Salt
	switch d.Algorithm {
	case PBKDF2SHA256, PBKDF2SHA1:
		o.PBKDF2Iterations = d.Iterations
	case Argon2:
		raw, _ := base64.RawStdEncoding.DecodeString(d.Hash)
		o.Argon2 = Argon2Params{TimeCost: d.TimeCost, MemoryCost: d.MemoryCost, Parallelism: d.Parallelism, HashLen: len(raw)}
	case Scrypt:
		o.Scrypt = ScryptParams{d.WorkFactor, d.BlockSize, d.Parallelism}
	case BCrypt, BCryptSHA256:
		salt = v.Encoded[len(d.Algorithm)+1 : len(d.Algorithm)+1+bcryptSettingLen]
	case Crypt:
		salt = d.Hash[:2]
	}
	q, err := New(&o)
	if err != nil {
		t.Fatal(err)
	}
	got, err := q.MakeWith(d.Algorithm, v.Password, salt)
	switch {
	case d.Algorithm == BCrypt && len(v.Password) > 72, d.Algorithm == Crypt && len(v.Password) > 8:
		if !errors.Is(err, ErrPasswordTooLong) {
			t.Errorf("MakeWith(%d-byte password) = %v, want ErrPasswordTooLong", len(v.Password), err)
		}
	case err != nil:
		t.Errorf("MakeWith: %v", err)
	case got != v.Encoded:
		t.Errorf("MakeWith =\n%s\nDjango made\n%s", got, v.Encoded)
	}
}

func TestGoldenSessionAuthHash(t *testing.T) {
	g := loadGolden(t)
	for rel, r := range g.Releases {
		p, err := New(&Options{Settings: django.Settings{Release: django.Release(rel)}})
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range r.SessionAuth {
			t.Run(fmt.Sprintf("%s/%d", rel, i), func(t *testing.T) {
				if got := p.SessionAuthHash(g.SecretKey, a.Password); got != a.Hash {
					t.Errorf("SessionAuthHash = %s, Django %s: %s", got, r.Django, a.Hash)
				}
				if ok, rotate := p.VerifySessionAuthHash(a.Hash, a.Password, g.SecretKey, nil); !ok || rotate {
					t.Errorf("VerifySessionAuthHash(current) = %v, %v", ok, rotate)
				}
				for _, fh := range a.FallbackHashes {
					if got := p.SessionAuthHash(g.FallbackKey, a.Password); got != fh {
						t.Errorf("fallback hash = %s, Django: %s", got, fh)
					}
					if ok, rotate := p.VerifySessionAuthHash(fh, a.Password, g.SecretKey, []string{"other", g.FallbackKey}); !ok || !rotate {
						t.Errorf("VerifySessionAuthHash(fallback) = %v, %v; want valid, rotate", ok, rotate)
					}
					if ok, _ := p.VerifySessionAuthHash(fh, a.Password, g.SecretKey, nil); ok {
						t.Error("a fallback hash is valid without fallback keys")
					}
				}
				if a.Legacy != "" {
					if ok, rotate := p.VerifySessionAuthHash(a.Legacy, a.Password, g.SecretKey, nil); !ok || rotate {
						t.Errorf("3.2 legacy SHA-1 hash: %v, %v; want valid", ok, rotate)
					}
					q, err := New(&Options{Settings: django.Settings{Release: django.Release(rel), DefaultHashingAlgorithm: "sha1"}})
					if err != nil {
						t.Fatal(err)
					}
					if got := q.SessionAuthHash(g.SecretKey, a.Password); got != a.SHA1Setting {
						t.Errorf("DEFAULT_HASHING_ALGORITHM=sha1: %s, Django: %s", got, a.SHA1Setting)
					}
				} else if ok, _ := p.VerifySessionAuthHash(new(Policy).sessionAuthHash("sha1", g.SecretKey, a.Password), a.Password, g.SecretKey, nil); ok {
					t.Errorf("Django %s accepts no SHA-1 session hash", r.Django)
				}
				if ok, _ := p.VerifySessionAuthHash("", a.Password, g.SecretKey, nil); ok {
					t.Error("an empty session hash is valid")
				}
			})
		}
	}
}

func TestGoldenUnusable(t *testing.T) {
	g := loadGolden(t)
	p, _ := New(nil)
	mine, err := p.MakeUnusable()
	if err != nil {
		t.Fatal(err)
	}
	for rel, r := range g.Releases {
		for _, u := range append(r.Unusable, mine) {
			if len(u) != 41 || IsUsable(u) {
				t.Errorf("%s: %q: length %d, usable %v", rel, u, len(u), IsUsable(u))
			}
			if strings.Trim(u[1:], randomStringChars) != "" {
				t.Errorf("%s: %q has characters outside RANDOM_STRING_CHARS", rel, u)
			}
			if ok, err := p.Check("", u); ok || !errors.Is(err, ErrUnusablePassword) {
				t.Errorf("Check(unusable) = %v, %v", ok, err)
			}
		}
	}
}
