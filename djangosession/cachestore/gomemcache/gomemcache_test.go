package gomemcache_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/djangosession/cachestore/gomemcache"
	"github.com/djsession/djsession/djangosession/cachestore/mcpool"
)

// TestConnectFailure: a server that cannot be reached, by refusal or by a
// connect timeout (gomemcache's ConnectTimeoutError), is reported as a
// *net.OpError with Op "dial", which mcpool reads as a failure to connect.
func TestConnectFailure(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := l.Addr().String()
	l.Close()
	for _, tc := range []struct {
		name  string
		setup func(*memcache.Client)
	}{
		{"refused", nil},
		{"timeout", func(mc *memcache.Client) {
			mc.Timeout = 50 * time.Millisecond
			mc.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
				<-ctx.Done()
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: timeoutErr{}}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pool, err := gomemcache.NewPool([]string{refused}, &mcpool.Options{Backend: mcpool.PyLibMCCache}, tc.setup)
			if err != nil {
				t.Fatal(err)
			}
			_, _, _, err = pool.Get(context.Background(), "k")
			var op *net.OpError
			if !errors.As(err, &op) || op.Op != "dial" {
				t.Fatalf("got %T %v, want a dial *net.OpError", err, err)
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }
