package eventloop

import (
	"errors"
	"slices"
	"time"

	"loopbench/app"
)

// answer is one request's place in a connection's answer queue, and the
// request (timer, pool work or upstream call) that completes it. Answers are
// reused, so a deferred operation allocates nothing of its own.
type answer struct {
	l      *loop
	c      *conn
	action app.Action
	buf    []byte // the rendered answer once ready

	ready    bool // buf holds the whole answer
	inflight bool // pool work or an upstream call holds the answer
	canceled bool // the connection closed: drop the answer when it completes

	result  []byte // set by a worker thread, read by the loop after done
	scratch []byte // the worker's file read, reused by the next /file
	err     error
	t       timer
	req     workReq
}

// maxFreeAnswers bounds the loop's cache of reusable answers, and
// maxFreeBig the bytes of large buffers (a /file answer and its read) those
// answers keep. Without the large ones, every /file request allocated about
// 130 KiB, and the collections held the file workload to 3,300 req/s against
// 19,100 with them (16 connections, one CPU); bounded, memory stays bounded.
const (
	maxFreeAnswers = 1024
	maxFreeBig     = 16 << 20
)

// errPoolClosed completes work submitted while the server stops.
var errPoolClosed = errors.New("eventloop: thread pool closed")

func (l *loop) newAnswer(c *conn) *answer {
	if n := len(l.free); n > 0 {
		a := l.free[n-1]
		l.free = l.free[:n-1]
		l.freeBig -= a.bigBytes()
		a.c = c
		return a
	}
	a := &answer{l: l, c: c}
	a.t.cb = a
	a.req.job = a
	a.req.to = &l.done
	return a
}

func (l *loop) freeAnswer(a *answer) {
	buf, scratch := a.buf[:0], a.scratch[:0]
	if len(l.free) >= maxFreeAnswers {
		return
	}
	*a = answer{l: a.l, buf: buf, scratch: scratch, t: timer{cb: a}, req: workReq{job: a, to: &l.done}}
	if big := a.bigBytes(); big > 0 {
		if l.freeBig+big > maxFreeBig {
			a.buf, a.scratch = nil, nil
		} else {
			l.freeBig += big
		}
	}
	l.free = append(l.free, a)
}

// bigBytes is the capacity of a's buffers beyond what every answer may keep.
func (a *answer) bigBytes() int {
	n := 0
	if cap(a.buf) > keepBuffer {
		n += cap(a.buf)
	}
	return n + cap(a.scratch)
}

// startOp starts the deferred operation of a: a timer for /sleep, the
// backend for /upstream, the pool for offloaded /cpu and for /fifo, and
// for /file the ring (io_uring) or the pool (epoll).
func (l *loop) startOp(a *answer) {
	switch a.action.Op {
	case app.OpSleep:
		l.timers.start(&a.t, l.now+int64(a.action.Millis)*int64(time.Millisecond))
	case app.OpUpstream:
		a.inflight = true
		l.backend.call(l, a)
	default:
		a.inflight = true
		if a.action.Op == app.OpFile && l.io.readFile(l, a) {
			return
		}
		if !l.srv.pool.submit(&a.req) {
			l.complete(a, nil, errPoolClosed)
		}
	}
}

// onTimer completes a /sleep.
func (a *answer) onTimer(_ *timer, _ int64) { a.l.complete(a, nil, nil) }

// work runs on a worker thread: the blocking file read, the PBKDF2, or
// the blocking write to the backend's FIFO, which holds this thread for
// the whole wait, as uv_fs_write holds a libuv worker.
func (a *answer) work() {
	switch a.action.Op {
	case app.OpFile:
		a.scratch, a.err = a.l.srv.files.read(a.action.Name, a.scratch[:0])
		a.result = a.scratch
	case app.OpCPU:
		a.result = app.CPU(a.action.Iter)
	case app.OpFIFO:
		a.err = a.l.srv.fifo.Wait(a.action.Millis)
	}
}

// done runs on the loop thread once work has returned.
func (a *answer) done() { a.l.complete(a, a.result, a.err) }

// complete renders a's answer and schedules its connection's flush for the
// check phase; a cancelled answer is only recycled.
func (l *loop) complete(a *answer, result []byte, err error) {
	a.inflight = false
	if a.canceled {
		l.freeAnswer(a)
		return
	}
	a.buf = app.Finish(a.buf[:0], &a.action, result, err)
	a.ready = true
	a.result, a.err = nil, nil
	l.markCheck(a.c)
}

// markCheck schedules c's ready answers to be flushed in the check phase.
func (l *loop) markCheck(c *conn) {
	if !c.inCheck {
		c.inCheck = true
		l.check = append(l.check, c)
	}
}

// cancel drops an answer of a closing connection. Work already running
// cannot be stopped: its answer is recycled when it completes.
func (l *loop) cancel(a *answer) {
	l.timers.stop(&a.t)
	if a.inflight {
		a.canceled = true
		return
	}
	l.freeAnswer(a)
}

// flushAnswers writes the ready answers at the head of the queue, in
// order, with one write, while the write queue is under its bound.
func (c *conn) flushAnswers(l *loop) {
	if c.closed {
		return
	}
	size, k := 0, 0
	for k < len(c.q) && c.q[k].ready && size+c.unsent() < l.srv.unsent {
		size += len(c.q[k].buf)
		k++
	}
	out := slices.Grow(l.wbuf[:0], size) // one allocation at most, for a large answer
	for _, a := range c.q[:k] {
		out = append(out, a.buf...)
		l.freeAnswer(a)
	}
	n := copy(c.q, c.q[k:])
	clear(c.q[n:])
	c.q = c.q[:n]
	l.wbuf = out[:0]
	if len(out) > 0 {
		c.send(l, out)
	}
	if !c.closed && c.unsent() == 0 && len(c.q) > 0 && c.q[0].ready {
		// The bound stopped this batch and the kernel took all of it, so no
		// EPOLLOUT or send completion will come: flush the rest in the next
		// check phase.
		l.markCheck(c)
	}
	c.resume(l)
	c.finishOrWait(l)
}
