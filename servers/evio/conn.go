package evio

import (
	"log"
	"time"

	"github.com/tidwall/evio"

	"loopbench/app"
	"loopbench/servers/internal/answers"
	"loopbench/servers/internal/deadline"
)

// maxPending bounds the answers a connection may have queued behind an
// unfinished deferred one; a client pipelining more waits until the queue
// drains (its bytes wait in conn.in).
const maxPending = 256

// A Wake that finds evio's output still unsent, with an answer ready to
// follow it, first wakes the loop again at once: evio runs the Wakes of a
// loop pass before its writes, so the write is usually done by the next
// pass. If not (the client is slow to read), it tries again after
// unsentPoll, then after twice as long each time up to maxUnsentPoll, so a
// client that has stopped reading costs the loop little.
const (
	unsentPoll    = time.Millisecond
	maxUnsentPoll = 100 * time.Millisecond
)

// conn is the per-connection state, the evio.Conn's context.
//
// The loop owns in, out, closing and retry. The deferred operations'
// goroutines finish their answers in the queue, which wakes the loop; only
// the loop releases answers from the queue, so they leave in request order.
type conn struct {
	s *server

	in      []byte          // the start of an unfinished request, kept between calls
	out     []byte          // what Data returns; evio copies it
	closing bool            // the last answer closes the connection: read no more
	retry   answers.Backoff // wakes the loop again while evio's output is unsent
	queue   answers.Queue

	deadlines
}

// opened attaches the connection's state and turns Nagle's algorithm off,
// as every other model does (evio leaves it on: an answer written while an
// earlier one is unacknowledged would wait for the client's delayed ACK).
// The input buffer evio passes to Data is shared by the loop's
// connections: Data copies what it keeps. evio.Conn's Wake is the queue's
// wake-up.
func (s *server) opened(ec evio.Conn) ([]byte, evio.Options, evio.Action) {
	c := &conn{s: s, out: make([]byte, 0, 4096)}
	c.queue.Init(maxPending, ec)
	c.retry = answers.Backoff{Queue: &c.queue, First: unsentPoll, Max: maxUnsentPoll, AtOnce: true}
	ec.SetContext(c)
	c.ec = ec
	c.Publish(deadline.Idle)
	s.conns.Add(c)
	if fd := socket(ec); fd >= 0 {
		if err := setNoDelay(fd); err != nil {
			s.logNoDelay.Do(func() { log.Printf("evio: %v (answers may wait for delayed ACKs)", err) })
		}
	}
	return nil, evio.Options{ReuseInputBuffer: true}, evio.None
}

// closed stops the wakes of a closed connection; the control connection's
// close stops the server.
func (s *server) closed(ec evio.Conn, _ error) evio.Action {
	if s.isControl(ec) {
		return evio.Shutdown
	}
	c, ok := ec.Context().(*conn)
	if !ok {
		return evio.None
	}
	c.queue.Close()
	c.retry.Stop()
	s.conns.Remove(c)
	return evio.None
}

// data is evio's Data event: in holds the bytes just read, or is nil when a
// deferred operation's Wake brought the loop here. It returns the answers
// that are ready, in request order. It allocates nothing for a connection
// without deferred requests.
func (s *server) data(ec evio.Conn, in []byte) ([]byte, evio.Action) {
	c, ok := ec.Context().(*conn)
	if !ok {
		return nil, evio.Close
	}
	if out, action, ok := c.expired(); ok {
		return out, action
	}
	if in == nil && unsent(ec) > 0 {
		if c.queue.HeadReady() {
			c.retry.Later()
		}
		return nil, c.action()
	}
	c.retry.Reset()
	if c.closing {
		return c.queue.Release(c.out[:0]), c.action()
	}
	buf := in
	if len(c.in) > 0 || in == nil {
		c.in = append(c.in, in...)
		buf = c.in
	}
	out := c.queue.Release(c.out[:0])
	n := c.serve(buf, &out)
	c.in = append(c.in[:0], buf[n:]...)
	c.out = out
	if len(c.in) > maxInbound {
		return out, evio.Close // requests pile up behind answers the client does not take
	}
	c.publish()
	return out, c.action()
}

// serve parses and answers the complete requests at the start of buf,
// appending immediate answers to *out while nothing is queued, and returns
// the bytes it consumed. A full queue stops it until the queue drains.
func (c *conn) serve(buf []byte, out *[]byte) int {
	off := 0
	for off < len(buf) && !c.closing && !c.queue.Full() {
		var req app.Request
		n, err := app.Parse(buf[off:], &req)
		if err != nil {
			*out = c.answer(*out, app.AppendError(*out, err), false)
			return len(buf)
		}
		if n == 0 {
			break
		}
		off += n
		*out = c.handle(*out, &req)
	}
	return off
}

// handle answers one request or starts its deferred operation.
func (c *conn) handle(out []byte, req *app.Request) []byte {
	resp, a := app.Handle(out, req)
	if a.Deferred(c.s.cfg.CPUOffload) {
		c.deferOp(a)
		c.closing = !a.KeepAlive
		return out
	}
	return c.answer(out, app.FinishInline(resp, &a), a.KeepAlive)
}

// answer takes the response just appended to out: it stays there while
// nothing is queued, or joins the queue behind the unfinished answers.
func (c *conn) answer(out, resp []byte, keepAlive bool) []byte {
	c.closing = !keepAlive
	if c.queue.Append(resp[len(out):]) {
		return out
	}
	return resp
}

// action closes the connection once the closing answer and every answer
// before it have been returned to evio, which closes after writing them.
// Every Data call repeats it, since a Wake's Data overwrites evio's action.
func (c *conn) action() evio.Action {
	if c.closing && c.queue.Idle() {
		return evio.Close
	}
	return evio.None
}
