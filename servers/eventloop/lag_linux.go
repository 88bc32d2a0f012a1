package eventloop

import (
	"time"

	"loopbench/servers/model"

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
//
// Each reading is also kept with its time (lagLog), so that the harness can
// take the lag over a point's measured window rather than over the
// server's whole life, start-up included.
type lagMonitor struct {
	fd    int                     // the timerfd (epoll), or -1
	start int64                   // loop time of the timer's start
	seen  uint64                  // expiries seen so far
	hist  *hdrhistogram.Histogram // microseconds, recorded on the loop thread only
	base  time.Time               // the wall-clock time of loop time 0
	log   lagLog                  // the readings, the newest keep of them
}

// newLagMonitor returns a monitor of a loop whose loop time counts from
// base, keeping its newest keep readings.
func newLagMonitor(base time.Time, keep int) *lagMonitor {
	return &lagMonitor{fd: -1, hist: hdrhistogram.New(1, maxLagMicros, 3), base: base, log: lagLog{keep: keep}}
}

// due is the loop time of the first expiry not yet seen.
func (m *lagMonitor) due() int64 { return m.start + int64(m.seen+1)*int64(lagInterval) }

// record notes that the loop has seen expiries more expiries, and how late
// the first of them was.
func (m *lagMonitor) record(l *loop, expiries uint64) {
	late := min(max((l.now-m.due())/int64(time.Microsecond), 0), maxLagMicros)
	m.seen += expiries
	_ = m.hist.RecordValue(late)
	m.log.add(lagReading{at: l.now, late: late})
}

// readings are the kept readings with their wall-clock times.
func (m *lagMonitor) readings() []model.LagReading {
	rs := make([]model.LagReading, len(m.log.buf))
	base := m.base.UnixNano()
	for i, r := range m.log.buf {
		rs[i] = model.LagReading{UnixNano: base + r.at, LateUs: r.late}
	}
	return rs
}

// lagReading is one reading: the loop time the loop saw its timer, and how
// late the timer was then (µs).
type lagReading struct{ at, late int64 }

// lagLog keeps a loop's newest keep readings: once full, each reading
// overwrites the oldest, so what is lost is the start-up's, never the
// readings of the measured window just before the stop.
type lagLog struct {
	buf     []lagReading // in the order taken, but rotated once full
	keep    int
	next    int   // once full, the oldest reading, overwritten next
	dropped int64 // readings overwritten or, with keep 0, never kept
}

func (g *lagLog) add(r lagReading) {
	switch {
	case len(g.buf) < g.keep:
		g.buf = append(g.buf, r)
		return
	case g.keep > 0:
		g.buf[g.next] = r
		g.next = (g.next + 1) % g.keep
	}
	g.dropped++
}

// close releases the timerfd.
func (m *lagMonitor) close() {
	if m.fd >= 0 {
		unix.Close(m.fd)
		m.fd = -1
	}
}
