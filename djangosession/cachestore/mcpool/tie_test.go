package mcpool_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/djsession/djsession/djangosession/cachestore/mcpool"
	"github.com/djsession/djsession/internal/testenv"
)

// TestRendezvousTie: two servers whose rendezvous scores for a key are
// equal (found by search: a 32-bit collision of murmur3("name-key")); the
// tie goes to the greater name, in either LOCATION order, as pymemcache's
// RendezvousHash decides.
func TestRendezvousTie(t *testing.T) {
	dj := testenv.Django32(t)
	key := ":1:django.contrib.sessions.cachetie"
	seen := map[uint32]string{}
	var a, b string
	for i := 0; a == ""; i++ {
		name := "h" + strconv.Itoa(i) + ":11211"
		s := mcpool.Murmur3Score(name, key)
		if other, ok := seen[s]; ok {
			a, b = other, name
		}
		seen[s] = name
		if i > 1<<22 {
			t.Fatal("no collision found")
		}
	}
	req, _ := json.Marshal(map[string]any{"servers": []string{a, b}, "keys": []string{key}})
	var py string
	if err := json.Unmarshal(bytes.TrimSpace(dj.Run(t, peerScript, req, "{}", "rendezvous")), &py); err != nil {
		t.Fatal(err)
	}
	for _, servers := range [][]string{{a, b}, {b, a}} {
		p := offlinePool(t, servers, mcpool.PyMemcacheCache, nil)
		if got := servers[p.Server(key)]; got != py {
			t.Errorf("servers %v tie on %q: Go picks %s, pymemcache %s", servers, key, got, py)
		}
	}
	t.Logf("%s and %s tie; pymemcache picks %s", a, b, py)
}
