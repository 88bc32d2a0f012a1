package gnet

import (
	"sync"
	"sync/atomic"
	"time"

	gn "github.com/panjf2000/gnet/v2"

	"loopbench/app"
)

// gnet has no per-connection timeouts. The model gives it the bounds of
// model.Config with its ticker: each connection publishes what it waits for
// and since when (the loop writes, the ticker reads, hence atomics), and the
// ticker, on its own goroutine, closes those past their deadline through
// gnet's concurrency-safe AsyncWrite and Close.

// What a connection waits for, as the ticker sees it.
const (
	waitIdle int32 = iota // on its client, with nothing in progress: the idle timeout runs
	waitHead              // on the rest of a request: the head timeout runs
	waitBusy              // on the server (a deferred answer): no deadline
)

// maxInbound bounds the request bytes gnet may hold for a connection that
// is not being read because its answers are not being taken: past it the
// connection is closed (gnet would keep reading into its inbound buffer
// without limit).
const maxInbound = 1 << 20

// errHeadTimeout is the answer to a request that did not arrive in time.
var errHeadTimeout = &app.Error{Status: 408, Reason: "request head timeout"}

// deadlines is a connection's published state.
type deadlines struct {
	wait  atomic.Int32
	since atomic.Int64 // Unix ns at which the wait began
	fired atomic.Bool
}

// publish records what the connection waits for now; the head timeout runs
// from the first byte of a request, so a wait that stays waitHead keeps its
// start.
func (c *conn) publish() {
	w := waitIdle
	switch {
	case !c.queue.Idle():
		w = waitBusy
	case c.gc.InboundBuffered() > 0:
		w = waitHead
	}
	if old := c.wait.Swap(w); old != w || w == waitIdle {
		c.since.Store(time.Now().UnixNano())
	}
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

// tickEvery is how often the ticker looks: four times per head timeout,
// at most once a second, so a deadline is kept within a quarter of it.
func tickEvery(head time.Duration) time.Duration {
	return min(time.Second, max(head/4, 10*time.Millisecond))
}

// OnTick closes the connections past their deadline: 408 for a request that
// did not arrive in time, a plain close for an idle one.
func (s *server) OnTick() (time.Duration, gn.Action) {
	now := time.Now().UnixNano()
	head, idle := int64(s.cfg.Head()), int64(s.cfg.Idle())
	s.conns.mu.Lock()
	for c := range s.conns.m {
		since := c.since.Load()
		switch c.wait.Load() {
		case waitHead:
			if now-since > head && !c.fired.Swap(true) {
				gc := c.gc
				_ = gc.AsyncWrite(app.AppendError(nil, errHeadTimeout), func(gn.Conn, error) error { return gc.Close() })
			}
		case waitIdle:
			if now-since > idle && !c.fired.Swap(true) {
				_ = c.gc.Close()
			}
		}
	}
	s.conns.mu.Unlock()
	return tickEvery(s.cfg.Head()), gn.None
}
