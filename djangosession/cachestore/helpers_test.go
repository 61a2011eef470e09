package cachestore_test

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// memcachedExp asks memcached (1.6+ meta get) when key expires, as a Unix
// time; ok is false when the key is not stored. memcached keeps whole
// seconds on its own clock, so the value is good to about a second.
func memcachedExp(t testing.TB, addr, key string) (exp int64, ok bool) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(c, "mg %s t\r\n", key); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(line)
	if len(f) == 0 || f[0] == "EN" {
		return 0, false
	}
	for _, x := range f[1:] {
		if v, found := strings.CutPrefix(x, "t"); found {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("mg reply %q", line)
			}
			if n < 0 {
				return -1, true
			}
			return time.Now().Unix() + n, true
		}
	}
	t.Fatalf("mg reply %q", line)
	return 0, false
}
