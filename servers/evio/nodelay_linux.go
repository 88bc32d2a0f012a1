package evio

import (
	"os"

	"golang.org/x/sys/unix"
)

// setNoDelay turns Nagle's algorithm off on the socket fd.
func setNoDelay(fd int) error {
	return os.NewSyscallError("setsockopt", unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1))
}
