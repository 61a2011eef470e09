package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/testenv"
)

// pool_mode=transaction turns on dbstore's TransactionPooler and lib/pq's
// one-round-trip statements; the parameter itself never reaches the
// server.
func TestPoolModeURL(t *testing.T) {
	for _, tc := range []struct {
		url, dsn string
		pooler   bool
	}{
		{"postgres://u@h/d?pool_mode=transaction", "postgres://u@h/d?binary_parameters=yes", true},
		{"postgres://u@h/d?pool_mode=statement&sslmode=disable", "postgres://u@h/d?binary_parameters=yes&sslmode=disable", true},
		{"postgres://u@h/d?pool_mode=session", "postgres://u@h/d", false},
		{"postgres://u@h/d?sslmode=disable", "postgres://u@h/d?sslmode=disable", false},
	} {
		got, err := parseDatabaseURL(tc.url)
		if err != nil || got.dsn != tc.dsn || got.pooler != tc.pooler {
			t.Errorf("%s: dsn %q pooler %v (%v), want %q %v", tc.url, got.dsn, got.pooler, err, tc.dsn, tc.pooler)
		}
	}
	for _, bad := range []string{"postgres://u@h/d?pool_mode=transaction&binary_parameters=no", "postgres://u@h/d?pool_mode=txn"} {
		if _, err := parseDatabaseURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// Through PgBouncer in transaction mode (pool of 2 server connections):
// ls, stats and copy work with pool_mode=transaction; ls and stats read
// from --read-database-url (here the table exists only there, the primary
// being another database).
func TestSessionsPgBouncerReplica(t *testing.T) {
	st := postgresTable(t)
	u, err := url.Parse(st.url)
	if err != nil {
		t.Fatal(err)
	}
	bouncer := testenv.PgBouncer(t, u.Host, testenv.PgBouncerOptions{PoolMode: "transaction", PoolSize: 2})
	pooled := *u
	pooled.Host = bouncer.Addr
	q := pooled.Query()
	q.Set("pool_mode", "transaction")
	pooled.RawQuery = q.Encode()
	f := loadFixture(t)
	key := []string{"--secret-key-file", fixtureKeyFile, "--table", st.table}

	res := runCLI(t, nil, nil, "", append([]string{"sessions", "ls", "--format", "jsonl", "--columns", "key", "--database-url", pooled.String()}, key...)...)
	if rows := lsJSONL(t, res.out); res.code != 0 || len(rows) != len(f.Rows) {
		t.Fatalf("ls through pgbouncer: exit %d, %d of %d rows %s", res.code, len(rows), len(f.Rows), res.err)
	}
	res = runCLI(t, nil, nil, "", "sessions", "copy", "--database-url", pooled.String(), "--secret-key-file", fixtureKeyFile, "--table", st.table, "--to", pooled.String(), "--to-table", st.empty)
	if res.code != 0 || !strings.Contains(res.out, "copied") {
		t.Fatalf("copy through pgbouncer: exit %d %s %s", res.code, res.out, res.err)
	}

	other := *u
	other.Path = "/postgres" // a database without the table
	res = runCLI(t, nil, nil, "", append([]string{"sessions", "stats", "--database-url", other.String(), "--read-database-url", pooled.String()}, key...)...)
	if res.code != 0 || !strings.Contains(res.out, "sessions") {
		t.Fatalf("stats from the replica: exit %d %s %s", res.code, res.out, res.err)
	}
	res = runCLI(t, nil, nil, "", append([]string{"sessions", "ls", "--format", "jsonl", "--columns", "key", "--database-url", other.String()}, key...)...)
	if res.code == 0 {
		t.Fatalf("ls on the primary, which has no table, succeeded: %s", res.out)
	}
	res = runCLI(t, nil, nil, "", append([]string{"sessions", "ls", "--format", "jsonl", "--columns", "key", "--database-url", other.String(), "--read-database-url", pooled.String()}, key...)...)
	if rows := lsJSONL(t, res.out); res.code != 0 || len(rows) != len(f.Rows) {
		t.Fatalf("ls from the replica: exit %d, %d of %d rows %s", res.code, len(rows), len(f.Rows), res.err)
	}
	if res := runCLI(t, nil, nil, "", "sessions", "ls", "--database-url", other.String(), "--read-database-url", "sqlite:///x.sqlite3"); res.code != exitError {
		t.Errorf("a replica of another engine: exit %d", res.code)
	}
}

// The redis:// topology parameters, and the memcached backends' OPTIONS.
func TestPoolURLs(t *testing.T) {
	for _, tc := range []struct {
		url, topology, backend string
		shards, sentinels      []string
		master                 string
	}{
		{"redis://h1:6379,h2/0", topoReplicated, "redis", nil, nil, ""},
		{"redis://h1,h2/0?backend=django-redis", topoReplicated, "django-redis", nil, nil, ""},
		{"redis://:pw@h1:6379,h2/1?client_class=ShardClient", topoShard, "django-redis", []string{"redis://:pw@h1:6379/1", "redis://:pw@h2/1"}, nil, ""},
		{"rediss://h1,h2:7000?client_class=django_redis.client.ShardClient", topoShard, "django-redis", []string{"rediss://h1", "rediss://h2:7000"}, nil, ""},
		{"redis://mymaster/0?client_class=SentinelClient&sentinels=s1:26379,s2:26380", topoSentinel, "django-redis", nil, []string{"s1:26379", "s2:26380"}, "mymaster"},
	} {
		got, err := parseDatabaseURL(tc.url)
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if got.topology != tc.topology || got.backend != tc.backend || got.masterName != tc.master ||
			strings.Join(got.shardNames, " ") != strings.Join(tc.shards, " ") || strings.Join(got.sentinels, " ") != strings.Join(tc.sentinels, " ") {
			t.Errorf("%s: %s %s shards %q sentinels %q master %q", tc.url, got.topology, got.backend, got.shardNames, got.sentinels, got.masterName)
		}
	}
	for _, bad := range []string{
		"redis://h/0?client_class=HerdClient",
		"redis://mymaster/0?client_class=SentinelClient",
		"redis://a,b/0?client_class=SentinelClient&sentinels=s:1",
		"redis://h/0?sentinels=s:1",
		"redis://m/0?client_class=SentinelClient&sentinels=s",
		"memcached://h?backend=pylibmc&retry_attempts=2",
		"memcached://h?ketama=1",
		"memcached://h?backend=bmemcached",
	} {
		if _, err := parseDatabaseURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	got, err := parseDatabaseURL("memcached://h1,h2?backend=pylibmc&ketama=1&hash=md5")
	if err != nil {
		t.Fatal(err)
	}
	if bs, _ := got.mcOptions["behaviors"].(map[string]any); bs["ketama"] != "1" || bs["hash"] != "md5" || len(bs) != 2 {
		t.Errorf("pylibmc behaviors %v", got.mcOptions)
	}
}
