package gnet

import (
	"sync/atomic"
	"time"

	gn "github.com/panjf2000/gnet/v2"

	"loopbench/app"
	"loopbench/servers/internal/deadline"
)

// gnet has no per-connection timeouts. The model gives it the bounds of
// model.Config with its ticker (servers/internal/deadline): each
// connection publishes what it waits for, and the ticker, on its own
// goroutine, closes those past their deadline through gnet's
// concurrency-safe AsyncWrite and Close.

// maxInbound bounds the request bytes gnet may hold for a connection that
// is not being read because its answers are not being taken: past it the
// connection is closed (gnet would keep reading into its inbound buffer
// without limit).
const maxInbound = 1 << 20

// deadlines is a connection's published state.
type deadlines struct {
	deadline.State
	fired atomic.Bool
}

// publish records what the connection waits for now.
func (c *conn) publish() { c.Publish(deadline.Of(!c.queue.Idle(), c.gc.InboundBuffered() > 0)) }

// OnTick closes the connections past their deadline: 408 for a request that
// did not arrive in time, a plain close for an idle one.
func (s *server) OnTick() (time.Duration, gn.Action) {
	now := time.Now().UnixNano()
	head, idle := s.cfg.Head(), s.cfg.Idle()
	s.conns.Each(func(c *conn) {
		switch c.Due(now, head, idle) {
		case deadline.HeadTimeout:
			if !c.fired.Swap(true) {
				gc := c.gc
				_ = gc.AsyncWrite(app.AppendError(nil, app.ErrHeadTimeout), func(gn.Conn, error) error { return gc.Close() })
			}
		case deadline.IdleTimeout:
			if !c.fired.Swap(true) {
				_ = c.gc.Close()
			}
		}
	})
	return deadline.Every(head), gn.None
}
