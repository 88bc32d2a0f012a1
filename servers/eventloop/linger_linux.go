package eventloop

import (
	"time"

	"golang.org/x/sys/unix"
)

// lingerTime bounds how long a connection the server closes after its last
// answer keeps reading, and discarding, what the peer still sends. Closing a
// socket with unread input makes the kernel send RST, which can destroy the
// answer before the peer has read it; so, as Go's net/http does, the server
// half-closes first and waits a little for the peer's EOF.
const lingerTime = 500 * time.Millisecond

// lingerQueue holds the lingering connections in deadline order: every
// deadline is now+lingerTime, so appending keeps the order and one timer,
// due at the first deadline, serves them all.
type lingerQueue struct {
	conns     []*conn
	deadlines []int64
	t         timer
	l         *loop
}

// linger half-closes c and waits for the peer's EOF, up to lingerTime.
func (c *conn) linger(l *loop) {
	if err := unix.Shutdown(c.fd, unix.SHUT_WR); err != nil {
		c.close(l)
		return
	}
	c.draining = true
	l.io.watch(l, c) // read, to discard, and nothing else
	if c.closed {
		return
	}
	q := &l.lingering
	q.conns = append(q.conns, c)
	q.deadlines = append(q.deadlines, l.now+int64(lingerTime))
	if !q.t.active() {
		q.l = l
		q.t.cb = q
		l.timers.start(&q.t, q.deadlines[0])
	}
}

// onTimer closes the connections whose lingering time is over.
func (q *lingerQueue) onTimer(_ *timer, now int64) {
	k := 0
	for k < len(q.conns) && q.deadlines[k] <= now {
		q.conns[k].close(q.l)
		k++
	}
	n := copy(q.conns, q.conns[k:])
	clear(q.conns[n:])
	q.conns = q.conns[:n]
	q.deadlines = q.deadlines[:copy(q.deadlines, q.deadlines[k:])]
	if n > 0 {
		q.l.timers.start(&q.t, q.deadlines[0])
	}
}
