package eventloop

import (
	"errors"

	"golang.org/x/sys/unix"
)

// startConn registers a new connection for reading.
func (e *epollIO) startConn(l *loop, c *conn) error {
	c.mask = unix.EPOLLIN
	return e.add(l, c.fd, c.mask, c)
}

// watch registers for exactly the events the connection waits for: EPOLLIN
// while it reads (or drains, lingering), EPOLLOUT only while bytes are
// queued.
func (e *epollIO) watch(_ *loop, c *conn) {
	var want uint32
	if c.draining || c.reading() {
		want |= unix.EPOLLIN
	}
	if len(c.out) > 0 {
		want |= unix.EPOLLOUT
	}
	if want != c.mask {
		if err := e.modify(c.fd, want); err != nil {
			c.close(c.l)
			return
		}
		c.mask = want
	}
}

// send writes b directly and queues in c.out whatever the kernel does not
// take; only then does the connection wait for EPOLLOUT.
func (*epollIO) send(l *loop, c *conn, b []byte) {
	if len(c.out) > 0 {
		c.out = append(c.out, b...)
	} else if rest := c.write(l, b); len(rest) > 0 {
		c.out = append(c.out[:0], rest...)
	}
	l.maxOut = max(l.maxOut, len(c.out))
}

func (c *conn) onEvent(l *loop, ev uint32) {
	if c.closed {
		return
	}
	if c.draining {
		c.drain(l)
		return
	}
	if ev&unix.EPOLLOUT != 0 {
		c.flush(l)
	}
	switch {
	case c.closed:
	case ev&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) != 0 && c.reading():
		c.read(l)
	case ev&(unix.EPOLLHUP|unix.EPOLLERR) != 0:
		c.close(l)
	}
}

// read takes one read's worth of bytes (fairness: one read per connection
// per iteration) and answers every complete request in them.
func (c *conn) read(l *loop) {
	n, err := unix.Read(c.fd, l.rbuf)
	switch {
	case n > 0:
		c.received(l, l.rbuf[:n])
	case err == nil:
		c.eof = true
		c.finishOrWait(l)
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
	default:
		c.close(l)
	}
}

// write writes b until the kernel refuses more and returns the rest. A
// failed write (EPIPE, ECONNRESET: the peer is gone) closes the connection.
func (c *conn) write(l *loop, b []byte) []byte {
	for len(b) > 0 {
		n, err := unix.Write(c.fd, b)
		switch {
		case err == nil:
			b = b[n:]
			c.active = l.now
		case errors.Is(err, unix.EINTR):
		case errors.Is(err, unix.EAGAIN):
			return b
		default:
			c.close(l)
			return nil
		}
	}
	return nil
}

// flush writes the queued bytes when the socket is writable again.
func (c *conn) flush(l *loop) {
	c.out = append(c.out[:0], c.write(l, c.out)...)
	if c.closed {
		return
	}
	if len(c.out) == 0 {
		c.drained(l)
	}
	c.finishOrWait(l)
}

// drain discards input until the peer's EOF or an error, then closes.
func (c *conn) drain(l *loop) {
	n, err := unix.Read(c.fd, l.rbuf)
	if n > 0 || errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
		return
	}
	c.close(l)
}
