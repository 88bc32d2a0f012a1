package eventloop

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// maxEvents bounds the events one epoll_wait returns; the rest wait for the
// next iteration.
const maxEvents = 512

// epollIO is the epoll backend: the loop's handles are registered on one
// epoll instance, level-triggered, and their callbacks make the system
// calls themselves (conn_epoll_linux.go, listen_epoll_linux.go,
// upstream_epoll_linux.go).
type epollIO struct {
	epfd   int
	events [maxEvents]unix.EpollEvent
}

// newEpollIO creates the epoll instance and registers the loop's eventfd.
func newEpollIO(l *loop) (*epollIO, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	e := &epollIO{epfd: epfd}
	if err := e.add(l, l.wakefd, unix.EPOLLIN, wakeHandle{}); err != nil {
		unix.Close(epfd)
		return nil, err
	}
	return e, nil
}

func (*epollIO) name() string { return backendEpoll }

// start starts the lag monitor's timerfd.
func (e *epollIO) start(l *loop) error { return e.startLag(l) }

func (e *epollIO) poll(l *loop, timeout int) error {
	n, err := unix.EpollWait(e.epfd, e.events[:], timeout)
	if err != nil {
		if errors.Is(err, unix.EINTR) {
			return nil
		}
		return os.NewSyscallError("epoll_wait", err)
	}
	l.updateTime()
	for i := range n {
		ev := &e.events[i]
		if fd := int(ev.Fd); fd < len(l.handles) && l.handles[fd] != nil {
			l.handles[fd].onEvent(l, ev.Events)
		}
	}
	return nil
}

// finish has nothing to wait for: epoll holds no request.
func (*epollIO) finish(*loop) {}

func (e *epollIO) close(l *loop) {
	l.lag.close()
	unix.Close(e.epfd)
}

// add registers fd for events with h as its handle.
func (e *epollIO) add(l *loop, fd int, events uint32, h handle) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	if err := unix.EpollCtl(e.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	l.track(fd, h)
	return nil
}

// modify changes the events fd is registered for.
func (e *epollIO) modify(fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	return os.NewSyscallError("epoll_ctl", unix.EpollCtl(e.epfd, unix.EPOLL_CTL_MOD, fd, &ev))
}

// unwatch unregisters fd. Its handle stays in the table until the close
// phase, so late events in this iteration's results still find it, closed.
func (e *epollIO) unwatch(_ *loop, fd int, _ *inflight) {
	_ = unix.EpollCtl(e.epfd, unix.EPOLL_CTL_DEL, fd, nil)
}

// readFile leaves /file to the thread pool, as libuv does without io_uring.
func (*epollIO) readFile(*loop, *answer) bool { return false }

// wakeHandle is the eventfd's handle: it runs finished pool work and
// notices stop requests.
type wakeHandle struct{}

func (wakeHandle) onEvent(l *loop, _ uint32) {
	var b [8]byte
	for {
		_, err := unix.Read(l.wakefd, b[:])
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	l.woken()
}
