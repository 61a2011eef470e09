package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/testenv"
)

func TestSessionsConvert(t *testing.T) {
	f := loadFixture(t)
	url, path := copyFixtureDB(t)
	var convertible, stuck, legacy int
	for _, r := range f.Rows {
		switch {
		case r.Kind == "pickle" && r.Convertible:
			convertible++
		case r.Kind == "pickle":
			stuck++
		case r.Kind == "json" && r.Format == formatLegacy:
			legacy++
		}
	}
	if convertible < 2 || stuck < 2 || legacy < 2 {
		t.Fatalf("fixture: %d convertible, %d stuck, %d legacy", convertible, stuck, legacy)
	}
	base := []string{"sessions", "convert", "--serializer", "json", "--database-url", url, "--secret-key-file", fixtureKeyFile, "--batch-size", "5"}
	before := readFile(t, path)
	res := runCLI(t, nil, nil, "", append(base, "--dry-run")...)
	if res.code != 1 || !strings.Contains(res.out, "would convert "+itoa(convertible)+" sessions") || readFile(t, path) != before {
		t.Fatalf("dry run: exit %d %q %q", res.code, res.out, res.err)
	}
	res = runCLI(t, nil, nil, "", base...)
	if res.code != 1 || !strings.Contains(res.out, "converted "+itoa(convertible)+" sessions to JSON (of "+itoa(convertible+stuck)+" pickle, 0 legacy)") ||
		!strings.Contains(res.err, itoa(stuck)+" pickled sessions could not be converted") {
		t.Fatalf("exit %d %q %q", res.code, res.out, res.err)
	}
	for _, r := range f.Rows {
		if r.Kind == "pickle" && !r.Convertible && !strings.Contains(res.out, "not converted "+r.Key+" ") {
			t.Errorf("%s not reported", r.Key)
		}
	}
	// every row: converted ones are JSON with the same data, the rest are
	// byte for byte what they were
	ls := runCLI(t, nil, nil, "", "sessions", "ls", "--database-url", url, "--secret-key-file", fixtureKeyFile, "--format", "jsonl", "--columns", "key,serializer,format,status,size")
	rows := lsJSONL(t, ls.out)
	for i, r := range f.Rows {
		got := rows[i]
		converted := r.Kind == "pickle" && r.Convertible
		if converted {
			if str(t, got["serializer"]) != serJSON || str(t, got["status"]) != statusOK || str(t, got["format"]) != formatCurrent {
				t.Errorf("%s: %v", r.Key, got)
			}
			show := runCLI(t, nil, nil, "", "sessions", "show", "--database-url", url, "--secret-key-file", fixtureKeyFile, r.Key)
			var s struct{ Data json.RawMessage }
			if json.Unmarshal([]byte(show.out), &s); canon(t, s.Data) != canon(t, r.Data) {
				t.Errorf("%s: %s, want %s", r.Key, s.Data, r.Data)
			}
		} else if string(got["size"]) != itoa(len(r.SessionData)) {
			t.Errorf("%s (%s): changed", r.Key, r.Kind)
		}
	}
	// --include-legacy rewrites the legacy rows; a rerun converts nothing
	res = runCLI(t, nil, nil, "", append(base, "--include-legacy")...)
	if res.code != 1 || !strings.Contains(res.out, "converted "+itoa(legacy)+" sessions to JSON (of "+itoa(stuck)+" pickle, "+itoa(legacy)+" legacy)") {
		t.Fatalf("legacy: exit %d %q", res.code, res.out)
	}
	res = runCLI(t, nil, nil, "", append(base, "--include-legacy")...)
	if !strings.Contains(res.out, "converted 0 sessions") {
		t.Fatalf("rerun: %q", res.out)
	}
	res = runCLI(t, nil, nil, "", "sessions", "convert", "--serializer", "pickle", "--database-url", url)
	if res.code != 2 {
		t.Fatalf("--serializer pickle: exit %d", res.code)
	}

	// real Django, including 5.x and 6.x that have no PickleSerializer,
	// reads every converted session with the JSON serializer
	if djangos := djangosIfEnabled(t); len(djangos) > 0 {
		keyFile, _ := filepath.Abs(fixtureKeyFile)
		var in strings.Builder
		want := map[string]string{}
		for _, r := range f.Rows {
			if r.Kind == "pickle" && r.Convertible || r.Kind == "json" && r.Format == formatLegacy {
				b, _ := json.Marshal(map[string]string{"key": r.Key, "serializer": "json"})
				in.Write(append(b, '\n'))
				want[r.Key] = canon(t, r.Data)
			}
		}
		for _, dj := range djangos {
			out := dj.Run(t, "../../testdata/sessions_db_django_read.py", []byte(in.String()), path, keyFile)
			n := 0
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				var got struct {
					Key       string
					Data      json.RawMessage
					Corrupted bool
				}
				json.Unmarshal([]byte(line), &got)
				if got.Corrupted || canon(t, got.Data) != want[got.Key] {
					t.Errorf("Django %s: %s read as %s (corrupted %v), want %s", dj.Version, got.Key, got.Data, got.Corrupted, want[got.Key])
				}
				n++
			}
			if n != len(want) {
				t.Errorf("Django %s read %d of %d", dj.Version, n, len(want))
			}
		}
	}
}

// djangosIfEnabled returns the real Django releases when live tests are on,
// without skipping the calling test otherwise.
func djangosIfEnabled(t *testing.T) []testenv.Django {
	var out []testenv.Django
	t.Run("django", func(t *testing.T) { out = testenv.Djangos(t) })
	return out
}
