package eventloop

import (
	"errors"

	"golang.org/x/sys/unix"
)

// listen registers the listening socket for readability.
func (e *epollIO) listen(l *loop, ln *listener) error {
	return e.add(l, ln.fd, unix.EPOLLIN, ln)
}

// setAccepting registers the listening socket for readability, or for
// nothing while accepting is paused.
func (e *epollIO) setAccepting(_ *loop, ln *listener, on bool) {
	var events uint32
	if on {
		events = unix.EPOLLIN
	}
	_ = e.modify(ln.fd, events)
}

// onEvent accepts up to maxAccepts connections.
func (ln *listener) onEvent(l *loop, _ uint32) {
	for range maxAccepts {
		if ln.closed || ln.paused {
			return
		}
		fd, _, err := unix.Accept4(ln.fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err == nil {
			ln.backoff = 0
			l.addConn(fd)
			continue
		}
		if errors.Is(err, unix.EAGAIN) || !ln.acceptFailed(l, err) {
			return
		}
	}
}
