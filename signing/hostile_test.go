package signing

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/internal/hostiletest"
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
// plus the inflation bound for the call that reads the object.
const hostileMaxDecompress = 1 << 20

var (
	hostileBound       = hostiletest.Bound{Base: 1 << 20, PerByte: 8}
	hostileObjectBound = hostiletest.Bound{Base: hostileBound.Base + 48*hostileMaxDecompress, PerByte: hostileBound.PerByte}
)

// hostileFiles returns testdata/hostile/signing by name.
func hostileFiles(t testing.TB) map[string][]byte { return hostiletest.Files(t, "signing") }

// bigHostileInputs are the hostile inputs of more than 1 MB.
func bigHostileInputs() map[string][]byte {
	return map[string][]byte{
		"value-generated: timestamp of a million digits":          []byte("v:" + hostileTimestamp(1_000_000)),
		"value-generated: negative timestamp of a million digits": []byte("v:-" + hostileTimestamp(1_000_000)),
		"token-generated: 4 MB of separators and base64":          []byte(strings.Repeat("eyJhIjoxfQ:", 400_000)),
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
	ts := hostileSigner(t, hostileKey)
	classified := func(err error) bool {
		return err == nil || errors.Is(err, ErrBadSignature) || errors.Is(err, ErrMalformed)
	}
	hostiletest.Run(t, hostileFiles(t), func(t *testing.T, c hostiletest.Case) {
		token := string(c.Input)
		if strings.HasPrefix(c.Name, "value-") {
			token = ts.Signer().Sign(token)
		}
		for _, op := range []struct {
			name  string
			f     func() error
			bound hostiletest.Bound
		}{
			{"Unsign", func() error { _, err := ts.Unsign(token); return err }, hostileBound},
			{"UnsignMaxAge", func() error { _, err := ts.UnsignMaxAge(token, time.Hour); return err }, hostileBound},
			{"UnsignTime", func() error { _, _, err := ts.UnsignTime(token); return err }, hostileBound},
			{"UnsignObjectMaxAge", func() error { _, err := ts.UnsignObjectMaxAge(token, time.Hour); return err }, hostileObjectBound},
		} {
			var err error
			op.bound.Check(t, c.Name+": "+op.name, []byte(token), func() { err = op.f() })
			if !classified(err) {
				t.Errorf("%s: %s: unclassified error %v", c.Name, op.name, err)
			}
			if err == nil && (strings.HasPrefix(c.Name, "token-") || op.name == "UnsignObjectMaxAge") {
				t.Errorf("%s: %s accepted it", c.Name, op.name)
			}
		}
	}, bigHostileInputs())
}
