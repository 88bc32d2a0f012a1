package gnet

import "loopbench/app"

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

// perform does the blocking part of a deferred operation off the loop.
func (s *server) perform(a *app.Action) ([]byte, error) { return s.ops.Perform(a) }
