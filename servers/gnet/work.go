package gnet

import (
	"errors"
	"time"

	"loopbench/app"
)

// errStopped fails a sleep cut short because the engine is stopping; its
// connection is already closed, so nobody sees the answer.
var errStopped = errors.New("gnet: server stopping")

// deferOp queues an unfinished answer for a and hands the operation to the
// pool. If the pool refuses it (out of goroutines), the answer is the
// operation's failure: 500.
func (c *conn) deferOp(a app.Action) {
	ans := &answer{}
	c.mu.Lock()
	c.queue = append(c.queue, ans)
	c.mu.Unlock()
	err := c.s.work.submit(func() {
		result, err := c.s.perform(&a)
		c.finish(ans, app.Finish(nil, &a, result, err))
	})
	if err != nil {
		c.finish(ans, app.Finish(nil, &a, nil, err))
	}
}

// finish makes ans ready and hands whatever is now at the head of the queue
// to gnet.
func (c *conn) finish(ans *answer, buf []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ans.buf, ans.ready = buf, true
	c.flushLocked()
}

// perform does the blocking part of a deferred operation on a pool worker.
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
	return nil, errors.New("gnet: unknown deferred operation " + a.Op.String())
}

// sleep blocks the worker for d, or until the engine stops.
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
