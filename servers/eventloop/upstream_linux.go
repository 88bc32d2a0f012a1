package eventloop

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"loopbench/app"
	"loopbench/servers/internal/upstream"
)

var (
	errNoBackend      = errors.New("eventloop: no backend address configured (start the server with --backend HOST:PORT)")
	errBackendTimeout = errors.New("eventloop: backend did not answer in time")
	errBackendClosed  = errors.New("eventloop: backend closed the connection")
)

// backendPool is a loop's kept-alive connections to the backend. Each
// carries one call at a time, so one slow reply never delays another.
type backendPool struct {
	idle []*backend
	// addr is the loop's own copy of the backend's address: unix.Connect
	// writes into a Sockaddr, so loops must not share one.
	addr unix.Sockaddr
}

// backend states.
const (
	backendConnecting = iota
	backendBusy
	backendIdle
)

// backend is a connection to the backend service, on the loop's backend:
// non-blocking on epoll, a connect, sends and a receive on io_uring.
type backend struct {
	fd      int
	state   int
	closed  bool
	ans     *answer // the call in flight
	t       timer   // the call's deadline
	l       *loop
	n       int // bytes in buf
	buf     [128]byte
	line    []byte // the call's request line, in lineBuf
	lineBuf [16]byte

	// io_uring: the socket address connect reads, and whether a receive
	// is armed (one always is once connected: a reply, or the end of an
	// idle connection).
	sa        [unix.SizeofSockaddrInet6]byte
	recvArmed bool
	inflight
}

// call sends a's /upstream request on an idle connection, or a new one.
func (p *backendPool) call(l *loop, a *answer) {
	if p.addr == nil {
		l.complete(a, nil, errNoBackend)
		return
	}
	b := p.take()
	if b == nil {
		b = &backend{state: backendConnecting, l: l}
		b.t.cb = b
		if err := l.io.dial(l, b); err != nil {
			l.complete(a, nil, err)
			return
		}
	}
	b.ans = a
	l.timers.start(&b.t, l.now+int64(a.action.Millis)*int64(time.Millisecond)+int64(upstream.Slack))
	if b.state == backendIdle {
		b.send(l)
	}
}

func (p *backendPool) take() *backend {
	n := len(p.idle)
	if n == 0 {
		return nil
	}
	b := p.idle[n-1]
	p.idle[n-1] = nil
	p.idle = p.idle[:n-1]
	return b
}

// send sends the call's request line.
func (b *backend) send(l *loop) {
	b.line = app.AppendUpstreamRequest(b.lineBuf[:0], b.ans.action.Millis)
	b.state = backendBusy
	l.io.sendUpstream(l, b)
}

// connected finishes a connect that ended with err, and sends the waiting
// request.
func (b *backend) connected(l *loop, err error) {
	if err != nil {
		b.fail(l, os.NewSyscallError("connect", err))
		return
	}
	b.state = backendIdle
	b.send(l)
}

// got takes n more bytes of reply (0: the backend closed the connection);
// bytes arriving on an idle connection, or its EOF, end it.
func (b *backend) got(l *loop, n int) {
	if n == 0 || b.state != backendBusy {
		b.fail(l, errBackendClosed)
		return
	}
	b.n += n
	used, body, perr := app.ParseUpstreamReply(b.buf[:b.n])
	switch {
	case perr != nil || (used > 0 && used != b.n):
		b.fail(l, app.ErrUpstreamProtocol)
	case used > 0:
		b.reply(l, body)
	case b.n == len(b.buf):
		b.fail(l, app.ErrUpstreamProtocol)
	}
}

// reply completes the call and keeps the connection for the next one.
func (b *backend) reply(l *loop, body []byte) {
	a := b.ans
	b.ans, b.n = nil, 0
	l.timers.stop(&b.t)
	l.complete(a, body, nil)
	b.state = backendIdle
	if len(l.backend.idle) >= upstream.MaxIdle || l.stopping {
		b.close(l)
		return
	}
	l.backend.idle = append(l.backend.idle, b)
}

// onTimer fails a call the backend did not answer in time.
func (b *backend) onTimer(_ *timer, _ int64) { b.fail(b.l, errBackendTimeout) }

// fail answers the call in flight, if any, with err and closes the connection.
func (b *backend) fail(l *loop, err error) {
	if a := b.ans; a != nil {
		b.ans = nil
		l.complete(a, nil, err)
	}
	b.close(l)
}

func (b *backend) close(l *loop) {
	if b.closed {
		return
	}
	b.closed = true
	l.timers.stop(&b.t)
	l.io.unwatch(l, b.fd, &b.inflight)
	for i, x := range l.backend.idle {
		if x == b {
			l.backend.idle = append(l.backend.idle[:i], l.backend.idle[i+1:]...)
			break
		}
	}
	l.closing = append(l.closing, b)
}

// release closes the descriptor, once the kernel holds no request on it.
func (b *backend) release(l *loop) {
	if b.hold() {
		return
	}
	unix.Close(b.fd)
	l.forget(b.fd)
}

// closeAll closes every backend connection of the loop, answering calls in
// flight with an error.
func (p *backendPool) closeAll(l *loop) {
	for _, h := range l.handles {
		if b, ok := h.(*backend); ok {
			b.fail(l, errBackendClosed)
		}
	}
}
