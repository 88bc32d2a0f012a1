package eventloop

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// startLag starts the lag monitor's periodic timerfd on the epoll.
func (e *epollIO) startLag(l *loop) error {
	m := l.lag
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("timerfd_create", err)
	}
	every := unix.NsecToTimespec(int64(lagInterval))
	if err := unix.TimerfdSettime(fd, 0, &unix.ItimerSpec{Interval: every, Value: every}, nil); err != nil {
		unix.Close(fd)
		return os.NewSyscallError("timerfd_settime", err)
	}
	m.fd, m.start = fd, l.now
	if err := e.add(l, fd, unix.EPOLLIN, m); err != nil {
		unix.Close(fd)
		m.fd = -1
		return err
	}
	return nil
}

// onEvent reads the expiries and records how late the first unseen one was.
func (m *lagMonitor) onEvent(l *loop, _ uint32) {
	var b [8]byte
	n, err := unix.Read(m.fd, b[:])
	if n != 8 || errors.Is(err, unix.EAGAIN) {
		return
	}
	m.record(l, uint64(b[0])|uint64(b[1])<<8|uint64(b[2])<<16|uint64(b[3])<<24|
		uint64(b[4])<<32|uint64(b[5])<<40|uint64(b[6])<<48|uint64(b[7])<<56)
}
