package storetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/internal/hostiletest"
	"github.com/djsession/djsession/python/pyjson"
	"github.com/djsession/djsession/signing"
)

// HostileOptions configure RunHostile.
type HostileOptions struct {
	// New returns the store under test, as Options.New.
	New func(t *testing.T) djangosession.Store
	// Plant writes raw as the stored value under key, bypassing the
	// store's encoder (a session_data column, a file's content, a cache
	// value). Nil skips the stored-value cases.
	Plant func(t *testing.T, s djangosession.Store, key string, raw []byte)
	// PlantedMiss says a planted value is read as a miss, ErrNotFound, not
	// ErrCorrupt: cached_db, whose Plant writes the cache and whose Load
	// then falls back to the database, as Django's does.
	PlantedMiss bool
	// Secrets are strings no error may contain: SECRET_KEY, a DSN's
	// password, the session directory. os.TempDir() is always checked.
	Secrets []string
	// MaxBytes bounds the bytes allocated by one call on one input, plus
	// HostileBytesPerByte for each byte of the input;
	// DefaultHostileMaxBytes when zero.
	MaxBytes uint64
	// Values are more stored values to plant, beyond
	// testdata/hostile/stores/values: PickleCorpus for the cache engines.
	// A value named ok-* is one the store may read (a session dict): when
	// Load returns it, RunHostile sets a value on it and saves it, the
	// shape of a handler behind auth.RequireLogin, within the same bound.
	Values map[string][]byte
}

// DefaultHostileMaxBytes is RunHostile's default allocation bound per
// call, to which HostileBytesPerByte is added for each byte of the input:
// a hostile key or value must cost a store no more than this.
const DefaultHostileMaxBytes = 4 << 20

// HostileBytesPerByte is what RunHostile lets a store allocate per byte
// of a hostile input: a one-byte pickle opcode (EMPTY_LIST) may rightly
// become a value of some hundred bytes, but no input may cost more.
const HostileBytesPerByte = 128

// HostileSaveBytesPerJSONByte is what RunHostile lets Save allocate per
// byte of a loaded session's JSON (serialize, compress, sign, send): a
// pickle that shares one str 2,000 times is small, its JSON is not.
const HostileSaveBytesPerJSONByte = 8

// Corpus returns the files of testdata/hostile/stores/<dir> of the
// repository this test runs in, by name. It fails the test when the corpus is absent.
func Corpus(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	return HostileFiles(t, "stores", dir)
}

// HostileFiles returns the files of testdata/hostile/<dir...> of the
// module this test runs in, by name. It fails the test when the corpus is
// absent or empty.
func HostileFiles(t testing.TB, dir ...string) map[string][]byte {
	t.Helper()
	return hostiletest.Files(t, dir...)
}

// PickleCorpus returns the pickles of testdata/hostile/pickle (the
// decoder's corpus: GLOBAL/STACK_GLOBAL/INST/REDUCE of os.system, huge
// LONG4/BINBYTES/FRAME lengths, memo laughs, deep nesting, truncations),
// plus the inputs over 1 MB that are not committed: issue 13's memo laugh
// (a 1 MB str referred to 2,000 times, standing for 2 GB) and a 4 MB
// LONG4. A cache holds pickles unsigned, so anyone who can write to it can
// plant these under a session key.
func PickleCorpus(t testing.TB) map[string][]byte {
	t.Helper()
	out := HostileFiles(t, "pickle")
	out["generated-memo-laugh-1MB-str-x2000"] = hostiletest.MemoLaugh(1<<20, 2000)
	long4 := binary.LittleEndian.AppendUint32([]byte("\x80\x04\x8b"), 4<<20)
	long4 = append(long4, bytes.Repeat([]byte{0x5a}, 4<<20)...)
	out["generated-long4-4MB"] = append(long4, '.')
	return out
}

// MemoLaugh returns a protocol 4 pickle of the session dict {"k": [s, s,
// ... s]}, where s is one str of size bytes memoized once and referred to
// refs times: issue 13's shape is MemoLaugh(1<<20, 2000), 1 MB standing
// for 2 GB once every reference is expanded.
func MemoLaugh(size, refs int) []byte { return hostiletest.MemoLaugh(size, refs) }

// RunHostile runs the hostile corpus of testdata/hostile/stores against a
// store.
//
// Keys (keys/): every key either names no session or is one the store can
// hold. Load gives ErrNotFound (for a keyless store, whose key is the
// data, ErrCorrupt too), Exists false, Delete nil; Save either fails with
// an error matching djangosession.ErrInvalidKey or stores the session so
// that Load returns it, after which Delete removes it.
//
// Values (values/, with Plant): Load of a planted value gives an error
// matching ErrCorrupt, or an empty session (the file engine's empty
// placeholder).
//
// For every call: no panic, no error text carrying a secret, the key, or a
// path under os.TempDir(), and at most MaxBytes allocated.
func RunHostile(t *testing.T, o HostileOptions) {
	t.Helper()
	ctx := context.Background()
	maxBytes := o.MaxBytes
	if maxBytes == 0 {
		maxBytes = DefaultHostileMaxBytes
	}
	forbidden := slices.Clone(o.Secrets)
	forbidden = append(forbidden, os.TempDir())
	check := func(t *testing.T, what, key string, size int, n uint64, err error) {
		t.Helper()
		if bound := maxBytes + HostileBytesPerByte*uint64(size); n > bound {
			t.Errorf("%s allocated %d bytes, over the %d bound for %d bytes of input", what, n, bound, size)
		}
		if err == nil {
			return
		}
		msg := err.Error()
		for _, s := range forbidden {
			if s != "" && strings.Contains(msg, s) {
				t.Errorf("%s: error text carries %q: %q", what, s, msg)
			}
		}
		if len(key) >= 8 && strings.Contains(msg, key) {
			t.Errorf("%s: error text carries the key: %q", what, msg)
		}
	}
	_, keyless := o.New(t).(djangosession.KeylessStore)

	t.Run("Keys", func(t *testing.T) {
		s := o.New(t)
		for name, raw := range Corpus(t, "keys") {
			key := string(raw)
			t.Run(name, func(t *testing.T) {
				var err error
				n := hostiletest.Allocated(func() { _, err = s.Load(ctx, key) })
				check(t, "Load", key, len(key), n, err)
				switch {
				case errors.Is(err, djangosession.ErrNotFound):
				case keyless && errors.Is(err, djangosession.ErrCorrupt):
				default:
					t.Errorf("Load: %v, want ErrNotFound", err)
				}
				var ok bool
				n = hostiletest.Allocated(func() { ok, err = s.Exists(ctx, key) })
				check(t, "Exists", key, len(key), n, err)
				if ok || err != nil {
					t.Errorf("Exists = %v, %v; want false, nil", ok, err)
				}
				n = hostiletest.Allocated(func() { err = s.Delete(ctx, key) })
				check(t, "Delete", key, len(key), n, err)
				if err != nil {
					t.Errorf("Delete: %v, want nil", err)
				}
				if keyless {
					return
				}
				data := &pyjson.Object{}
				data.Set("hostile", name)
				exp := djangosession.Expiry{Date: time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond), Age: 3600}
				n = hostiletest.Allocated(func() { err = s.Save(ctx, key, data, exp, true) })
				check(t, "Save", key, len(key), n, err)
				if err != nil {
					if !errors.Is(err, djangosession.ErrInvalidKey) {
						t.Errorf("Save: %v, want nil or ErrInvalidKey", err)
					}
					if _, err := s.Load(ctx, key); !errors.Is(err, djangosession.ErrNotFound) {
						t.Errorf("Load after a refused Save: %v, want ErrNotFound", err)
					}
					return
				}
				// The store can hold this key (Django's engine could too).
				got, err := s.Load(ctx, key)
				if err != nil {
					t.Fatalf("Load after Save: %v", err)
				}
				if v, _ := got.Get("hostile"); v != name {
					t.Errorf("Load after Save: %v, want %q", v, name)
				}
				if err := s.Delete(ctx, key); err != nil {
					t.Errorf("Delete after Save: %v", err)
				}
				if _, err := s.Load(ctx, key); !errors.Is(err, djangosession.ErrNotFound) {
					t.Errorf("Load after Delete: %v, want ErrNotFound", err)
				}
			})
		}
	})

	if keyless {
		// The key is the stored value: run the values as cookies.
		t.Run("Values", func(t *testing.T) {
			s := o.New(t)
			for name, raw := range Corpus(t, "values") {
				t.Run(name, func(t *testing.T) {
					key := string(raw)
					var err error
					n := hostiletest.Allocated(func() { _, err = s.Load(ctx, key) })
					check(t, "Load", key, len(raw), n, err)
					if !errors.Is(err, djangosession.ErrCorrupt) && !errors.Is(err, djangosession.ErrNotFound) {
						t.Errorf("Load: %v, want ErrCorrupt or ErrNotFound", err)
					}
				})
			}
		})
		return
	}
	if o.Plant == nil {
		return
	}
	t.Run("Values", func(t *testing.T) {
		s := o.New(t)
		values := Corpus(t, "values")
		for name, raw := range o.Values {
			values[name] = raw
		}
		for name, raw := range values {
			t.Run(name, func(t *testing.T) {
				key, err := djangosession.NewKey(randReader{})
				if err != nil {
					t.Fatal(err)
				}
				o.Plant(t, s, key, raw)
				defer s.Delete(ctx, key)
				var data *pyjson.Object
				n := hostiletest.Allocated(func() { data, err = s.Load(ctx, key) })
				check(t, "Load", key, len(raw), n, err)
				switch {
				case err == nil && strings.HasPrefix(name, "ok-"):
					// A session: set a value on it and save it, as a
					// handler does; the save must not expand what the
					// stored value shared.
					js, jerr := pyjson.Marshal(data)
					if jerr != nil {
						js = nil // pickle-only values: the JSON stores refuse them below
					}
					n = hostiletest.Allocated(func() {
						data.Set("hostile", name)
						exp := djangosession.Expiry{Date: time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond), Age: 3600}
						err = s.Save(ctx, key, data, exp, false)
					})
					// JSON cannot share: a stored value's expanded size
					// (bounded by pickle.MaxExpanded) is written out.
					check(t, "Save", key, len(raw)+len(js)*HostileSaveBytesPerJSONByte/HostileBytesPerByte, n, err)
					switch {
					case err == nil:
					case errors.Is(err, djangosession.ErrVanished): // cached_db: no row to update
					case errors.Is(err, djangosession.ErrUnsupportedValue), errors.Is(err, pyjson.ErrUnsupportedType):
					default:
						t.Errorf("Save of a loaded ok- value: %v", err)
					}
				case err == nil:
					if data.Len() != 0 {
						t.Errorf("Load of a hostile value gave a session: %v", data.Keys())
					}
				case errors.Is(err, djangosession.ErrCorrupt) && !o.PlantedMiss:
				case errors.Is(err, djangosession.ErrNotFound) && o.PlantedMiss:
				default:
					t.Errorf("Load: %v, want ErrCorrupt", err)
				}
			})
		}
	})
}

// SignedCorpus returns the files of testdata/hostile/<dir> as stored or
// sent values (session_data, cookie values), by name: a raw-* file as it
// is; a signed-* file (a value and its timestamp) signed with ts, so that
// the checks after the signature are reached; a legacy-* file (a
// serialization) wrapped in the pre-3.1 session format with a valid MAC
// from legacy (skipped when legacy is nil). A name may carry an ok- prefix
// before these: data Django reads.
func SignedCorpus(t testing.TB, dir string, ts *signing.TimestampSigner, legacy *signing.SaltedKey) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, b := range HostileFiles(t, dir) {
		kind := strings.TrimPrefix(name, "ok-")
		switch {
		case strings.HasPrefix(kind, "signed-"):
			out[name] = ts.Signer().Sign(string(b))
		case strings.HasPrefix(kind, "legacy-"):
			if legacy != nil {
				out[name] = base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(legacy.Sum(nil, b)) + ":" + string(b)))
			}
		default:
			out[name] = string(b)
		}
	}
	return out
}
