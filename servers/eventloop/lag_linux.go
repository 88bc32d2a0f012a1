package eventloop

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/sys/unix"
)

// lagMonitor measures how late a repeating timer fires, as Node's
// monitorEventLoopDelay does: whatever keeps the loop from returning to its
// poll (a long callback such as inline /cpu, a large batch of I/O) shows up
// as lateness.
//
// Its timer is the backend's rather than an entry of the timer heap: a
// periodic timerfd on epoll (lag_epoll_linux.go), an absolute timeout
// request on io_uring (uring_linux.go). With the heap empty the loop so
// sleeps in its poll with no timeout, as gnet's does, instead of arming and
// cancelling a kernel timer on every sleep for the lag timer's sake. The
// lateness is the time from the first expiry the loop had not yet seen to
// the poll that saw it, the same on both backends.
type lagMonitor struct {
	fd    int                     // the timerfd (epoll), or -1
	start int64                   // loop time of the timer's start
	seen  uint64                  // expiries seen so far
	hist  *hdrhistogram.Histogram // microseconds, recorded on the loop thread only
}

func newLagMonitor() *lagMonitor {
	return &lagMonitor{fd: -1, hist: hdrhistogram.New(1, maxLagMicros, 3)}
}

// due is the loop time of the first expiry not yet seen.
func (m *lagMonitor) due() int64 { return m.start + int64(m.seen+1)*int64(lagInterval) }

// record notes that the loop has seen expiries more expiries, and how late
// the first of them was.
func (m *lagMonitor) record(l *loop, expiries uint64) {
	late := (l.now - m.due()) / int64(time.Microsecond)
	m.seen += expiries
	_ = m.hist.RecordValue(min(max(late, 0), maxLagMicros))
}

// close releases the timerfd.
func (m *lagMonitor) close() {
	if m.fd >= 0 {
		unix.Close(m.fd)
		m.fd = -1
	}
}
