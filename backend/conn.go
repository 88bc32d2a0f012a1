package backend

import (
	"errors"
	"io"
	"net"
	"os"
	"time"

	"loopbench/app"
)

const (
	// readSize is the read buffer of a connection; a request line is at
	// most a few bytes, so one read carries hundreds of pipelined requests.
	readSize = 4096
	// maxPending bounds the requests waiting on one connection; beyond it
	// the connection stops reading until some are answered, so a client
	// that pipelines without end meets TCP back-pressure instead of growing
	// the queue.
	maxPending = 1 << 16
)

// pending is a request waiting for its delay: due is measured from the
// connection's epoch on the monotonic clock.
type pending struct {
	due time.Duration
	ms  int
}

// conn is one client connection, served by one goroutine: the read deadline
// is the timer of the oldest waiting request, so a request that is already
// due is answered by the goroutine that read it, without a hand-off.
type conn struct {
	nc       net.Conn
	srv      *Server
	epoch    time.Time
	deadline time.Time // the read deadline set on nc (zero: none)

	buf   []byte // read buffer; buf[:have] is unparsed input
	have  int
	out   []byte    // replies being written
	queue []pending // waiting requests in arrival order, from head
	head  int
	eof   bool // the client will send no more requests
}

func newConn(nc net.Conn, srv *Server) *conn {
	return &conn{nc: nc, srv: srv, epoch: time.Now(), buf: make([]byte, readSize)}
}

// serve answers what is due, then waits for more input or the next due
// time, until the client has sent everything and been answered, breaks the
// protocol, fails, or the server closes the connection.
func (c *conn) serve() {
	defer c.nc.Close()
	for {
		if !c.answerDue() {
			return
		}
		if c.head == len(c.queue) && c.eof {
			return
		}
		if c.eof || len(c.queue)-c.head >= maxPending {
			if !c.sleep() {
				return
			}
			continue
		}
		if !c.read() {
			return
		}
	}
}

// answerDue writes every reply that is due in one write.
func (c *conn) answerDue() bool {
	now := time.Since(c.epoch)
	c.out = c.out[:0]
	k := 0
	for ; c.head < len(c.queue) && c.queue[c.head].due <= now; c.head++ {
		c.out = app.AppendUpstreamReply(c.out, c.queue[c.head].ms)
		k++
	}
	if k == 0 {
		return true
	}
	c.compact()
	if _, err := c.nc.Write(c.out); err != nil {
		return false
	}
	c.srv.answered.Add(int64(k))
	return true
}

// read waits for input until the oldest request is due, and queues the
// complete requests that arrived. It reports false when the connection must
// close: a malformed line or a failed read.
func (c *conn) read() bool {
	c.setDeadline()
	n, err := c.nc.Read(c.buf[c.have:])
	c.have += n
	if !c.parse() {
		return false
	}
	switch {
	case err == nil, errors.Is(err, os.ErrDeadlineExceeded):
		return true
	case errors.Is(err, io.EOF):
		c.eof = true
		return true
	}
	return false
}

// setDeadline makes the next read return when the oldest request is due.
func (c *conn) setDeadline() {
	var d time.Time
	if c.head < len(c.queue) {
		d = c.epoch.Add(c.queue[c.head].due)
	}
	if d != c.deadline {
		c.nc.SetReadDeadline(d)
		c.deadline = d
	}
}

// parse queues the complete requests in buf[:have], stamped with their due
// times, and moves the incomplete rest to the front of buf. It reports
// false on a malformed line.
func (c *conn) parse() bool {
	now := time.Since(c.epoch)
	off := 0
	for {
		k, ms, err := app.ParseUpstreamRequest(c.buf[off:c.have])
		if err != nil {
			return false
		}
		if k == 0 {
			break
		}
		c.queue = append(c.queue, pending{due: now + time.Duration(ms)*time.Millisecond, ms: ms})
		c.srv.received.Add(1)
		off += k
	}
	c.have = copy(c.buf, c.buf[off:c.have])
	return true
}

// sleep waits, without reading, until the oldest request is due or the
// server stops; it reports false if the server stops.
func (c *conn) sleep() bool {
	t := time.NewTimer(time.Until(c.epoch.Add(c.queue[c.head].due)))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.srv.done:
		return false
	}
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
