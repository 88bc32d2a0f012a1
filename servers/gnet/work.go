package gnet

import "loopbench/app"

// deferOp reserves the answer's place in the queue and hands the operation
// to the pool, whose worker performs its blocking part off the loop. If the
// pool refuses it (out of goroutines), the answer is the operation's
// failure: 500.
func (c *conn) deferOp(a app.Action) {
	slot := c.queue.Reserve()
	err := c.s.work.submit(func() {
		result, err := c.s.ops.Perform(&a)
		c.queue.Finish(slot, app.Finish(nil, &a, result, err))
	})
	if err != nil {
		c.queue.Finish(slot, app.Finish(nil, &a, nil, err))
	}
}
