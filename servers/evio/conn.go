package evio

import (
	"log"
	"sync"
	"time"

	"github.com/tidwall/evio"

	"loopbench/app"
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
// The loop owns in, out, closing and timer. The deferred operations'
// goroutines and the loop share queue and closed under mu: a goroutine marks
// its answer ready and wakes the loop; only the loop takes answers out of
// the queue, so they leave in request order.
type conn struct {
	s  *server
	ec evio.Conn

	in      []byte      // the start of an unfinished request, kept between calls
	out     []byte      // what Data returns; evio copies it
	closing bool        // the last answer closes the connection: read no more
	timer   *time.Timer // wakes the loop again while evio's output is unsent
	poll    time.Duration

	mu     sync.Mutex
	queue  []*answer // answers not returned to evio yet, in request order
	closed bool      // Closed ran: wake no more
}

// answer is one queued response; ready once its bytes are final.
type answer struct {
	buf   []byte
	ready bool
}

// opened attaches the connection's state and turns Nagle's algorithm off,
// as every other model does (evio leaves it on: an answer written while an
// earlier one is unacknowledged would wait for the client's delayed ACK).
// The input buffer evio passes to Data is shared by the loop's
// connections: Data copies what it keeps.
func (s *server) opened(ec evio.Conn) ([]byte, evio.Options, evio.Action) {
	ec.SetContext(&conn{s: s, ec: ec, out: make([]byte, 0, 4096)})
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
	c.mu.Lock()
	c.closed, c.queue = true, nil
	c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
	}
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
	if in == nil && unsent(ec) > 0 {
		if c.headReady() {
			c.retryLater()
		}
		return nil, c.action()
	}
	c.poll = 0
	if c.closing {
		return c.release(c.out[:0]), c.action()
	}
	buf := in
	if len(c.in) > 0 || in == nil {
		c.in = append(c.in, in...)
		buf = c.in
	}
	out := c.release(c.out[:0])
	n := c.serve(buf, &out)
	c.in = append(c.in[:0], buf[n:]...)
	c.out = out
	return out, c.action()
}

// serve parses and answers the complete requests at the start of buf,
// appending immediate answers to *out while nothing is queued, and returns
// the bytes it consumed.
func (c *conn) serve(buf []byte, out *[]byte) int {
	off := 0
	for off < len(buf) && !c.closing && !c.full() {
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
	switch {
	case a.Op == app.OpNone:
	case a.Op == app.OpCPU && !c.s.cfg.CPUOffload:
		resp = app.Finish(out, &a, app.CPU(a.Iter), nil)
	default:
		c.deferOp(a)
		c.closing = !a.KeepAlive
		return out
	}
	return c.answer(out, resp, a.KeepAlive)
}

// answer takes the response just appended to out: it stays there while
// nothing is queued, or joins the queue behind the unfinished answers.
func (c *conn) answer(out, resp []byte, keepAlive bool) []byte {
	c.closing = !keepAlive
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 {
		return resp
	}
	tail := resp[len(out):]
	if last := c.queue[len(c.queue)-1]; last.ready {
		last.buf = append(last.buf, tail...)
	} else {
		c.queue = append(c.queue, &answer{buf: append([]byte(nil), tail...), ready: true})
	}
	return out
}

// release appends the ready answers at the head of the queue to out.
func (c *conn) release(out []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := 0
	for ; k < len(c.queue) && c.queue[k].ready; k++ {
		out = append(out, c.queue[k].buf...)
	}
	if k > 0 {
		clear(c.queue[:k])
		c.queue = append(c.queue[:0], c.queue[k:]...)
	}
	return out
}

// full reports whether the queue is at its bound.
func (c *conn) full() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue) >= maxPending
}

// action closes the connection once the closing answer and every answer
// before it have been returned to evio, which closes after writing them.
// Every Data call repeats it, since a Wake's Data overwrites evio's action.
func (c *conn) action() evio.Action {
	if !c.closing {
		return evio.None
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 {
		return evio.Close
	}
	return evio.None
}

// headReady reports whether the answer at the head of the queue is ready.
func (c *conn) headReady() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue) > 0 && c.queue[0].ready
}

// retryLater wakes the loop again, at once the first time and then after
// the next poll interval, to answer once evio has written what it holds.
func (c *conn) retryLater() {
	if c.poll == 0 {
		c.poll = unsentPoll / 2
		c.ec.Wake() // on the loop, which is open
		return
	}
	c.poll = min(2*c.poll, maxUnsentPoll)
	if c.timer == nil {
		c.timer = time.AfterFunc(c.poll, c.wake)
		return
	}
	c.timer.Reset(c.poll)
}

// wake has evio call Data for this connection, unless it has closed (evio
// may have closed the loop's poller since).
func (c *conn) wake() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.ec.Wake()
	}
}
