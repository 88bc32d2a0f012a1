package gnet

import (
	"time"

	gn "github.com/panjf2000/gnet/v2"

	"loopbench/app"
	"loopbench/servers/internal/answers"
	"loopbench/servers/internal/deadline"
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
// The loop owns out, closing and retry. The pool's workers finish their
// answers in the queue, which hands the ready answers at its head to gnet
// with AsyncWritev while holding its lock, so the batches enter the loop's
// task queue in request order. The loop writes directly only when nothing is
// queued or in flight.
type conn struct {
	s  *server
	gc gn.Conn

	out     []byte          // answers written directly at the end of OnTraffic
	closing bool            // the last answer closes the connection: read no more
	retry   answers.Backoff // looks again for gnet's outbound buffer to drain
	queue   answers.Queue

	onWritten gn.AsyncCallback

	deadlines
	stalled int64 // Unix ns since which gnet's outbound buffer has been full without draining; 0: not
	unsent  int   // gnet's outbound buffer when it was last seen full
}

// OnOpen attaches the connection's state.
func (s *server) OnOpen(gc gn.Conn) ([]byte, gn.Action) {
	c := &conn{s: s, gc: gc, out: make([]byte, 0, 4096)}
	c.onWritten = c.written
	c.queue.Init(maxPending, c)
	c.retry = answers.Backoff{Queue: &c.queue, First: outboundPoll, Max: maxOutboundPoll}
	gc.SetContext(c)
	c.Publish(deadline.Idle)
	s.conns.Add(c)
	return nil, gn.None
}

// OnClose stops every hand-over to gnet: the conn is gone, and after the
// engine stops so is the loop's poller.
func (s *server) OnClose(gc gn.Conn, _ error) gn.Action {
	c, ok := gc.Context().(*conn)
	if !ok {
		return gn.None
	}
	c.queue.Close()
	c.retry.Stop()
	s.conns.Remove(c)
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
		return c.stall(gc)
	}
	c.stalled = 0
	c.retry.Reset()
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
	if gc.InboundBuffered() > maxInbound {
		return gn.Close // requests pile up behind answers the client does not take
	}
	c.publish()
	return gn.None
}

// stall waits for gnet's full outbound buffer to drain, looking again
// later; a client that takes none of it for the idle timeout, or keeps
// sending requests past maxInbound meanwhile, is closed.
func (c *conn) stall(gc gn.Conn) gn.Action {
	now, unsent := time.Now().UnixNano(), gc.OutboundBuffered()
	if c.stalled == 0 || unsent < c.unsent {
		c.stalled = now
		c.Heard() // the client is taking its answers: not idle
	}
	c.unsent = unsent
	if now-c.stalled > int64(c.s.cfg.Idle()) || gc.InboundBuffered() > maxInbound {
		return gn.Close
	}
	c.retry.Later()
	return gn.None
}

// serve parses and answers the complete requests at the start of buf and
// returns the bytes it consumed. A full queue stops it until a write drains
// the queue (see written).
func (c *conn) serve(buf []byte) int {
	off := 0
	for off < len(buf) && !c.closing && !c.queue.Full() {
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
	if a.Deferred(c.s.cfg.CPUOffload) {
		c.deferOp(a)
		c.closing = !a.KeepAlive
		return
	}
	c.answer(app.FinishInline(out, &a), a.KeepAlive)
}

// answer takes the response that was just appended to c.out: it stays there
// for the direct write, or joins the queue behind unfinished answers.
func (c *conn) answer(out []byte, keepAlive bool) {
	c.closing = !keepAlive
	if !c.queue.Append(out[len(c.out):]) {
		c.out = out
	}
}

// Wake has gnet call OnTraffic again; the queue calls it only while the
// connection is open.
func (c *conn) Wake() { _ = c.gc.Wake(nil) }

// Writev hands a batch of ready answers to gnet, which writes it on the
// loop and then runs written.
func (c *conn) Writev(batch [][]byte) error { return c.gc.AsyncWritev(batch, c.onWritten) }

// written runs on the loop once a batch has been written (or dropped because
// the connection closed). It resumes a stalled reader and finishes a close.
func (c *conn) written(gc gn.Conn, err error) error {
	resume := c.queue.Written()
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
// close drops unsent bytes); until then it looks again later.
func (c *conn) closeWhenAnswered() gn.Action {
	if !c.queue.Idle() {
		return gn.None // the last batch's written callback looks again
	}
	if c.gc.OutboundBuffered() == 0 {
		return gn.Close
	}
	c.retry.Later()
	return gn.None
}
