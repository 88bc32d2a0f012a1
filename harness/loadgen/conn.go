package loadgen

import (
	"bytes"
	"net"
)

// readBufferSize is each connection's read buffer, as wrk's: it holds many
// pipelined answers, and larger bodies stream through it.
const readBufferSize = 8 << 10

// flight is a request sent and not yet answered.
type flight struct {
	route int32
	sent  int64 // run time the latency counts from
	at    int64 // scheduled run time (open loop), or sent
}

// answer is a complete answer and the request it answers.
type answer struct {
	flight
	status int32
	class  int32 // classOK, classStatus or classBody
}

// conn is one client connection: a write buffer, a read buffer, the queue
// of requests in flight, and the state of the answer being read. Answers
// arrive in the order of the requests (HTTP/1.1), so the queue's front is
// the request the next answer belongs to.
type conn struct {
	nc     net.Conn
	routes []route
	rbuf   []byte
	r, w   int
	wbuf   []byte

	queue       []flight // ring
	front, size int

	// The answer being read.
	head    respHead
	inBody  bool
	check   bool // the status is the expected one: compare the body
	bad     bool // the body differs
	off     int  // body bytes read
	closing bool // the server announced it closes after the last answer
	// err is the read error that arrived with the last answers in flight;
	// the connection is finished.
	err error

	deadline int64
	// dialed is when the connection's dial started (run time); seen is
	// set at its first answer, which the run's establishment records.
	dialed int64
	seen   bool
}

func newConn(nc net.Conn, routes []route, depth int) *conn {
	c := &conn{
		nc:     nc,
		routes: routes,
		rbuf:   make([]byte, readBufferSize),
		wbuf:   make([]byte, 0, 256*depth),
		queue:  make([]flight, depth),
	}
	return c
}

// push queues the request of route, to be written by flush.
func (c *conn) push(f flight) {
	c.queue[(c.front+c.size)%len(c.queue)] = f
	c.size++
	c.wbuf = append(c.wbuf, c.routes[f.route].request...)
}

// usable reports whether the connection can carry another request.
func (c *conn) usable() bool { return c.err == nil && !c.closing }

func (c *conn) oldest() *flight { return &c.queue[c.front] }

func (c *conn) pop() flight {
	f := c.queue[c.front]
	c.front = (c.front + 1) % len(c.queue)
	c.size--
	return f
}

// busyInWindow is the time the requests in flight have spent in the
// window [start, end) by its end.
func (c *conn) busyInWindow(start, end int64) int64 {
	var busy int64
	for i := range c.size {
		busy += overlap(c.queue[(c.front+i)%len(c.queue)].sent, end, start, end)
	}
	return busy
}

// reset forgets the connection's state, for a new connection nc.
func (c *conn) reset(nc net.Conn) {
	c.nc = nc
	c.r, c.w, c.front, c.size, c.inBody, c.closing, c.err, c.seen = 0, 0, 0, 0, false, false, nil, false
	c.wbuf = c.wbuf[:0]
}

// flush writes the queued requests.
func (c *conn) flush() error {
	if c.err != nil {
		return c.err
	}
	_, err := c.nc.Write(c.wbuf)
	c.wbuf = c.wbuf[:0]

	return err
}

// receive reads once and appends every answer it completed to ans.
func (c *conn) receive(ans []answer) ([]answer, error) {
	if c.w == len(c.rbuf) {
		c.compact()
	}
	if c.err != nil {
		return ans, c.err
	}
	n, err := c.read(c.rbuf[c.w:])
	c.w += n
	ans, perr := c.parse(ans)
	if perr != nil {
		return ans, perr
	}
	c.err = err
	if err != nil && c.size > 0 && !c.closing {
		return ans, err
	}
	return ans, nil
}

// compact moves unread bytes to the front of the read buffer.
func (c *conn) compact() {
	c.w = copy(c.rbuf, c.rbuf[c.r:c.w])
	c.r = 0
}

// parse consumes every complete answer in the read buffer.
func (c *conn) parse(ans []answer) ([]answer, error) {
	for c.r < c.w && !c.closing {
		if c.size == 0 {
			return ans, errUnsolicited
		}
		if !c.inBody {
			ok, err := c.parseHead()
			if err != nil || !ok {
				return ans, err
			}
		}
		c.consumeBody()
		if c.off < c.head.length {
			break
		}
		ans = append(ans, c.finish())
	}
	if c.r == c.w {
		c.r, c.w = 0, 0
	} else if c.r > 0 && !c.inBody && len(c.rbuf)-c.w < maxHead/8 {
		c.compact()
	}
	return ans, nil
}

func (c *conn) parseHead() (bool, error) {
	n, err := parseHead(c.rbuf[c.r:c.w], &c.head)
	if err != nil || n == 0 {
		if n == 0 && err == nil && c.r == 0 && c.w == len(c.rbuf) {
			return false, errHeadTooLarge
		}
		return false, err
	}
	c.r += n
	c.inBody, c.off, c.bad = true, 0, false
	exp := &c.routes[c.oldest().route].expect
	c.check = c.head.status == exp.Status
	if c.check && c.head.length != len(exp.Body) {
		c.bad = true
	}
	return true, nil
}

// consumeBody takes the body bytes available and compares them with the
// expected body as they stream through the buffer.
func (c *conn) consumeBody() {
	take := min(c.head.length-c.off, c.w-c.r)
	if c.check && !c.bad {
		exp := c.routes[c.oldest().route].expect.Body
		if !bytes.Equal(c.rbuf[c.r:c.r+take], exp[c.off:c.off+take]) {
			c.bad = true
		}
	}
	c.r += take
	c.off += take
}

func (c *conn) finish() answer {
	a := answer{flight: c.pop(), status: int32(c.head.status), class: classOK}
	switch {
	case !c.check:
		a.class = classStatus
	case c.bad:
		a.class = classBody
	}
	c.inBody = false
	c.closing = c.head.close
	return a
}

// read reads through net.Conn, which tries read(2) before it waits for
// readiness: right after a request the answer is rarely there, so about one
// read per request fails with EAGAIN. Skipping that read through
// syscall.RawConn does not work: RawConn.Read resets the descriptor's
// readiness before its first call, so an answer that arrived in between is
// missed until the next event (measured: connections hung until timeout).
func (c *conn) read(b []byte) (int, error) { return c.nc.Read(b) }
