package eventloop

import (
	"errors"

	"golang.org/x/sys/unix"
)

// listen arms the listener's multishot accept: one request that completes
// once per accepted connection.
func (x *ringIO) listen(l *loop, ln *listener) error {
	l.track(ln.fd, ln)
	x.rearm(ln)
	return nil
}

// rearm arms what the listener waits with: the multishot accept, or, while
// the process is out of descriptors, a poll for a pending connection. An
// io_uring accept takes a descriptor before it looks for a connection, so
// out of descriptors it fails at once, pending connection or not: armed
// again and again it would spin. The poll waits, as epoll's readiness does,
// until there is a connection to accept or refuse (acceptStarved).
func (x *ringIO) rearm(ln *listener) {
	s := x.r.next()
	if ln.starved {
		s.opcode, s.fd, s.opFlags = opcodePollAdd, int32(ln.fd), unix.POLLIN
		s.userData = ud(udPoll, ln.fd)
	} else {
		s.opcode, s.fd, s.ioprio, s.opFlags = opcodeAccept, int32(ln.fd), acceptMultishot, unix.SOCK_CLOEXEC
		s.userData = ud(udAccept, ln.fd)
	}
	ln.armed = true
	x.accepts.Add(1)
	x.started(&ln.inflight)
}

// setAccepting arms the listener again, or cancels what it waits with.
// A failed accept ends the multishot request, so a pause usually finds
// nothing armed.
func (x *ringIO) setAccepting(_ *loop, ln *listener, on bool) {
	switch {
	case on && !ln.armed && !ln.closed:
		x.rearm(ln)
	case !on && ln.armed:
		x.cancel(ud(udAccept, ln.fd))
		x.cancel(ud(udPoll, ln.fd))
	}
}

// accepted takes a completion of the listener's accept or poll: a new
// connection, an error handled as the epoll backend handles accept4's (the
// EMFILE refusal, the pause), or a pending connection while starved. When
// the kernel ends the request, the listener is armed again unless
// accepting is paused or over.
func (x *ringIO) accepted(l *loop, ln *listener, op uint8, res int32, flags uint32) {
	final := flags&cqeFMore == 0
	if final {
		ln.armed = false
	}
	switch {
	case res >= 0 && ln.closed && op == udAccept:
		unix.Close(int(res))
	case res == -int32(unix.ECANCELED), ln.closed:
	case op == udPoll && res >= 0:
		x.acceptStarved(l, ln)
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
	case res == -int32(unix.EMFILE), res == -int32(unix.ENFILE):
		x.acceptStarved(l, ln)
	default:
		ln.acceptFailed(l, unix.Errno(-res))
	}
	if final {
		x.ended(l, &ln.inflight, ln)
		if !ln.closed && !ln.paused && !ln.armed {
			x.rearm(ln)
		}
	}
}

// acceptStarved follows an accept that found no descriptor, or a poll that
// found a connection pending while starved: one accept4, against the
// descriptor limit as it is now (an io_uring accept checks the limit of its
// preparation), decides. A connection accepted means descriptors are back;
// none pending (EAGAIN) means the same, since accept4 takes a descriptor
// before it looks for a connection; out of descriptors, the pending connections are refused (ln.acceptFailed) and
// the listener polls until the next one.
func (x *ringIO) acceptStarved(l *loop, ln *listener) {
	fd, _, err := unix.Accept4(ln.fd, unix.SOCK_CLOEXEC)
	switch {
	case err == nil:
		ln.starved, ln.backoff = false, 0
		l.addConn(fd)
	case errors.Is(err, unix.EAGAIN): // a descriptor was free: none is pending
		ln.starved = false
	case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE):
		ln.starved = true
		ln.acceptFailed(l, err)
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
