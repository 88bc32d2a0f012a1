package eventloop

import (
	"loopbench/app"
)

// deadlines is a connection's bounds in time (see model.Config): the head
// timeout while part of a request has arrived and the idle timeout while it
// waits on its client with nothing in progress. One timer serves both, and
// it is restarted lazily, as Node's socket timeouts are: the connection
// records its activity in plain fields, the timer fires at the deadline it
// was started with, and only then looks whether the deadline has moved. A
// busy keep-alive connection so touches the timer heap once per idle
// timeout, not once per request.
type deadlines struct {
	t         timer
	active    int64 // loop time of the last byte read or written
	headSince int64 // loop time the unfinished request in the input began to arrive
	heading   bool  // headSince is set
}

// deadline is the loop time at which the connection times out, or 0 while
// the server, not the client, owes the next step (a deferred answer is in
// progress). Unsent answers come first: a client that does not read them
// is idle, whatever else it sent.
func (c *conn) deadline(l *loop) int64 {
	switch {
	case c.unsent() > 0:
		c.heading = false
		return c.active + l.srv.idle
	case len(c.q) > 0:
		c.heading = false
		return 0
	case len(c.in) > 0:
		if !c.heading {
			c.heading, c.headSince = true, l.now
		}
		return c.headSince + l.srv.head
	}
	c.heading = false
	return c.active + l.srv.idle
}

// arm makes sure the timer fires no later than the connection's deadline.
func (c *conn) arm(l *loop) {
	d := c.deadline(l)
	if d != 0 && (!c.t.active() || d < c.t.when) {
		l.timers.start(&c.t, d)
	}
}

// onTimer checks the deadline the connection has now: past it, the
// connection times out; before it, the timer waits again.
func (c *conn) onTimer(_ *timer, now int64) {
	l := c.l
	if c.closed || c.draining {
		return
	}
	switch d := c.deadline(l); {
	case d == 0:
	case d > now:
		l.timers.start(&c.t, d)
	default:
		c.expire(l)
	}
}

// expire ends a connection past its deadline: one whose request head did
// not arrive in time is answered 408 and closed lingering; one that was
// idle, or did not read its answers, is closed.
func (c *conn) expire(l *loop) {
	if !c.heading {
		c.close(l)
		return
	}
	l.timeouts++
	c.in = nil
	c.lastRequest, c.unread = true, true
	c.send(l, app.AppendError(l.wbuf[:0], app.ErrHeadTimeout))
	c.finishOrWait(l)
}
