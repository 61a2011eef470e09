package testenv

import (
	"strconv"
	"testing"
)

func TestStartMemcached(t *testing.T) {
	Topologies(t)
	bin := Binary(t, "memcached")
	port := FreePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p := Start(t, "memcached", addr, bin, "-u", "root", "-l", "127.0.0.1", "-p", strconv.Itoa(port), "-m", "8")
	if p.Exited() {
		t.Fatal("exited")
	}
	p.Stop()
	if !p.Exited() {
		t.Fatal("still running after Stop")
	}
	if err := p.WaitListening(0); err == nil {
		t.Fatal("still listening after Stop")
	}
}
