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

// backend is a non-blocking connection to the backend on the loop's epoll.
type backend struct {
	fd     int
	state  int
	closed bool
	ans    *answer // the call in flight
	t      timer   // the call's deadline
	l      *loop
	n      int // bytes in buf
	buf    [128]byte
}

// call sends a's /upstream request on an idle connection, or a new one.
func (p *backendPool) call(l *loop, a *answer) {
	if p.addr == nil {
		l.complete(a, nil, errNoBackend)
		return
	}
	b := p.take()
	if b == nil {
		var err error
		if b, err = dialBackend(l); err != nil {
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

// dialBackend starts a non-blocking connect; the socket reports writable
// once connected.
func dialBackend(l *loop) (*backend, error) {
	fd, err := unix.Socket(domainOf(l.backend.addr), unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	err = unix.Connect(fd, l.backend.addr)
	if err != nil && !errors.Is(err, unix.EINPROGRESS) {
		unix.Close(fd)
		return nil, os.NewSyscallError("connect", err)
	}
	b := &backend{fd: fd, state: backendConnecting, l: l}
	b.t.cb = b
	if err := l.add(fd, unix.EPOLLOUT|unix.EPOLLIN, b); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return b, nil
}

// send writes the request line. It is a few bytes on a connection with
// nothing else outstanding, so the kernel takes it whole; a short write
// means the connection is broken.
func (b *backend) send(l *loop) {
	var line [16]byte
	req := app.AppendUpstreamRequest(line[:0], b.ans.action.Millis)
	n, err := unix.Write(b.fd, req)
	for errors.Is(err, unix.EINTR) {
		n, err = unix.Write(b.fd, req)
	}
	if err != nil || n != len(req) {
		b.fail(l, errBackendClosed)
		return
	}
	b.state = backendBusy
}

func (b *backend) onEvent(l *loop, ev uint32) {
	if b.closed {
		return
	}
	if b.state == backendConnecting {
		b.connected(l)
		return
	}
	if ev&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		b.read(l)
	}
}

// connected finishes a non-blocking connect and sends the waiting request.
func (b *backend) connected(l *loop) {
	soerr, err := unix.GetsockoptInt(b.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && soerr != 0 {
		err = unix.Errno(soerr)
	}
	if err != nil {
		b.fail(l, os.NewSyscallError("connect", err))
		return
	}
	if err := l.modify(b.fd, unix.EPOLLIN); err != nil {
		b.fail(l, err)
		return
	}
	b.state = backendIdle
	b.send(l)
}

// read takes the reply; bytes arriving on an idle connection, or its EOF,
// end it.
func (b *backend) read(l *loop) {
	n, err := unix.Read(b.fd, b.buf[b.n:])
	switch {
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
		return
	case err != nil:
		b.fail(l, os.NewSyscallError("read", err))
		return
	case n == 0 || b.state != backendBusy:
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
	l.remove(b.fd)
	for i, x := range l.backend.idle {
		if x == b {
			l.backend.idle = append(l.backend.idle[:i], l.backend.idle[i+1:]...)
			break
		}
	}
	l.closing = append(l.closing, b)
}

func (b *backend) release(l *loop) {
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
