package eventloop

import (
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
	mask uint32    // events currently registered (epoll)
	in   []byte    // received bytes not yet parsed
	out  []byte    // bytes not yet taken by the kernel (epoll) or not yet in a send (io_uring)
	q    []*answer // answers not yet written, in request order

	// io_uring: the send in flight, which the kernel reads until it
	// completes, and the state of the connection's multishot receive.
	sending      []byte
	sendOff      int  // bytes of sending the kernel has taken
	recvArmed    bool // a receive is armed (until its last completion)
	recvCanceled bool // and its cancellation is on its way
	inflight

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
	c := &conn{l: l, fd: fd}
	c.t.cb = c
	c.active = l.now
	if err := l.io.startConn(l, c); err != nil {
		unix.Close(fd)
		return
	}
	l.conns++
	c.arm(l) // a client that never sends a byte is idle from the start
}

// reading reports whether the connection wants more requests now.
func (c *conn) reading() bool {
	return !c.eof && !c.lastRequest && c.unsent() < c.l.srv.unsent && len(c.q) < maxAnswers
}

// unsent is the number of answer bytes written but not yet taken by the
// kernel: queued, or in a send in flight (io_uring).
func (c *conn) unsent() int { return len(c.out) + len(c.sending) - c.sendOff }

// received serves the bytes one read or receive brought.
func (c *conn) received(l *loop, data []byte) {
	c.active = l.now
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
			out = l.wbuf[:0] // io_uring's send may have taken out's buffer
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

// send writes b, or queues what the kernel does not take at once.
func (c *conn) send(l *loop, b []byte) { l.io.send(l, c, b) }

// drained runs once the kernel has taken every byte written: answers the
// bound held back may go, and requests left unparsed may be served.
func (c *conn) drained(l *loop) {
	if cap(c.out) > keepBuffer {
		c.out = nil
	}
	if len(c.q) > 0 && c.q[0].ready {
		l.markCheck(c)
	}
	c.resume(l)
}

// updateMask has the backend wait for what the connection waits for now.
func (c *conn) updateMask(l *loop) {
	if !c.closed {
		l.io.watch(l, c)
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
func (c *conn) idle() bool { return len(c.q) == 0 && c.unsent() == 0 }

// close unregisters the connection and cancels its answers; the descriptor
// is released in the close phase.
func (c *conn) close(l *loop) {
	if c.closed {
		return
	}
	c.closed = true
	l.timers.stop(&c.t)
	l.io.unwatch(l, c.fd, &c.inflight)
	for i, ans := range c.q {
		c.q[i] = nil
		l.cancel(ans)
	}
	c.q = nil
	l.closing = append(l.closing, c)
}

// release closes the descriptor, once the kernel holds no request on it.
func (c *conn) release(l *loop) {
	if c.hold() {
		return
	}
	unix.Close(c.fd)
	l.forget(c.fd)
	c.in, c.out, c.sending = nil, nil, nil
	l.conns--
}
