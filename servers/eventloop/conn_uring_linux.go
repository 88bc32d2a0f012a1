package eventloop

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/unix"
)

// listen arms the listener's multishot accept: one request that completes
// once per accepted connection.
func (x *ringIO) listen(l *loop, ln *listener) error {
	l.track(ln.fd, ln)
	x.armAccept(ln)
	return nil
}

// armAccept accepts blocking sockets: io_uring waits on them itself, and a
// non-blocking one would only add a poll round.
func (x *ringIO) armAccept(ln *listener) {
	s := x.r.next()
	s.opcode, s.fd, s.ioprio, s.opFlags = opcodeAccept, int32(ln.fd), acceptMultishot, unix.SOCK_CLOEXEC
	s.userData = ud(udAccept, ln.fd)
	ln.armed = true
	x.started(&ln.inflight)
}

// setAccepting arms the accept again, or cancels it. A failed accept ends
// the multishot request, so a pause usually finds nothing armed.
func (x *ringIO) setAccepting(_ *loop, ln *listener, on bool) {
	switch {
	case on && !ln.armed && !ln.closed:
		x.armAccept(ln)
	case !on && ln.armed:
		x.cancel(ud(udAccept, ln.fd))
	}
}

// accepted takes one accept's completion: a new connection, or an error
// handled as the epoll backend handles accept4's (the EMFILE refusal, the
// pause). When the kernel ends the multishot request, it is armed again
// unless accepting is paused or over.
func (x *ringIO) accepted(l *loop, ln *listener, res int32, flags uint32) {
	final := flags&cqeFMore == 0
	if final {
		ln.armed = false
	}
	switch {
	case res >= 0 && ln.closed:
		unix.Close(int(res))
	case res >= 0 && overFileLimit(int(res)):
		// The limit was lowered after the accept was armed (prlimit from
		// outside): the kernel checks the one of the accept's preparation.
		// Refuse as at the limit, and arm a new accept, which takes the
		// new one.
		ln.refuse(l, int(res), unix.EMFILE)
		if ln.armed {
			x.cancel(ud(udAccept, ln.fd))
		}
	case res >= 0:
		ln.backoff = 0
		l.addConn(int(res))
	case res == -int32(unix.ECANCELED), ln.closed:
	case res == -int32(unix.EMFILE), res == -int32(unix.ENFILE):
		ln.acceptAgain(l)
	default:
		ln.acceptFailed(l, unix.Errno(-res))
	}
	if final {
		x.ended(l, &ln.inflight, ln)
		if !ln.closed && !ln.paused && !ln.armed {
			x.armAccept(ln)
		}
	}
}

// acceptAgain follows an accept that found no descriptor: the limit it was
// checked against is the one of the accept's preparation, which may have
// been raised since, so one accept4 against the limit of now decides
// whether the process is really out of descriptors.
func (ln *listener) acceptAgain(l *loop) {
	fd, _, err := unix.Accept4(ln.fd, unix.SOCK_CLOEXEC)
	switch {
	case err == nil:
		ln.backoff = 0
		l.addConn(fd)
	case errors.Is(err, unix.EAGAIN):
	default:
		ln.acceptFailed(l, err)
	}
}

// overFileLimit reports whether fd is beyond the process's descriptor
// limit as it is now.
func overFileLimit(fd int) bool {
	var lim unix.Rlimit
	return unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) == nil && uint64(fd) >= lim.Cur
}

// startConn arms the connection's multishot receive.
func (x *ringIO) startConn(l *loop, c *conn) error {
	l.track(c.fd, c)
	x.armRecv(c)
	return nil
}

// armRecv arms a multishot receive into the provided buffers: it completes
// each time data arrives, with the buffer the kernel chose.
func (x *ringIO) armRecv(c *conn) {
	s := x.r.next()
	s.opcode, s.fd, s.ioprio, s.flags, s.bufGroup = opcodeRecv, int32(c.fd), recvMultishot, sqeBufferSelect, x.bufs.group
	s.userData = ud(udRecv, c.fd)
	c.recvArmed = true
	x.started(&c.inflight)
}

// watch keeps a receive armed exactly while the connection reads (or
// drains, lingering): a connection whose answers are held back by the
// bound stops receiving, so the client's requests wait in the kernel's
// buffers, as on epoll. A cancelled receive is armed again, if wanted,
// once its last completion has come.
func (x *ringIO) watch(_ *loop, c *conn) {
	want := c.draining || c.reading()
	switch {
	case want && !c.recvArmed:
		x.armRecv(c)
	case !want && c.recvArmed && !c.recvCanceled:
		x.cancel(ud(udRecv, c.fd))
		c.recvCanceled = true
		x.recvStops++
	}
}

// receivedOn takes one receive's completion. Data that arrives while the
// connection does not read (the receive's cancellation was on its way) is
// kept for when it does, or, after its last request, noted as unread and
// dropped; the buffer goes back to the kernel either way.
func (x *ringIO) receivedOn(l *loop, c *conn, res int32, flags uint32) {
	final := flags&cqeFMore == 0
	if final {
		c.recvArmed, c.recvCanceled = false, false
	}
	var data []byte
	if flags&cqeFBuffer != 0 && res > 0 {
		data = x.bufs.data(uint16(flags>>cqeBufferShift), int(res))
	}
	switch {
	case c.closed:
	case res > 0 && c.draining:
	case res > 0 && c.reading():
		c.received(l, data)
	case res > 0 && (c.lastRequest || c.eof):
		c.unread = true
	case res > 0:
		c.in = append(c.in, data...) // bounded: the receive is being cancelled
	case res == 0 && c.draining:
		c.close(l)
	case res == 0:
		c.eof = true
		c.finishOrWait(l)
	case res == -int32(unix.ENOBUFS):
		x.noBuffers++ // armed again below, with the buffers this reap gave back
	case res == -int32(unix.ECANCELED):
	default:
		c.close(l) // ECONNRESET and the like: the peer is gone
	}
	if flags&cqeFBuffer != 0 {
		x.bufs.provide(uint16(flags >> cqeBufferShift))
	}
	if final {
		x.ended(l, &c.inflight, c)
		if !c.closed {
			x.watch(l, c)
		}
	}
}

// send copies b into the connection's send, or queues it behind the send
// in flight: the kernel reads a send's bytes until it completes, so they
// must not move, and a connection has one send in flight at a time. A
// large send (a /file answer) is not copied: the connection takes the
// buffer the loop assembled it in, and the loop assembles the next answers
// in a large buffer given back by a drained connection (bigSends).
func (x *ringIO) send(l *loop, c *conn, b []byte) {
	switch {
	case len(c.sending) > 0:
		c.out = append(c.out, b...)
	case len(b) > keepBuffer && unsafe.SliceData(b) == unsafe.SliceData(l.wbuf):
		c.out, c.sending = c.sending[:0], b // c.out is empty while nothing is in flight
		l.wbuf = x.big.take()
		x.submitSend(c)
	default:
		c.sending = append(c.sending[:0], b...)
		x.submitSend(c)
	}
	l.maxOut = max(l.maxOut, c.unsent())
}

// bigSends keeps the large send buffers drained connections give back, up
// to maxBigSends bytes, so that every /file answer does not leave one to
// the garbage collector.
type bigSends struct {
	bufs  [][]byte
	bytes int
}

const maxBigSends = 16 << 20

// take returns an empty buffer of at least readBufSize bytes.
func (p *bigSends) take() []byte {
	n := len(p.bufs)
	if n == 0 {
		return make([]byte, 0, readBufSize)
	}
	b := p.bufs[n-1]
	p.bufs[n-1] = nil
	p.bufs = p.bufs[:n-1]
	p.bytes -= cap(b)
	return b[:0]
}

// give keeps b, unless the store is full; b must be in no send in flight.
func (p *bigSends) give(b []byte) {
	if p.bytes+cap(b) <= maxBigSends {
		p.bufs = append(p.bufs, b[:0])
		p.bytes += cap(b)
	}
}

func (x *ringIO) submitSend(c *conn) {
	b := c.sending[c.sendOff:]
	s := x.r.next()
	s.opcode, s.fd, s.addr, s.len, s.opFlags = opcodeSend, int32(c.fd), addrOf(b), uint32(len(b)), unix.MSG_NOSIGNAL
	s.userData = ud(udSend, c.fd)
	x.started(&c.inflight)
}

// keepSmall gives the drained connection's large buffers to the loop's
// store: an idle connection keeps at most keepBuffer bytes of each.
func (x *ringIO) keepSmall(c *conn) {
	if cap(c.sending) > keepBuffer {
		x.big.give(c.sending)
		c.sending = nil
	}
	if cap(c.out) > keepBuffer {
		x.big.give(c.out)
		c.out = nil
	}
}

// sent takes a send's completion: the rest of a short send goes again,
// then what queued behind it; once everything is taken the connection is
// drained, as on epoll when its queue empties.
func (x *ringIO) sent(l *loop, c *conn, res int32) {
	switch {
	case c.closed:
	case res < 0:
		c.close(l) // EPIPE, ECONNRESET: the peer is gone
	case c.sendOff+int(res) < len(c.sending):
		c.active = l.now
		c.sendOff += int(res)
		l.shortSends++
		x.submitSend(c)
	case len(c.out) > 0:
		c.active = l.now
		c.sending, c.out, c.sendOff = c.out, c.sending[:0], 0
		x.submitSend(c)
	default:
		c.active = l.now
		c.sending, c.sendOff = c.sending[:0], 0
		x.keepSmall(c)
		c.drained(l)
		c.finishOrWait(l)
	}
	x.ended(l, &c.inflight, c)
}
