package pickle_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os/exec"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pickle"
	"github.com/djsession/djsession/python/pyjson"
)

// session returns a random session dict and its description for
// testdata/pickle_peer.py.
func session(seed uint64) (*pyjson.Object, any) {
	obj := &pyjson.Object{}
	var pairs []any
	for i := range 2 + seed%6 {
		k := fmt.Sprintf("key%d", i)
		v, d := pickle.RandomValue(seed*16+i, false)
		obj.Set(k, v)
		pairs = append(pairs, []any{map[string]any{"s": base64.StdEncoding.EncodeToString([]byte(k))}, d})
	}
	return obj, map[string]any{"d": pairs}
}

// TestDjangoSessions runs Django's own SessionBase.encode and decode with
// SESSION_SERIALIZER = PickleSerializer (3.2 and 4.2; gone in 5.0) against
// a Codec with pickle.Serializer, both ways.
func TestDjangoSessions(t *testing.T) {
	const secret = "pickle-interop-secret-key-0123456789"
	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: secret}, Serializer: pickle.Serializer{}})
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, dj := range testenv.Djangos(t) {
		if dj.Version >= "5" {
			continue // PickleSerializer was removed in Django 5.0
		}
		ran++
		t.Run(dj.Version, func(t *testing.T) {
			cmd := exec.Command(dj.Python, "testdata/pickle_session.py", secret)
			cmd.Env = dj.Env
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			w, _ := cmd.StdinPipe()
			r, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				w.Close()
				r.Close()
				cmd.Wait()
			}()
			in, out := bufio.NewWriter(w), bufio.NewScanner(r)
			out.Buffer(nil, 16<<20)
			ask := func(req map[string]any, reply any) {
				b, _ := json.Marshal(req)
				in.Write(append(b, '\n'))
				in.Flush()
				if !out.Scan() {
					t.Fatalf("peer ended: %v\n%s", out.Err(), stderr.String())
				}
				if err := json.Unmarshal(out.Bytes(), reply); err != nil {
					t.Fatal(err)
				}
			}
			n := 80
			for i := range n {
				obj, desc := session(uint64(i))
				// Go encodes, Django decodes
				data, err := codec.Encode(obj)
				if err != nil {
					t.Fatalf("session %d: Encode: %v", i, err)
				}
				var dec struct{ Why string }
				ask(map[string]any{"op": "decode", "data": data, "v": desc}, &dec)
				if dec.Why != "" {
					t.Errorf("session %d: Django decodes Go's session to another value: %s", i, dec.Why)
				}
				// Django encodes, Go decodes
				var enc struct{ Data string }
				ask(map[string]any{"op": "encode", "v": desc}, &enc)
				got, err := codec.Decode(enc.Data)
				if err != nil {
					t.Fatalf("session %d: Decode of Django's %q: %v", i, enc.Data, err)
				}
				if why := pickle.Diff(obj, got); why != "" {
					t.Errorf("session %d: Go decodes Django's session to another value: %s", i, why)
				}
			}
			t.Logf("Django %s: %d sessions each way", dj.Version, n)
		})
	}
	if ran == 0 {
		t.Skip("no Django release before 5.0")
	}
}
