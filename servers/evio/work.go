package evio

import "loopbench/app"

// deferOp reserves the answer's place in the queue and starts a goroutine
// for the operation; when it is done the goroutine finishes the answer,
// which wakes the loop unless the connection has closed in the meantime.
func (c *conn) deferOp(a app.Action) {
	slot := c.queue.Reserve()
	c.s.tasks.Go(func() {
		result, err := c.s.ops.Perform(&a)
		c.queue.Finish(slot, app.Finish(nil, &a, result, err))
	})
}
