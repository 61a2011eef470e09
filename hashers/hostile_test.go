package hashers

import (
	"errors"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/hostiletest"
)

// hashersBound bounds the bytes Identify, Decode, Check and MustUpdate
// may allocate per hostile encoded hash: every file names a cost over the
// limits or a value that does not parse, so nothing is computed; the
// fields are split and decoded once (a few copies of the input).
var hashersBound = hostiletest.Bound{Base: 64 << 10, PerByte: 8}

// hashersHostileMaxSeeded is the largest hostile input seeding the fuzz
// targets: larger inputs stall the fuzzer's minimizing.
const hashersHostileMaxSeeded = 64 << 10

// hostileHashes returns the files of testdata/hostile/hashers by name.
func hostileHashes(t testing.TB) map[string][]byte { return hostiletest.Files(t, "hashers") }

// TestHostileHashes runs every encoded hash of testdata/hostile/hashers
// (costs over the limits for every hasher, truncated and malformed fields,
// bad salts, 1 MB digit strings and salts, unknown algorithms, invalid
// UTF-8, NUL) through Identify, Decode, Policy.Check and MustUpdate with
// every hasher enabled and the default Limits: no panic, Check false with
// the error its name documents (over-* ErrParameters, malformed-*
// ErrMalformed, unknown-* ErrUnknownAlgorithm, unusable-*
// ErrUnusablePassword), and at most hashersBound allocated by each call:
// nothing is computed.
func TestHostileHashes(t *testing.T) {
	o := cheapOptions("4.2")
	o.Limits = Limits{}
	p := mustNew(t, o)
	want := map[string]error{
		"over-":      ErrParameters,
		"malformed-": ErrMalformed,
		"unknown-":   ErrUnknownAlgorithm,
		"unusable-":  ErrUnusablePassword,
	}
	hostiletest.Run(t, hostileHashes(t), func(t *testing.T, c hostiletest.Case) {
		enc := string(c.Input)
		var sentinel error
		for prefix, err := range want {
			if strings.HasPrefix(c.Name, prefix) {
				sentinel = err
			}
		}
		if sentinel == nil {
			t.Fatalf("%s: name has no documented outcome", c.Name)
		}
		var ok bool
		var err error
		for _, op := range []struct {
			name string
			f    func()
		}{
			{"Identify", func() { _, _ = Identify(enc) }},
			{"Decode", func() { _, _ = Decode(enc) }},
			{"Check", func() { ok, err = p.Check("password", enc) }},
			{"MustUpdate", func() { _, _ = p.MustUpdate(enc) }},
		} {
			hashersBound.Check(t, c.Name+": "+op.name, c.Input, op.f)
		}
		if ok || !errors.Is(err, sentinel) {
			t.Errorf("%s: Check = %v, %v; want false, %v", c.Name, ok, err, sentinel)
		}
	})
}
