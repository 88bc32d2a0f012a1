package eventloop

import (
	"log"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Sizes of a loop's ring. The submission queue holds an iteration's sends
// and re-armed receives at 1,024 connections twice over; the completion
// queue four times that, for the multishot receives. The receive buffers
// hold a request each (a pipelined batch of 16 is 1.3 KiB), and there is
// one per connection in flight at 1,024 connections with room to spare; a
// larger request spans several, and a receive that finds none left ends
// with ENOBUFS and is armed again once buffers come back (conn_uring_linux.go).
// The buffers are 4 MiB per loop, touched as they are used.
const (
	ringSQEntries = 4096
	ringCQEntries = 4 * ringSQEntries
	recvBufSize   = 2 << 10
	recvGroup     = 0
	fileSlots     = 256 // /file reads in flight at once; more wait for a slot
	// finishLimit bounds how long a stopping loop waits for the kernel to
	// give back its requests (a file read on a stuck disk, say).
	finishLimit = 5 * time.Second
)

// What a completion is for, in the low byte of its user data; the rest is
// the descriptor of the handle it concerns (or the /file slot).
const (
	udIgnore  = iota // a cancellation: nothing to do
	udWake           // the read of the loop's eventfd
	udLag            // the lag monitor's timeout
	udAccept         // a listener's multishot accept
	udPoll           // a listener's poll while out of descriptors
	udRecv           // a connection's multishot receive
	udSend           // a connection's send
	udConnect        // a backend connection's connect
	udUpSend         // its request line
	udUpRecv         // its receive
	udStat           // a /file statx, for its size
	udOpen           // a /file open
	udRead           // a /file read
	udClose          // a /file close
)

func ud(op uint8, idx int) uint64 { return uint64(idx)<<8 | uint64(op) }

// recvBuffers is the number of receive buffers of a loop's ring (a power
// of two); a variable so tests can make them scarce.
var recvBuffers = 2048

// ringIO is the io_uring backend. Every request is queued on the ring and
// submitted, with every other, by the one io_uring_enter of the next poll,
// which also runs the completions the kernel deferred (DEFER_TASKRUN) and
// sleeps until one arrives or the next timer is due.
type ringIO struct {
	r         *ring
	bufs      *bufRing
	inflight  int  // requests whose last completion is still to come
	locked    bool // the loop's goroutine is locked to its thread
	enabled   bool // the ring was enabled: the kernel may hold requests
	finishing bool // finish is waiting for the requests: arm no new ones
	leaked    bool // finish gave up waiting: keep the memory the kernel may write

	// For tests: receives the kernel ended for want of a buffer, receives
	// cancelled because the connection stopped reading, and accepts (or
	// polls) armed, which a test reads while the loop runs.
	noBuffers, recvStops int
	accepts              atomic.Int64

	wakeBuf    [8]byte       // the eventfd read's target
	lagTS      unix.Timespec // the lag timeout's expiry, absolute
	monoOffset int64         // CLOCK_MONOTONIC minus loop time, in ns

	files ringFiles
	big   bigSends
}

// newRingIO sets up the loop's ring (disabled until start, on the loop's
// thread), its receive buffers and its /file slots.
func newRingIO(l *loop) (*ringIO, error) {
	r, err := newRing(ringSQEntries, ringCQEntries, ringFlags)
	if err != nil {
		return nil, err
	}
	x := &ringIO{r: r}
	if x.bufs, err = newBufRing(r, recvGroup, recvBuffers, recvBufSize); err != nil {
		r.close()
		return nil, err
	}
	if err := x.files.init(r, l.srv.cfg.DataDir); err != nil {
		x.close(l)
		return nil, err
	}
	return x, nil
}

func (*ringIO) name() string { return backendIOUring }

// start enables the ring from the loop's thread, which the loop's goroutine
// keeps until finish: the ring accepts submissions from this thread only
// (SINGLE_ISSUER), and runs its completions only when this thread asks
// (DEFER_TASKRUN). It then arms the eventfd's read and the lag timer.
func (x *ringIO) start(l *loop) error {
	runtime.LockOSThread()
	x.locked = true
	if err := x.r.enable(); err != nil {
		return err
	}
	x.enabled = true
	// Blocking file work runs on the kernel's io-wq threads: at most as
	// many as the pool has workers, as libuv's file work is bounded by it.
	_ = x.r.limitWorkers(uint32(poolSize(l.srv.cfg.Pool)))
	x.armWake(l)
	var mono unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &mono)
	x.monoOffset = mono.Nano() - int64(time.Since(l.base))
	l.lag.start = l.now
	x.armLag(l)
	return nil
}

// poll submits everything queued, waits and runs the completions.
func (x *ringIO) poll(l *loop, timeout int) error {
	err := x.r.wait(timeout)
	if err == nil {
		err = x.r.full
	}
	if err != nil {
		return err
	}
	l.updateTime()
	x.reap(l)
	return nil
}

// reap runs the callback of every completion in the ring, then gives the
// receive buffers used back to the kernel.
func (x *ringIO) reap(l *loop) {
	head, tail := x.r.completions()
	for i := head; i != tail; i++ {
		c := x.r.cqeAt(i)
		x.complete(l, uint8(c.userData), int(c.userData>>8), c.res, c.flags)
	}
	x.r.consumed(tail)
	x.bufs.publish()
}

// complete dispatches one completion. A request's last completion (every
// one but a multishot's with IORING_CQE_F_MORE) ends it.
func (x *ringIO) complete(l *loop, op uint8, idx int, res int32, flags uint32) {
	if op != udIgnore && flags&cqeFMore == 0 {
		x.inflight--
	}
	switch op {
	case udWake:
		x.woken(l)
	case udLag:
		x.lagExpired(l, res)
	case udAccept, udPoll:
		if ln, ok := l.handleAt(idx).(*listener); ok {
			x.accepted(l, ln, op, res, flags)
		}
	case udRecv:
		if c, ok := l.handleAt(idx).(*conn); ok {
			x.receivedOn(l, c, res, flags)
		} else if flags&cqeFBuffer != 0 {
			x.bufs.provide(uint16(flags >> cqeBufferShift))
		}
	case udSend:
		if c, ok := l.handleAt(idx).(*conn); ok {
			x.sent(l, c, res)
		}
	case udConnect, udUpSend, udUpRecv:
		if b, ok := l.handleAt(idx).(*backend); ok {
			x.upstreamDone(l, b, op, res)
		}
	case udStat, udOpen, udRead, udClose:
		x.files.done(l, x, op, idx, res)
	}
}

// handleAt returns fd's handle, or nil.
func (l *loop) handleAt(fd int) handle {
	if fd < len(l.handles) {
		return l.handles[fd]
	}
	return nil
}

// started counts a request that names f's handle.
func (x *ringIO) started(f *inflight) {
	x.inflight++
	f.ops++
}

// ended counts the last completion of a request on h's descriptor; a
// release waiting for it proceeds in this iteration's close phase.
func (x *ringIO) ended(l *loop, f *inflight, h closer) {
	if f.done() {
		l.closing = append(l.closing, h)
	}
}

// unwatch cancels every request on fd; the handle's release waits for
// their last completions.
func (x *ringIO) unwatch(_ *loop, fd int, f *inflight) {
	if f.ops > 0 {
		s := x.r.next()
		s.opcode, s.fd, s.opFlags, s.flags = opcodeAsyncCancel, int32(fd), asyncCancelFD|asyncCancelAll, sqeCQESkipSuccess
		s.userData = ud(udIgnore, 0)
	}
}

// cancel cancels the request with user data target.
func (x *ringIO) cancel(target uint64) {
	s := x.r.next()
	s.opcode, s.addr, s.flags, s.userData = opcodeAsyncCancel, target, sqeCQESkipSuccess, ud(udIgnore, 0)
}

// armWake reads the loop's eventfd: pool completions and stop requests.
func (x *ringIO) armWake(l *loop) {
	s := x.r.next()
	s.opcode, s.fd, s.addr, s.len = opcodeRead, int32(l.wakefd), addrOf(x.wakeBuf[:]), uint32(len(x.wakeBuf))
	s.userData = ud(udWake, 0)
	x.inflight++
}

func (x *ringIO) woken(l *loop) {
	l.woken()
	if !x.finishing {
		x.armWake(l)
	}
}

// armLag arms a timeout at the lag monitor's next expiry, on the monotonic
// clock, as the epoll backend's periodic timerfd would fire.
func (x *ringIO) armLag(l *loop) {
	x.lagTS = unix.NsecToTimespec(l.lag.due() + x.monoOffset)
	s := x.r.next()
	s.opcode, s.fd, s.addr, s.len, s.opFlags = opcodeTimeout, -1, uint64(uintptr(unsafe.Pointer(&x.lagTS))), 1, timeoutAbs
	s.userData = ud(udLag, 0)
	x.inflight++
}

// lagExpired records the expiries since the last one seen and arms the next.
func (x *ringIO) lagExpired(l *loop, res int32) {
	if res != -int32(unix.ETIME) || x.finishing {
		return
	}
	m := l.lag
	seen := uint64(max((l.now-m.start)/int64(lagInterval), 0))
	m.record(l, max(seen-min(seen, m.seen), 1))
	x.armLag(l)
}

// finish cancels whatever is still in flight (every handle is closed, and
// their requests cancelled, already) and waits until the kernel has given
// every request back, so that no completion can write into memory the loop
// lets go of. It gives up after finishLimit, keeping that memory for good.
func (x *ringIO) finish(l *loop) {
	if x.locked {
		defer runtime.UnlockOSThread()
	}
	x.finishing = true
	x.files.dropWaiting(l)
	if !x.enabled {
		return // nothing was ever submitted
	}
	s := x.r.next()
	s.opcode, s.opFlags, s.flags, s.userData = opcodeAsyncCancel, asyncCancelAny|asyncCancelAll, sqeCQESkipSuccess, ud(udIgnore, 0)
	for deadline := time.Now().Add(finishLimit); x.inflight > 0; {
		if time.Now().After(deadline) {
			log.Printf("eventloop: io_uring: %d requests still in flight %v after the stop; their memory is kept", x.inflight, finishLimit)
			x.leaked = true
			return
		}
		if err := x.r.wait(10); err != nil {
			log.Printf("eventloop: %v", err)
			x.leaked = true
			return
		}
		l.updateTime()
		x.reap(l)
		l.runClosing()
	}
}

// leakedRings keeps what a ring that never drained may still write to.
var leakedRings struct {
	sync.Mutex
	list []*ringIO
}

// close releases the ring, the receive buffers and the data directory.
func (x *ringIO) close(l *loop) {
	l.lag.close()
	x.files.close()
	if x.leaked {
		leakedRings.Lock()
		leakedRings.list = append(leakedRings.list, x)
		leakedRings.Unlock()
		x.r.close()
		return
	}
	x.r.close()
	if x.bufs != nil {
		x.bufs.unmap()
	}
}

// addrOf is the address of b's first byte, for an SQE; b must stay
// referenced until the request's last completion.
func addrOf(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&b[0])))
}

// errnoOf turns a completion's negative result into the error of the call
// the request made.
func errnoOf(call string, res int32) error {
	return os.NewSyscallError(call, unix.Errno(-res))
}
