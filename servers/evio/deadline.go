package evio

import (
	"sync/atomic"
	"time"

	"github.com/tidwall/evio"

	"loopbench/app"
	"loopbench/servers/internal/deadline"
)

// evio has no per-connection timeouts. The model gives it the bounds of
// model.Config with a ticker of its own (servers/internal/deadline): each
// connection publishes what it waits for, and the ticker wakes the connections past their deadline, whose
// Data then answers 408 or just closes. (Wake, which is safe from any
// goroutine, is the only way into a connection: evio has no Close from
// outside Data. evio's own Tick would do, but its ticker goroutine outlives
// the server, blocked on a channel nobody sends on again.)

// maxInbound bounds the request bytes a connection may hold unparsed while
// its answers wait (evio keeps reading it): past it the connection closes.
const maxInbound = 1 << 20

// deadlines is a connection's published state, and what the ticker's
// Wake asks Data to do (a deadline.Expiry).
type deadlines struct {
	deadline.State
	ec     evio.Conn
	expire atomic.Int32
}

// publish records what the connection waits for now.
func (c *conn) publish() { c.Publish(deadline.Of(!c.queue.Idle(), len(c.in) > 0)) }

// expired answers Data for a connection the ticker woke past its deadline.
func (c *conn) expired() ([]byte, evio.Action, bool) {
	switch deadline.Expiry(c.expire.Load()) {
	case deadline.HeadTimeout:
		c.closing = true
		return app.AppendError(c.out[:0], app.ErrHeadTimeout), evio.Close, true
	case deadline.IdleTimeout:
		c.closing = true
		return nil, evio.Close, true
	}
	return nil, evio.None, false
}

// startTicker wakes the connections past their deadline until the
// returned function is called.
func (s *server) startTicker() (stop func()) {
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(deadline.Every(s.cfg.Head()))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s.tick()
			}
		}
	}()
	return func() { close(done); <-exited }
}

// tick wakes the connections past their deadline.
func (s *server) tick() {
	now := time.Now().UnixNano()
	head, idle := s.cfg.Head(), s.cfg.Idle()
	s.conns.Each(func(c *conn) {
		why := c.Due(now, head, idle)
		if why != deadline.None && !s.isControl(c.ec) && c.expire.CompareAndSwap(int32(deadline.None), int32(why)) {
			c.ec.Wake()
		}
	})
}
