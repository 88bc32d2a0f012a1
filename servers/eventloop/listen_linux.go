package eventloop

import (
	"errors"
	"log"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"loopbench/app"
)

// listener is the loop's listening socket handle.
type listener struct {
	fd      int
	closed  bool
	paused  bool
	backoff time.Duration // current pause after EMFILE/ENFILE
	logged  bool          // the descriptor-exhaustion message was printed
	pauses  int           // how often accepting was paused, for tests
	refused int           // connections refused with 503 for want of a descriptor, for tests
	spare   int           // a descriptor held in reserve for refusing (see refuseAll); -1 when none
	t       timer         // resumes accepting after a pause
	l       *loop
	armed   bool // io_uring: an accept or poll is armed (until its last completion)
	starved bool // io_uring: out of descriptors, the listener polls instead of accepting
	inflight
}

// errNoRoom is the answer to a connection the server has no descriptor for.
var errNoRoom = &app.Error{Status: 503, Reason: "no descriptor left"}

// Accept backoff bounds: when the process or system is out of descriptors
// the listener stops for a while instead of spinning on a ready socket it
// cannot accept from; existing connections keep being served meanwhile.
const (
	minAcceptBackoff = 10 * time.Millisecond
	maxAcceptBackoff = time.Second
	listenBacklog    = 4096
)

// listen opens a non-blocking SO_REUSEPORT listening socket on sa.
func listen(sa unix.Sockaddr) (int, error) {
	fd, err := unix.Socket(domainOf(sa), unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := listenOn(fd, sa); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func listenOn(fd int, sa unix.Sockaddr) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		return os.NewSyscallError("bind", err)
	}
	return os.NewSyscallError("listen", unix.Listen(fd, listenBacklog))
}

// boundPort returns the port fd is bound to.
func boundPort(fd int) (int, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return 0, os.NewSyscallError("getsockname", err)
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return sa.Port, nil
	case *unix.SockaddrInet6:
		return sa.Port, nil
	}
	return 0, errors.New("eventloop: listener has no TCP address")
}

// startListener starts accepting on the listening socket fd.
func (l *loop) startListener(fd int) error {
	ln := &listener{fd: fd, l: l}
	ln.t.cb = ln
	if err := l.io.listen(l, ln); err != nil {
		return err
	}
	ln.spare = openSpare()
	l.ln = ln
	return nil
}

// acceptFailed handles a failed accept other than EAGAIN and reports
// whether accepting may go on at once.
func (ln *listener) acceptFailed(l *loop, err error) bool {
	switch {
	case errors.Is(err, unix.EINTR), errors.Is(err, unix.ECONNABORTED):
		return true
	case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE):
		if !ln.refuseAll(l, err) {
			ln.pause(l, err)
		}
	case errors.Is(err, unix.ENOBUFS), errors.Is(err, unix.ENOMEM):
		ln.pause(l, err)
	default:
		log.Printf("eventloop: %v", os.NewSyscallError("accept4", err))
		ln.pause(l, err)
	}
	return false
}

// openSpare opens the descriptor a listener keeps in reserve, or returns -1.
func openSpare() int {
	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
}

// refuseAll is libuv's EMFILE trick: out of descriptors, the listener gives
// up its spare one, and in that one slot accepts every pending connection,
// answers it 503 and closes it, until none is left; then it takes the spare
// back. Clients are refused at once instead of waiting in the listen queue,
// and the listener, no longer readable, does not wake the loop again until
// the next connection. It reports false when it had no spare or the slot
// was taken meanwhile; the caller then pauses accepting instead.
func (ln *listener) refuseAll(l *loop, cause error) bool {
	if ln.spare < 0 {
		ln.spare = openSpare()
		return false
	}
	ln.sayRefusing(cause)
	unix.Close(ln.spare)
	ok := true
	for range maxAccepts {
		fd, _, err := unix.Accept4(ln.fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			ok = errors.Is(err, unix.EAGAIN)
			break
		}
		ln.refuse(l, fd, cause)
	}
	ln.spare = openSpare()
	return ok && ln.spare >= 0
}

// refuse answers the connection fd 503 and closes it.
func (ln *listener) refuse(l *loop, fd int, cause error) {
	ln.sayRefusing(cause)
	_, _ = unix.Write(fd, l.srv.noRoom)
	unix.Close(fd)
	ln.refused++
}

// sayRefusing says, once, that connections are being refused.
func (ln *listener) sayRefusing(cause error) {
	if !ln.logged {
		ln.logged = true
		log.Printf("eventloop: %v: refusing new connections with 503 while existing connections are served; logged once",
			os.NewSyscallError("accept4", cause))
	}
}

func (ln *listener) closeSpare() {
	if ln.spare >= 0 {
		unix.Close(ln.spare)
		ln.spare = -1
	}
}

// pause stops accepting for the current backoff, doubling it each time, and
// says so once.
func (ln *listener) pause(l *loop, err error) {
	if !ln.logged {
		ln.logged = true
		log.Printf("eventloop: %v: pausing accepts (%v, doubling up to %v) while existing connections are served; logged once",
			os.NewSyscallError("accept4", err), minAcceptBackoff, maxAcceptBackoff)
	}
	ln.backoff = min(max(2*ln.backoff, minAcceptBackoff), maxAcceptBackoff)
	ln.paused = true
	ln.pauses++
	l.io.setAccepting(l, ln, false)
	l.timers.start(&ln.t, l.now+int64(ln.backoff))
}

// onTimer resumes accepting after a pause.
func (ln *listener) onTimer(_ *timer, _ int64) {
	if ln.closed {
		return
	}
	ln.paused = false
	ln.l.io.setAccepting(ln.l, ln, true)
}

// close stops accepting; the descriptor is released in the close phase.
func (ln *listener) close(l *loop) {
	if ln.closed {
		return
	}
	ln.closed = true
	l.timers.stop(&ln.t)
	l.io.unwatch(l, ln.fd, &ln.inflight)
	l.closing = append(l.closing, ln)
}

// release closes the descriptor, once the kernel holds no accept on it.
func (ln *listener) release(l *loop) {
	if ln.hold() {
		return
	}
	unix.Close(ln.fd)
	ln.closeSpare()
	l.forget(ln.fd)
	if l.ln == ln {
		l.ln = nil
	}
}
