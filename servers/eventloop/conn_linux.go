package eventloop

import (
	"errors"

	"golang.org/x/sys/unix"

	"loopbench/app"
	"loopbench/servers/model"
)

// Bounds on what one connection may hold. A client that sends requests
// without reading the answers stops being read once maxQueued bytes (the
// server's --max-unsent) wait in its write queue or maxAnswers answers wait
// behind a deferred one, so its memory stays bounded (by the unsent bound
// plus maxAnswers answers) until it reads, and the idle timeout closes it if
// it never does.
const (
	maxQueued  = model.DefaultMaxUnsent
	maxAnswers = 32
	// keepBuffer is the largest buffer a connection keeps once drained;
	// larger ones go back to the garbage collector, so idle connections stay small.
	keepBuffer = 16 << 10
)

// conn is a connection handle. Answers are written in request order: while
// no deferred answer is outstanding, answers go straight to the socket;
// after one, every answer queues in q behind it until it completes.
type conn struct {
	l    *loop
	fd   int
	mask uint32    // events currently registered
	in   []byte    // received bytes not yet parsed
	out  []byte    // bytes the kernel has not yet taken
	q    []*answer // answers not yet written, in request order

	lastRequest bool // a request asked to close the connection: parse no further
	eof         bool // the peer closed its side
	unread      bool // the peer may still be sending: linger before closing
	draining    bool // half-closed, discarding input until EOF (see linger)
	closed      bool
	inCheck     bool // in the loop's check list
	inPending   bool // in the loop's pending list

	deadlines
}

// addConn sets up an accepted socket.
func (l *loop) addConn(fd int) {
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	if l.srv.sndbuf > 0 {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, l.srv.sndbuf)
	}
	c := &conn{l: l, fd: fd, mask: unix.EPOLLIN}
	c.t.cb = c
	c.active = l.now
	if err := l.add(fd, c.mask, c); err != nil {
		unix.Close(fd)
		return
	}
	l.conns++
	c.arm(l) // a client that never sends a byte is idle from the start
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

// reading reports whether the connection wants more requests now.
func (c *conn) reading() bool {
	return !c.eof && !c.lastRequest && len(c.out) < c.l.srv.unsent && len(c.q) < maxAnswers
}

// read takes one read's worth of bytes (fairness: one read per connection
// per iteration) and answers every complete request in them.
func (c *conn) read(l *loop) {
	n, err := unix.Read(c.fd, l.rbuf)
	switch {
	case n > 0:
		c.active = l.now
	case err == nil:
		c.eof = true
		c.finishOrWait(l)
		return
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
		return
	default:
		c.close(l)
		return
	}
	data := l.rbuf[:n]
	if len(c.in) > 0 {
		c.in = append(c.in, data...)
		data = c.in
	}
	c.keep(c.serve(l, data))
	c.finishOrWait(l)
}

// keep saves unparsed bytes in c.in; they may alias c.in itself.
func (c *conn) keep(rest []byte) {
	switch {
	case len(rest) == 0 && cap(c.in) > keepBuffer:
		c.in = nil
	case len(rest) == 0:
		c.in = c.in[:0]
	default:
		c.in = append(c.in[:0], rest...)
	}
}

// serve parses and answers the requests in data while the connection may
// take more, writes the immediate answers with one write, and returns the
// bytes it did not consume. This is the hot path: it allocates nothing for
// immediate answers, which are assembled in the loop's write buffer.
func (c *conn) serve(l *loop, data []byte) []byte {
	out := l.wbuf[:0]
	for len(data) > 0 && c.reading() && !c.closed {
		n, err := app.Parse(data, &l.req)
		if err != nil {
			out = c.refuse(l, out, err)
			data = nil
			break
		}
		if n == 0 {
			break
		}
		data = data[n:]
		out = c.handle(l, out)
		c.unread = c.unread || (c.lastRequest && (l.req.BodyUnread || len(data) > 0))
		if len(out) >= l.srv.unsent {
			c.send(l, out)
			out = out[:0]
		}
	}
	l.wbuf = out[:0]
	if len(out) > 0 && !c.closed {
		c.send(l, out)
	}
	if c.lastRequest || c.closed {
		return nil
	}
	return data
}

// handle routes the request in l.req. While no answer waits in q, an
// immediate answer is appended to out; otherwise answers queue in order.
// /cpu without offload is not deferred: FinishInline blocks the loop for
// its whole computation, as pbkdf2Sync does.
func (c *conn) handle(l *loop, out []byte) []byte {
	if len(c.q) == 0 {
		var a app.Action
		out, a = app.Handle(out, &l.req)
		if !a.Deferred(l.srv.cfg.CPUOffload) {
			out = app.FinishInline(out, &a)
			c.lastRequest = c.lastRequest || !a.KeepAlive
			return out
		}
		c.start(l, a)
		return out
	}
	ans := l.newAnswer(c)
	ans.buf, ans.action = app.Handle(ans.buf[:0], &l.req)
	c.lastRequest = c.lastRequest || !ans.action.KeepAlive
	c.q = append(c.q, ans)
	if a := &ans.action; !a.Deferred(l.srv.cfg.CPUOffload) {
		ans.buf = app.FinishInline(ans.buf, a)
		ans.ready = true
		return out
	}
	l.startOp(ans)
	return out
}

// start queues a deferred answer first in q and starts its operation.
func (c *conn) start(l *loop, a app.Action) {
	ans := l.newAnswer(c)
	ans.action = a
	c.lastRequest = c.lastRequest || !a.KeepAlive
	c.q = append(c.q, ans)
	l.startOp(ans)
}

// refuse answers a request the parser refused, in order, and stops parsing.
func (c *conn) refuse(l *loop, out []byte, err error) []byte {
	c.lastRequest, c.unread = true, true
	if len(c.q) == 0 {
		return app.AppendError(out, err)
	}
	ans := l.newAnswer(c)
	ans.buf = app.AppendError(ans.buf[:0], err)
	ans.ready = true
	c.q = append(c.q, ans)
	return out
}

// send writes b directly and queues in c.out whatever the kernel does not
// take; only then does the connection wait for EPOLLOUT.
func (c *conn) send(l *loop, b []byte) {
	if len(c.out) > 0 {
		c.out = append(c.out, b...)
	} else if rest := c.write(l, b); len(rest) > 0 {
		c.out = append(c.out[:0], rest...)
	}
	l.maxOut = max(l.maxOut, len(c.out))
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
		if cap(c.out) > keepBuffer {
			c.out = nil
		}
		if len(c.q) > 0 && c.q[0].ready {
			l.markCheck(c) // answers held back by the bound can go now
		}
		c.resume(l)
	}
	c.finishOrWait(l)
}

// updateMask registers for exactly the events the connection waits for:
// EPOLLIN while it reads, EPOLLOUT only while bytes are queued.
func (c *conn) updateMask(l *loop) {
	if c.closed {
		return
	}
	var want uint32
	if c.reading() {
		want |= unix.EPOLLIN
	}
	if len(c.out) > 0 {
		want |= unix.EPOLLOUT
	}
	if want != c.mask {
		if err := l.modify(c.fd, want); err != nil {
			c.close(l)
			return
		}
		c.mask = want
	}
}

// resume serves requests left unparsed while reading was stopped; it runs
// in the pending phase, as a deferred I/O callback.
func (c *conn) resume(l *loop) {
	if len(c.in) > 0 && c.reading() && !c.inPending {
		c.inPending = true
		l.pending = append(l.pending, c)
	}
}

func (c *conn) onPending(l *loop) {
	c.inPending = false
	if c.closed {
		return
	}
	if c.reading() {
		c.keep(c.serve(l, c.in))
	}
	c.finishOrWait(l)
}

// finishOrWait closes the connection once nothing is left to answer after
// its last request or the peer's EOF, and otherwise registers the events it
// waits for.
func (c *conn) finishOrWait(l *loop) {
	if c.closed || c.draining {
		return
	}
	switch {
	case !c.idle() || !(c.lastRequest || c.eof || l.stopping):
	case c.unread && !c.eof && !l.stopping:
		c.linger(l)
		return
	default:
		c.close(l)
		return
	}
	c.updateMask(l)
	c.arm(l)
}

// idle reports whether nothing is owed to the peer.
func (c *conn) idle() bool { return len(c.q) == 0 && len(c.out) == 0 }

// close unregisters the connection and cancels its answers; the descriptor
// is released in the close phase.
func (c *conn) close(l *loop) {
	if c.closed {
		return
	}
	c.closed = true
	l.timers.stop(&c.t)
	l.remove(c.fd)
	for i, ans := range c.q {
		c.q[i] = nil
		l.cancel(ans)
	}
	c.q = nil
	l.closing = append(l.closing, c)
}

func (c *conn) release(l *loop) {
	unix.Close(c.fd)
	l.forget(c.fd)
	c.in, c.out = nil, nil
	l.conns--
}
