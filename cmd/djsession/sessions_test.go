package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/python/pyjson"
)

// fixture is testdata/sessions_db_expect.json, written by
// testdata/sessions_db_gen.py with real Django beside the SQLite database.
type fixture struct {
	Django       string `json:"django"`
	OtherKey     string `json:"other_key"`
	SignedCookie struct {
		Value string          `json:"value"`
		Data  json.RawMessage `json:"data"`
	} `json:"signed_cookie"`
	Rows []fixtureRow `json:"rows"`
}

type fixtureRow struct {
	Key         string          `json:"key"`
	Kind        string          `json:"kind"` // json, pickle, other-key, corrupt
	Format      string          `json:"format"`
	Expired     bool            `json:"expired"`
	ExpireDate  string          `json:"expire_date"`
	SessionData string          `json:"session_data"`
	User        *string         `json:"user"`
	Data        json.RawMessage `json:"data"`
	Keys        []string        `json:"keys"`
	Convertible bool            `json:"convertible"`
}

// decodes reports whether the row's dict can be read as JSON data: JSON
// rows, and pickled rows of plain values.
func (r fixtureRow) decodes() bool {
	return r.Kind == "json" || r.Kind == "pickle" && r.Convertible
}

const (
	fixtureDB      = "../../testdata/sessions_db.sqlite3"
	fixtureKeyFile = "../../testdata/sessions_db_secret_key.txt"
)

func loadFixture(t testing.TB) *fixture {
	t.Helper()
	b, err := os.ReadFile("../../testdata/sessions_db_expect.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) < 30 {
		t.Fatalf("fixture has %d rows", len(f.Rows))
	}
	return &f
}

// wantStatus is the status ls must show for a fixture row.
func (r fixtureRow) wantStatus() string {
	switch r.Kind {
	case "json":
		return statusOK
	case "pickle":
		if r.Convertible {
			return statusOK
		}
		return statusUndecoded
	case "other-key":
		return statusBadSig
	}
	return statusCorrupt
}

func (f *fixture) row(t testing.TB, pred func(fixtureRow) bool) fixtureRow {
	t.Helper()
	for _, r := range f.Rows {
		if pred(r) {
			return r
		}
	}
	t.Fatal("no such fixture row")
	return fixtureRow{}
}

// copyFixtureDB copies the committed database into t.TempDir and returns
// its sqlite://// URL.
func copyFixtureDB(t testing.TB) (url, path string) {
	t.Helper()
	b, err := os.ReadFile(fixtureDB)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "db.sqlite3")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return "sqlite:///" + path, path // path is absolute: four slashes
}

type cliResult struct {
	out, err string
	code     int
}

// runCLI runs djsession with args and env as the whole environment.
func runCLI(t testing.TB, ctx context.Context, env map[string]string, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	a := newApp(strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] })
	if ctx == nil {
		ctx = context.Background()
	}
	code := a.run(ctx, args)
	return cliResult{out.String(), errOut.String(), code}
}

// canon re-encodes a JSON dict in Python's compact form for comparison.
func canon(t testing.TB, raw []byte) string {
	t.Helper()
	v, err := pyjson.Unmarshal(raw)
	if err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	b, err := pyjson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func lsJSONL(t testing.TB, out string) []map[string]json.RawMessage {
	t.Helper()
	var rows []map[string]json.RawMessage
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		rows = append(rows, m)
	}
	return rows
}

func str(t testing.TB, raw json.RawMessage) string {
	t.Helper()
	if string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return s
}

func TestSessionsLsMatchesDjangoFixture(t *testing.T) {
	f := loadFixture(t)
	url, _ := copyFixtureDB(t)
	res := runCLI(t, nil, nil, "", "sessions", "ls", "--database-url", url, "--secret-key-file", fixtureKeyFile,
		"--format", "jsonl", "--columns", "key,expires,expired,status,size,user,format,serializer,keys")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.err)
	}
	rows := lsJSONL(t, res.out)
	if len(rows) != len(f.Rows) {
		t.Fatalf("listed %d rows, the fixture has %d", len(rows), len(f.Rows))
	}
	for i, want := range f.Rows { // both in session_key order
		got := rows[i]
		if k := str(t, got["key"]); k != want.Key {
			t.Fatalf("row %d: key %s, want %s", i, k, want.Key)
		}
		if s := str(t, got["status"]); s != want.wantStatus() {
			t.Errorf("%s (%s): status %s, want %s", want.Key, want.Kind, s, want.wantStatus())
		}
		if e := string(got["expired"]); e != map[bool]string{true: "true", false: "false"}[want.Expired] {
			t.Errorf("%s: expired %s, want %v", want.Key, e, want.Expired)
		}
		var size int
		json.Unmarshal(got["size"], &size)
		if size != len(want.SessionData) {
			t.Errorf("%s: size %d, want %d", want.Key, size, len(want.SessionData))
		}
		if want.decodes() {
			wantUser := ""
			if want.User != nil {
				wantUser = *want.User
			}
			if u := str(t, got["user"]); u != wantUser {
				t.Errorf("%s: user %q, want %q", want.Key, u, wantUser)
			}
			var keys []string
			json.Unmarshal(got["keys"], &keys)
			if strings.Join(keys, ",") != strings.Join(want.Keys, ",") {
				t.Errorf("%s: keys %v, want %v", want.Key, keys, want.Keys)
			}
			if s := str(t, got["serializer"]); s != serJSON && want.Kind == "json" {
				t.Errorf("%s: serializer %s", want.Key, s)
			}
		}
		if want.Kind == "pickle" && str(t, got["serializer"]) != serPickle {
			t.Errorf("%s: serializer %s, want pickle", want.Key, got["serializer"])
		}
		if want.Format != "" && str(t, got["format"]) != want.Format {
			t.Errorf("%s: format %s, want %s", want.Key, got["format"], want.Format)
		}
	}
}

func TestSessionsLsFiltersAndFormats(t *testing.T) {
	f := loadFixture(t)
	url, _ := copyFixtureDB(t)
	base := []string{"sessions", "ls", "--database-url", url, "--secret-key-file", fixtureKeyFile}
	count := func(pred func(fixtureRow) bool) int {
		n := 0
		for _, r := range f.Rows {
			if pred(r) {
				n++
			}
		}
		return n
	}
	user8 := func(r fixtureRow) bool { return r.User != nil && *r.User == "8" && r.decodes() }
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"active", []string{"--active"}, count(func(r fixtureRow) bool { return !r.Expired })},
		{"expired", []string{"--expired"}, count(func(r fixtureRow) bool { return r.Expired })},
		{"user", []string{"--user", "8"}, count(user8)},
		{"user-active", []string{"--user", "1", "--active"}, count(func(r fixtureRow) bool {
			return r.User != nil && *r.User == "1" && r.decodes() && !r.Expired
		})},
		{"prefix", []string{"--key-prefix", f.Rows[3].Key[:3]}, count(func(r fixtureRow) bool { return strings.HasPrefix(r.Key, f.Rows[3].Key[:3]) })},
		{"prefix-like-chars", []string{"--key-prefix", "%"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, nil, nil, "", append(append(base, tt.args...), "--format", "jsonl")...)
			wantCode := 0
			if tt.want == 0 {
				wantCode = 1
			}
			if res.code != wantCode {
				t.Fatalf("exit %d, want %d: %s", res.code, wantCode, res.err)
			}
			if got := len(lsJSONL(t, res.out)); got != tt.want {
				t.Fatalf("%d rows, want %d", got, tt.want)
			}
		})
	}
	if count(user8) < 2 {
		t.Fatal("fixture should have several sessions of user 8")
	}

	t.Run("json", func(t *testing.T) {
		res := runCLI(t, nil, nil, "", append(base, "--format", "json", "--columns", "key,user")...)
		var rows []struct{ Key, User *string }
		if err := json.Unmarshal([]byte(res.out), &rows); err != nil || res.code != 0 {
			t.Fatalf("exit %d, %v: %s", res.code, err, res.out)
		}
		if len(rows) != len(f.Rows) || *rows[0].Key != f.Rows[0].Key {
			t.Fatalf("%d rows", len(rows))
		}
	})
	t.Run("json-empty", func(t *testing.T) {
		res := runCLI(t, nil, nil, "", append(base, "--format", "json", "--user", "nobody")...)
		var rows []any
		if err := json.Unmarshal([]byte(res.out), &rows); err != nil || len(rows) != 0 || res.code != 1 {
			t.Fatalf("exit %d, %v: %q", res.code, err, res.out)
		}
	})
	t.Run("csv", func(t *testing.T) {
		res := runCLI(t, nil, nil, "", append(base, "--format", "csv", "--columns", "key,status,keys")...)
		recs, err := csv.NewReader(strings.NewReader(res.out)).ReadAll()
		if err != nil || res.code != 0 {
			t.Fatal(err, res.err)
		}
		if len(recs) != len(f.Rows)+1 || strings.Join(recs[0], ",") != "key,status,keys" {
			t.Fatalf("%d records, header %v", len(recs), recs[0])
		}
	})
	t.Run("table", func(t *testing.T) {
		res := runCLI(t, nil, nil, "", base...)
		lines := strings.Split(strings.TrimSpace(res.out), "\n")
		if res.code != 0 || len(lines) != len(f.Rows)+1 || !strings.HasPrefix(lines[0], "KEY ") {
			t.Fatalf("exit %d, %d lines:\n%s", res.code, len(lines), res.out)
		}
		bad := f.row(t, func(r fixtureRow) bool { return r.Kind == "other-key" })
		if !strings.Contains(res.out, bad.Key) || !strings.Contains(res.out, statusBadSig) {
			t.Fatal("the row signed with another key is not listed as such")
		}
	})
}

func TestSessionsLsWrongKeyListsEverything(t *testing.T) {
	f := loadFixture(t)
	url, _ := copyFixtureDB(t)
	env := map[string]string{envSecretKey: f.OtherKey, envDatabaseURL: url}
	res := runCLI(t, nil, env, "", "sessions", "ls", "--format", "jsonl", "--columns", "key,status")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.err)
	}
	rows := lsJSONL(t, res.out)
	if len(rows) != len(f.Rows) {
		t.Fatalf("%d rows", len(rows))
	}
	for i, r := range rows {
		want := statusBadSig
		switch f.Rows[i].Kind {
		case "other-key":
			want = statusOK
		case "corrupt":
			want = statusCorrupt
		}
		if got := str(t, r["status"]); got != want {
			t.Errorf("%s (%s): %s, want %s", f.Rows[i].Key, f.Rows[i].Kind, got, want)
		}
	}
}

func TestSessionsShow(t *testing.T) {
	f := loadFixture(t)
	url, _ := copyFixtureDB(t)
	base := []string{"sessions", "show", "--database-url", url, "--secret-key-file", fixtureKeyFile}
	for _, r := range f.Rows {
		res := runCLI(t, nil, nil, "", append(base, r.Key)...)
		var got struct {
			Key      string          `json:"key"`
			Verified bool            `json:"verified"`
			Status   string          `json:"status"`
			Expired  bool            `json:"expired"`
			Data     json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal([]byte(res.out), &got); err != nil {
			t.Fatalf("%s: %v: %q %q", r.Key, err, res.out, res.err)
		}
		if got.Key != r.Key || got.Status != r.wantStatus() || got.Expired != r.Expired {
			t.Errorf("%s: %+v", r.Key, got)
		}
		wantCode := map[string]int{statusOK: 0, statusBadSig: 1, statusCorrupt: 1, statusUndecoded: 2}[r.wantStatus()]
		if r.Kind == "corrupt" && got.Verified {
			wantCode = 2
		}
		if res.code != wantCode {
			t.Errorf("%s (%s): exit %d, want %d (%s)", r.Key, r.Kind, res.code, wantCode, res.err)
		}
		if r.decodes() && canon(t, got.Data) != canon(t, r.Data) {
			t.Errorf("%s: data %s, want %s", r.Key, got.Data, r.Data)
		}
	}
	res := runCLI(t, nil, nil, "", append(base, "nosuchsessionkey0000000000000000")...)
	if res.code != 1 || !strings.Contains(res.err, "no session") {
		t.Fatalf("missing key: exit %d %q", res.code, res.err)
	}
}

func TestSessionsDecode(t *testing.T) {
	f := loadFixture(t)
	key := strings.TrimSpace(readFile(t, fixtureKeyFile))
	env := map[string]string{envSecretKey: key}
	type out struct {
		Kind     string          `json:"kind"`
		Verified bool            `json:"verified"`
		Status   string          `json:"status"`
		Format   string          `json:"format"`
		Data     json.RawMessage `json:"data"`
	}
	decode := func(t *testing.T, env map[string]string, stdin string, args ...string) (out, cliResult) {
		res := runCLI(t, nil, env, stdin, append([]string{"sessions", "decode"}, args...)...)
		var o out
		if err := json.Unmarshal([]byte(res.out), &o); err != nil {
			t.Fatalf("%v: %q %q", err, res.out, res.err)
		}
		return o, res
	}
	t.Run("session_data", func(t *testing.T) {
		for _, r := range f.Rows {
			if r.Kind != "json" {
				continue
			}
			o, res := decode(t, env, "", r.SessionData)
			if res.code != 0 || !o.Verified || o.Kind != "session_data" || o.Format != r.Format || canon(t, o.Data) != canon(t, r.Data) {
				t.Errorf("%s: exit %d %+v", r.Key, res.code, o)
			}
		}
	})
	t.Run("stdin", func(t *testing.T) {
		r := f.row(t, func(r fixtureRow) bool { return r.Kind == "json" && len(r.Keys) > 2 })
		o, res := decode(t, env, r.SessionData+"\n", "-")
		if res.code != 0 || canon(t, o.Data) != canon(t, r.Data) {
			t.Fatalf("exit %d %+v", res.code, o)
		}
	})
	t.Run("signed_cookie", func(t *testing.T) {
		// the fixture's cookie was signed when the fixture was made: give
		// it a SESSION_COOKIE_AGE that covers that, then one that does not
		o, res := decode(t, env, "", "--cookie-age", "87600h", f.SignedCookie.Value)
		if res.code != 0 || o.Kind != "signed_cookie" || canon(t, o.Data) != canon(t, f.SignedCookie.Data) || !strings.Contains(res.out, `"cookie_expired": false`) {
			t.Fatalf("exit %d %+v %s", res.code, o, res.err)
		}
		o, res = decode(t, env, "", "--cookie-age", "1s", f.SignedCookie.Value)
		if res.code != 1 || o.Status != statusExpired || !strings.Contains(res.out, `"cookie_expired": true`) {
			t.Fatalf("expired: exit %d %+v %s", res.code, o, res.err)
		}
	})
	t.Run("fallback-key", func(t *testing.T) {
		r := f.row(t, func(r fixtureRow) bool { return r.Kind == "other-key" })
		env := map[string]string{envSecretKey: key, envSecretKeyFallbacks: "unused\n" + f.OtherKey + "\n"}
		o, res := decode(t, env, "", r.SessionData)
		if res.code != 0 || !o.Verified || !strings.Contains(res.out, `"verified_with": "fallback key 2"`) {
			t.Fatalf("exit %d %s", res.code, res.out)
		}
	})
	t.Run("bad-signature", func(t *testing.T) {
		r := f.row(t, func(r fixtureRow) bool { return r.Kind == "other-key" })
		o, res := decode(t, env, "", r.SessionData)
		if res.code != 1 || o.Verified || o.Data != nil || !strings.Contains(res.err, "bad-signature") {
			t.Fatalf("exit %d %+v %q", res.code, o, res.err)
		}
	})
	t.Run("no-verify", func(t *testing.T) {
		for _, r := range f.Rows {
			if r.Kind != "other-key" && !(r.Kind == "json" && r.Format == "legacy") {
				continue
			}
			o, res := decode(t, map[string]string{envSecretKey: "wrong"}, "", "--no-verify", r.SessionData)
			if res.code != 1 || o.Verified || o.Data == nil || !strings.Contains(res.err, "NOT verified") {
				t.Errorf("%s: exit %d %+v %q", r.Key, res.code, o, res.err)
			}
			if r.Kind == "json" && canon(t, o.Data) != canon(t, r.Data) {
				t.Errorf("%s: %s", r.Key, o.Data)
			}
		}
		// no key at all is fine with --no-verify
		r := f.row(t, func(r fixtureRow) bool { return r.Kind == "json" })
		o, res := decode(t, nil, "", "--no-verify", r.SessionData)
		if res.code != 1 || canon(t, o.Data) != canon(t, r.Data) {
			t.Errorf("no key: exit %d %+v", res.code, o)
		}
	})
	t.Run("garbage", func(t *testing.T) {
		for _, v := range []string{"x", "a:b:c", "::", ".:1:2", strings.Repeat("A", 100)} {
			o, res := decode(t, env, "", "--no-verify", v)
			if res.code == 0 || o.Verified {
				t.Errorf("%q: exit %d %+v", v, res.code, o)
			}
		}
	})
	t.Run("no-key", func(t *testing.T) {
		res := runCLI(t, nil, nil, "", "sessions", "decode", "abc")
		if res.code != 2 || !strings.Contains(res.err, "no secret key") {
			t.Fatalf("exit %d %q", res.code, res.err)
		}
	})
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSessionsStats(t *testing.T) {
	f := loadFixture(t)
	url, _ := copyFixtureDB(t)
	res := runCLI(t, nil, nil, "", "sessions", "stats", "--database-url", url, "--secret-key-file", fixtureKeyFile, "--format", "json")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.err)
	}
	var st sessionStats
	if err := json.Unmarshal([]byte(res.out), &st); err != nil {
		t.Fatal(err)
	}
	var active, expired, size int64
	status := map[string]int64{}
	users := map[string]int64{}
	legacy, pickle := int64(0), int64(0)
	for _, r := range f.Rows {
		if r.Expired {
			expired++
		} else {
			active++
		}
		size += int64(len(r.SessionData))
		status[r.wantStatus()]++
		if r.decodes() && r.User != nil {
			users[*r.User]++
		}
		if r.Format == "legacy" {
			legacy++
		}
		if r.Kind == "pickle" {
			pickle++
		}
	}
	if st.Total != int64(len(f.Rows)) || st.Active != active || st.Expired != expired || st.Size.Total != size {
		t.Errorf("totals %d/%d/%d size %d; want %d/%d/%d size %d", st.Total, st.Active, st.Expired, st.Size.Total, len(f.Rows), active, expired, size)
	}
	for k, v := range status {
		if st.Status[k] != v {
			t.Errorf("status %s: %d, want %d", k, st.Status[k], v)
		}
	}
	if st.Format[formatLegacy] != legacy || st.Serializer[serPickle] != pickle || legacy == 0 || pickle == 0 {
		t.Errorf("formats %v serializers %v; want %d legacy %d pickle", st.Format, st.Serializer, legacy, pickle)
	}
	if st.Users.Distinct != len(users) {
		t.Errorf("%d distinct users, want %d", st.Users.Distinct, len(users))
	}
	var top []userCount
	for u, n := range users {
		top = append(top, userCount{u, n})
	}
	sort.Slice(top, func(i, j int) bool {
		if top[i].Sessions != top[j].Sessions {
			return top[i].Sessions > top[j].Sessions
		}
		return top[i].User < top[j].User
	})
	if st.Users.Top[0] != top[0] {
		t.Errorf("top user %+v, want %+v", st.Users.Top[0], top[0])
	}
	var inBuckets int64
	for _, b := range st.Size.Buckets {
		inBuckets += b.Count
	}
	if inBuckets != st.Total {
		t.Errorf("size buckets hold %d of %d", inBuckets, st.Total)
	}
	text := runCLI(t, nil, nil, "", "sessions", "stats", "--database-url", url, "--secret-key-file", fixtureKeyFile)
	if text.code != 0 || !strings.Contains(text.out, "legacy 3") || !strings.Contains(text.out, "pickle "+itoa(int(pickle))) {
		t.Errorf("text stats: exit %d\n%s", text.code, text.out)
	}
}

func TestSessionsClearExpired(t *testing.T) {
	f := loadFixture(t)
	url, _ := copyFixtureDB(t)
	var expired int
	for _, r := range f.Rows {
		if r.Expired {
			expired++
		}
	}
	base := []string{"sessions", "clear-expired", "--database-url", url}
	res := runCLI(t, nil, nil, "", append(base, "--dry-run")...)
	if res.code != 0 || !strings.Contains(res.out, "would delete "+itoa(expired)+" ") {
		t.Fatalf("dry run: exit %d %q %q", res.code, res.out, res.err)
	}
	res = runCLI(t, nil, nil, "", append(base, "--batch-size", "3")...)
	if res.code != 0 || !strings.Contains(res.out, "deleted "+itoa(expired)+" ") || res.err != "" {
		t.Fatalf("exit %d %q %q", res.code, res.out, res.err)
	}
	ls := runCLI(t, nil, nil, "", "sessions", "ls", "--database-url", url, "--secret-key-file", fixtureKeyFile, "--format", "jsonl", "--columns", "key")
	rows := lsJSONL(t, ls.out)
	if len(rows) != len(f.Rows)-expired {
		t.Fatalf("%d rows left, want %d", len(rows), len(f.Rows)-expired)
	}
	ls = runCLI(t, nil, nil, "", "sessions", "ls", "--database-url", url, "--secret-key-file", fixtureKeyFile, "--expired")
	if ls.code != 1 {
		t.Fatalf("expired left: exit %d\n%s", ls.code, ls.out)
	}
	res = runCLI(t, nil, nil, "", base...)
	if res.code != 0 || !strings.Contains(res.out, "deleted 0 ") {
		t.Fatalf("second run: exit %d %q", res.code, res.out)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestSessionsUsageErrors(t *testing.T) {
	url, _ := copyFixtureDB(t)
	env := map[string]string{envSecretKey: "k"}
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"sessions", "ls"}, "no database"},
		{[]string{"sessions", "ls", "--database-url", "oracle://x/y"}, "unsupported scheme"},
		{[]string{"sessions", "ls", "--database-url", url, "--format", "xml"}, "unknown --format"},
		{[]string{"sessions", "ls", "--database-url", url, "--columns", "key,nope"}, "unknown column"},
		{[]string{"sessions", "ls", "--database-url", url, "--active", "--expired"}, "none of the others"},
		{[]string{"sessions", "ls", "--database-url", url, "--table", "x; drop table y"}, "bad --table"},
		{[]string{"sessions", "ls", "--database-url", "sqlite:////nonexistent/db.sqlite3"}, "nonexistent"},
		{[]string{"sessions", "ls", "--database-url", url, "--table", "missing_table"}, "missing_table"},
		{[]string{"sessions", "show", "--database-url", url}, "accepts 1 arg"},
		{[]string{"sessions", "rekey", "--database-url", url}, "no new secret key"},
		{[]string{"sessions", "clear-expired", "--database-url", url, "--batch-size", "0"}, "batch-size"},
		{[]string{"sessions", "ls", "--database-url", "postgres://u:hunter2@127.0.0.1:1/x"}, "127.0.0.1"},
	}
	for _, tt := range tests {
		res := runCLI(t, nil, env, "", tt.args...)
		if res.code != 2 || !strings.Contains(res.err, tt.msg) || strings.Count(res.err, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q (want %q)", tt.args, res.code, res.err, tt.msg)
		}
		if strings.Contains(res.err, "hunter2") {
			t.Errorf("%v: password in the error: %q", tt.args, res.err)
		}
	}
}

func TestSessionsHelpVersionCompletion(t *testing.T) {
	for _, sub := range []string{"ls", "show", "decode", "stats", "clear-expired", "rekey", "copy", "convert"} {
		res := runCLI(t, nil, nil, "", "sessions", sub, "--help")
		if res.code != 0 || !strings.Contains(res.out, "Examples:") || !strings.Contains(res.out, "djsession sessions") {
			t.Errorf("%s --help: exit %d\n%s", sub, res.code, res.out)
		}
	}
	res := runCLI(t, nil, nil, "", "--version")
	if res.code != 0 || !strings.Contains(res.out, buildVersion()) {
		t.Errorf("--version: %d %q", res.code, res.out)
	}
	res = runCLI(t, nil, nil, "", "completion", "bash")
	if res.code != 0 || !strings.Contains(res.out, "sessions") && !strings.Contains(res.out, "__djsession") {
		t.Errorf("completion: %d", res.code)
	}
	res = runCLI(t, nil, nil, "", "__complete", "sessions", "ls", "--format", "")
	if res.code != 0 || !strings.Contains(res.out, "jsonl") {
		t.Errorf("format completion: %d %q", res.code, res.out)
	}
}

func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	if p := newProgress(&b, "x", 10); p.on {
		t.Fatal("progress bar on a buffer, not a terminal")
	}
	p := &progress{w: &b, on: true, total: 4, label: "clear-expired"}
	p.update(1)
	p.last = p.last.Add(-time.Second)
	p.update(4)
	p.finish()
	out := b.String()
	if !strings.Contains(out, "\rclear-expired [=======") || !strings.Contains(out, " 25% 1/4") || !strings.HasSuffix(out, "100% 4/4\n") {
		t.Fatalf("%q", out)
	}
}
