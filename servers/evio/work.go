package evio

import "loopbench/app"

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
func (s *server) perform(a *app.Action) ([]byte, error) { return s.ops.Perform(a) }
