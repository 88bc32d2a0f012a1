package evio

import (
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSetNoDelay turns Nagle's algorithm off on a socket that has it on.
func TestSetNoDelay(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var before, after int
	var setErr, getErr error
	raw.Control(func(fd uintptr) {
		unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NODELAY, 0)
		before, _ = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NODELAY)
		setErr = setNoDelay(int(fd))
		after, getErr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NODELAY)
	})
	if setErr != nil || getErr != nil || before != 0 || after == 0 {
		t.Errorf("TCP_NODELAY %d -> %d (set: %v, get: %v), want 0 -> 1", before, after, setErr, getErr)
	}
}
