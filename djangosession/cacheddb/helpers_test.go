package cacheddb_test

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// memcachedTTL asks memcached (1.6+ meta get) how long key has left; ok
// is false when it is not stored. memcached counts whole seconds.
func memcachedTTL(t testing.TB, addr, key string) (time.Duration, bool) {
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
			return time.Duration(n) * time.Second, true
		}
	}
	t.Fatalf("mg reply %q", line)
	return 0, false
}
