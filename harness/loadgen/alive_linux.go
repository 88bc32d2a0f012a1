package loadgen

import (
	"errors"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// alive reports whether the peer has not closed c, without blocking: a
// non-blocking peek finds pending bytes or nothing (open), end of stream or
// an error (closed).
func alive(c net.Conn) (bool, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false, errors.ErrUnsupported
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false, err
	}
	var up bool
	var perr error
	err = rc.Control(func(fd uintptr) {
		var b [1]byte
		n, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
		switch {
		case errors.Is(err, unix.EAGAIN):
			up = true
		case err != nil:
			perr = os.NewSyscallError("recvfrom", err)
		default:
			up = n > 0
		}
	})
	if err != nil {
		return false, err
	}
	if perr != nil && !errors.Is(perr, unix.ECONNRESET) {
		return false, perr
	}
	return up, nil
}
