package evio

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/evio"

	"loopbench/app"
)

// evio has no per-connection timeouts. The model gives it the bounds of
// model.Config with a ticker of its own: each connection publishes what it
// waits for and since when (its loop writes, the ticker reads, hence
// atomics), and the ticker wakes the connections past their deadline, whose
// Data then answers 408 or just closes. (Wake, which is safe from any
// goroutine, is the only way into a connection: evio has no Close from
// outside Data. evio's own Tick would do, but its ticker goroutine outlives
// the server, blocked on a channel nobody sends on again.)

// What a connection waits for, as the ticker sees it.
const (
	waitIdle int32 = iota // on its client, with nothing in progress: the idle timeout runs
	waitHead              // on the rest of a request: the head timeout runs
	waitBusy              // on the server (a deferred answer): no deadline
)

// What a Wake from the ticker asks Data to do.
const (
	expireNone int32 = iota
	expireHead       // answer 408 and close
	expireIdle       // close
)

// maxInbound bounds the request bytes a connection may hold unparsed while
// its answers wait (evio keeps reading it): past it the connection closes.
const maxInbound = 1 << 20

// errHeadTimeout is the answer to a request that did not arrive in time.
var errHeadTimeout = &app.Error{Status: 408, Reason: "request head timeout"}

// deadlines is a connection's published state.
type deadlines struct {
	ec     evio.Conn
	wait   atomic.Int32
	since  atomic.Int64 // Unix ns at which the wait began
	expire atomic.Int32
}

// publish records what the connection waits for now; a wait that stays
// waitHead keeps its start, so the head timeout runs from a request's
// first byte.
func (c *conn) publish() {
	w := waitIdle
	switch {
	case !c.queue.Idle():
		w = waitBusy
	case len(c.in) > 0:
		w = waitHead
	}
	if old := c.wait.Swap(w); old != w || w == waitIdle {
		c.since.Store(time.Now().UnixNano())
	}
}

// expired answers Data for a connection the ticker woke past its deadline.
func (c *conn) expired() ([]byte, evio.Action, bool) {
	switch c.expire.Load() {
	case expireHead:
		c.closing = true
		return app.AppendError(c.out[:0], errHeadTimeout), evio.Close, true
	case expireIdle:
		c.closing = true
		return nil, evio.Close, true
	}
	return nil, evio.None, false
}

// connSet is every open connection, for the ticker.
type connSet struct {
	mu sync.Mutex
	m  map[*conn]struct{}
}

func (s *connSet) add(c *conn) {
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[*conn]struct{})
	}
	s.m[c] = struct{}{}
	s.mu.Unlock()
}

func (s *connSet) remove(c *conn) {
	s.mu.Lock()
	delete(s.m, c)
	s.mu.Unlock()
}

// tickEvery is how often the ticker looks: four times per head timeout, at most
// once a second, so a deadline is kept within a quarter of it.
func tickEvery(head time.Duration) time.Duration {
	return min(time.Second, max(head/4, 10*time.Millisecond))
}

// startTicker wakes the connections past their deadline until the
// returned function is called.
func (s *server) startTicker() (stop func()) {
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(tickEvery(s.cfg.Head()))
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
	head, idle := int64(s.cfg.Head()), int64(s.cfg.Idle())
	s.conns.mu.Lock()
	for c := range s.conns.m {
		since, why := c.since.Load(), expireNone
		switch c.wait.Load() {
		case waitHead:
			if now-since > head {
				why = expireHead
			}
		case waitIdle:
			if now-since > idle {
				why = expireIdle
			}
		}
		if why != expireNone && !s.isControl(c.ec) && c.expire.CompareAndSwap(expireNone, why) {
			c.ec.Wake()
		}
	}
	s.conns.mu.Unlock()
}
