package signing

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// hostileDir holds one hostile input per file (testdata/hostile/README.md):
// value-* files are what a key holder could sign (the test signs them, so
// that the checks after the signature are reached), token-* files are
// tokens taken as they are.
const hostileDir = "../testdata/hostile/signing"

// hostileKey signs the value-* inputs.
const hostileKey = "hostile-corpus-key"

// Bounds on the bytes allocated per hostile input by each of Unsign,
// UnsignMaxAge, UnsignTime and UnsignObjectMaxAge: the signature check
// reads the token once, base64 decodes to 3/4 of it and a payload is
// inflated to at most MaxDecompressedSize (set to 1 MiB here), then read
// by pyjson (about 48 bytes per input byte at worst); timestamps are
// judged by their length. So: a constant, plus a multiple of the input,
// plus the inflation bound.
const (
	hostileAllocPerByte  = 8
	hostileAllocBase     = 1 << 20
	hostileMaxDecompress = 1 << 20
	hostileAllocInflated = 48 * hostileMaxDecompress
)

func hostileFiles(t testing.TB) map[string]string {
	t.Helper()
	files, err := os.ReadDir(hostileDir)
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(hostileDir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		in[f.Name()] = string(b)
	}
	return in
}

// bigHostileInputs are the hostile inputs of more than 1 MB.
func bigHostileInputs() map[string]string {
	return map[string]string{
		"value-generated: timestamp of a million digits":          "v:" + hostileTimestamp(1_000_000),
		"value-generated: negative timestamp of a million digits": "v:-" + hostileTimestamp(1_000_000),
		"token-generated: 4 MB of separators and base64":          strings.Repeat("eyJhIjoxfQ:", 400_000),
	}
}

// hostileTimestamp is hugeTimestamp, for the corpus.
func hostileTimestamp(n int) string { return hugeTimestamp(n) }

// hostileSigner is the TimestampSigner the corpus goes through: Django's
// signing.loads salt, a fixed clock.
func hostileSigner(t testing.TB, key string) *TimestampSigner {
	t.Helper()
	ts, err := NewTimestampSigner(&Options{Key: key, Salt: DumpsSalt, MaxDecompressedSize: hostileMaxDecompress,
		Now: func() time.Time { return time.Unix(1700000000, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// TestHostileCorpus runs every hostile input through the signers: no
// panic, every error matching ErrBadSignature or ErrMalformed, no token-*
// accepted, no value-* read as an object (each is hostile past its
// signature: a timestamp too large, bad base64, a zlib bomb, JSON nested
// or an int too deep or long), and the allocations bounded as above.
func TestHostileCorpus(t *testing.T) {
	in := hostileFiles(t)
	for name, s := range bigHostileInputs() {
		in[name] = s
	}
	names := make([]string, 0, len(in))
	for name := range in {
		names = append(names, name)
	}
	sort.Strings(names)
	ts := hostileSigner(t, hostileKey)
	classified := func(err error) bool {
		return err == nil || errors.Is(err, ErrBadSignature) || errors.Is(err, ErrMalformed)
	}
	for _, name := range names {
		token := in[name]
		if strings.HasPrefix(name, "value-") {
			token = ts.Signer().Sign(token)
		}
		limit := uint64(hostileAllocPerByte*len(token) + hostileAllocBase)
		checks := []struct {
			op  string
			f   func() error
			max uint64
		}{
			{"Unsign", func() error { _, err := ts.Unsign(token); return err }, limit},
			{"UnsignMaxAge", func() error { _, err := ts.UnsignMaxAge(token, time.Hour); return err }, limit},
			{"UnsignTime", func() error { _, _, err := ts.UnsignTime(token); return err }, limit},
			{"UnsignObjectMaxAge", func() error { _, err := ts.UnsignObjectMaxAge(token, time.Hour); return err }, limit + hostileAllocInflated},
		}
		for _, c := range checks {
			var err error
			if n := allocated(func() { err = c.f() }); n > c.max {
				t.Errorf("%s (%d bytes): %s allocated %d bytes, over %d", name, len(token), c.op, n, c.max)
			}
			if !classified(err) {
				t.Errorf("%s: %s: unclassified error %v", name, c.op, err)
			}
			if err == nil && (strings.HasPrefix(name, "token-") || c.op == "UnsignObjectMaxAge") {
				t.Errorf("%s: %s accepted it", name, c.op)
			}
		}
	}
}
