package loadgen

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// epollSupported says whether closed loops can run on the epoll engine here.
const epollSupported = true

// eloop is the closed loop's epoll engine: one goroutine multiplexes its
// share of the connections over non-blocking sockets with an edge-triggered
// epoll set, as wrk's threads do. Against a goroutine per connection on Go's
// netpoller it saves the read that fails with EAGAIN after every request
// (a short read means the socket is empty, and the next arrival raises a
// new edge) and the goroutine switches; see the package documentation for
// the measurements.
type eloop struct {
	r       *run
	epfd    int
	sa      unix.Sockaddr
	family  int
	conns   []*econn
	redial  []*econn          // connections waiting for the connect pacer
	parked  []*econn          // answered connections waiting for the end of admission
	events  []unix.EpollEvent // one per connection: a wait takes every ready one, as wrk's does
	rec     recorder
	answers []answer
	rng     *rand.Rand
	depth   int
	scanned int64
}

// econn is one connection of an eloop: a socket and the parser state.
type econn struct {
	id         int32
	fd         int // -1 while closed
	connecting bool
	since      int64 // when the connect began
	c          *conn
	woff       int  // bytes of c.wbuf already written
	answered   bool // the connection has had an answer (counted in run.ready)
}

const (
	epollEvents  = unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET
	epollTick    = 10 // ms: how often the loop looks at the clock, stop and timeouts at most
	closedEvents = unix.EPOLLRDHUP | unix.EPOLLHUP | unix.EPOLLERR
)

func newEloop(r *run, index, conns int) (*eloop, error) {
	sa, family, err := sockaddr(r.cfg.Addr)
	if err != nil {
		return nil, err
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	l := &eloop{
		r: r, epfd: epfd, sa: sa, family: family, depth: r.cfg.Pipeline,
		events:  make([]unix.EpollEvent, conns+1),
		rec:     r.tally.recorder(index),
		answers: make([]answer, 0, r.cfg.Pipeline),
		rng:     rand.New(rand.NewPCG(uint64(r.cfg.Seed), uint64(index)<<32)),
	}
	for i := range conns {
		ec := &econn{id: int32(i), fd: -1, c: newConn(nil, r.routes, r.cfg.Pipeline)}
		l.conns = append(l.conns, ec)
		l.redial = append(l.redial, ec)
	}
	return l, nil
}

func sockaddr(addr string) (unix.Sockaddr, int, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return nil, 0, fmt.Errorf("loadgen: address %s: %w", addr, err)
	}
	if ip4 := ta.IP.To4(); ip4 != nil {
		return &unix.SockaddrInet4{Port: ta.Port, Addr: [4]byte(ip4)}, unix.AF_INET, nil
	}
	return &unix.SockaddrInet6{Port: ta.Port, Addr: [16]byte(ta.IP.To16())}, unix.AF_INET6, nil
}

// run is the loop: open connections as the pacer allows, wait for events,
// serve them, and every tick look for timeouts, until the measured interval
// ends or the run stops.
func (l *eloop) run() {
	defer l.close()
	r := l.r
	for {
		now := r.now()
		if r.stopped.Load() || now >= r.measureEnd.Load() {
			if r.windowClosed() {
				l.countUnfinished()
			}
			return
		}
		l.dialDue(now)
		if len(l.parked) > 0 && r.admitted.Load() {
			l.unpark(now)
		}
		n, err := unix.EpollWait(l.epfd, l.events, l.waitMillis(now))
		if err != nil && !errors.Is(err, unix.EINTR) {
			return
		}
		now = r.now()
		for i := range max(n, 0) {
			l.event(&l.events[i], now)
		}
		if now-l.scanned > epollTick*1e6 {
			l.scanned = now
			l.scanTimeouts(now)
		}
	}
}

func (l *eloop) waitMillis(now int64) int {
	if len(l.redial) > 0 || !l.r.admitted.Load() {
		return 1
	}
	return int(min(epollTick, (l.r.measureEnd.Load()-now)/1e6+1))
}

// unpark sends the next requests of the connections answered during
// admission, each once its release time (the stagger) has come.
func (l *eloop) unpark(now int64) {
	kept := l.parked[:0]
	for _, ec := range l.parked {
		switch {
		case ec.fd < 0 || ec.connecting || ec.c.size != 0:
		case l.r.release(int(ec.id), len(l.conns)) > now:
			kept = append(kept, ec)
		default:
			l.send(ec, now)
		}
	}
	l.parked = kept
}

// countUnfinished counts the requests in flight as the window closes.
func (l *eloop) countUnfinished() {
	var n, busy int64
	start, end := l.r.window()
	for _, ec := range l.conns {
		if ec.fd >= 0 && !ec.connecting {
			n += int64(ec.c.size)
			busy += ec.c.busyInWindow(start, end)
		}
	}
	l.r.unfinished.Add(n)
	l.r.busy.Add(busy)
}

// dialDue starts the connects the pacer allows now.
func (l *eloop) dialDue(now int64) {
	for len(l.redial) > 0 && l.r.limiter.try(now) {
		ec := l.redial[len(l.redial)-1]
		l.redial = l.redial[:len(l.redial)-1]
		if err := l.dial(ec, now); err != nil {
			l.connectFailed(ec, now, err)
		}
	}
}

func (l *eloop) dial(ec *econn, now int64) error {
	fd, err := unix.Socket(l.family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	ec.fd, ec.connecting, ec.since = fd, true, now
	ec.c.dialed, ec.c.seen = now, false
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	if err := unix.Connect(fd, l.sa); err != nil && !errors.Is(err, unix.EINPROGRESS) {
		return os.NewSyscallError("connect", err)
	}
	ev := unix.EpollEvent{Events: epollEvents, Fd: ec.id}
	return os.NewSyscallError("epoll_ctl", unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev))
}

// connectFailed records a failed connect, counts it during measurement and
// queues a redial.
func (l *eloop) connectFailed(ec *econn, now int64, err error) {
	l.r.est.dialed(ec.since, now, err)
	if l.r.measuring(now) {
		l.rec.add(sample{lag: -1, class: classConnect, n: 1})
	}
	l.closeConn(ec)
	l.redial = append(l.redial, ec)
}

func (l *eloop) event(ev *unix.EpollEvent, now int64) {
	ec := l.conns[ev.Fd]
	if ec.fd < 0 {
		return
	}
	if ec.connecting {
		l.connected(ec, now)
		return
	}
	if ev.Events&unix.EPOLLOUT != 0 && ec.woff < len(ec.c.wbuf) {
		if !l.write(ec, now) {
			return
		}
	}
	if ev.Events&(unix.EPOLLIN|closedEvents) != 0 {
		l.readAll(ec, now, ev.Events&closedEvents != 0)
	}
}

// connected finishes a connect and sends the first requests.
func (l *eloop) connected(ec *econn, now int64) {
	soerr, err := unix.GetsockoptInt(ec.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && soerr != 0 {
		err = os.NewSyscallError("connect", unix.Errno(soerr))
	}
	if err != nil {
		l.connectFailed(ec, now, err)
		return
	}
	l.r.est.dialed(ec.since, now, nil)
	ec.connecting = false
	l.r.connected.Store(true)
	l.send(ec, now)
}

// send queues a batch of depth requests and writes it.
func (l *eloop) send(ec *econn, now int64) {
	for ec.c.size < l.depth {
		route := int32(0)
		if len(l.r.cum) > 1 {
			route = pickRoute(l.r.cum, l.rng.Float64())
		}
		ec.c.push(flight{route: route, sent: now, at: now})
	}
	l.write(ec, now)
}

// write writes what is left of the batch; false if the connection failed.
func (l *eloop) write(ec *econn, now int64) bool {
	for ec.woff < len(ec.c.wbuf) {
		n, err := unix.Write(ec.fd, ec.c.wbuf[ec.woff:])
		switch {
		case errors.Is(err, unix.EAGAIN):
			return true // EPOLLOUT will say when to go on
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			l.fail(ec, os.NewSyscallError("write", err), now)
			return false
		}
		ec.woff += n
	}
	ec.c.wbuf, ec.woff = ec.c.wbuf[:0], 0
	return true
}

// readAll reads until the socket is empty: a short read empties it (any later
// arrival raises a new edge), except when the peer closed, which a further
// read reports.
func (l *eloop) readAll(ec *econn, now int64, closing bool) {
	c := ec.c
	for ec.fd >= 0 {
		if c.w == len(c.rbuf) {
			c.compact()
		}
		want := len(c.rbuf) - c.w
		n, err := unix.Read(ec.fd, c.rbuf[c.w:])
		switch {
		case errors.Is(err, unix.EAGAIN):
			return
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			l.fail(ec, os.NewSyscallError("read", err), now)
			return
		case n == 0:
			l.eof(ec, now)
			return
		}
		c.w += n
		now = l.r.now()
		if !l.answered(ec, now) || (n < want && !closing) {
			return
		}
	}
}

// answered parses what arrived, records the answers and sends the next
// batch once the last one is answered; false if the connection ended.
func (l *eloop) answered(ec *econn, now int64) bool {
	c := ec.c
	ans, err := c.parse(l.answers[:0])
	l.answers = ans[:0]
	l.r.recordAnswers(&l.rec, ans, now)
	l.r.firstAnswer(c, ans, now)
	if len(ans) > 0 && !ec.answered {
		ec.answered = true
		l.r.ready.Add(1)
	}
	switch {
	case err != nil:
		l.fail(ec, err, now)
		return false
	case c.closing:
		if lost := c.size; lost > 0 && l.r.measuring(now) {
			l.rec.add(sample{lag: -1, class: classClosed, n: int32(lost)})
		}
		l.reconnect(ec)
		return false
	case c.size == 0 && !l.r.admitted.Load():
		l.parked = append(l.parked, ec)
	case c.size == 0:
		l.send(ec, now)
	}
	return ec.fd >= 0
}

// eof handles the end of the stream: an error if requests were in flight.
func (l *eloop) eof(ec *econn, now int64) {
	if ec.c.size > 0 {
		l.fail(ec, io.EOF, now)
		return
	}
	l.reconnect(ec)
}

// fail counts the requests in flight (at least one) in err's class and
// reconnects.
func (l *eloop) fail(ec *econn, err error, now int64) {
	class, ok := l.r.classify(err)
	if ok && l.r.measuring(now) {
		l.rec.add(sample{lag: -1, class: class, n: int32(max(ec.c.size, 1))})
	}
	l.reconnect(ec)
}

func (l *eloop) reconnect(ec *econn) {
	l.closeConn(ec)
	l.r.reconnects.Add(1)
	l.redial = append(l.redial, ec)
}

// scanTimeouts fails connects and requests older than Timeout.
func (l *eloop) scanTimeouts(now int64) {
	t := l.r.timeout
	for _, ec := range l.conns {
		switch {
		case ec.fd < 0:
		case ec.connecting && now-ec.since > t:
			l.connectFailed(ec, now, os.ErrDeadlineExceeded)
		case !ec.connecting && ec.c.size > 0 && now-ec.c.oldest().sent > t:
			if l.r.measuring(now) {
				l.rec.add(sample{lag: -1, class: classTimeout, n: int32(ec.c.size)})
			}
			l.reconnect(ec)
		}
	}
}

// closeConn closes the socket and forgets the connection's state.
func (l *eloop) closeConn(ec *econn) {
	if ec.fd >= 0 {
		unix.Close(ec.fd) // closing removes it from the epoll set
	}
	ec.fd, ec.connecting, ec.woff = -1, false, 0
	ec.c.reset(nil)
}

func (l *eloop) close() {
	for _, ec := range l.conns {
		l.closeConn(ec)
	}
	unix.Close(l.epfd)
	l.rec.flush()
}
