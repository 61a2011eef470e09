package gateway_test

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"
	"time"

	"github.com/djsession/djsession/gateway"
	"github.com/djsession/djsession/internal/testenv"
)

// verifier is a program in another language that reads an assertion on
// stdin (key in DJ_ASSERTION_KEY) and prints its JSON or exits non-zero.
type verifier struct {
	name string
	argv []string
	env  []string
}

func runVerifier(v verifier, key, value string) (map[string]any, error) {
	cmd := exec.Command(v.argv[0], v.argv[1:]...)
	cmd.Env = append(append([]string{}, v.env...), "DJ_ASSERTION_KEY="+key)
	cmd.Stdin = bytes.NewReader([]byte(value))
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(out, &m)
}

// TestGatewayForeignVerifiers runs the Python (stdlib) and Node (crypto)
// verifiers of docs/gateway.md, and Django's signing.loads, on assertions
// Go made: a fresh one is read, a forged, tampered or stale one refused.
func TestGatewayForeignVerifiers(t *testing.T) {
	var vs []verifier
	if p, err := exec.LookPath("python3"); err == nil {
		vs = append(vs, verifier{"python", []string{p, "../testdata/gateway/verify_assertion.py"}, nil})
	} else {
		t.Log("python3 not found")
	}
	if p, err := exec.LookPath("node"); err == nil {
		vs = append(vs, verifier{"node", []string{p, "../testdata/gateway/verify_assertion.js"}, nil})
	} else {
		t.Log("node not found")
	}
	if len(vs) == 0 {
		t.Skip("neither python3 nor node installed")
	}
	if t.Run("django", func(t *testing.T) { testenv.Djangos(t) }) {
		for _, d := range testenv.Djangos(t) {
			if d.Version == "3.2" || d.Version == "6.1" {
				vs = append(vs, verifier{"django" + d.Version, []string{d.Python, "../testdata/gateway/verify_django.py"}, d.Env})
			}
		}
	}
	key := "assertion-key-0123456789"
	now := time.Now()
	good := gateway.SignAssertionForTest(t, key, now)
	bad := map[string]string{
		"forged":   gateway.SignAssertionForTest(t, "another-key-0123456789", now),
		"stale":    gateway.SignAssertionForTest(t, key, now.Add(-61*time.Second)),
		"tampered": flip(good, 12),
		"garbage":  "not an assertion",
	}
	for _, v := range vs {
		t.Run(v.name, func(t *testing.T) {
			m, err := runVerifier(v, key, good)
			if err != nil {
				t.Fatalf("good assertion refused: %v", err)
			}
			if m["id"] != "7" || m["username"] != "zoë" || m["is_staff"] != true {
				t.Errorf("read %v", m)
			}
			for what, a := range bad {
				if m, err := runVerifier(v, key, a); err == nil {
					t.Errorf("%s assertion accepted: %v", what, m)
				}
			}
		})
	}
}
