package eventloop

import (
	"errors"
	"os"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/sys/unix"
)

// lagMonitor measures how late a repeating timer fires, as Node's
// monitorEventLoopDelay does: whatever keeps the loop from returning to its
// poll (a long callback such as inline /cpu, a large batch of I/O) shows up
// as lateness.
//
// Its timer is a periodic timerfd on the loop's epoll rather than an entry
// of the timer heap: with the heap empty the loop sleeps in epoll_wait with
// no timeout, as gnet's does, instead of arming and cancelling a kernel
// timer on every sleep for the lag timer's sake. The lateness is the same:
// the time from the first expiry the loop had not yet seen to the poll that
// saw it.
type lagMonitor struct {
	fd    int
	start int64                   // loop time of the timerfd's start
	seen  uint64                  // expiries read so far
	hist  *hdrhistogram.Histogram // microseconds, recorded on the loop thread only
}

func newLagMonitor() *lagMonitor {
	return &lagMonitor{fd: -1, hist: hdrhistogram.New(1, maxLagMicros, 3)}
}

// begin starts the monitor's periodic timerfd on l's epoll.
func (m *lagMonitor) begin(l *loop) error {
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
	if err := l.add(fd, unix.EPOLLIN, m); err != nil {
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
	expiries := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
	due := m.start + int64(m.seen+1)*int64(lagInterval)
	m.seen += expiries
	late := (l.now - due) / int64(time.Microsecond)
	_ = m.hist.RecordValue(min(max(late, 0), maxLagMicros))
}

// close releases the timerfd.
func (m *lagMonitor) close() {
	if m.fd >= 0 {
		unix.Close(m.fd)
		m.fd = -1
	}
}
