package evio

import (
	"errors"
	"time"

	"loopbench/app"
)

// errStopped fails a sleep cut short because the server stopped; its
// connection is already closed, so nobody sees the answer.
var errStopped = errors.New("evio: server stopping")

// deferOp queues an unfinished answer for a and starts a goroutine for the
// operation; when it is done the goroutine makes the answer ready and wakes
// the loop.
func (c *conn) deferOp(a app.Action) {
	ans := &answer{}
	c.mu.Lock()
	c.queue = append(c.queue, ans)
	c.mu.Unlock()
	c.s.tasks.Go(func() {
		result, err := c.s.perform(&a)
		c.finish(ans, app.Finish(nil, &a, result, err))
	})
}

// finish makes ans ready and wakes the loop, unless the connection has
// closed in the meantime.
func (c *conn) finish(ans *answer, buf []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ans.buf, ans.ready = buf, true
	if !c.closed {
		c.ec.Wake()
	}
}

// perform does the blocking part of a deferred operation off the loop.
func (s *server) perform(a *app.Action) ([]byte, error) {
	switch a.Op {
	case app.OpSleep:
		return nil, s.sleep(time.Duration(a.Millis) * time.Millisecond)
	case app.OpUpstream:
		return s.upstream.Do(a.Millis)
	case app.OpFile:
		return app.ReadFile(s.cfg.DataDir, a.Name)
	case app.OpCPU:
		return app.CPU(a.Iter), nil
	}
	return nil, errors.New("evio: unknown deferred operation " + a.Op.String())
}

// sleep blocks the goroutine for d, or until the server stops.
func (s *server) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-s.quit:
		return errStopped
	}
}
