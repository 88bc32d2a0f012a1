package eventloop

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// dial starts a non-blocking connect; the socket reports writable once
// connected.
func (e *epollIO) dial(l *loop, b *backend) error {
	fd, err := unix.Socket(domainOf(l.backend.addr), unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	err = unix.Connect(fd, l.backend.addr)
	if err != nil && !errors.Is(err, unix.EINPROGRESS) {
		unix.Close(fd)
		return os.NewSyscallError("connect", err)
	}
	b.fd = fd
	if err := e.add(l, fd, unix.EPOLLOUT|unix.EPOLLIN, b); err != nil {
		unix.Close(fd)
		return err
	}
	return nil
}

// sendUpstream writes the request line. It is a few bytes on a connection
// with nothing else outstanding, so the kernel takes it whole; a short
// write means the connection is broken.
func (*epollIO) sendUpstream(l *loop, b *backend) {
	n, err := unix.Write(b.fd, b.line)
	for errors.Is(err, unix.EINTR) {
		n, err = unix.Write(b.fd, b.line)
	}
	if err != nil || n != len(b.line) {
		b.fail(l, errBackendClosed)
	}
}

func (b *backend) onEvent(l *loop, ev uint32) {
	if b.closed {
		return
	}
	if b.state == backendConnecting {
		b.connectedEpoll(l)
		return
	}
	if ev&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		b.read(l)
	}
}

// connectedEpoll reads the connect's result and waits for replies only.
func (b *backend) connectedEpoll(l *loop) {
	soerr, err := unix.GetsockoptInt(b.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && soerr != 0 {
		err = unix.Errno(soerr)
	}
	if err == nil {
		if err := l.io.(*epollIO).modify(b.fd, unix.EPOLLIN); err != nil {
			b.fail(l, err)
			return
		}
	}
	b.connected(l, err)
}

// read takes what the backend sent.
func (b *backend) read(l *loop) {
	n, err := unix.Read(b.fd, b.buf[b.n:])
	switch {
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
	case err != nil:
		b.fail(l, os.NewSyscallError("read", err))
	default:
		b.got(l, n)
	}
}
