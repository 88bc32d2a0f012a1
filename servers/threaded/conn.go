package threaded

import (
	"errors"
	"slices"
	"time"

	"loopbench/app"
)

// Buffer sizes of a connection.
const (
	initialBuffer = 4 << 10
	// maxInput holds the largest complete request: a full header block and
	// the largest body the parser waits for.
	maxInput = app.MaxHeaderBytes + app.MaxBodyBytes + initialBuffer
	// keepBuffer is the largest output or scratch buffer a connection keeps
	// between requests; a larger one (large.bin) is dropped after use. It
	// holds medium.bin's answer, as a C server's per-thread buffer would:
	// dropping those made every /file request allocate about 200 KiB, and
	// with GOMAXPROCS in the hundreds the collections that followed cut the
	// file workload from 15,600 to 3,100 req/s (64 connections, one CPU).
	keepBuffer = 256 << 10
	// lingerTime and lingerBytes bound the lingering close.
	lingerTime  = time.Second
	lingerBytes = 256 << 10
)

// conn is one connection, served start to end by one locked OS thread. In
// steady state it allocates nothing: buffers are reused between requests.
type conn struct {
	s  *server
	fd sock

	in      []byte // received bytes; in[start:] not yet parsed
	start   int
	out     []byte // answers not yet written
	scratch []byte // results of upstream calls and file reads
	path    []byte // the NUL-terminated name of the file being read
	req     app.Request

	headSince  time.Time     // when the unfinished request in in[start:] began to arrive; zero when none
	rcvTimeout time.Duration // the socket's SO_RCVTIMEO as last set
}

// serve alternates blocking reads and answers until the connection ends.
func (c *conn) serve() {
	for c.fill() && c.answer() {
	}
}

// fill blocks until more bytes arrive. It reports false at end of stream,
// on error, or when the server is stopping.
func (c *conn) fill() bool {
	if c.s.stopping.Load() {
		return false
	}
	if c.start > 0 {
		c.in = c.in[:copy(c.in, c.in[c.start:])]
		c.start = 0
	}
	if len(c.in) == cap(c.in) {
		if cap(c.in) >= maxInput {
			return false
		}
		c.in = slices.Grow(c.in, cap(c.in))
	}
	if !c.armRead() {
		return false
	}
	n, err := c.fd.read(c.in[len(c.in):cap(c.in)])
	if errors.Is(err, errTimeout) && len(c.in) > 0 {
		c.timeOut()
		return false
	}
	if err != nil {
		return false
	}
	c.in = c.in[:len(c.in)+n]
	return true
}

// armRead bounds the read ahead: by the idle timeout between requests, by
// what is left of the head timeout within one. The socket option is set only
// when the bound changes, so a keep-alive connection whose requests arrive
// whole pays no system call for it. It reports false when the head timeout
// has already passed (the connection has been answered 408).
func (c *conn) armRead() bool {
	want := c.s.idle
	if len(c.in) > 0 {
		if c.headSince.IsZero() {
			c.headSince = time.Now()
		}
		if want = c.s.head - time.Since(c.headSince); want <= 0 {
			c.timeOut()
			return false
		}
	}
	if want != c.rcvTimeout {
		if c.fd.setReadTimeout(want) != nil {
			return false
		}
		c.rcvTimeout = want
	}
	return true
}

// timeOut answers a request that did not arrive within the head timeout
// with 408, then closes.
func (c *conn) timeOut() {
	c.out = app.AppendError(c.out, app.ErrHeadTimeout)
	if c.flush() == nil {
		c.linger()
	}
}

// answer answers every complete request in the buffer, in order, and
// writes the answers in one write. It reports whether to keep reading.
func (c *conn) answer() bool {
	for {
		n, err := app.Parse(c.in[c.start:], &c.req)
		if err != nil {
			c.out = app.AppendError(c.out, err)
			if c.flush() == nil {
				c.linger()
			}
			return false
		}
		if n == 0 {
			return c.flush() == nil
		}
		c.headSince = time.Time{}
		keep := c.handle()
		c.start += n
		if keep && len(c.out) >= c.s.unsent && c.flush() != nil {
			return false
		}
		if !keep {
			if c.flush() == nil && c.req.BodyUnread {
				c.linger()
			}
			return false
		}
	}
}

// linger closes gracefully after refusing input that was not all read:
// closing with unread bytes would send a reset, which can destroy the
// answer before the client reads it. It sends end of stream, then reads and
// discards what the client still sends, for at most lingerTime and
// lingerBytes, the way Apache's lingering close does.
func (c *conn) linger() {
	c.fd.shutdownWrite()
	var discard [initialBuffer]byte
	deadline := time.Now().Add(lingerTime)
	for n := 0; n < lingerBytes; {
		left := time.Until(deadline)
		if left <= 0 || c.fd.setReadTimeout(left) != nil {
			return // a client trickling bytes must not hold the thread
		}
		got, err := c.fd.read(discard[:])
		if err != nil {
			return
		}
		n += got
	}
}

// handle appends the answer to c.req, performing its deferred operation on
// this thread first; /cpu is performed like the others (Deferred(true)).
// Answers queued before it are written before the thread blocks.
func (c *conn) handle() (keepAlive bool) {
	out, a := app.Handle(c.out, &c.req)
	c.out = out
	if !a.Deferred(true) {
		return a.KeepAlive
	}
	if c.flush() != nil {
		return false
	}
	result, err := c.perform(&a)
	c.out = app.Finish(c.out, &a, result, err)
	if cap(c.scratch) > keepBuffer {
		c.scratch = nil
	}
	return a.KeepAlive
}

// perform completes a deferred operation by blocking this thread.
func (c *conn) perform(a *app.Action) (result []byte, err error) {
	switch a.Op {
	case app.OpSleep:
		return nil, c.s.wake.sleep(time.Duration(a.Millis) * time.Millisecond)
	case app.OpUpstream:
		c.scratch, err = c.s.up.do(a.Millis, c.scratch)
		return c.scratch, err
	case app.OpFile:
		c.scratch, err = c.s.data.read(a.Name, &c.path, c.scratch)
		return c.scratch, err
	case app.OpCPU:
		return app.CPU(a.Iter), nil
	case app.OpFIFO:
		return nil, c.s.fifo.Wait(a.Millis) // write(2) blocks this thread until the backend drains the block
	}
	return nil, errors.New("threaded: unknown operation " + a.Op.String())
}

// flush writes the queued answers.
func (c *conn) flush() error {
	if len(c.out) == 0 {
		return nil
	}
	err := c.fd.write(c.out)
	c.out = c.out[:0]
	if cap(c.out) > keepBuffer {
		c.out = nil
	}
	return err
}
