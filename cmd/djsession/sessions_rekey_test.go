package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/internal/testenv"
	"github.com/djsession/djsession/python/pyjson"
)

const newTestKey = "django-insecure-the-NEW-key-after-rotation-42"

// rekeyable reports whether rekey must move a fixture row to the new key.
func (r fixtureRow) rekeyable() bool { return r.Kind == "json" || r.Kind == "pickle" }

func TestResignerUnits(t *testing.T) {
	f := loadFixture(t)
	old := strings.TrimSpace(readFile(t, fixtureKeyFile))
	rs, err := newResigner([]string{old}, newTestKey, "")
	if err != nil {
		t.Fatal(err)
	}
	after, err := newClassifier(newTestKey, nil, "", false)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := newClassifier(old, nil, "", false)
	for _, r := range f.Rows {
		out, outcome, err := rs.resign(r.SessionData)
		if !r.rekeyable() {
			if err == nil {
				t.Errorf("%s (%s): resigned", r.Key, r.Kind)
			}
			continue
		}
		if err != nil || outcome != resignDone {
			t.Fatalf("%s: %q %v", r.Key, outcome, err)
		}
		// same payload and timestamp, new signature
		if r.Format == formatCurrent {
			i := strings.LastIndexByte(r.SessionData, ':')
			if out[:strings.LastIndexByte(out, ':')] != r.SessionData[:i] || out == r.SessionData {
				t.Errorf("%s: payload or timestamp changed: %s", r.Key, out)
			}
		}
		a, b := after.classify(out), before.classify(r.SessionData)
		if a.status != b.status || string(a.payload) != string(b.payload) || a.format != b.format || !a.verified {
			t.Errorf("%s: after %+v, before %+v", r.Key, a, b)
		}
		if before.classify(out).verified {
			t.Errorf("%s: still verifies under the old key", r.Key)
		}
		again, outcome, err := rs.resign(out)
		if err != nil || outcome != resignAlready || again != out {
			t.Errorf("%s: second pass %q %v", r.Key, outcome, err)
		}
	}
}

// rekeyRun runs rekey on url and returns the result.
func rekeyRun(t *testing.T, ctx context.Context, url string, extra ...string) cliResult {
	t.Helper()
	env := map[string]string{envNewSecretKey: newTestKey}
	args := append([]string{"sessions", "rekey", "--database-url", url, "--secret-key-file", fixtureKeyFile}, extra...)
	return runCLI(t, ctx, env, "", args...)
}

// checkRekeyed checks every fixture row after a complete rekey: movable
// rows verify under the new key with their data intact, the others are
// untouched.
func checkRekeyed(t *testing.T, f *fixture, url string, extra ...string) {
	t.Helper()
	env := map[string]string{envSecretKey: newTestKey}
	res := runCLI(t, nil, env, "", append([]string{"sessions", "ls", "--database-url", url, "--format", "jsonl", "--columns", "key,status,keys"}, extra...)...)
	rows := lsJSONL(t, res.out)
	if len(rows) != len(f.Rows) {
		t.Fatalf("%d rows after rekey: %s", len(rows), res.err)
	}
	for i, want := range f.Rows {
		got := str(t, rows[i]["status"])
		switch {
		case want.rekeyable() && got != want.wantStatus():
			t.Errorf("%s (%s): %s under the new key", want.Key, want.Kind, got)
		case !want.rekeyable() && got == statusOK:
			t.Errorf("%s (%s): verifies under the new key", want.Key, want.Kind)
		}
		if want.Kind == "json" {
			var keys []string
			json.Unmarshal(rows[i]["keys"], &keys)
			if strings.Join(keys, ",") != strings.Join(want.Keys, ",") {
				t.Errorf("%s: keys %v, want %v", want.Key, keys, want.Keys)
			}
		}
	}
	for _, want := range f.Rows {
		if want.Kind != "json" {
			continue
		}
		res := runCLI(t, nil, env, "", append([]string{"sessions", "show", "--database-url", url, want.Key}, extra...)...)
		var got struct{ Data json.RawMessage }
		if err := json.Unmarshal([]byte(res.out), &got); err != nil || canon(t, got.Data) != canon(t, want.Data) {
			t.Errorf("%s: %v %s", want.Key, err, res.out)
		}
	}
}

func TestSessionsRekey(t *testing.T) {
	f := loadFixture(t)
	url, path := copyFixtureDB(t)
	movable, fixed := 0, 0
	for _, r := range f.Rows {
		if r.rekeyable() {
			movable++
		} else {
			fixed++
		}
	}

	// dry run changes nothing
	before := readFile(t, path)
	res := rekeyRun(t, nil, url, "--dry-run")
	if res.code != 0 || !strings.Contains(res.out, "would rekey "+itoa(movable)+" sessions") {
		t.Fatalf("dry run: exit %d %q %q", res.code, res.out, res.err)
	}
	if readFile(t, path) != before {
		t.Fatal("dry run changed the database")
	}

	res = rekeyRun(t, nil, url, "--batch-size", "7")
	if res.code != 0 || !strings.Contains(res.out, "rekeyed "+itoa(movable)+" sessions; 0 already") ||
		!strings.Contains(res.out, itoa(fixed)+" left untouched") {
		t.Fatalf("exit %d %q %q", res.code, res.out, res.err)
	}
	for _, r := range f.Rows {
		if !r.rekeyable() && !strings.Contains(res.out, "untouched "+r.Key+" ") {
			t.Errorf("%s (%s) not reported as untouched", r.Key, r.Kind)
		}
	}
	checkRekeyed(t, f, url)

	// a second run finds everything done
	res = rekeyRun(t, nil, url)
	if res.code != 0 || !strings.Contains(res.out, "rekeyed 0 sessions; "+itoa(movable)+" already") {
		t.Fatalf("second run: exit %d %q", res.code, res.out)
	}
}

func TestSessionsRekeyInterruptedResumes(t *testing.T) {
	f := loadFixture(t)
	movable := 0
	for _, r := range f.Rows {
		if r.rekeyable() {
			movable++
		}
	}
	for _, withState := range []bool{true, false} {
		name := map[bool]string{true: "state-file", false: "no-state-file"}[withState]
		t.Run(name, func(t *testing.T) {
			url, _ := copyFixtureDB(t)
			var extra []string
			state := filepath.Join(t.TempDir(), "rekey.state")
			if withState {
				extra = []string{"--state-file", state}
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			const stopAfter = 13
			ctx = context.WithValue(ctx, afterRowKey{}, func(n int) {
				if n == stopAfter {
					cancel()
				}
			})
			res := rekeyRun(t, ctx, url, append([]string{"--batch-size", "5"}, extra...)...)
			if res.code != 2 || !strings.Contains(res.err, "context canceled") {
				t.Fatalf("interrupted run: exit %d %q %q", res.code, res.out, res.err)
			}
			// some batches were committed, not all
			env := map[string]string{envSecretKey: newTestKey}
			ls := runCLI(t, nil, env, "", "sessions", "ls", "--database-url", url, "--format", "jsonl", "--columns", "status")
			done := strings.Count(ls.out, `"ok"`) + strings.Count(ls.out, `"undecoded"`)
			if done == 0 || done >= movable {
				t.Fatalf("after the interruption %d of %d rows are re-keyed", done, movable)
			}
			if withState {
				if st, err := readRekeyState(state); err != nil || st == nil || st.LastKey == "" {
					t.Fatalf("state %+v %v", st, err)
				}
				if fi, err := os.Stat(state); err != nil || fi.Mode().Perm() != 0o600 {
					t.Fatalf("state file mode: %v %v", fi.Mode(), err)
				}
			}
			res = rekeyRun(t, nil, url, extra...)
			if res.code != 0 {
				t.Fatalf("resumed run: exit %d %q", res.code, res.err)
			}
			if !strings.Contains(res.out, "rekeyed "+itoa(movable-done)+" sessions") {
				t.Errorf("resumed run: %q, want %d re-keyed (done before: %d)", res.out, movable-done, done)
			}
			checkRekeyed(t, f, url)
		})
	}
}

// TestSessionsRekeyDjangoReads has real Django read every re-keyed session
// with the new SECRET_KEY.
func TestSessionsRekeyDjangoReads(t *testing.T) {
	djangos := testenv.Djangos(t)
	f := loadFixture(t)
	url, path := copyFixtureDB(t)
	res := rekeyRun(t, nil, url)
	if res.code != 0 {
		t.Fatalf("rekey: exit %d %q", res.code, res.err)
	}
	keyFile := filepath.Join(t.TempDir(), "new_key.txt")
	os.WriteFile(keyFile, []byte(newTestKey+"\n"), 0o600)
	for _, dj := range djangos {
		t.Run(dj.Version, func(t *testing.T) {
			djangoReadCheck(t, dj, f, path, keyFile, "django_session")
		})
	}
}

// djangoReadCheck has dj decode every fixture row of the SQLite database at
// path with the key in keyFile, and checks what it read.
func djangoReadCheck(t *testing.T, dj testenv.Django, f *fixture, path, keyFile, table string) {
	t.Helper()
	var in strings.Builder
	for _, r := range f.Rows {
		ser := "json"
		if r.Kind == "pickle" {
			ser = "pickle"
		}
		b, _ := json.Marshal(map[string]string{"key": r.Key, "serializer": ser})
		in.Write(append(b, '\n'))
	}
	out := dj.Run(t, "../../testdata/sessions_db_django_read.py", []byte(in.String()), path, keyFile, table)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(f.Rows) {
		t.Fatalf("django read %d rows of %d", len(lines), len(f.Rows))
	}
	checked := 0
	for i, r := range f.Rows {
		var got struct {
			Key       string
			Data      json.RawMessage
			Corrupted bool
			Skipped   *string
		}
		if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
			t.Fatal(err)
		}
		legacyReadable := dj.Version == "3.2"
		switch {
		case got.Skipped != nil:
			if r.Kind != "pickle" {
				t.Errorf("%s: skipped: %s", r.Key, *got.Skipped)
			}
		case !r.rekeyable():
			if !got.Corrupted {
				t.Errorf("%s (%s): Django read it under the new key: %s", r.Key, r.Kind, got.Data)
			}
		case r.Format == formatLegacy && !legacyReadable:
			if !got.Corrupted {
				t.Errorf("%s: Django %s read a legacy row", r.Key, dj.Version)
			}
		case got.Corrupted:
			t.Errorf("%s (%s %s): Django %s says corrupted", r.Key, r.Kind, r.Format, dj.Version)
		case r.Kind == "json":
			if canon(t, got.Data) != canon(t, r.Data) {
				t.Errorf("%s: Django read %s, want %s", r.Key, got.Data, r.Data)
			}
			checked++
		default: // pickle: the keys survive
			var m map[string]any
			json.Unmarshal(got.Data, &m)
			if len(m) == 0 {
				t.Errorf("%s: pickle row read as %s", r.Key, got.Data)
			}
			checked++
		}
	}
	if checked < 25 {
		t.Fatalf("only %d rows checked", checked)
	}
}

// TestCustomClassName checks that --class-name moves the key salt for
// classify and rekey: data of a store class named MyStore
// ("django.contrib.sessions.MyStore") reads only with that name.
func TestCustomClassName(t *testing.T) {
	const key = "custom-class-key"
	for _, class := range []string{"MyStore", "Outer.Inner"} {
		for _, legacy := range []bool{false, true} {
			codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: key}, ClassName: class, WriteLegacy: legacy})
			if err != nil {
				t.Fatal(err)
			}
			d := &pyjson.Object{}
			d.Set("a", int64(1))
			data, err := codec.Encode(d)
			if err != nil {
				t.Fatal(err)
			}
			def, _ := newClassifier(key, nil, "", false)
			own, _ := newClassifier(key, nil, class, false)
			if v := def.classify(data); v.verified {
				t.Errorf("%s legacy=%v: verified with the default class", class, legacy)
			}
			if v := own.classify(data); v.status != statusOK {
				t.Errorf("%s legacy=%v: %s %v", class, legacy, v.status, v.err)
			}
			rs, _ := newResigner([]string{key}, newTestKey, class)
			out, outcome, err := rs.resign(data)
			if err != nil || outcome != resignDone {
				t.Fatalf("%s legacy=%v: %q %v", class, legacy, outcome, err)
			}
			after, _ := newClassifier(newTestKey, nil, class, false)
			if v := after.classify(out); v.status != statusOK || v.format != map[bool]string{false: formatCurrent, true: formatLegacy}[legacy] {
				t.Errorf("%s legacy=%v: after rekey %s %s", class, legacy, v.status, v.format)
			}
		}
	}
}
