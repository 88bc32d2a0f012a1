package backend

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"loopbench/app"
)

const (
	// readSize is the read buffer of a connection; a request line is at
	// most a few bytes, so one read carries hundreds of pipelined requests.
	readSize = 4096
	// maxPending bounds the requests waiting on one connection; beyond it
	// the reader stops reading, so a client that pipelines without end
	// meets TCP back-pressure instead of growing the queue.
	maxPending = 1 << 16
)

// pending is a request waiting for its delay: due is measured from the
// connection's epoch on the monotonic clock.
type pending struct {
	due time.Duration
	ms  int
}

// conn is one client connection: read queues requests, write answers them.
type conn struct {
	nc       net.Conn
	epoch    time.Time
	answered *atomic.Int64
	wake     chan struct{} // capacity 1: the writer has something to look at
	done     chan struct{} // closed when the writer returns
	once     sync.Once

	mu    sync.Mutex
	space sync.Cond // signalled when the queue shrinks or the conn dies
	queue []pending // in arrival order from head
	head  int
	eof   bool // the client will send no more requests
	dead  bool // the connection is closed or failed: stop everything
}

func newConn(nc net.Conn, answered *atomic.Int64) *conn {
	c := &conn{nc: nc, epoch: time.Now(), answered: answered, wake: make(chan struct{}, 1), done: make(chan struct{})}
	c.space.L = &c.mu
	return c
}

// read parses requests as they arrive and queues them with their due times.
// A malformed line closes the connection. At the end of the input the writer
// still answers what is queued; read returns once it has, and closes.
func (c *conn) read() {
	defer func() {
		<-c.done
		c.kill()
	}()
	buf := make([]byte, readSize)
	batch := make([]pending, 0, 64)
	have := 0
	for {
		n, err := c.nc.Read(buf[have:])
		have += n
		now := time.Since(c.epoch)
		var ok bool
		batch, have, ok = parse(batch[:0], buf, have, now)
		if !ok || !c.enqueue(batch) {
			c.kill()
			return
		}
		if errors.Is(err, io.EOF) {
			c.endOfInput()
			return
		}
		if err != nil {
			c.kill()
			return
		}
	}
}

// parse appends the complete requests in buf[:have] to batch and moves the
// incomplete rest to the front of buf. It reports false on a malformed line.
func parse(batch []pending, buf []byte, have int, now time.Duration) ([]pending, int, bool) {
	off := 0
	for {
		k, ms, err := app.ParseUpstreamRequest(buf[off:have])
		if err != nil {
			return batch, 0, false
		}
		if k == 0 {
			break
		}
		batch = append(batch, pending{due: now + time.Duration(ms)*time.Millisecond, ms: ms})
		off += k
	}
	return batch, copy(buf, buf[off:have]), true
}

// enqueue adds a batch of requests, waiting while the queue is full. It
// reports false if the connection died meanwhile.
func (c *conn) enqueue(batch []pending) bool {
	if len(batch) == 0 {
		return true
	}
	c.mu.Lock()
	for len(c.queue)-c.head >= maxPending && !c.dead {
		c.space.Wait()
	}
	dead := c.dead
	if !dead {
		c.queue = append(c.queue, batch...)
	}
	c.mu.Unlock()
	c.signal()
	return !dead
}

func (c *conn) endOfInput() {
	c.mu.Lock()
	c.eof = true
	c.mu.Unlock()
	c.signal()
}

// write sleeps on one timer until the oldest request is due, then writes
// every reply that is due in one write. It returns when the connection dies
// or when the input has ended and every request has been answered.
func (c *conn) write() {
	defer close(c.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var out []byte
	for {
		var k int
		var wait time.Duration
		var finished bool
		out, k, wait, finished = c.takeDue(out[:0])
		if k > 0 {
			if _, err := c.nc.Write(out); err != nil {
				c.kill()
				return
			}
			c.answered.Add(int64(k))
		}
		if finished {
			return
		}
		if wait > 0 {
			timer.Reset(wait)
		}
		select {
		case <-c.wake:
		case <-timer.C:
		}
	}
}

// takeDue appends the replies that are due to out and removes their requests
// from the queue. It returns how many it took, how long until the next one
// is due (0: none queued) and whether the writer is finished.
func (c *conn) takeDue(out []byte) ([]byte, int, time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return out, 0, 0, true
	}
	now := time.Since(c.epoch)
	k := 0
	for ; c.head < len(c.queue) && c.queue[c.head].due <= now; c.head++ {
		out = app.AppendUpstreamReply(out, c.queue[c.head].ms)
		k++
	}
	if k > 0 {
		c.compact()
		c.space.Signal()
	}
	if c.head < len(c.queue) {
		return out, k, c.queue[c.head].due - now, false
	}
	return out, k, 0, c.eof
}

// compact drops answered requests from the front of the queue once they are
// at least half of it, so appending stays amortised O(1).
func (c *conn) compact() {
	if c.head == len(c.queue) {
		c.queue, c.head = c.queue[:0], 0
		return
	}
	if 2*c.head >= len(c.queue) {
		n := copy(c.queue, c.queue[c.head:])
		c.queue, c.head = c.queue[:n], 0
	}
}

// kill marks the connection dead, closes it (unblocking a pending Read or
// Write) and wakes both goroutines. It may run more than once.
func (c *conn) kill() {
	c.mu.Lock()
	c.dead = true
	c.mu.Unlock()
	c.space.Broadcast()
	c.once.Do(func() { c.nc.Close() })
	c.signal()
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}
