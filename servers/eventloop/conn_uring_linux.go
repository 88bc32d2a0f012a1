package eventloop

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

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

// watch arms a receive when the connection reads (or drains, lingering)
// and none is armed, and stops the one armed when the connection will read
// no more (its last request, the peer's EOF) or holds readBufSize bytes it
// received but could not serve: a connection whose answers the bound holds
// back keeps receiving that much only, as epoll reads that much at once,
// and the client's other requests wait in the kernel's buffers. One whose
// answers are merely in a send that has not completed yet (a /file answer
// is as large as the bound) so keeps its receive. Nor is a receive armed
// while requests received earlier wait to be served in the pending phase:
// served first, as epoll serves them before it reads again, they may stop
// the reading once more. A cancelled receive is armed again, if wanted,
// once its last completion has come.
func (x *ringIO) watch(_ *loop, c *conn) {
	want := c.draining || (c.reading() && !c.inPending)
	stop := !c.draining && (c.lastRequest || c.eof || (!c.reading() && len(c.in) >= readBufSize))
	switch {
	case want && !c.recvArmed:
		x.armRecv(c)
	case stop && c.recvArmed && !c.recvCanceled:
		x.cancel(ud(udRecv, c.fd))
		c.recvCanceled = true
		x.recvStops++
	}
}

// receivedOn takes one receive's completion. Data that arrives while the
// connection does not read is kept for when it does (see watch for how
// much), or, after its last request, noted as unread and dropped; the
// buffer goes back to the kernel either way.
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
		c.in = append(c.in, data...) // served once the connection reads again
		x.watch(l, c)
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
	l.maxIn = max(l.maxIn, len(c.in))
	if final {
		x.ended(l, &c.inflight, c)
		if !c.closed {
			c.resume(l) // what arrived while it did not read is served before the next receive
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
