package cookiestore_test

import (
	"context"
	"encoding/base64"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cookiestore"
	"github.com/djsession/djsession/djangosession/storetest"
	"github.com/djsession/djsession/internal/hostiletest"
	"github.com/djsession/djsession/python/pickle"
	"github.com/djsession/djsession/signing"
)

// Bounds on the bytes Load may allocate per hostile cookie value: the
// signature check reads it once, base64 decodes to 3/4 of it, a
// compressed payload inflates to at most MaxDecompressedSize (1 MiB here)
// and the serializer reads that (pyjson about 48 bytes per byte, the
// pickle decoder 64).
const (
	cookieAllocBase     = 2 << 20
	cookieAllocPerByte  = 64
	cookieMaxDecompress = 1 << 20
	cookieAllocInflated = 64 * cookieMaxDecompress
)

// TestHostileCookies sends testdata/hostile/cookies and
// testdata/hostile/session (signed-* ones signed with the signed_cookies
// salt and the test's key at the test's clock, so that the age check and
// the payload are reached) as sessionid values to Load, with the JSON
// serializer, and testdata/hostile/pickle (storetest.PickleCorpus, with
// issue 13's 1 MB str x 2,000 laugh) signed for a store with the pickle
// serializer, plus an 8 MB cookie. Each gives an error matching ErrCorrupt
// or ErrNotFound (the middleware's "no session"), or for an ok-* input a
// session; no panic; allocations bounded as above.
func TestHostileCookies(t *testing.T) {
	const key = "hostile-cookie-key"
	now := func() time.Time { return time.Unix(1700000000, 0) }
	ts, err := signing.NewTimestampSigner(&signing.Options{Key: key, Salt: cookiestore.Salt, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	in := storetest.SignedCorpus(t, "cookies", ts, nil)
	for name, v := range storetest.SignedCorpus(t, "session", ts, nil) {
		in["session/"+name] = v
	}
	in["raw-generated-8MB"] = strings.Repeat("eyJhIjoxfQ", 800_000) + ":1r31eq:AAAA"
	pickles := map[string]string{}
	for name, p := range storetest.PickleCorpus(t) {
		pickles[name] = ts.Signer().Sign(base64.RawURLEncoding.EncodeToString(p) + ":1r31eq")
	}
	jsonStore, err := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: key}, Now: now, MaxDecompressedSize: cookieMaxDecompress})
	if err != nil {
		t.Fatal(err)
	}
	pickleStore, err := cookiestore.New(&cookiestore.Options{Settings: django.Settings{SecretKey: key}, Now: now, MaxDecompressedSize: cookieMaxDecompress, Serializer: pickle.Serializer{}})
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, s *cookiestore.Store, in map[string]string) {
		names := make([]string, 0, len(in))
		for name := range in {
			names = append(names, name)
		}
		sort.Strings(names)
		ctx := context.Background()
		for _, name := range names {
			v := in[name]
			var err error
			n := hostiletest.Allocated(func() { _, err = s.Load(ctx, v) })
			if limit := uint64(cookieAllocBase + cookieAllocPerByte*len(v) + cookieAllocInflated); n > limit {
				t.Errorf("%s (%d bytes): Load allocated %d bytes, over %d", name, len(v), n, limit)
			}
			ok := strings.HasPrefix(strings.TrimPrefix(name, "session/"), "ok-")
			switch {
			case err == nil && ok:
			case err == nil:
				t.Errorf("%s: Load accepted it", name)
			case !errors.Is(err, djangosession.ErrCorrupt) && !errors.Is(err, djangosession.ErrNotFound):
				t.Errorf("%s: Load: %v, want ErrCorrupt or ErrNotFound", name, err)
			case strings.Contains(err.Error(), key):
				t.Errorf("%s: error carries the key: %v", name, err)
			}
		}
	}
	t.Run("json", func(t *testing.T) { run(t, jsonStore, in) })
	t.Run("pickle", func(t *testing.T) { run(t, pickleStore, pickles) })
}
