package gnet

import (
	"sync"
	"time"

	gn "github.com/panjf2000/gnet/v2"

	"loopbench/app"
)

// maxPending bounds the answers a connection may have queued behind an
// unfinished deferred one. A client pipelining more waits: its bytes stay in
// gnet's inbound buffer until the queue drains.
const maxPending = 256

// A connection waiting for gnet's outbound buffer to drain looks again
// after outboundPoll, then after twice as long each time up to
// maxOutboundPoll (gnet tells nobody when it drains), so a client that has
// stopped reading costs the loop little.
const (
	outboundPoll    = 2 * time.Millisecond
	maxOutboundPoll = 100 * time.Millisecond
)

// maxOutbound is how many unsent bytes stop a connection from answering
// more requests. gnet keeps reading the socket regardless, so the requests
// wait in its inbound buffer: a client that pipelines without reading costs
// request bytes, not answer bytes.
const maxOutbound = 1 << 20

// conn is the per-connection state, the gnet.Conn's context.
//
// The loop owns out, closing and timer. The pool's workers and the loop share
// the rest under mu: a worker marks its answer ready and hands the ready
// answers at the head of the queue to gnet with AsyncWritev while holding mu,
// so the batches enter the loop's task queue in request order. The loop
// writes directly only when nothing is queued or in flight.
type conn struct {
	s  *server
	gc gn.Conn

	out     []byte      // answers written directly at the end of OnTraffic
	closing bool        // the last answer closes the connection: read no more
	timer   *time.Timer // polls for gnet's outbound buffer to drain
	poll    time.Duration

	mu       sync.Mutex
	queue    []*answer // answers not handed to gnet yet, in request order
	inflight int       // AsyncWritev batches gnet has not run yet
	stalled  bool      // OnTraffic stopped reading because the queue is full
	closed   bool      // OnClose ran: hand nothing more to gnet

	onWritten gn.AsyncCallback
}

// answer is one queued response; ready once its bytes are final.
type answer struct {
	buf   []byte
	ready bool
}

// OnOpen attaches the connection's state.
func (s *server) OnOpen(gc gn.Conn) ([]byte, gn.Action) {
	c := &conn{s: s, gc: gc, out: make([]byte, 0, 4096)}
	c.onWritten = c.written
	gc.SetContext(c)
	return nil, gn.None
}

// OnClose stops every hand-over to gnet: the conn is gone, and after the
// engine stops so is the loop's poller.
func (s *server) OnClose(gc gn.Conn, _ error) gn.Action {
	c, ok := gc.Context().(*conn)
	if !ok {
		return gn.None
	}
	c.mu.Lock()
	c.closed, c.queue = true, nil
	c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
	}
	return gn.None
}

// OnTraffic reads the requests that have arrived, answers the immediate ones
// with one write, and hands the deferred ones to the pool. It allocates
// nothing for a connection without deferred requests.
func (s *server) OnTraffic(gc gn.Conn) gn.Action {
	c := gc.Context().(*conn)
	if c.closing {
		_, _ = gc.Discard(-1)
		return c.closeWhenAnswered()
	}
	if gc.OutboundBuffered() >= maxOutbound {
		c.lookAgain()
		return gn.None
	}
	c.poll = 0
	buf, _ := gc.Peek(-1)
	if n := c.serve(buf); n > 0 {
		_, _ = gc.Discard(n) // Discard(0) would drop everything
	}
	if len(c.out) > 0 {
		_, _ = gc.Write(c.out) // on failure gnet closes the connection itself
		c.out = c.out[:0]
	}
	if c.closing {
		_, _ = gc.Discard(-1)
		return c.closeWhenAnswered()
	}
	return gn.None
}

// serve parses and answers the complete requests at the start of buf and
// returns the bytes it consumed.
func (c *conn) serve(buf []byte) int {
	off := 0
	for off < len(buf) && !c.closing && !c.full() {
		var req app.Request
		n, err := app.Parse(buf[off:], &req)
		if err != nil {
			c.answer(app.AppendError(c.out, err), false)
			return len(buf)
		}
		if n == 0 {
			break
		}
		off += n
		c.handle(&req)
	}
	return off
}

// handle answers one request or hands its deferred operation to the pool.
func (c *conn) handle(req *app.Request) {
	out, a := app.Handle(c.out, req)
	switch {
	case a.Op == app.OpNone:
	case a.Op == app.OpCPU && !c.s.cfg.CPUOffload:
		out = app.Finish(c.out, &a, app.CPU(a.Iter), nil)
	default:
		c.deferOp(a)
		c.closing = !a.KeepAlive
		return
	}
	c.answer(out, a.KeepAlive)
}

// answer takes the response that was just appended to c.out: it stays there
// for the direct write, or joins the queue behind unfinished answers.
func (c *conn) answer(out []byte, keepAlive bool) {
	c.closing = !keepAlive
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 && c.inflight == 0 {
		c.out = out
		return
	}
	resp := out[len(c.out):]
	if last := len(c.queue) - 1; last >= 0 && c.queue[last].ready {
		c.queue[last].buf = append(c.queue[last].buf, resp...)
	} else {
		c.queue = append(c.queue, &answer{buf: append([]byte(nil), resp...), ready: true})
	}
	c.flushLocked()
}

// full reports whether the queue is at its bound; the loop then stops
// reading until a write drains it (see written).
func (c *conn) full() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stalled = len(c.queue) >= maxPending
	return c.stalled
}

// flushLocked hands the ready answers at the head of the queue to gnet. The
// caller holds c.mu.
func (c *conn) flushLocked() {
	if c.closed {
		return
	}
	k := 0
	for k < len(c.queue) && c.queue[k].ready {
		k++
	}
	if k == 0 {
		return
	}
	batch := make([][]byte, k)
	for i, a := range c.queue[:k] {
		batch[i] = a.buf
	}
	c.queue = append(c.queue[:0], c.queue[k:]...)
	c.inflight++
	if err := c.gc.AsyncWritev(batch, c.onWritten); err != nil {
		c.inflight-- // the loop's poller is gone: the engine is stopping
	}
}

// written runs on the loop once a batch has been written (or dropped because
// the connection closed). It resumes a stalled reader and finishes a close.
func (c *conn) written(gc gn.Conn, err error) error {
	c.mu.Lock()
	c.inflight--
	resume := c.stalled && len(c.queue) < maxPending && !c.closed
	c.stalled = c.stalled && !resume
	c.mu.Unlock()
	if err != nil {
		return nil
	}
	if resume {
		return gc.Wake(nil)
	}
	if c.closing && c.closeWhenAnswered() == gn.Close {
		return gc.Close()
	}
	return nil
}

// closeWhenAnswered tells the loop to close the connection once every answer
// has been handed to gnet and gnet's outbound buffer is empty (gnet's own
// close drops unsent bytes); until then it looks again later (lookAgain).
func (c *conn) closeWhenAnswered() gn.Action {
	c.mu.Lock()
	answered := len(c.queue) == 0 && c.inflight == 0
	c.mu.Unlock()
	if !answered {
		return gn.None // the last batch's written callback looks again
	}
	if c.gc.OutboundBuffered() == 0 {
		return gn.Close
	}
	c.lookAgain()
	return gn.None
}

// lookAgain has OnTraffic called again after the next poll interval.
func (c *conn) lookAgain() {
	c.poll = min(max(2*c.poll, outboundPoll), maxOutboundPoll)
	if c.timer == nil {
		c.timer = time.AfterFunc(c.poll, c.wake)
		return
	}
	c.timer.Reset(c.poll)
}

// wake makes gnet call OnTraffic again, unless the connection has closed.
func (c *conn) wake() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		_ = c.gc.Wake(nil)
	}
}
