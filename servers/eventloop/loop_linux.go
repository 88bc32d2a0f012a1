package eventloop

import (
	"errors"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"loopbench/app"
	"loopbench/servers/model"
)

// Bounds on the work of one iteration, so one busy source cannot starve the
// others: a flood of connections cannot keep the loop from serving the ones
// it has, and a burst of finished pool jobs cannot delay I/O by more than
// maxDonePerIteration callbacks (libuv bounds idle callbacks the same way).
const (
	maxAccepts          = 64 // accept4 calls per listener event
	maxDonePerIteration = 1024
	readBufSize         = 64 << 10 // one read per ready connection per iteration, into the loop's buffer
)

// handle is anything of the loop's with a descriptor, found by its fd;
// onEvent is its callback on epoll (on io_uring, completions name the
// request, see uring_linux.go).
type handle interface {
	onEvent(l *loop, events uint32)
}

// deferred is a handle with work left over for the pending phase.
type deferred interface {
	onPending(l *loop)
}

// loop is one event loop: an epoll instance, its handles, its timers and
// its queue of finished pool work. Everything but wake and stopRequested is
// touched only by the loop's own thread.
type loop struct {
	srv     *server
	io      ioBackend // epoll or io_uring: how phase 4 waits and how I/O is asked for
	wakefd  int       // eventfd: pool completions and stop requests
	base    time.Time
	now     int64 // cached loop time, in ns since base
	yielded int64 // loop time of the last yield to the scheduler
	every   int64 // how often the loop yields: yieldEvery, or lockedYieldEvery

	handles []handle // by fd
	timers  timerHeap
	lag     *lagMonitor

	pending []deferred // run in the pending phase
	spare   []deferred // the other buffer of pending, swapped each iteration
	check   []*conn    // flushed in the check phase
	closing []closer   // released in the close phase

	done     doneQueue // filled by pool workers
	finished workList  // taken from done, not yet run

	rbuf      []byte      // the loop's one read buffer
	wbuf      []byte      // answers being assembled for one write
	req       app.Request // the request being parsed
	free      []*answer   // answers ready for reuse
	freeBig   int         // bytes of large buffers the free answers keep
	ln        *listener
	backend   backendPool
	lingering lingerQueue

	stopping bool
	stopped  bool
	stopT    timer
	conns    int // open connections
	maxOut   int // largest write queue seen, for tests of the bound
	maxIn    int // largest input held on io_uring, for tests of the bound
	timeouts int // connections answered 408, for tests of the head timeout
	// shortSends counts sends the kernel took only part of (io_uring), for tests.
	shortSends int
}

// closer is a handle whose descriptor is released in the close phase.
type closer interface {
	release(l *loop)
}

// newLoop creates the loop's eventfd and its I/O backend, epoll or
// io_uring as the server chose.
func newLoop(srv *server) (*loop, error) {
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("eventfd", err)
	}
	l := &loop{srv: srv, wakefd: wakefd, base: time.Now(),
		rbuf: make([]byte, readBufSize), wbuf: make([]byte, 0, readBufSize)}
	l.lag = newLagMonitor(l.base, model.MaxLagReadings/max(srv.cfg.Loops, 1))
	l.done.wake = l.wake
	l.backend.addr = cloneSockaddr(srv.backendAddr)
	l.stopT.cb = stopDeadline{l}
	l.every = yieldEvery
	if srv.ioName == backendIOUring {
		l.io, err = newRingIO(l)
		l.every = lockedYieldEvery
	} else {
		l.io, err = newEpollIO(l)
	}
	if err != nil {
		unix.Close(wakefd)
		return nil, err
	}
	return l, nil
}

// run is uv_run: each iteration runs libuv's phases in order, until the loop
// has stopped and has nothing left to finish.
func (l *loop) run() error {
	l.updateTime()
	if err := l.io.start(l); err != nil {
		l.abort()
		return err
	}
	for !l.stopped {
		l.updateTime()
		l.runTimers()
		l.runPending()
		if err := l.poll(l.timeout()); err != nil {
			l.abort()
			return err
		}
		l.runCheck()
		l.runClosing()
		l.yield()
		l.stopped = l.stopped || (l.stopping && l.conns == 0)
	}
	l.abort()
	return nil
}

func (l *loop) updateTime() { l.now = int64(time.Since(l.base)) }

// yieldEvery is how often the loop returns to Go's scheduler: well within
// the runtime's 10 ms, after which its monitor thread (sysmon) treats a
// goroutine that never yields as running too long and, on every one of its
// ticks, signals it or takes its processor away in the middle of a system
// call, with a thread handoff each time.
const yieldEvery = int64(2 * time.Millisecond)

// lockedYieldEvery is the same for a loop locked to its thread (the
// io_uring backend's, see ringIO.start). There a yield is a thread handoff:
// the locked thread gives its processor to another thread and sleeps until
// that one hands it back. So the loop yields just often enough that sysmon
// never needs to preempt it, which would cost the same handoff and a signal.
const lockedYieldEvery = int64(8 * time.Millisecond)

// yield gives the scheduler its turn once per yieldEvery, as gnet's loop
// does before each blocking wait; it costs a few hundred nanoseconds, since
// the loop's goroutine is not locked to its thread and no other goroutine
// is usually runnable.
func (l *loop) yield() {
	if l.now-l.yielded >= l.every {
		l.yielded = l.now
		runtime.Gosched()
	}
}

func (l *loop) runTimers() { l.timers.runDue(l.now) }

// runPending runs the callbacks deferred so far; what they defer in turn
// waits for the next iteration, as in libuv.
func (l *loop) runPending() {
	p := l.pending
	l.pending = l.spare[:0]
	for i, d := range p {
		p[i] = nil
		d.onPending(l)
	}
	l.spare = p[:0]
}

// timeout is how long poll may sleep: 0 when work is waiting, else until the
// next timer (-1, no limit, without one), rounded up to whole milliseconds so
// a timer is never early. It counts from the cached time, as libuv does:
// a timer can only fire late by the iteration's own work, never early.
func (l *loop) timeout() int {
	if len(l.pending) > 0 || len(l.check) > 0 || len(l.closing) > 0 || l.stopped {
		return 0
	}
	t := l.timers.peek()
	if t == nil {
		return -1
	}
	d := t.when - l.now
	if d <= 0 {
		return 0
	}
	return int((d + int64(time.Millisecond) - 1) / int64(time.Millisecond))
}

// poll waits for I/O and runs the callbacks of what is ready or done.
func (l *loop) poll(timeout int) error { return l.io.poll(l, timeout) }

// runCheck flushes the connections whose deferred answers completed.
func (l *loop) runCheck() {
	for i := 0; i < len(l.check); i++ {
		c := l.check[i]
		l.check[i] = nil
		c.inCheck = false
		c.flushAnswers(l)
	}
	l.check = l.check[:0]
}

func (l *loop) runClosing() {
	for i, c := range l.closing {
		l.closing[i] = nil
		c.release(l)
	}
	l.closing = l.closing[:0]
}

// track makes h the handle of fd.
func (l *loop) track(fd int, h handle) {
	for fd >= len(l.handles) {
		l.handles = append(l.handles, nil)
	}
	l.handles[fd] = h
}

// forget drops fd's handle once its descriptor is closed.
func (l *loop) forget(fd int) {
	if fd < len(l.handles) {
		l.handles[fd] = nil
	}
}

// wake interrupts the loop's poll; any thread may call it.
func (l *loop) wake() {
	one := [8]byte{1}
	for {
		_, err := unix.Write(l.wakefd, one[:])
		if !errors.Is(err, unix.EINTR) {
			return
		}
	}
}

// requestStop asks the loop to stop; any thread may call it.
func (l *loop) requestStop() {
	l.srv.stopRequested.Store(true)
	l.wake()
}

// woken runs once the loop's eventfd has been read: it notices a stop
// request and runs finished pool work.
func (l *loop) woken() {
	if l.srv.stopRequested.Load() && !l.stopping {
		l.beginStop()
	}
	more := l.done.takeAll()
	if l.finished.head == nil {
		l.finished = more
	} else if more.head != nil {
		l.finished.tail.next = more.head
		l.finished.tail = more.tail
	}
	l.runFinished()
}

// runFinished runs at most maxDonePerIteration done callbacks and defers
// the rest to the next iteration's pending phase.
func (l *loop) runFinished() {
	for range maxDonePerIteration {
		w := l.finished.pop()
		if w == nil {
			return
		}
		w.job.done()
	}
	if l.finished.head != nil {
		l.pending = append(l.pending, finishedWork{})
	}
}

// finishedWork is the pending-phase entry for deferred done callbacks.
type finishedWork struct{}

func (finishedWork) onPending(l *loop) { l.runFinished() }

// beginStop closes the listener, closes idle connections and gives the
// others until the stop deadline to finish what they are answering.
func (l *loop) beginStop() {
	l.stopping = true
	if l.ln != nil {
		l.ln.close(l)
	}
	for _, h := range l.handles {
		if c, ok := h.(*conn); ok && c.idle() {
			c.close(l)
		}
	}
	l.timers.start(&l.stopT, l.now+int64(stopGrace))
}

// stopGrace bounds how long a stopping loop waits for answers in flight.
const stopGrace = 2 * time.Second

// stopDeadline closes whatever is still open when the grace period ends.
type stopDeadline struct{ l *loop }

func (d stopDeadline) onTimer(_ *timer, _ int64) { d.l.stopped = true }

// abort closes every handle still open and releases their descriptors.
func (l *loop) abort() {
	for _, h := range l.handles {
		switch h := h.(type) {
		case *conn:
			h.close(l)
		case *listener:
			h.close(l)
		}
	}
	l.backend.closeAll(l)
	l.runClosing()
	l.io.finish(l)
	l.stopped = true
}

// closeFDs closes the backend and the eventfd; the server calls it after
// the pool has stopped, so no worker can write to a reused eventfd.
func (l *loop) closeFDs() {
	l.io.close(l)
	unix.Close(l.wakefd)
}
