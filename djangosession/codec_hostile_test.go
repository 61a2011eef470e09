package djangosession_test

import (
	"encoding/base64"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/internal/hostiletest"
	"github.com/djsession/djsession/python/pickle"
	"github.com/djsession/djsession/signing"
)

// Bounds on the bytes Codec.Decode may allocate per hostile session_data:
// the signature check reads the data once, base64 decodes to 3/4 of it, a
// compressed payload inflates to at most MaxDecompressedSize (1 MiB here),
// then the serializer reads it (pyjson about 48 bytes per input byte at
// worst, the pickle decoder 64). A constant, a multiple of the input, and
// the inflation bound.
const (
	codecAllocBase     = 2 << 20
	codecAllocPerByte  = 64
	codecMaxDecompress = 1 << 20
	codecAllocInflated = 48 * codecMaxDecompress
)

// hostileSessionData returns testdata/hostile/session as session_data for
// the store class SessionStore under key (storetest.SignedCorpus), with
// inputs over 1 MB that are not committed.
func hostileSessionData(t testing.TB, key string) map[string]string {
	t.Helper()
	ts, err := signing.NewTimestampSigner(&signing.Options{Key: key, Salt: djangosession.KeySalt(djangosession.DefaultClassName)})
	if err != nil {
		t.Fatal(err)
	}
	lk, err := signing.NewSaltedKey(signing.SHA1, "django.contrib.sessions"+djangosession.DefaultClassName, key)
	if err != nil {
		t.Fatal(err)
	}
	out := storetest.SignedCorpus(t, "session", ts, lk)
	out["raw-generated-4MB-separators"] = strings.Repeat("eyJhIjoxfQ:", 400_000)
	out["raw-generated-2MB-base64"] = strings.Repeat("QUFB", 1<<19)
	return out
}

// hostilePickleData returns every pickle of testdata/hostile/pickle, and
// issue 13's memo laugh (a 1 MB str referred to 2,000 times), as
// session_data signed for a codec with the pickle serializer (Django's
// PickleSerializer), so that the pickle decoder behind the signature is
// reached.
func hostilePickleData(t testing.TB, key string) map[string]string {
	t.Helper()
	ts, err := signing.NewTimestampSigner(&signing.Options{Key: key, Salt: djangosession.KeySalt(djangosession.DefaultClassName)})
	if err != nil {
		t.Fatal(err)
	}
	in := storetest.PickleCorpus(t)
	out := map[string]string{}
	for name, p := range in {
		out[name] = ts.Signer().Sign(base64.RawURLEncoding.EncodeToString(p) + ":1r31eq")
	}
	return out
}

// TestHostileCodec runs testdata/hostile/session (bad base64, truncated
// tokens and signatures, zlib bombs and broken zlib behind a valid
// signature, legacy-format junk with a valid MAC, invalid UTF-8, deep
// nesting, long integers, a 2,401-digit timestamp) through Codec.Decode
// with the JSON serializer, and testdata/hostile/pickle signed for a codec
// with the pickle serializer: no panic, an error matching ErrCorrupt (the
// session store's "no session") and no data, and at most codecAllocBase +
// codecAllocPerByte per input byte + codecAllocInflated allocated. An ok-*
// pickle that is a dict decodes.
func TestHostileCodec(t *testing.T) {
	const key = "hostile-codec-key"
	jsonCodec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: key}, MaxDecompressedSize: codecMaxDecompress})
	if err != nil {
		t.Fatal(err)
	}
	pickleCodec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: key}, MaxDecompressedSize: codecMaxDecompress, Serializer: pickle.Serializer{}})
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, c *djangosession.Codec, in map[string]string) {
		names := make([]string, 0, len(in))
		for name := range in {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			data := in[name]
			var err error
			n := hostiletest.Allocated(func() { _, err = c.Decode(data) })
			if limit := uint64(codecAllocBase + codecAllocPerByte*len(data) + codecAllocInflated); n > limit {
				t.Errorf("%s (%d bytes): Decode allocated %d bytes, over %d", name, len(data), n, limit)
			}
			got, err := c.Decode(data)
			switch {
			case err == nil && strings.HasPrefix(name, "ok-"):
			case err == nil:
				t.Errorf("%s: Decode accepted it: %v", name, got.Keys())
			case !errors.Is(err, djangosession.ErrCorrupt):
				t.Errorf("%s: Decode: %v, want ErrCorrupt", name, err)
			case got != nil:
				t.Errorf("%s: Decode returned data with its error", name)
			}
			if err != nil && strings.Contains(err.Error(), key) {
				t.Errorf("%s: error carries the key: %v", name, err)
			}
		}
	}
	t.Run("json", func(t *testing.T) { run(t, jsonCodec, hostileSessionData(t, key)) })
	t.Run("pickle", func(t *testing.T) { run(t, pickleCodec, hostilePickleData(t, key)) })
}
